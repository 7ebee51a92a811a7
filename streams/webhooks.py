"""Pushing published warnings to subscribers' webhooks: signed POSTs, retried with back-off.

The ``notify`` agent (:func:`streams.pipeline.build_pipeline`, only when subscriptions are
configured) reads ``riskwire.warnings.history`` and hands each version's deliveries
(:func:`streams.subscriptions.delivery_for`) to :meth:`WebhookSender.push`. Delivery is at least
once: the offset is committed after the pushes end, and a delivered key is remembered in Redis
(``<ns>:webhook:<subscription>:<warning id>:<version>``, 90 days), so a re-read after a restart
skips what was delivered and repeats only a push that was under way, with the same body under
the same key. A subscriber that answers 2xx has it. 408, 429 (its ``Retry-After`` honoured up to
the back-off cap of a minute), 5xx, timeouts and refused connections are retried, ``attempts``
times in all, waiting ``backoff``, 2x, 4x ... seconds between; any other answer (a redirect, which
is not followed; 400, 401, 404, 410 ...) is final.
What is not delivered becomes a dead letter with the reason and the body it would have had.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp

from streams.subscriptions import SIGNATURE_HEADER, Delivery

__all__ = ["Outcome", "WebhookSender"]

log = logging.getLogger("riskwire.webhooks")

_RETRIED = frozenset({408, 429})
MAX_WAIT = 60.0  # the longest wait between attempts, whatever Retry-After says


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a push ended: delivered or not, after how many attempts, and the last answer."""

    delivered: bool
    attempts: int
    why: str


class WebhookSender:
    """POSTs deliveries with their signature and idempotency key; one HTTP session."""

    def __init__(
        self,
        attempts: int,
        backoff: float,
        timeout: float,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.attempts, self.backoff, self.timeout, self.sleep = attempts, backoff, timeout, sleep
        self._session: aiohttp.ClientSession | None = None

    async def push(self, delivery: Delivery) -> Outcome:
        """Deliver, retrying what may succeed later; never raises for the receiver's faults."""
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: delivery.signature,
            "X-Riskwire-Idempotency-Key": delivery.key,
            "X-Riskwire-Subscription": delivery.subscription.id,
            "User-Agent": "riskwire-webhooks",
        }
        why = ""
        for attempt in range(1, self.attempts + 1):
            headers["X-Riskwire-Attempt"] = str(attempt)
            wait = min(MAX_WAIT, self.backoff * 2 ** (attempt - 1))
            try:
                async with self._client().post(
                    delivery.subscription.url,
                    data=delivery.body,
                    headers=headers,
                    allow_redirects=False,  # a POST redirected becomes a GET without the body
                ) as answer:
                    status = answer.status
                    retry_after = answer.headers.get("Retry-After", "")
                    answer_location = answer.headers.get("Location", "")
            except (aiohttp.ClientError, TimeoutError) as exc:
                why = f"{type(exc).__name__}: {exc}"
            else:
                if 200 <= status < 300:
                    return Outcome(True, attempt, f"HTTP {status}")
                why = f"HTTP {status}"
                if 300 <= status < 400:
                    where = answer_location or "elsewhere"
                    return Outcome(False, attempt, f"{why} to {where} (redirects are not followed)")
                if status not in _RETRIED and status < 500:
                    return Outcome(False, attempt, why + " (not retried)")
                if retry_after.isdigit():
                    wait = min(MAX_WAIT, max(wait, float(retry_after)))
            if attempt < self.attempts:
                log.info(
                    "webhook %s, %s: attempt %d failed (%s), again in %.1f s",
                    delivery.subscription.id,
                    delivery.key,
                    attempt,
                    why,
                    wait,
                )
                await self.sleep(wait)
        return Outcome(False, self.attempts, why)

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            timeout = aiohttp.ClientTimeout(total=self.timeout)
            self._session = aiohttp.ClientSession(timeout=timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
