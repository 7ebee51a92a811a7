"""What an analyst sees of the warnings: the worker's view in the real Redis, served by
``GET /warnings`` and ``GET /warnings/<id>`` behind analyst tokens, read by
``riskwire warnings list|show``."""

from __future__ import annotations

import asyncio
import contextlib
import io
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
import redis
from aiohttp.test_utils import TestClient, TestServer

from cli.warnings import list_warnings, show_warning, watch_warnings
from detectors.catalogue import load_catalogue
from schemas.errors import ConfigError
from schemas.records import Signal, Warning
from streams.pipeline import create_app
from streams.settings import Settings
from streams.state import EXCERPT_CHARS, RedisState, clear_namespace
from streams.web import install_web

ANALYST = "analyst-token-0123456789"
WRITER = "writer-token-0123456789"
TOKENS = orjson.dumps(
    {
        "tokens": [
            {"principal": "li.wei", "roles": ["analyst"], "token": ANALYST},
            {"principal": "gateway", "roles": ["feed_writer"], "token": WRITER},
        ]
    }
).decode()
T0 = datetime(2026, 9, 12, 8, tzinfo=UTC)
REPORT = Signal(
    signal_id="complaints:C1",
    feed="complaints",
    source_id="C1",
    event_time=T0,
    ingest_time=T0,
    product_name="乐途儿童滑板车",
    text="孩子玩滑板车时折叠处夹到手指，\n流了很多血。" * 12,
    region="上海",
)


def _version(warning_id: str, version: int, grade: str, colour: str, **kw: Any) -> Warning:
    fields: dict[str, Any] = {
        "warning_id": warning_id,
        "version": version,
        "cluster_id": "K-" + warning_id.removeprefix("W-"),
        "status": "active",
        "change": "issued" if version == 1 else "upgraded",
        "grade": grade,
        "colour": colour,
        "kind": "alert_notification",
        "authority": "competent quality-safety authority",
        "title": f"Grade {grade} physical risk: 乐途儿童滑板车",
        "product": "乐途儿童滑板车",
        "category": "childrens_products",
        "hazard_class": "physical",
        "scope_regions": ("上海",),
        "warning_items": ("12 risk signals from complaints, injuries",),
        "measures": ("port targeting: hold matching lines",),
        "start_time": T0,
        "updated_time": T0 + timedelta(days=version),
        "score": 50.0,
        "hazard": 5,
        "urgency": 2,
        "scope": 5,
        "evidence": ("complaints:C1", "injuries:I1"),
        "reason": f"version {version}",
        "standard_version": "riskwire-grading-2026.12",
    }
    fields.update(kw)
    return Warning(**fields)


@pytest.fixture
async def served(redis_url: str) -> AsyncIterator[tuple[TestClient[Any, Any], Settings]]:
    namespace = f"rwview-{uuid.uuid4().hex[:8]}"
    settings = replace(Settings.from_env({}), namespace=namespace, tokens=TOKENS)
    state = RedisState.from_url(redis_url, namespace)
    scooter = [_version("W-aaa", 1, "II", "orange"), _version("W-aaa", 2, "I", "red")]
    heater = _version("W-bbb", 1, "IV", "blue", status="lifted", change="lifted")
    for version in [*scooter, heater]:
        await state.put_warning(version)
    await state.put_warning(scooter[0])  # version 1 read again after a crash
    await state.put_report(REPORT)  # the other report of W-aaa's evidence is not kept
    app = create_app(settings)
    install_web(app, settings, load_catalogue(), state, lambda: {"ready": True})
    app.web.init_server()
    try:
        async with TestClient(TestServer(app.web.web_app)) as client:
            yield client, replace(settings, web_port=client.port or 0)
    finally:
        await state.close()
        clear_namespace(redis.Redis.from_url(redis_url), namespace)


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_the_latest_versions_in_force_first_and_only_for_analysts(
    served: tuple[TestClient[Any, Any], Settings],
) -> None:
    client, _ = served
    assert (await client.get("/warnings")).status == 401
    assert (await client.get("/warnings", headers=_auth(WRITER))).status == 403
    answer = await client.get("/warnings", headers=_auth(ANALYST))
    assert answer.status == 200
    listed = (await answer.json())["warnings"]
    # an older version read again never replaces the latest
    assert [(w["warning_id"], w["version"], w["grade"]) for w in listed] == [
        ("W-aaa", 2, "I"),
        ("W-bbb", 1, "IV"),
    ]
    active = await client.get("/warnings?status=active", headers=_auth(ANALYST))
    assert [w["warning_id"] for w in (await active.json())["warnings"]] == ["W-aaa"]


