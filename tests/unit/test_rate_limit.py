"""Token buckets per caller for the public API, on a stepped clock (streams.rate_limit)."""

from __future__ import annotations

import math

import pytest

from streams.rate_limit import RateLimiter


def test_a_burst_goes_through_then_the_next_request_waits_for_one_token() -> None:
    limiter = RateLimiter(rate=2.0, burst=3)
    assert [limiter.allow("1.2.3.4", 100.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.allow("1.2.3.4", 100.0)
    assert wait > 0
    assert math.isclose(wait, 0.5)  # one token at 2 a second
    assert math.isclose(limiter.allow("1.2.3.4", 100.0), 0.5)  # a refusal takes nothing


def test_tokens_refill_at_the_rate_and_never_beyond_the_burst() -> None:
    limiter = RateLimiter(rate=2.0, burst=3)
    for _ in range(3):
        limiter.allow("a", 0.0)
    assert limiter.allow("a", 0.25) > 0  # half a token so far
    assert math.isclose(limiter.allow("a", 0.25), 0.25)
    assert limiter.allow("a", 0.5) == 0.0  # one token at 0.5 s
    assert limiter.allow("a", 0.5) > 0
    # a long pause refills the burst, no more
    assert [limiter.allow("a", 1000.0) for _ in range(3)] == [0.0] * 3
    assert limiter.allow("a", 1000.0) > 0


def test_a_steady_caller_at_the_rate_is_never_refused() -> None:
    limiter = RateLimiter(rate=4.0, burst=1)  # quarter seconds: exact in binary
    assert all(limiter.allow("a", i / 4) == 0.0 for i in range(200))
    assert limiter.allow("a", 199 / 4) > 0  # a second request within the same quarter


def test_callers_have_their_own_buckets() -> None:
    limiter = RateLimiter(rate=1.0, burst=2)
    assert [limiter.allow("a", 0.0) for _ in range(2)] == [0.0, 0.0]
    assert limiter.allow("a", 0.0) > 0
    assert [limiter.allow("b", 0.0) for _ in range(2)] == [0.0, 0.0]
    assert limiter.allow("b", 0.0) > 0
    assert limiter.allow("a", 0.0) > 0  # b's requests gave a nothing back


def test_at_most_the_given_number_of_callers_are_remembered() -> None:
    limiter = RateLimiter(rate=1.0, burst=1, callers=3)
    limiter.allow("a", 0.0)
    assert limiter.allow("a", 0.0) > 0
    for caller in ("b", "c"):
        limiter.allow(caller, 0.0)
    assert limiter.allow("a", 0.0) > 0  # three callers: a is still remembered (and empty)
    # least recently seen first: b, c, a. A fourth caller pushes out b.
    limiter.allow("d", 0.0)
    assert limiter.allow("a", 0.0) > 0  # a is still remembered (seen after b and c): c, d, a
    assert limiter.allow("b", 0.0) == 0.0  # a forgotten caller gets a fresh burst ...
    assert limiter.allow("c", 0.0) == 0.0  # ... and taking b back in pushed out c: d, a, b
    assert limiter.allow("a", 0.0) > 0  # and c pushed out d, not a
    assert limiter.allow("d", 0.0) == 0.0
    # a flood of new callers keeps the memory bounded and the limit working for the last ones
    flood = RateLimiter(rate=1.0, burst=1, callers=100)
    for i in range(10_000):
        flood.allow(f"10.0.{i // 256}.{i % 256}", 0.0)
    assert flood.allow("10.0.39.15", 0.0) > 0  # the last caller of the flood is remembered
    assert flood.allow("10.0.0.0", 0.0) == 0.0  # the first was forgotten long ago


def test_a_clock_stepping_back_does_not_grant_tokens() -> None:
    limiter = RateLimiter(rate=1.0, burst=1)
    assert limiter.allow("a", 50.0) == 0.0
    assert limiter.allow("a", 10.0) > 0


@pytest.mark.parametrize(("rate", "burst"), [(0.0, 5), (-1.0, 5), (1.0, 0), (1.0, -3)])
def test_a_limit_without_a_positive_rate_and_burst_is_refused(rate: float, burst: int) -> None:
    with pytest.raises(ValueError, match="positive rate"):
        RateLimiter(rate=rate, burst=burst)
