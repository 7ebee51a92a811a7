"""Does the broker still hold what this worker committed? A worker must not look healthy while
its broker is gone or has forgotten everything.

The embedded Tansu broker keeps its data in memory: when it restarts, topics, changelogs and
committed offsets are gone, and a worker that carries on would mix its in-memory tables with an
empty log, report ready and make no progress. Every ``INTERVAL`` seconds :class:`BrokerWatch`
asks the broker for the group's committed offsets:

* no answer: the broker is unreachable; ``/ready`` says so (with how long), the log says so
  every ``INTERVAL``, and the worker waits for it (its consumer reconnects by itself);
* answers that lack, or lower, an offset this worker committed, ``LOSSES_MEAN_LOST`` checks in
  a row: the broker lost its data; the worker logs why and exits with
  :data:`EXIT_BROKER_LOST`, so its supervisor starts it afresh against what the broker now
  holds instead of it silently stalling. (An operator resetting the group's offsets looks the
  same, and a restart is then what the worker needs too.)
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Mapping
from typing import Any

from kafka import TopicPartition
from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaConnectionError, KafkaError, NodeNotReadyError, RetriableError

from streams.settings import Settings

__all__ = ["EXIT_BROKER_LOST", "BrokerWatch", "lost_offsets"]

log = logging.getLogger("riskwire.broker")

EXIT_BROKER_LOST = 76
INTERVAL = 5.0
REFUSALS_MEAN_LOST = 3  # answers refusing the group's offsets in a row: the broker forgot it
# answers lacking this worker's offsets in a row: one can be a commit refused in a rebalance
# (Faust notes an offset as committed even then) until the partition's new owner commits
LOSSES_MEAN_LOST = 4


def lost_offsets(
    ours: Mapping[tuple[str, int], int], broker: Mapping[tuple[str, int], int]
) -> list[str]:
    """The partitions whose offset this worker committed but the broker no longer holds."""
    lost = []
    for tp, offset in sorted(ours.items()):
        if offset <= 0:
            continue
        held = broker.get(tp)
        if held is None or held < offset:
            lost.append(f"{tp[0]}[{tp[1]}]: committed {offset}, broker has {held}")
    return lost


class BrokerWatch:
    """Periodic check of the broker against this worker's own commits (see module doc)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.unreachable_since: float | None = None
        self.refusals = 0
        self.losses = 0
        self.seen: dict[tuple[str, int], int] = {}
        self._admin: KafkaAdminClient | None = None

    def status(self) -> dict[str, Any]:
        """What ``/ready`` reports about the broker."""
        if self.unreachable_since is None:
            return {"broker": "ok"}
        return {"broker": f"unreachable for {time.monotonic() - self.unreachable_since:.0f}s"}

    def _group_offsets(self, partitions: list[tuple[str, int]]) -> dict[tuple[str, int], int]:
        if self._admin is None:
            self._admin = KafkaAdminClient(
                bootstrap_servers=self.settings.bootstrap_servers,
                client_id="riskwire-broker-watch",
                request_timeout_ms=4000,
                bootstrap_timeout_ms=4000,
            )
        group = self.settings.namespace
        asked = [TopicPartition(topic, partition) for topic, partition in partitions]
        answer = self._admin.list_group_offsets({group: asked}).get(group, {})
        return {
            (tp.topic, tp.partition): meta.offset
            for tp, meta in answer.items()
            if meta is not None and meta.offset >= 0
        }

    async def check(self, committed: Mapping[tuple[str, int], int]) -> None:
        """One check against ``committed`` (this worker's last commits by partition).

        The watch remembers the highest offset it ever saw committed per partition: a
        rebalance makes Faust forget its own commits, and committed offsets never go back.
        """
        for tp, offset in committed.items():
            self.seen[tp] = max(offset, self.seen.get(tp, 0))
        committed = self.seen
        if not committed:
            return
        try:
            held = await asyncio.to_thread(self._group_offsets, sorted(committed))
        except (KafkaConnectionError, NodeNotReadyError, RetriableError, OSError) as exc:
            if self.unreachable_since is None:
                self.unreachable_since = time.monotonic()
            self._close()
            log.error("broker unreachable (%r): waiting for it; not ready", exc)
            return
        except KafkaError as exc:  # it answered, with an error about the group or its topics
            self.refusals += 1
            log.error("broker refuses the group's offsets (%r), %d in a row", exc, self.refusals)
            if self.refusals < REFUSALS_MEAN_LOST:
                return
            held = {}
        else:
            self.refusals = 0
        if self.unreachable_since is not None:
            log.warning("broker answers again")
            self.unreachable_since = None
        lost = lost_offsets(committed, held)
        self.losses = self.losses + 1 if lost else 0
        if lost:
            log.error(
                "the broker lacks offsets this worker committed (%d in a row): %s",
                self.losses,
                "; ".join(lost[:3]),
            )
        if lost and self.losses >= LOSSES_MEAN_LOST:
            log.critical(
                "the broker lost this worker's committed offsets (a restarted in-memory broker?): "
                "%s; the worker exits (%d) to start afresh against it",
                "; ".join(lost[:5]),
                EXIT_BROKER_LOST,
            )
            for handler in logging.getLogger().handlers:
                handler.flush()
            os._exit(EXIT_BROKER_LOST)

    def _close(self) -> None:
        if self._admin is not None:
            try:
                self._admin.close()
            finally:
                self._admin = None
