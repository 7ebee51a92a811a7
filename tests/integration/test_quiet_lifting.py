"""A warning with no new signal for the quiet period is lifted by a clock tick, on the real
broker, after a kill -9 of the worker that issued it: the time of its last signal is state."""

from __future__ import annotations

import signal
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path
from typing import Any

from cli.producer import kafka_producer
from detectors.grading import QUIET_PERIOD
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
            assert all(v["status"] == "active" for v in versions)  # not quiet long enough
            tick(last + QUIET_PERIOD + timedelta(days=2))
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
    # dated the end of its quiet period, not the tick: the same bytes whenever it is noticed
    assert done["updated_time"] == (last + QUIET_PERIOD).isoformat().replace("+00:00", "Z")
    # an alert notification's port control is withdrawn with it
    controls = read_until(settings, "controls", lambda seen: False, timeout=5.0)
    final = max(controls, key=lambda c: c["version"])
    assert (final["status"], final["version"]) == ("lifted", done["version"])
