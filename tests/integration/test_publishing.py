"""Publishing on the real broker and Redis: an approved announcement is in the public API and its
Atom feed, each published version reaches a subscriber's webhook once, signed; a subscriber
that keeps failing ends in the dead letters after its retries; a customs alert is never public;
a lifted warning shows as lifted; the personal data planted in its reports' texts never leaves."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
import signal
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlencode

import feedparser
import orjson
import pytest
from aiohttp import web
from faker import Faker

from cli.producer import kafka_producer
from cli.warnings import fetch
from lab.faults import Fleet
from schemas.codec import encode
from schemas.errors import ConfigError
from schemas.records import Assessment, Signal
from streams.settings import Settings
from streams.state import RedisState

ANALYST = "analyst-token-0123456789"
PARTNER = "partner-token-0123456789"
ENTERPRISE = "91330100MA2GL8XX7Y"
SECRET = "webhook-secret-0123456789"


@dataclass
class Receiver:
    """A webhook receiver on a thread: ``/ok`` keeps what it gets, ``/fail`` answers 500."""

    port: int = 0
    got: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    seen = Receiver()
    loop = asyncio.new_event_loop()
    started = threading.Event()

    async def ok(request: web.Request) -> web.Response:
        seen.got.append((dict(request.headers), await request.read()))
        return web.Response(status=204)

    async def fail(request: web.Request) -> web.Response:
        seen.failed.append(request.headers["X-Riskwire-Idempotency-Key"])
        return web.Response(status=500)

    async def serve() -> web.AppRunner:
        app = web.Application()
        app.router.add_post("/ok", ok)
        app.router.add_post("/fail", fail)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        seen.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return runner

    def run() -> None:
        asyncio.set_event_loop(loop)
        runner = loop.run_until_complete(serve())
        started.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(10)
    yield seen
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def _at_home(alert: Assessment) -> Assessment:
    """The demo's first alert as domestic goods in Zhejiang naming one enterprise: a public
    announcement from grade II (as it is, imported goods, it is an alert to customs)."""
    home = replace(
        alert.cluster,
        cluster_id="K-" + hashlib.sha256(alert.cluster.cluster_id.encode()).hexdigest()[:12],
        origins=("CN",),
        import_quantity=0,
        hs_codes=(),
        region_counts={"浙江": sum(alert.cluster.region_counts.values())},
        enterprises=(ENTERPRISE,),
    )
    return replace(alert, cluster=home, score=max(alert.score, 50.0))


def _planted(fake: Faker, i: int) -> tuple[str, list[str]]:
    """A complaint text with a person's name, address, phone and ID-card number in it."""
    phone, ssn = fake.phone_number(), fake.ssn()
    text = (
        f"我是{fake.name()}，家住{fake.address()}，电话{phone}，身份证号{ssn}。"
        f"第{i}次投诉：电暖器使用半小时后插头烧焦冒烟，差点起火。"
    )
    return text, [phone, ssn]


