"""streams.web on an app that is not started: which pages exist, and who gets past which.

The views run in-process through aiohttp's test client; accepting records (``202``) needs a
broker and is checked in ``tests/integration/test_http_security.py``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer

from detectors.catalogue import Catalogue
from schemas.errors import ConfigError
from streams.pipeline import create_app
from streams.settings import Settings
from streams.state import RedisState
from streams.web import DEBUG_PAGE_SETTINGS, _Announce, install_web

WRITER = "writer-token-0123456789"
READER = "reader-token-0123456789"
ADMIN = "admin-token-0123456789ab"
TOKENS = orjson.dumps(
    {
        "tokens": [
            {"principal": "gateway", "roles": ["feed_writer"], "token": WRITER},
            {"principal": "li.wei", "roles": ["analyst"], "token": READER},
            {"principal": "ops", "roles": ["admin"], "token": ADMIN},
        ]
    }
).decode()


class _Redis:
    async def ping(self) -> bool:
        return True


class _State:
    client = _Redis()


def _app(
    catalogue: Catalogue,
    ready: Callable[[], Mapping[str, Any]] = lambda: {"ready": True},
    **overrides: Any,
) -> Any:
    settings = replace(Settings.from_env({}), namespace="webtest", **overrides)
    app = create_app(settings)
    install_web(app, settings, catalogue, cast(RedisState, _State()), ready)
    app.web.init_server()  # what the worker does before serving: Faust's blueprints go on
    return app


def _paths(app: Any) -> set[str]:
    return {route.resource.canonical for route in app.web.web_app.router.routes()}


@pytest.fixture
async def client(catalogue: Catalogue) -> AsyncIterator[TestClient[Any, Any]]:
    app = _app(catalogue, tokens=TOKENS)
    async with TestClient(TestServer(app.web.web_app)) as running:
        yield running


def test_the_app_binds_the_configured_host() -> None:
    assert create_app(Settings.from_env({})).conf.web_bind == "127.0.0.1"
    public = create_app(Settings.from_env({"RISKWIRE_WEB_HOST": "0.0.0.0"}))
    assert public.conf.web_bind == "0.0.0.0"


def test_faust_debug_pages_are_off_by_default(catalogue: Catalogue) -> None:
    app = _app(catalogue)
    assert not any(getattr(app.conf, flag) for flag in DEBUG_PAGE_SETTINGS)
    paths = _paths(app)
    assert {"/health", "/ready", "/feeds/{name}"} <= paths
    assert not [p for p in paths if p.startswith(("/router", "/table", "/graph", "/perf"))]
    assert "/assignment/" not in paths  # the statistics pages


def test_faust_debug_pages_on_request(catalogue: Catalogue) -> None:
    paths = _paths(_app(catalogue, web_debug=True))
    assert {"/router/", "/table/", "/graph/", "/assignment/", "/performance/"} <= paths


def test_install_web_must_come_before_the_web_server_is_built(catalogue: Catalogue) -> None:
    settings = Settings.from_env({})
    app = create_app(settings)
    assert app.web is not None
    with pytest.raises(RuntimeError, match=r"before app\.web"):
        install_web(app, settings, catalogue, cast(RedisState, _State()), dict)


def test_a_bad_tokens_file_stops_the_worker_before_it_starts(
    catalogue: Catalogue, tmp_path: Path
) -> None:
    bad = tmp_path / "tokens.json"
    bad.write_text('{"tokens": [{"principal": "x", "roles": ["writer"], "token": "t"}]}')
    with pytest.raises(ConfigError, match="unknown roles"):
        _app(catalogue, tokens_file=str(bad))


async def _post(client: TestClient[Any, Any], token: str | None, **kwargs: Any) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    headers.update(kwargs.pop("headers", {}))
    return await client.post("/feeds/complaints", headers=headers, **kwargs)


async def test_writes_need_the_feed_writer_role(client: TestClient[Any, Any]) -> None:
    anonymous = await _post(client, None, data=b"{}")
    assert anonymous.status == 401
    assert anonymous.headers["WWW-Authenticate"] == 'Bearer realm="riskwire"'
    unknown = await _post(client, "not-a-token-we-know-of", data=b"{}")
    assert unknown.status == 401
    assert 'error="invalid_token"' in unknown.headers["WWW-Authenticate"]
    reader = await _post(client, READER, data=b"{}")
    assert reader.status == 403
    assert await reader.json() == {"error": "li.wei lacks the feed_writer role"}
    # the writer gets past authentication to the body checks (accepting needs a broker)
    assert (await _post(client, WRITER, data=b"{}")).status == 400
    assert (await _post(client, ADMIN, data=b"{}")).status == 400


async def test_an_unknown_feed_is_404_only_for_a_writer(client: TestClient[Any, Any]) -> None:
    assert (await client.post("/feeds/nope", data=b"{}")).status == 401
    nope = await client.post(
        "/feeds/nope", data=b"{}", headers={"Authorization": f"Bearer {WRITER}"}
    )
    assert nope.status == 404


async def test_content_types_and_repeated_keys(client: TestClient[Any, Any]) -> None:
    plain = await _post(client, WRITER, data=b"{}", headers={"Content-Type": "text/plain"})
    assert plain.status == 415
    assert "text/plain" in (await plain.json())["error"]
    repeated = await _post(client, WRITER, data=b'{"complaint_id": "a", "complaint_id": "b"}')
    assert repeated.status == 400
    assert (await repeated.json())["errors"] == [
        {"index": 0, "path": "complaint_id", "reason": "duplicate key 'complaint_id'"}
    ]


async def test_reads_are_open_by_default(client: TestClient[Any, Any]) -> None:
    health = await client.get("/health")
    assert health.status == 200
    assert await health.json() == {"status": "ok", "namespace": "webtest"}
    assert (await client.get("/ready")).status == 200
    assert (await client.get("/router/")).status == 404


async def test_ready_is_503_with_the_reasons_until_ready(catalogue: Catalogue) -> None:
    state = {"ready": False, "reasons": ["tables recovering"]}
    app = _app(catalogue, ready=lambda: state)
    async with TestClient(TestServer(app.web.web_app)) as running:
        waiting = await running.get("/ready")
        assert waiting.status == 503
        assert await waiting.json() == state
        state["ready"] = True
        assert (await running.get("/ready")).status == 200


async def test_reads_need_a_token_when_configured(catalogue: Catalogue) -> None:
    app = _app(catalogue, tokens=TOKENS, read_auth=True)
    async with TestClient(TestServer(app.web.web_app)) as running:
        for path in ("/health", "/ready"):
            refused = await running.get(path)
            assert refused.status == 401 and "WWW-Authenticate" in refused.headers
            allowed = await running.get(path, headers={"Authorization": f"Bearer {READER}"})
            assert allowed.status == 200


async def test_debug_pages_need_an_admin_token_when_tokens_are_configured(
    catalogue: Catalogue,
) -> None:
    app = _app(catalogue, tokens=TOKENS, web_debug=True)
    async with TestClient(TestServer(app.web.web_app)) as running:
        assert (await running.get("/table/")).status == 401
        as_reader = await running.get("/table/", headers={"Authorization": f"Bearer {READER}"})
        assert as_reader.status == 403
        as_admin = await running.get("/table/", headers={"Authorization": f"Bearer {ADMIN}"})
        assert as_admin.status == 200
        assert (await running.get("/health")).status == 200  # riskwire's own pages unchanged
        # ... and keep their own roles: an analyst's decision is not refused as "not admin"
        decision = await running.post(
            "/warnings/W1/decisions",
            data=b"not json",
            headers={"Authorization": f"Bearer {READER}", "Content-Type": "application/json"},
        )
        assert decision.status == 400, await decision.text()


async def test_the_worker_warns_once_at_start_when_writes_are_open(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = Settings.from_env({})
    with caplog.at_level(logging.INFO, logger="riskwire.web"):
        await _Announce(settings, install_tokens(None)).on_start()
        await _Announce(settings, install_tokens(TOKENS)).on_start()
    open_, guarded = caplog.records
    assert open_.levelno == logging.WARNING
    assert "No API tokens configured" in open_.getMessage()
    assert "127.0.0.1:6066" in open_.getMessage()
    assert guarded.levelno == logging.INFO
    assert "3 tokens for 3 principals" in guarded.getMessage()
    assert WRITER not in caplog.text


def install_tokens(document: str | None) -> Any:
    from streams.auth import load_tokens

    return load_tokens(inline=document or "")
