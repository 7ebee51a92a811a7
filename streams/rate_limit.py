"""Token buckets per caller, for the public API: a steady rate with room for a burst. Pure: the
clock is passed in, so tests step it instead of sleeping."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

__all__ = ["RateLimiter"]


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """``rate`` requests a second per caller, bursts of up to ``burst``; at most ``callers``
    buckets are kept (the least recently seen go first: a flood of new addresses cannot grow
    memory, and a forgotten caller only gets a fresh burst)."""

    def __init__(self, rate: float, burst: int, callers: int = 10_000) -> None:
        if not rate > 0 or burst < 1 or callers < 1:  # "not >": NaN too
            raise ValueError("a rate limit needs a positive rate, a burst and callers of 1+")
        self.rate, self.burst, self.callers = rate, burst, callers
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def allow(self, caller: str, now: float) -> float:
        """``0.0`` when the request may go on (a token is taken), else the seconds to wait."""
        bucket = self._buckets.pop(caller, None)
        if bucket is None:
            bucket = _Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + max(0.0, now - bucket.at) * self.rate)
        bucket.at = now
        self._buckets[caller] = bucket
        while len(self._buckets) > self.callers:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate
