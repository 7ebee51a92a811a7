"""``riskwire lag`` on the real broker: a consumer of the pipeline's group is paused (STALL),
resumed (OK), outrun (WARN) and gone (STOP); lag counts to the true log end (the embedded
broker's ListOffsets answer falls a batch short) and in seconds; a broker that is down is said
so in seconds."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import RebalanceInProgressError
from kafka.structs import OffsetAndMetadata

from cli.lag import LagProbe, group_report
from cli.producer import kafka_producer
from streams.settings import Settings


def _commit(consumer: KafkaConsumer, tp: TopicPartition, offset: int) -> None:
    """Commit ``offset``, finishing a rebalance first if the group is in one (the embedded
    broker can start one right after the first assignment: CI run 10 met it once)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            consumer.commit({tp: OffsetAndMetadata(offset, "", -1)})
            return
        except RebalanceInProgressError:
            if time.monotonic() > deadline:
                raise
            consumer.poll(timeout_ms=200)


def test_status_follows_a_paused_resumed_and_stopped_consumer(
    new_pipeline: Callable[..., AbstractContextManager[Settings]],
) -> None:
    with new_pipeline() as settings:
        topic = settings.topic("signals")
        tp = TopicPartition(topic, 0)
        producer = kafka_producer(settings)

        def produce(batches: int) -> None:
            for _ in range(batches):  # one batch per flush: the last one is what Tansu hides
                for i in range(10):
                    producer.send(topic, value=f"r{i}".encode(), partition=0)
                producer.flush()

        produce(3)
        consumer = KafkaConsumer(
            topic,
            bootstrap_servers=settings.bootstrap_servers,
            group_id=settings.namespace,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        probe = LagProbe(settings)
        try:
            deadline = time.monotonic() + 30
            while not consumer.assignment() and time.monotonic() < deadline:
                consumer.poll(timeout_ms=200)
            _commit(consumer, tp, 10)
            time.sleep(1.5)  # the oldest unprocessed record has waited at least this long
            paused = group_report(probe, window=2.0, every=0.5)
            row = next(
                r for r in paused["partitions"] if r["topic"] == topic and r["partition"] == 0
            )
            assert (row["end"], row["committed"], row["lag"]) == (30, 10, 20)
            assert row["seconds"] >= 1.5 and row["status"] == "STALL"
            assert paused["status"] == "STALL" and paused["members"] == 1

            before = probe.partitions(ages=False)
            _commit(consumer, tp, 20)  # resumed: eating into it
            after = probe.partitions(ages=False)
            from cli.lag_status import partition_status

            index = next(i for i, p in enumerate(after) if (p.topic, p.partition) == (topic, 0))
            samples = [(s[index].committed, s[index].end) for s in (before, after)]
            assert partition_status(samples, 1) == "OK"

            produce(2)  # more arrives than is committed: falling behind
            _commit(consumer, tp, 25)
            later = probe.partitions(ages=False)
            samples.append((later[index].committed, later[index].end))
            assert partition_status(samples[1:], 1) == "WARN"
        finally:
            consumer.close()
            producer.close()
        try:
            deadline = time.monotonic() + 30
            while probe.members() and time.monotonic() < deadline:
                time.sleep(0.5)
            gone = group_report(probe, window=0.0)
        finally:
            probe.close()
    assert gone["status"] == "STOP" and gone["members"] == 0 and gone["lag"] >= 25


def test_lag_against_a_broker_that_is_down_fails_in_seconds() -> None:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "lag", "--json"],
        env={"RISKWIRE_BROKER": "kafka://127.0.0.1:9", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "is the broker / Redis up?" in done.stderr
    assert time.monotonic() - started < 20
