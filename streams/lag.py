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
        self._consumer = KafkaConsumer(bootstrap_servers=servers, enable_auto_commit=False)
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

    def wait_drained(self, timeout: float = 120.0, settle: int = 2, every: float = 0.2) -> float:
        """Block until the lag has been zero ``settle`` polls in a row; returns seconds waited.

        Raises ``TimeoutError`` with the remaining lag per topic when it does not drain.
        """
        start = time.monotonic()
        zero_streak = 0
        while True:
            lags = self.measure()
            zero_streak = zero_streak + 1 if all(t.lag == 0 for t in lags) else 0
            if zero_streak >= settle:
                return time.monotonic() - start
            if time.monotonic() - start > timeout:
                left = {t.topic: t.lag for t in lags if t.lag}
                raise TimeoutError(f"pipeline did not drain within {timeout:.0f}s: {left}")
            time.sleep(every)

    def close(self) -> None:
        """Close the clients."""
        self._admin.close()
        self._consumer.close()