def test_published_announcements_feeds_webhooks_and_what_never_leaves(
    new_pipeline: Callable[..., AbstractContextManager[Settings]],
    tmp_path: Path,
    one_alert: list[Assessment],
    read_until: Callable[..., list[dict[str, Any]]],
    receiver: Receiver,
    redis_url: str,
) -> None:
    tokens = orjson.dumps(
        {
            "tokens": [
                {"principal": "li.wei", "roles": ["analyst"], "token": ANALYST},
                {
                    "principal": "nuan-qa",
                    "roles": ["partner"],
                    "enterprise": ENTERPRISE,
                    "token": PARTNER,
                },
            ]
        }
    ).decode()
    hook = f"http://127.0.0.1:{receiver.port}"
    subscriptions = orjson.dumps(
        {
            "subscriptions": [
                {"id": "zj-amr", "url": f"{hook}/ok", "secret": SECRET, "regions": ["浙江"]},
                {"id": "broken", "url": f"{hook}/fail", "secret": SECRET},
            ]
        }
    ).decode()
    alert = next(a for a in one_alert if a.score >= 45)
    announcement = _at_home(alert)
    fake = Faker("zh_CN")
    fake.seed_instance(23)
    with new_pipeline(
        tokens=tokens,
        tick_seconds=0,
        subscriptions=subscriptions,
        webhook_attempts=3,
        webhook_backoff=0.05,
        public_cache_seconds=0.0,
    ) as settings:
        fleet = Fleet(settings, tmp_path)
        worker = fleet.start()
        fleet.wait_ready(worker)
        producer = kafka_producer(settings)
        url = f"http://127.0.0.1:{worker.web_port}"

        def get(path: str, token: str | None = None) -> Any:
            env = {"RISKWIRE_API_URL": url, "RISKWIRE_API_TOKEN": token or ""}
            with mock.patch.dict(os.environ, env):
                return fetch(settings, path)

        def raw(path: str) -> bytes:
            with urllib.request.urlopen(url + path, timeout=10) as answer:
                body: bytes = answer.read()
                return body

        try:
            for a in (alert, announcement):
                key = a.cluster.cluster_id.encode()
                producer.send(settings.topic("assessments"), key=key, value=encode(a))
            producer.flush()
            issued = read_until(settings, "warnings.history", lambda seen: len(seen) >= 2)
            kinds = {v["kind"]: v for v in issued}
            public_id = kinds["warning_announcement"]["warning_id"]
            customs_id = kinds["alert_notification"]["warning_id"]
            # the reports behind the announcement, with personal data in their texts
            planted: list[str] = []
            state = RedisState.from_url(redis_url, settings.namespace)
            evidence = kinds["warning_announcement"]["evidence"]

            async def put_reports() -> None:
                for i, signal_id in enumerate(evidence):
                    text, secrets = _planted(fake, i)
                    planted.extend(secrets)
                    feed, _, source = signal_id.partition(":")
                    at = alert.cluster.last_seen - timedelta(hours=i)
                    await state.put_report(
                        Signal(
                            signal_id=signal_id,
                            feed=feed,
                            source_id=source,
                            event_time=at,
                            ingest_time=at,
                            product_name="暖阳电暖器",
                            text=text,
                            region="浙江",
                        )
                    )
                await state.close()

            asyncio.run(put_reports())

            listed = get("/public/warnings")
            assert [w["warning_id"] for w in listed["warnings"]] == [public_id]
            shown = listed["warnings"][0]
            assert (shown["kind_label"], shown["status"]) == ("风险警示公告", "active")
            assert shown["grade_label"].startswith(shown["grade"] + "级")
            with pytest.raises(ConfigError, match="404"):
                get(f"/public/warnings/{customs_id}")  # a customs alert: never public
            assert (
                get("/public/warnings?" + urlencode({"region": "浙江", "grade": shown["grade"]}))[
                    "total"
                ]
                == 1
            )
            assert get("/public/warnings?" + urlencode({"region": "北京"}))["total"] == 0
            with pytest.raises(ConfigError, match="400"):
                get("/public/warnings?grade=V")
            feed = feedparser.parse(raw("/public/feed.atom"))
            assert feed.bozo == 0, feed.get("bozo_exception")
            assert [e.id for e in feed.entries] == [f"urn:riskwire:warning:{public_id}"]
            # the partner named in the announcement reads its reports' excerpts, masked
            theirs = get(f"/public/warnings/{public_id}", PARTNER)
            reports = [i for i in evidence if not i.startswith("declarations:")]
            assert len(theirs["reports"]) == min(20, len(reports)) > 0
            assert all("[电话]" in r["excerpt"] for r in theirs["reports"])
            assert "reports" not in get(f"/public/warnings/{public_id}")

            # lifted by an analyst: public, feed and webhook show it lifted
            version = shown["version"]
            body = {"action": "lift", "version": version, "reason": "召回完成 recall done"}
            env = {"RISKWIRE_API_URL": url, "RISKWIRE_API_TOKEN": ANALYST}
            with mock.patch.dict(os.environ, env):
                fetch(settings, f"/warnings/{public_id}/decisions", body)
            deadline = time.monotonic() + 60
            while get(f"/public/warnings/{public_id}")["status"] != "lifted":
                assert time.monotonic() < deadline, "the lift never reached the public API"
                time.sleep(0.2)
            lifted = feedparser.parse(raw("/public/feed.atom?status=lifted"))
            assert lifted.bozo == 0 and "lifted" in lifted.entries[0].title
            letters = read_until(settings, "deadletter", lambda seen: len(seen) >= 2)
            deadline = time.monotonic() + 30
            while len(receiver.got) < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
            answers = [
                raw("/public/warnings"),
                raw(f"/public/warnings/{public_id}"),
                raw("/public/feed.atom"),
            ]
            partner_view = urllib.request.Request(f"{url}/public/warnings/{public_id}")
            partner_view.add_header("Authorization", f"Bearer {PARTNER}")
            with urllib.request.urlopen(partner_view, timeout=10) as answer:
                answers.append(answer.read())
        finally:
            producer.close()
            for w in list(fleet.workers):
                fleet.stop(w)

    # the subscriber got each published version once (issued, lifted), signed
    keys = [headers["X-Riskwire-Idempotency-Key"] for headers, _ in receiver.got]
    assert keys == [f"{public_id}:{version}", f"{public_id}:{version + 1}"]
    for headers, body in receiver.got:
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["X-Riskwire-Signature"], expected)
        assert orjson.loads(body)["warning"]["warning_id"] == public_id
    assert orjson.loads(receiver.got[-1][1])["warning"]["status"] == "lifted"
    # the broken subscriber: three attempts per version, then a dead letter with the body
    assert receiver.failed == [keys[0]] * 3 + [keys[1]] * 3
    pushed = sorted((x for x in letters if x["path"] == "$.subscriptions[broken]"), key=str)
    assert len(pushed) == 2 and all("HTTP 500" in x["reason"] for x in pushed)
    assert {orjson.loads(base64.b64decode(x["raw"]))["idempotency_key"] for x in pushed} == set(
        keys
    )
    # nothing of the customs alert and none of the planted numbers in any outside answer
    outside = b"".join(answers) + b"".join(body for _, body in receiver.got)
    assert customs_id.encode() not in outside and public_id.encode() in outside
    assert planted and not [p for p in planted if p.encode() in outside]


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "kill-9"])
def test_a_restart_pushes_nothing_twice_and_misses_nothing(
    new_pipeline: Callable[..., AbstractContextManager[Settings]],
    tmp_path: Path,
    one_alert: list[Assessment],
    read_until: Callable[..., list[dict[str, Any]]],
    receiver: Receiver,
    how: signal.Signals,
) -> None:
    tokens = orjson.dumps(
        {"tokens": [{"principal": "li.wei", "roles": ["analyst"], "token": ANALYST}]}
    ).decode()
    hook = f"http://127.0.0.1:{receiver.port}/ok"
    subscriptions = orjson.dumps(
        {"subscriptions": [{"id": "all", "url": hook, "secret": SECRET}]}
    ).decode()
    announcement = _at_home(next(a for a in one_alert if a.score >= 45))
    with new_pipeline(
        tokens=tokens, tick_seconds=0, subscriptions=subscriptions, commit_interval=30.0
    ) as settings:
        fleet = Fleet(settings, tmp_path)
        worker = fleet.start()
        fleet.wait_ready(worker)
        producer = kafka_producer(settings)
        try:
            key = announcement.cluster.cluster_id.encode()
            producer.send(settings.topic("assessments"), key=key, value=encode(announcement))
            producer.flush()
            (issued,) = read_until(settings, "warnings.history", lambda seen: len(seen) >= 1)
            deadline = time.monotonic() + 30
            while not receiver.got and time.monotonic() < deadline:
                time.sleep(0.05)
            fleet.stop(worker, how)  # at once: the history offset may not be committed yet
            worker = fleet.start()
            fleet.wait_ready(worker)
            body = {"action": "lift", "version": issued["version"], "reason": "recall done"}
            env = {"RISKWIRE_API_URL": f"http://127.0.0.1:{worker.web_port}"}
            with mock.patch.dict(os.environ, {**env, "RISKWIRE_API_TOKEN": ANALYST}):
                fetch(settings, f"/warnings/{issued['warning_id']}/decisions", body)
            deadline = time.monotonic() + 60
            while len(receiver.got) < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(2)  # time enough for a repeat to arrive, were there one
        finally:
            producer.close()
            for w in list(fleet.workers):
                fleet.stop(w)
    wid, version = issued["warning_id"], issued["version"]
    keys = [headers["X-Riskwire-Idempotency-Key"] for headers, _ in receiver.got]
    assert list(dict.fromkeys(keys)) == [f"{wid}:{version}", f"{wid}:{version + 1}"]
    if how == signal.SIGTERM:  # a graceful stop marks every push it made: none comes again
        assert len(keys) == 2, keys
    else:  # kill -9 between a delivery and its mark may push it again (at least once, as
        # documented): then under the same key and with the same body, byte for byte
        for key in set(keys):
            assert (
                len({body for (h, body) in receiver.got if h["X-Riskwire-Idempotency-Key"] == key})
                == 1
            )
