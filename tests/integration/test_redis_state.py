"""The shared Redis index must decide exactly as the in-memory rule of detectors.dedup."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detectors.dedup import MemoryExactIndex
from detectors.targeting import Reference
from schemas.records import Control, Signal
from streams.state import RedisState, clear_namespace, store_reference

T0 = datetime(2026, 10, 1, tzinfo=UTC)


def _signal(n: int, fingerprint: str, day: int) -> Signal:
    return Signal(
        signal_id=f"complaints:C{n}",
        feed="complaints",
        source_id=f"C{n}",
        event_time=T0 + timedelta(days=day),
        ingest_time=T0,
        product_name="儿童滑板车",
        fingerprint=fingerprint,
    )


@pytest.fixture
def namespace(redis_url: str) -> Iterator[str]:
    ns = f"rwtest-{uuid.uuid4().hex[:8]}"
    yield ns
    clear_namespace(redis.Redis.from_url(redis_url), ns)


@pytest.fixture
async def state(redis_url: str, namespace: str) -> AsyncIterator[RedisState]:
    made = RedisState.from_url(redis_url, namespace)
    yield made
    await made.close()


# (signal number, fingerprint, event day, read position): ids repeat, fingerprints collide,
# positions repeat (a replay after a crash) - the cases the rule distinguishes.
_Event = tuple[int, str, int, int]
_EVENTS = st.lists(
    st.tuples(
        st.integers(0, 6),
        st.sampled_from(["fa", "fb", "fc"]),
        st.integers(0, 20),
        st.integers(0, 9),
    ),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=_EVENTS)
async def test_redis_index_agrees_with_memory_index(
    redis_url: str, events: list[tuple[int, str, int, int]]
) -> None:
    ns = f"rwtest-{uuid.uuid4().hex[:8]}"
    state = RedisState.from_url(redis_url, ns)
    memory = MemoryExactIndex(window=timedelta(days=7))
    try:
        for n, fp, day, pos in events:
            signal = _signal(n, fp, day)
            expected = memory.check(signal, f"p{pos}")
            assert await state.check_exact(signal, f"p{pos}") == expected
    finally:
        await state.close()
        clear_namespace(redis.Redis.from_url(redis_url), ns)


async def test_replayed_position_keeps_its_verdict(state: RedisState) -> None:
    first = await state.check_exact(_signal(1, "f1", 0), "feed:0:10")
    copy = await state.check_exact(_signal(2, "f1", 1), "feed:0:11")
    assert first.duplicate_of is None
    assert copy.duplicate_of == "complaints:C1"
    # the worker crashed after deciding offset 11 and reads it again: same answer, not "new"
    assert await state.check_exact(_signal(2, "f1", 1), "feed:0:11") == copy
    # the same record sent again at a new offset is a re-send of the original
    resent = await state.check_exact(_signal(1, "f1", 0), "feed:0:12")
    assert resent.duplicate_of == "complaints:C1"


async def test_targeting_view_follows_reference_and_control_updates(
    state: RedisState, redis_url: str, namespace: str
) -> None:
    controls, ref = await state.targeting_view()
    assert controls == [] and ref == Reference({}, frozenset(), {})
    store_reference(
        redis.Redis.from_url(redis_url),
        namespace,
        credit={"91310000MA1FL8XQ3B": "D"},
        blacklist=["91440300MA5FXXXX1X"],
        origin_risk={"VN": 0.8},
    )
    control = Control(
        control_id="CTL-1",
        version=1,
        warning_id="W-1",
        status="active",
        action="hold",
        grade="I",
        reason="scooter brake failure",
        hs_prefixes=("9503",),
        valid_from=T0,
    )
    await state.put_control(control)
    controls, ref = await state.targeting_view()
    assert controls == [control]
    assert ref.credit == {"91310000MA1FL8XQ3B": "D"}
    assert ref.blacklist == frozenset({"91440300MA5FXXXX1X"})
    assert ref.origin_risk == {"VN": 0.8}
    await state.put_control(replace(control, version=2, status="lifted"))
    controls, _ = await state.targeting_view()
    assert controls == []


async def test_ids_with_separators_keep_their_verdict(state: RedisState) -> None:
    odd = replace(_signal(1, "fz", 0), signal_id="listings:shop|42|a", source_id="shop|42|a")
    first = await state.check_exact(odd, "feed:0:1")
    again = await state.check_exact(odd, "feed:0:2")
    assert first.duplicate_of is None
    assert again.duplicate_of == "listings:shop|42|a"
    assert await state.check_exact(odd, "feed:0:1") == first


async def test_feed_days_are_shared_and_keep_the_latest(state: RedisState) -> None:
    """Feed freshness as the workers keep it: days noted by two workers merge; each feed keeps
    its latest DAYS_KEPT days, oldest first; a feed never noted has none."""
    from detectors.freshness import DAYS_KEPT

    start = T0.date()
    first = {start + timedelta(days=d) for d in range(0, DAYS_KEPT, 2)}
    second = {start + timedelta(days=d) for d in range(1, DAYS_KEPT + 10, 2)}
    await state.note_feed_days({"complaints": first})
    await state.note_feed_days({"complaints": second, "injuries": {start}, "listings": set()})
    found = await state.feed_days(["complaints", "injuries", "listings"])
    expected = sorted(first | second)[-DAYS_KEPT:]
    assert found == {"complaints": expected, "injuries": [start], "listings": []}


async def test_admitting_a_line_in_one_trip_decides_as_the_separate_calls(
    redis_url: str, namespace: str
) -> None:
    """The port stage's single round trip gives the exact-duplicate verdicts, the reports and
    the targeting view that check_exact, put_report and targeting_view give, also when Redis
    has lost its scripts (SCRIPT FLUSH: a restarted or new Redis) and after a control moved
    the view's version."""
    one = RedisState.from_url(redis_url, namespace)
    ns_two = f"{namespace}-b"
    two = RedisState.from_url(redis_url, ns_two)
    client = redis.Redis.from_url(redis_url)
    control = Control(control_id="C-1", version=1, warning_id="W-1", status="active",
                      action="hold", grade="II", reason="scooter", hs_prefixes=("9503",),
                      valid_from=T0)  # fmt: skip
    try:
        client.script_flush()
        lines = [_signal(n, f"f{n % 3}", n % 5) for n in range(12)]
        for i, line in enumerate(lines):
            if i == 6:  # the view moves mid-way
                await one.put_control(control)
                await two.put_control(control)
            if i == 9:
                client.script_flush()
            verdict, controls, reference = await one.admit_line(line, f"feed:0:{i}")
            assert verdict == await two.check_exact(line, f"feed:0:{i}")
            assert (controls, reference) == await two.targeting_view()
            assert controls == ([control] if i >= 6 else [])
        kept = await one.reports([s.signal_id for s in lines])
        assert [r["signal_id"] for r in kept] == [s.signal_id for s in lines]
        assert all(r["product"] == "儿童滑板车" and not r.get("expired") for r in kept)
        # read again at the same position after a crash: the same verdict
        again, _, _ = await one.admit_line(lines[4], "feed:0:4")
        assert again == await two.check_exact(lines[4], "feed:0:4")
    finally:
        await one.close()
        await two.close()
        clear_namespace(client, ns_two)
