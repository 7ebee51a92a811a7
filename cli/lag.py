"""Consumer lag of a pipeline: how many records its consumer group has still to process.

Measured from outside with kafka-python (committed group offsets against partition end
offsets), as an operator's dashboard would; the demo and the tests use it as a barrier
("everything produced so far has been processed").
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaError

from streams.settings import Settings
from streams.topics import consumed_topics

__all__ = ["LagProbe", "TopicLag"]


@dataclass(frozen=True, slots=True)
class TopicLag:
    """Lag of one topic, summed over its partitions."""

    topic: str
    end: int
    committed: int

    @property
    def lag(self) -> int:
        """Records produced but not yet committed by the group."""
        return max(0, self.end - self.committed)


class LagProbe:
    """Reads the lag of the pipeline's consumer group; keep one open while polling."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.group = settings.namespace
        servers = settings.bootstrap_servers
        self._admin = KafkaAdminClient(bootstrap_servers=servers, client_id="riskwire-lag")
        self._consumer = KafkaConsumer(
            bootstrap_servers=servers,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=100,
        )
        self._partitions: list[TopicPartition] = []

    def _all_partitions(self) -> list[TopicPartition]:
        if not self._partitions:
            for topic in consumed_topics(self.settings):
                for p in sorted(self._consumer.partitions_for_topic(topic) or ()):
                    self._partitions.append(TopicPartition(topic, p))
        return self._partitions

    def measure(self) -> list[TopicLag]:
        """Lag per consumed topic, now."""
        partitions = self._all_partitions()
        try:
            committed = self._admin.list_group_offsets({self.group: partitions})[self.group]
        except KafkaError:  # the group has not committed (or formed) yet
            committed = {}
        ends = self._consumer.end_offsets(partitions)
        totals: dict[str, list[int]] = {}
        for tp in partitions:
            end = ends.get(tp, 0)
            meta = committed.get(tp)
            done = meta.offset if meta is not None and meta.offset >= 0 else 0
            total = totals.setdefault(tp.topic, [0, 0])
            total[0] += end
            total[1] += done
        return [TopicLag(topic, end, done) for topic, (end, done) in totals.items()]

    def total(self) -> int:
        """Total lag over every consumed topic."""
        return sum(t.lag for t in self.measure())

    def committed(self, tp: TopicPartition) -> int:
        """The group's committed offset on ``tp`` (0 when it has none)."""
        try:
            answer = self._admin.list_group_offsets({self.group: [tp]})[self.group]
        except KafkaError:
            return 0
        meta = answer.get(tp)
        return meta.offset if meta is not None and meta.offset >= 0 else 0

    def has_unread(self) -> bool:
        """Whether any consumed partition holds a record past the group's committed offset.

        Asked by fetching from the committed offsets, not by comparing them with end offsets:
        the embedded Tansu broker answers ListOffsets(latest) with the base offset of the last
        batch, which hides the records of that batch.
        """
        partitions = self._all_partitions()
        try:
            committed = self._admin.list_group_offsets({self.group: partitions})[self.group]
        except KafkaError:
            committed = {}
        if set(self._consumer.assignment()) != set(partitions):
            self._consumer.assign(partitions)
        for tp in partitions:
            meta = committed.get(tp)
            self._consumer.seek(tp, meta.offset if meta is not None and meta.offset >= 0 else 0)
        return bool(self._consumer.poll(timeout_ms=200, max_records=1, update_offsets=False))

    def wait_drained(self, timeout: float = 120.0, settle: int = 2, every: float = 0.2) -> float:
        """Block until the lag has been zero ``settle`` polls in a row; returns seconds waited.

        Raises ``TimeoutError`` with the remaining lag per topic when it does not drain.
        """
        start = time.monotonic()
        zero_streak = 0
        while True:
            zero_streak = 0 if self.has_unread() else zero_streak + 1
            if zero_streak >= settle:
                return time.monotonic() - start
            if time.monotonic() - start > timeout:
                left = {t.topic: t.lag for t in self.measure() if t.lag}
                raise TimeoutError(f"pipeline did not drain within {timeout:.0f}s: {left}")
            time.sleep(every)

    def close(self) -> None:
        """Close the clients."""
        self._admin.close()
        self._consumer.close()
