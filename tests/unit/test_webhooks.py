"""The webhook sender against a real local HTTP server: what is retried, what is final, how long
it waits, and that a redirect is never followed (a POST redirected arrives as a GET, bodiless)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from streams.public_api import caller_address
from streams.subscriptions import Delivery, Subscription
from streams.webhooks import MAX_WAIT, WebhookSender

SECRET = "webhook-secret-0123456789"


@pytest.fixture
async def server() -> AsyncIterator[tuple[TestServer, dict[str, list[Any]]]]:
    seen: dict[str, list[Any]] = {"ok": [], "flaky": [], "gone": [], "busy": [], "moved": []}

    async def ok(request: web.Request) -> web.Response:
        seen["ok"].append((request.method, await request.read()))
        return web.Response(status=204)

    async def flaky(request: web.Request) -> web.Response:
        seen["flaky"].append(request.headers["X-Riskwire-Attempt"])
        return web.Response(status=503 if len(seen["flaky"]) < 3 else 200)

    async def gone(request: web.Request) -> web.Response:
        seen["gone"].append(1)
        return web.Response(status=410)

    async def busy(request: web.Request) -> web.Response:
        seen["busy"].append(1)
        return web.Response(status=429, headers={"Retry-After": "3600"})

    async def moved(request: web.Request) -> web.Response:
        seen["moved"].append(1)
        raise web.HTTPTemporaryRedirect("/ok")

    app = web.Application()
    for name, handler in (("ok", ok), ("flaky", flaky), ("gone", gone), ("busy", busy)):
        app.router.add_post(f"/{name}", handler)
    app.router.add_route("*", "/ok", ok)
    app.router.add_post("/moved", moved)
    async with TestServer(app) as running:
        yield running, seen


def _delivery(url: str) -> Delivery:
    sub = Subscription(id="s", url=url, secret=SECRET)
    return Delivery(sub, "W-a:1", b'{"idempotency_key":"W-a:1"}')


async def _sender(waits: list[float], attempts: int = 4) -> WebhookSender:
    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    return WebhookSender(attempts=attempts, backoff=0.5, timeout=5.0, sleep=sleep)


async def test_server_errors_are_retried_with_doubling_waits(server: Any) -> None:
    running, seen = server
    waits: list[float] = []
    sender = await _sender(waits)
    outcome = await sender.push(_delivery(str(running.make_url("/flaky"))))
    await sender.close()
    assert (outcome.delivered, outcome.attempts) == (True, 3)
    assert seen["flaky"] == ["1", "2", "3"] and waits == [0.5, 1.0]


async def test_a_final_answer_is_not_retried(server: Any) -> None:
    running, seen = server
    waits: list[float] = []
    sender = await _sender(waits)
    outcome = await sender.push(_delivery(str(running.make_url("/gone"))))
    await sender.close()
    assert not outcome.delivered and outcome.attempts == 1 and "410" in outcome.why
    assert seen["gone"] == [1] and waits == []


async def test_retry_after_is_honoured_up_to_the_cap(server: Any) -> None:
    running, seen = server
    waits: list[float] = []
    sender = await _sender(waits, attempts=3)
    outcome = await sender.push(_delivery(str(running.make_url("/busy"))))
    await sender.close()
    assert not outcome.delivered and outcome.attempts == 3 and "429" in outcome.why
    assert seen["busy"] == [1, 1, 1]
    assert waits == [MAX_WAIT, MAX_WAIT]


async def test_a_redirect_is_final_and_not_followed(server: Any) -> None:
    running, seen = server
    waits: list[float] = []
    sender = await _sender(waits)
    outcome = await sender.push(_delivery(str(running.make_url("/moved"))))
    await sender.close()
    assert not outcome.delivered and "307" in outcome.why and "not followed" in outcome.why
    assert seen["moved"] == [1] and seen["ok"] == []  # nothing reached the redirect's target


async def test_a_refused_connection_is_retried_then_given_up() -> None:
    waits: list[float] = []
    sender = await _sender(waits, attempts=2)
    outcome = await sender.push(_delivery("http://127.0.0.1:9/nothing-listens"))
    await sender.close()
    assert not outcome.delivered and outcome.attempts == 2 and waits == [0.5]


def test_callers_are_limited_by_address_and_an_ipv6_host_by_its_64() -> None:
    assert caller_address("203.0.113.7") == "addr:203.0.113.7"
    one = caller_address("2001:db8:1:2:aaaa::1")
    assert one == caller_address("2001:db8:1:2:ffff:ffff:ffff:fffe") == "addr:2001:db8:1:2::/64"
    assert one != caller_address("2001:db8:1:3::1")
    assert caller_address(None) == "addr:None" and caller_address("unix") == "addr:unix"
