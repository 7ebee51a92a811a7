"""A Faust transport whose worker consumer waits less for data on an idle fetch.

Faust hard-codes ``fetch_max_wait_ms=1500`` for its worker consumer. Against the embedded Tansu
broker, a fetch over several partitions waits that long even when a record arrives meanwhile
(measured: 0.55 s per hop with 1500 ms, 3 ms with 100 ms), and a record crosses five topics on
its way to a warning. :class:`RiskwireApp` keeps Faust as it is but lets the setting
``RISKWIRE_FETCH_MAX_WAIT_MS`` choose the wait, and reads a table's changelog to the end of
its log on recovery (:mod:`streams.log_ends`: Tansu's ListOffsets answer falls short).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any

import aiokafka
import faust
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP, TransportT

from streams.log_ends import log_end_offsets

__all__ = ["RiskwireApp"]

log = logging.getLogger("riskwire.transport")


class _ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    """Faust's consumer thread with a shorter fetch wait and recovery read to the true log end."""

    _probe: aiokafka.AIOKafkaConsumer | None = None
    _probing: asyncio.Lock | None = None  # Faust can run two calls on this thread at once

    def _create_worker_consumer(self, transport: Any) -> aiokafka.AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        # Read by AIOKafkaConsumer.start() when it builds its fetcher.
        consumer._fetch_max_wait_ms = self.app.conf.riskwire_fetch_max_wait_ms
        return consumer

    async def _highwaters(self, partitions: list[TP]) -> Mapping[TP, int]:
        # Faust's table recovery reads each changelog up to these offsets (see streams.log_ends).
        ends: Mapping[TP, int] = await super()._highwaters(partitions)
        if self.consumer.in_transaction:
            return ends
        if self._probing is None:
            self._probing = asyncio.Lock()
        async with self._probing:  # one probe, one assignment at a time
            if self._probe is None:
                probe = self._create_client_consumer(self.transport)  # type: ignore[arg-type]
                probe._enable_auto_commit = False
                probe._fetch_max_wait_ms = self.app.conf.riskwire_fetch_max_wait_ms
                await probe.start()
                self._probe = probe
            return await log_end_offsets(self._probe, ends)

    async def on_thread_stop(self) -> None:
        await super().on_thread_stop()
        if self._probe is not None:
            await self._probe.stop()


class _Consumer(faust_aiokafka.Consumer):
    """Faust's consumer, refusing to commit past a record that no stream acknowledged.

    Faust commits the longest run of acknowledged offsets, and lets that run start one past the
    committed offset: a record at the committed offset that was fetched but never reached a
    stream (a rebalance suspending the flow while it was handed over) is then skipped with its
    offset committed - the record is lost. Two such records block commits on that partition for
    good, and outputs (published at commit) with them. Here a hole at the head of a partition is
    not committed past; once it has lasted ``HOLE_GRACE`` seconds the partition is read again
    from its committed offset (on the consumer's own thread), so the missing records come back
    (the stages are idempotent on a re-read) and commits resume.

    An offset can also be missing because it holds no record (a transaction marker, a record
    compacted away): if the same hole is still there after one re-read, it is committed past, as
    Faust would. With ``exactly_once`` every transaction leaves a marker, so Faust's own rule
    applies unchanged.
    """

    HOLE_GRACE = 5.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._holes: dict[Any, float] = {}
        self._reread: dict[Any, int] = {}  # partition -> committed offset read again from

    def _new_consumer_thread(self) -> faust_aiokafka.AIOKafkaConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    def _guarding(self) -> bool:
        guarantee = self.app.conf.processing_guarantee
        return str(getattr(guarantee, "value", guarantee)) != "exactly_once"

    def _head_hole(self, tp: Any) -> bool:
        acked = self._acked[tp]
        committed = self._committed_offset[tp]
        if not acked or committed is None:
            return False
        first = min(acked)
        return first > committed and not self._gap[tp].overlaps(committed, first)

    def _new_offset(self, tp: Any) -> int | None:
        if self._guarding() and self._head_hole(tp):
            committed = self._committed_offset[tp]
            if self._reread.get(tp) != committed:  # not yet read again from there
                self._holes.setdefault(tp, time.monotonic())
                return None
            log.warning(
                "%s: offset %s still missing after reading again: no record there "
                "(a transaction marker or compacted away); committing past it",
                tp,
                committed,
            )
        self._holes.pop(tp, None)
        offset: int | None = super()._new_offset(tp)
        return offset

    async def commit(self, *args: Any, **kwargs: Any) -> bool:
        now = time.monotonic()
        for tp, since in list(self._holes.items()):
            if now - since < self.HOLE_GRACE or self.app.rebalancing:
                continue
            del self._holes[tp]
            if tp not in self.assignment() or not self._head_hole(tp):
                continue
            committed = self._committed_offset[tp]
            assert committed is not None  # a hole needs a committed offset
            log.error(
                "%s: offset %s was never processed though later ones were; "
                "reading again from it (at-least-once, the stages are idempotent)",
                tp,
                committed,
            )
            self._reread[tp] = committed
            try:
                await self._thread.seek_wait({tp: committed})
            except Exception as exc:  # revoked meanwhile: its new owner reads from committed
                log.warning("%s: could not read again from %s: %r", tp, committed, exc)
        done: bool = await super().commit(*args, **kwargs)
        return done


class _Transport(faust_aiokafka.Transport):
    Consumer = _Consumer


class RiskwireApp(faust.App):
    """A Faust app using the transport above for its consumer."""

    def __init__(self, *args: Any, fetch_max_wait_ms: int = 100, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conf.riskwire_fetch_max_wait_ms = fetch_max_wait_ms

    def _new_transport(self) -> TransportT:
        return _Transport(self.conf.broker_consumer, self)