async def test_one_warning_by_its_id_with_its_history(
    served: tuple[TestClient[Any, Any], Settings],
) -> None:
    client, _ = served
    answer = await client.get("/warnings/W-aaa", headers=_auth(ANALYST))
    assert answer.status == 200
    body = await answer.json()
    assert (body["warning"]["version"], body["warning"]["grade"]) == (2, "I")
    assert [(v["version"], v["reason"]) for v in body["history"]] == [
        (1, "version 1"),
        (2, "version 2"),
    ]
    # the reports behind it: feed, time, region and a text excerpt (whitespace folded, cut)
    first, second = body["reports"]
    assert (first["signal_id"], first["feed"], first["region"]) == (
        "complaints:C1",
        "complaints",
        "上海",
    )
    assert first["excerpt"].startswith("孩子玩滑板车时折叠处夹到手指， 流了很多血。")
    assert len(first["excerpt"]) == EXCERPT_CHARS and first["excerpt"].endswith("…")
    assert second == {"signal_id": "injuries:I1", "expired": True}
    missing = await client.get("/warnings/W-nope", headers=_auth(ANALYST))
    assert missing.status == 404 and "W-nope" in (await missing.json())["error"]


async def test_the_command_line_reads_through_the_endpoint(
    served: tuple[TestClient[Any, Any], Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, settings = served
    monkeypatch.setenv("RISKWIRE_API_URL", str(client.make_url("")).rstrip("/"))
    monkeypatch.setenv("NO_COLOR", "1")

    def run(fn: Any, *args: Any) -> str:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert fn(settings, *args) == 0
        return out.getvalue()

    monkeypatch.delenv("RISKWIRE_API_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="401"):
        await asyncio.to_thread(run, list_warnings, None, False)
    monkeypatch.setenv("RISKWIRE_API_TOKEN", ANALYST)
    listed = await asyncio.to_thread(run, list_warnings, None, False)
    assert listed.splitlines()[0].startswith("W-aaa v2") and "2 warnings" in listed
    shown = await asyncio.to_thread(run, show_warning, "W-aaa", False)
    assert "why: version 1" in shown and "measure: port targeting" in shown
    assert "complaints   上海     complaints:C1: 孩子玩滑板车" in shown
    assert "injuries:I1: no longer kept" in shown
    watched = await asyncio.to_thread(run, watch_warnings, 0.0, 2, lambda _: None)
    # oldest change first; the second look prints nothing again
    assert [line.split()[:2] for line in watched.splitlines()] == [["W-bbb", "v1"], ["W-aaa", "v2"]]
    as_json = orjson.loads(await asyncio.to_thread(run, show_warning, "W-aaa", True))
    assert as_json["warning"]["warning_id"] == "W-aaa"


async def test_a_control_read_again_never_revives_a_lifted_one(redis_url: str) -> None:
    from schemas.records import Control

    namespace = f"rwview-{uuid.uuid4().hex[:8]}"
    state = RedisState.from_url(redis_url, namespace)
    active = Control(
        control_id="C-aaa",
        version=1,
        warning_id="W-aaa",
        status="active",
        action="hold",
        grade="II",
        reason="t",
        hs_prefixes=("950300",),
        valid_from=T0,
    )
    try:
        await state.put_control(active)
        assert [c.control_id for c in (await state.targeting_view())[0]] == ["C-aaa"]
        await state.put_control(replace(active, version=2, status="lifted"))
        await state.put_control(active)  # version 1 read again after a crash
        assert (await state.targeting_view())[0] == []
    finally:
        await state.close()
        clear_namespace(redis.Redis.from_url(redis_url), namespace)
