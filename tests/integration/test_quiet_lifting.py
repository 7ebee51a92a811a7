"""A warning with no new signal for the quiet period is lifted by a clock tick, on the real
broker, after a kill -9 of the worker that issued it: the time of its last signal is state."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path

import orjson
from kafka import KafkaConsumer, TopicPartition

from cli.producer import kafka_producer
from detectors.catalogue import load_catalogue
from detectors.grading import QUIET_PERIOD
from detectors.targeting import Reference
from lab.faults import Fleet, wave_order
from lab.offline import run_offline
from lab.sample import generate
from schemas.codec import encode
from schemas.records import Assessment, Tick
from streams.settings import Settings


def _read_until(settings: Settings, topic: str, done, timeout: float = 60.0) -> list[dict]:  # type: ignore[no-untyped-def]
    """Every message of ``topic`` from offset 0, polled until ``done(messages)`` holds."""
    consumer = KafkaConsumer(bootstrap_servers=settings.bootstrap_servers, fetch_max_wait_ms=50)
    try:
        parts = consumer.partitions_for_topic(topic) or set()
        consumer.assign([TopicPartition(topic, p) for p in sorted(parts)])
        consumer.seek_to_beginning()
        seen: list[dict] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                seen += [orjson.loads(r.value) for r in records]
            if done(seen):
                return seen
        return seen
    finally:
        consumer.close()


def _assessments_of_one_alert() -> list[Assessment]:
    """The assessments of the demo sample's first alert notification, as the flow made them."""
    sample = generate(seed=7, days=42)
    ref = sample.reference
    run = run_offline(
        wave_order(sample),
        load_catalogue(),
        Reference(ref.credit, frozenset(ref.blacklist), ref.origin_risk),
    )
    alert = next(w for w in run.warnings if w.kind == "alert_notification")
    return [a for a in run.assessments if a.cluster.cluster_id == alert.cluster_id]


def test_a_tick_past_the_quiet_period_lifts_the_warning_after_a_kill_9(
    new_pipeline: Callable[..., AbstractContextManager[Settings]], tmp_path: Path
) -> None:
    assessments = _assessments_of_one_alert()
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
            history = settings.topic("warnings.history")
            issued = _read_until(settings, history, lambda seen: len(seen) >= 1)
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
            versions = _read_until(settings, history, lambda seen: False, timeout=8.0)
            assert all(v["status"] == "active" for v in versions)  # not quiet long enough
            tick(last + QUIET_PERIOD + timedelta(days=2))
            versions = _read_until(
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
    controls = _read_until(settings, settings.topic("controls"), lambda seen: False, timeout=5.0)
    final = max(controls, key=lambda c: c["version"]) if controls else None
    if final is not None:  # an alert notification's port control is withdrawn with it
        assert (final["status"], final["version"]) == ("lifted", done["version"])
