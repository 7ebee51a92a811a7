"""Consumer lag of a pipeline: how many records its consumer group has still to process.

Measured from outside with kafka-python (committed group offsets against partition end
offsets), as an operator's dashboard would; the demo and the tests use it as a barrier
("everything produced so far has been processed").
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaError

from cli.lag_status import group_status, partition_status
from streams.port import port_group, port_topics
from streams.settings import Settings
from streams.topics import consumed_topics, unread_feed_topics

__all__ = ["LagProbe", "PartitionLag", "TopicLag", "group_report"]

TIMEOUT_MS = 5000  # a broker that does not answer is said so in seconds, not half a minute


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


@dataclass(frozen=True, slots=True)
class PartitionLag:
    """One partition of a consumed topic: its log end, the group's committed offset, and the
    time of the oldest record the group has not processed (epoch seconds; ``None``: no lag)."""

    topic: str
    partition: int
    end: int
    committed: int
    oldest: float | None = None

    @property
    def lag(self) -> int:
        """Records in the log the group has not committed."""
        return max(0, self.end - self.committed)

    def seconds(self, now: float) -> float:
        """How long the oldest unprocessed record has waited (0 without lag)."""
        return max(0.0, now - self.oldest) if self.oldest is not None and self.lag else 0.0


class LagProbe:
    """Reads the lag of the pipeline's consumer group; keep one open while polling."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.group = settings.namespace
        port = port_topics(settings)  # read by the port loop's group of its own
        self._group_of = {
            t: port_group(settings) if t in port else self.group
            for t in (consumed_topics(settings))
        }
        servers = settings.bootstrap_servers
        timeouts = {"request_timeout_ms": TIMEOUT_MS, "bootstrap_timeout_ms": TIMEOUT_MS}
        self._admin = KafkaAdminClient(
            bootstrap_servers=servers, client_id="riskwire-lag", **timeouts
        )
        self._consumer = KafkaConsumer(
            bootstrap_servers=servers,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=100,
            **timeouts,
        )
        # fetches to read high watermarks and record times: a consumer of its own, since an
        # assigned consumer keeps metadata only for its assignment (end_offsets then fails)
        self._reader = KafkaConsumer(
            bootstrap_servers=servers,
            enable_auto_commit=False,
            fetch_max_wait_ms=100,
            **timeouts,
        )
        self._partitions: list[TopicPartition] = []

    def _all_partitions(self) -> list[TopicPartition]:
        if not self._partitions:
            for topic in consumed_topics(self.settings):
                for p in sorted(self._consumer.partitions_for_topic(topic) or ()):
                    self._partitions.append(TopicPartition(topic, p))
        return self._partitions

    def _committed(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        """Each partition's committed offset in the group that reads it (0: none yet)."""
        by_group: dict[str, list[TopicPartition]] = {}
        for tp in partitions:
            by_group.setdefault(self._group_of.get(tp.topic, self.group), []).append(tp)
        out = dict.fromkeys(partitions, 0)
        for group, tps in sorted(by_group.items()):
            try:
                found = self._admin.list_group_offsets({group: tps})[group]
            except KafkaError:  # the group has not committed (or formed) yet
                continue
            for tp, meta in found.items():
                if tp in out and meta is not None and meta.offset >= 0:
                    out[tp] = meta.offset
        return out

    def measure(self) -> list[TopicLag]:
        """Lag per consumed topic, now."""
        partitions = self._all_partitions()
        committed = self._committed(partitions)
        ends = self._consumer.end_offsets(partitions)
        totals: dict[str, list[int]] = {}
        for tp in partitions:
            end = ends.get(tp, 0)
            done = committed[tp]
            total = totals.setdefault(tp.topic, [0, 0])
            total[0] += end
            total[1] += done
        return [TopicLag(topic, end, done) for topic, (end, done) in totals.items()]

    def partitions(self, ages: bool = True) -> list[PartitionLag]:
        """Lag per consumed partition, from the true log end (the high watermark of a fetch:
        the embedded broker's ListOffsets answer can fall a batch short) and, with ``ages``, the
        timestamp of the first record past the committed offset."""
        partitions = self._all_partitions()
        committed = self._committed(partitions)
        ends = dict(self._consumer.end_offsets(partitions))
        ends = self._true_ends(ends)
        oldest = self._first_times(
            {tp: committed[tp] for tp in partitions if ends[tp] > committed[tp]} if ages else {}
        )
        return [
            PartitionLag(tp.topic, tp.partition, ends[tp], committed[tp], oldest.get(tp))
            for tp in partitions
        ]

    def members(self) -> int | None:
        """How many consumers the group has now (``None``: the broker did not say)."""
        try:
            found = self._admin.describe_groups([self.group])
        except KafkaError:
            return None
        except ValueError:  # Tansu answers authorized operations kafka-python cannot decode
            return self._members_raw()
        group = found.get(self.group) or {}
        return len(group.get("members") or ())

    def _members_raw(self) -> int | None:
        """The member count from the DescribeGroups response itself (kafka-python 3.0's
        internals: its public call decodes fields the embedded broker fills oddly)."""
        admin: Any = self._admin

        async def count() -> int:
            coordinators = await admin._find_coordinator_ids([self.group])
            request = admin._describe_groups_request([self.group])
            response = await admin._manager.send(request, node_id=coordinators[self.group])
            return sum(len(g.members) for g in response.groups if g.group_id == self.group)

        try:
            return int(admin._manager.run(count))
        except Exception:  # private API: a kafka-python release may change it
            return None

    def _true_ends(self, ends: dict[TopicPartition, int]) -> dict[TopicPartition, int]:
        """Each partition's end raised to the high watermark a fetch reports."""
        busy = sorted(tp for tp, end in ends.items() if end > 0)
        if not busy:
            return ends
        self._reader.assign(busy)
        for tp in busy:
            self._reader.seek(tp, ends[tp] - 1)
        self._reader.poll(timeout_ms=500, max_records=len(busy), update_offsets=False)
        out = dict(ends)
        for tp in busy:
            high = self._reader.highwater(tp)
            if high is not None and high > out[tp]:
                out[tp] = high
        return out

    def _first_times(self, at: dict[TopicPartition, int]) -> dict[TopicPartition, float]:
        """The timestamp (epoch seconds) of the record at each given offset."""
        times: dict[TopicPartition, float] = {}
        for tp, offset in sorted(at.items()):
            self._reader.assign([tp])
            self._reader.seek(tp, offset)
            polled = self._reader.poll(timeout_ms=1000, max_records=1, update_offsets=False)
            for record in polled.get(tp, []):
                times[tp] = record.timestamp / 1000.0
        return times

    def unread_topics(self) -> list[dict[str, Any]]:
        """Feed topics no installed adapter reads, with the records waiting in each."""
        try:
            return self._unread_topics()
        except KafkaError:
            return []  # the report says what it can: unread topics are an extra

    def _unread_topics(self) -> list[dict[str, Any]]:
        topics = unread_feed_topics(self.settings, self._admin.list_topics())
        described = {d["name"]: d for d in self._admin.describe_topics(topics)} if topics else {}
        rows: list[dict[str, Any]] = []
        for topic in topics:
            found = described.get(topic, {}).get("partitions", [])
            tps = sorted(TopicPartition(topic, int(p["partition_index"])) for p in found)
            ends = self._true_ends(dict(self._consumer.end_offsets(tps))) if tps else {}
            starts = self._consumer.beginning_offsets(tps) if tps else {}
            waiting = sum(max(0, ends[tp] - starts.get(tp, 0)) for tp in ends)
            rows.append(
                {"topic": topic, "records": waiting, "reason": "no installed feed adapter reads it"}
            )
        return rows

    def total(self) -> int:
        """Total lag over every consumed topic."""
        return sum(t.lag for t in self.measure())

    def committed(self, tp: TopicPartition) -> int:
        """The committed offset on ``tp`` of the group that reads it (0 when it has none)."""
        return self._committed([tp])[tp]

    def has_unread(self) -> bool:
        """Whether any consumed partition holds a record past the group's committed offset.

        Asked by fetching from the committed offsets, not by comparing them with end offsets:
        the embedded Tansu broker answers ListOffsets(latest) with the base offset of the last
        batch, which hides the records of that batch.
        """
        partitions = self._all_partitions()
        committed = self._committed(partitions)
        if set(self._consumer.assignment()) != set(partitions):
            self._consumer.assign(partitions)
        for tp in partitions:
            self._consumer.seek(tp, committed[tp])
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
        self._reader.close()


def group_report(probe: LagProbe, window: float = 5.0, every: float = 1.0) -> dict[str, Any]:
    """The group's lag and status over ``window`` seconds (:mod:`cli.lag_status`), as the
    ``riskwire lag --json`` document."""
    samples: list[list[PartitionLag]] = []
    deadline = time.monotonic() + window
    while True:
        last = time.monotonic() >= deadline
        samples.append(probe.partitions(ages=last))
        if last:
            break
        time.sleep(every)
    members = probe.members()
    now = time.time()
    rows: list[dict[str, Any]] = []
    for p in samples[-1]:
        key = (p.topic, p.partition)  # topics can appear mid-window: match, do not index
        series = [(q.committed, q.end) for s in samples for q in s if (q.topic, q.partition) == key]
        rows.append(
            {
                "topic": p.topic,
                "partition": p.partition,
                "end": p.end,
                "committed": p.committed,
                "lag": p.lag,
                "seconds": round(p.seconds(now), 3),
                "status": partition_status(series, members),
            }
        )
    unread = probe.unread_topics()
    status = group_status(r["status"] for r in rows)
    if status == "OK" and any(t["records"] for t in unread):
        status = "WARN"  # records wait on a topic this pipeline does not read
    return {
        "group": probe.group,
        "status": status,
        "unread_topics": unread,
        "members": members,
        "lag": sum(r["lag"] for r in rows),
        "seconds": max((r["seconds"] for r in rows), default=0.0),
        "window_seconds": window,
        "partitions": rows,
    }
