"""A warning with no new signal for the quiet period goes under effect evaluation and is then
lifted by clock ticks, on the real broker, after a kill -9 of the worker that issued it: the
time of its last signal and the evidence when its measures started are state."""

from __future__ import annotations

import signal
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import redis

from cli.producer import kafka_producer
from detectors.effect import Baseline, evaluate_effect
from detectors.grading import QUIET_PERIOD
from detectors.standard import STANDARD
from lab.faults import Fleet
from schemas.codec import encode
from schemas.records import Assessment, Tick
from streams.settings import Settings


def test_a_tick_past_the_quiet_period_lifts_the_warning_after_a_kill_9(
    new_pipeline: Callable[..., AbstractContextManager[Settings]],
    tmp_path: Path,
    one_alert: list[Assessment],
    read_until: Callable[..., list[dict[str, Any]]],
) -> None:
    assessments = one_alert
    last = max(a.as_of for a in assessments)
    with new_pipeline(tick_seconds=0) as settings:  # no ticks but the test's own
        fleet = Fleet(settings, tmp_path)
        fleet.wait_ready(fleet.start())
        producer = kafka_producer(settings)
        topic = settings.topic("assessments")
        try:
            for a in assessments:
                producer.send(topic, key=a.cluster.cluster_id.encode(), value=encode(a))
            producer.flush()
            history = "warnings.history"
            issued = read_until(settings, history, lambda seen: len(seen) >= 1)
            assert issued and issued[-1]["status"] == "active"
            # the worker that knows when the last signal came dies without a goodbye
            code = fleet.stop(fleet.workers[0], signal.SIGKILL)
            assert code == -signal.SIGKILL
            fleet.wait_ready(fleet.start())
            partitions = sorted(producer.partitions_for(topic))

            def tick(at):  # type: ignore[no-untyped-def]
                for p in partitions:
                    producer.send(topic, value=encode(Tick(tick=at)), partition=p)
                producer.flush()

            tick(last + QUIET_PERIOD - timedelta(hours=1))
            versions = read_until(settings, history, lambda seen: False, timeout=8.0)
            summary = [
                (v["version"], v["change"], v["status"], v["updated_time"]) for v in versions
            ]
            assert all(v["status"] == "active" for v in versions), summary  # not quiet long enough
            tick(last + QUIET_PERIOD + timedelta(days=2))
            versions = read_until(
                settings, history, lambda seen: any(v["state"] == "evaluating" for v in seen)
            )
            summary = [
                (v["version"], v["change"], v["status"], v["updated_time"]) for v in versions
            ]
            assert all(v["status"] == "active" for v in versions), summary  # not lifted yet
            tick(last + QUIET_PERIOD + STANDARD.evaluation_period + timedelta(days=2))
            versions = read_until(
                settings, history, lambda seen: any(v["status"] == "lifted" for v in seen)
            )
        finally:
            producer.close()
            for worker in list(fleet.workers):
                fleet.stop(worker)
    lifted = [v for v in versions if v["status"] == "lifted"]
    assert len(lifted) == 1, lifted
    (done,) = lifted
    assert (done["change"], done["state"]) == ("lifted", "lifted")
    assert done["version"] == max(v["version"] for v in versions)
    # dated when the quiet period and the evaluation ended, not by the tick: the same bytes
    # whenever it is noticed
    (evaluating,) = [v for v in versions if v["state"] == "evaluating"]
    assert evaluating["updated_time"] == _z(last + QUIET_PERIOD)
    assert done["updated_time"] == _z(last + QUIET_PERIOD + STANDARD.evaluation_period)
    # the effect evaluation, from the evidence when the measures started (the first version)
    # and at the end, both kept across the kill -9
    first = min(versions, key=lambda v: v["version"])
    base = Baseline(
        datetime.fromisoformat(first["updated_time"]),
        assessments[0].cluster.first_seen,
        first["feed_counts"],
    )
    final_counts = max(assessments, key=lambda a: a.as_of).cluster.feed_counts
    at = last + QUIET_PERIOD + STANDARD.evaluation_period
    expected = orjson.loads(orjson.dumps(evaluate_effect(base, final_counts, at)))
    assert done["explanation"]["effect"] == expected
    assert expected["verdict"] in ("effective", "partly effective")  # quiet for 37 days
    # an alert notification's port control is withdrawn with it
    controls = read_until(settings, "controls", lambda seen: False, timeout=5.0)
    final = max(controls, key=lambda c: c["version"])
    assert (final["status"], final["version"]) == ("lifted", done["version"])


def _z(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def test_the_workers_ticks_say_which_feeds_are_stalled(
    new_pipeline: Callable[..., AbstractContextManager[Settings]],
    tmp_path: Path,
    one_alert: list[Assessment],
    read_until: Callable[..., list[dict[str, Any]]],
) -> None:
    """Feed freshness from Redis to the clock: a feed whose daily arrivals stopped three weeks
    ago is named stalled on the worker's own ticks (which hold the quiet clocks of its
    warnings: tests/unit/test_freshness.py); arrivals are days of the wall clock."""
    last = datetime.now(UTC).date()
    with new_pipeline(tick_seconds=1.0) as settings:
        state = redis.Redis.from_url(settings.redis_url)
        for feed, end in (("injuries", last - timedelta(days=21)), ("complaints", last)):
            key = f"{settings.namespace}:feed-days:{feed}"
            days = [end - timedelta(days=d) for d in range(10)]
            state.zadd(key, {d.isoformat(): d.toordinal() for d in days})
        fleet = Fleet(settings, tmp_path)
        fleet.wait_ready(fleet.start())
        producer = kafka_producer(settings)
        try:
            for a in one_alert:
                key = a.cluster.cluster_id.encode()
                producer.send(settings.topic("assessments"), key=key, value=encode(a))
            producer.flush()
            seen = read_until(
                settings, "assessments", lambda got: any("tick" in v for v in got), timeout=90
            )
        finally:
            producer.close()
            for worker in list(fleet.workers):
                fleet.stop(worker)
    ticks = [v for v in seen if "tick" in v]
    assert ticks and all(t["stalled"] == ["injuries"] for t in ticks), ticks
