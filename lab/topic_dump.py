"""Read whole topics back, trusting the fetch response's high watermark, not ListOffsets.

The embedded Tansu broker answers ListOffsets(latest) with the base offset of the last batch,
not the log end, so a reader that stops at "end offsets" misses the last batch of a partition.
:func:`read_topic` stops only when every partition's position has reached the high watermark
that the broker reported with the records themselves.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from kafka import KafkaConsumer, TopicPartition

__all__ = ["TopicRecord", "read_topic"]


@dataclass(frozen=True, slots=True)
class TopicRecord:
    """One message as stored: where it is, its key and its value."""

    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


def read_topic(bootstrap: str | list[str], topic: str, timeout: float = 60.0) -> list[TopicRecord]:
    """Every message of ``topic`` from offset 0, in partition and offset order."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=100
    )
    try:
        partitions = sorted(consumer.partitions_for_topic(topic) or ())
        tps = [TopicPartition(topic, p) for p in partitions]
        if not tps:
            return []
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        out: list[TopicRecord] = []
        deadline = time.monotonic() + timeout
        while True:
            batch = consumer.poll(timeout_ms=300, max_records=5000)
            for records in batch.values():
                out.extend(TopicRecord(r.partition, r.offset, r.key, r.value) for r in records)
            marks = {tp: consumer.highwater(tp) for tp in tps}
            if not batch and all(
                mark is not None and consumer.position(tp) >= mark for tp, mark in marks.items()
            ):
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"reading {topic} did not finish within {timeout:.0f}s")
        out.sort(key=lambda r: (r.partition, r.offset))
        return out
    finally:
        consumer.close()
