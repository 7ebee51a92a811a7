"""The port stage: customs declaration lines answered batch by batch, one hop from declaration
to instruction.

Why a loop of its own and not a Faust agent: a port waits for each line's answer while the goods
are at the border, so the answer must not queue behind the signal stages' work, nor pay Faust's
per-message machinery (about 1 ms of CPU a line in the agent this replaced: one worker held
p99 < 200 ms only up to about 450 lines/s). Here a fetched batch is validated line by line, gets
its exact-repeat verdicts and the targeting view from Redis in one round trip, and has all its
outputs handed to one producer before its offsets are committed.

The loop runs in every worker (``RISKWIRE_ROLE=all``, the default), or alone in port-role
processes (``RISKWIRE_ROLE=port``, ``riskwire worker``) beside analysis workers
(``RISKWIRE_ROLE=analysis``), so that the answers get a core of their own. Its consumer group is
``<namespace>.port`` (:func:`port_group`) whichever process runs it.

Delivery is at-least-once, as in the rest of the pipeline: a batch's outputs are all
acknowledged by the broker before its offsets are committed. A batch read again after a crash
gets the same verdicts (the exact-repeat check knows the position it first saw a line at), so
the same instructions under the same ids (instruction id = declaration line id).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from aiokafka.errors import CommitFailedError, KafkaError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from connectors.ingest import SourceRef, dead_letter
from detectors.catalogue import Catalogue
from detectors.linkage import block_key
from schemas.codec import encode
from schemas.records import DeadLetter, FeedRole, Signal
from streams import flow
from streams.settings import Settings
from streams.state import RedisState
from streams.topics import create_topics, feed_topic

if TYPE_CHECKING:
    from streams.metrics import PipelineMetrics

__all__ = ["PortLoop", "port_group", "port_topics"]

log = logging.getLogger("riskwire.port")

MAX_BATCH = 500  # lines per fetch: one Redis round trip per batch
MAX_IN_FLIGHT = 8  # batches answered but not yet acknowledged by the broker
COMMIT_EVERY_S = 0.1  # offsets are committed at most this often (and when stopping)
RETRY_DELAYS = (0.1, 0.5, 1.0, 2.0, 5.0)
SUMMARY_EVERY_S = 60.0


def port_group(settings: Settings) -> str:
    """The consumer group of the port stage."""
    return f"{settings.namespace}.port"


def port_topics(settings: Settings) -> dict[str, str]:
    """The raw topics of declaration feeds, with the feed each carries (configured source
    topics included, e.g. a legacy declarations topic)."""
    from connectors.registry import feed_names, get_feed

    def is_port(feed: str) -> bool:
        adapter = get_feed(feed)
        return adapter is not None and adapter.role == FeedRole.DECLARATION

    feeds = {feed_topic(settings, f): f for f in feed_names()} | settings.source_topics
    return {topic: feed for topic, feed in feeds.items() if is_port(feed)}


@dataclass
class _InFlight:
    """A batch handed to the producer: its outputs (to send again should one fail), the
    offsets it completes, and the broker's acknowledgements to wait for."""

    out: _Outputs
    offsets: dict[Any, int]
    acks: list[asyncio.Future[Any]]


@dataclass
class _Outputs:
    """What one batch sends, in order, and what it counts."""

    sends: list[tuple[str, bytes, bytes]] = field(default_factory=list)
    dead: int = 0
    actions: dict[str, int] = field(default_factory=dict)

    def add(self, topic: str, key: str, value: bytes) -> None:
        self.sends.append((topic, key.encode(), value))


class PortLoop:
    """Reads the declaration feeds in group ``<namespace>.port`` and answers every line."""

    def __init__(
        self,
        settings: Settings,
        catalogue: Catalogue,
        state: RedisState,
        metrics: PipelineMetrics | None = None,
    ) -> None:
        self.settings = settings
        self.catalogue = catalogue
        self.state = state
        self.metrics = metrics
        self.feed_of = port_topics(settings)
        self.stopping = asyncio.Event()
        self.noted: dict[str, date] = {}  # the arrival day each feed was last noted for
        self.lines = 0
        self._consumer: AIOKafkaConsumer | None = None
        self._acknowledged: dict[Any, int] = {}  # offsets acknowledged, not yet committed

    async def run(self) -> None:
        """Answer lines until :meth:`stop`; the batch in hand is finished and committed first."""
        if not self.feed_of:
            return
        await asyncio.to_thread(create_topics, self.settings)  # a port role may start first
        servers = self.settings.bootstrap_servers
        producer = AIOKafkaProducer(
            bootstrap_servers=servers,
            linger_ms=1,
            acks="all",
            max_request_size=self.settings.max_record_bytes + 64 * 1024,
        )
        self._consumer = consumer = AIOKafkaConsumer(
            *sorted(self.feed_of),
            bootstrap_servers=servers,
            group_id=port_group(self.settings),
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=self.settings.fetch_max_wait_ms,
            max_poll_records=MAX_BATCH,
            session_timeout_ms=int(max(10.0, self.settings.rebalance_timeout * 2) * 1000),
            heartbeat_interval_ms=1000,
            rebalance_timeout_ms=int(self.settings.rebalance_timeout * 1000),
        )
        await producer.start()
        try:
            await consumer.start()
            try:
                await self._loop(consumer, producer)
            finally:
                await consumer.stop()  # leaves the group: its partitions move on at once
        finally:
            await producer.stop()

    def ready(self) -> bool:
        """Whether the port group gave this loop its partitions."""
        return self._consumer is not None and bool(self._consumer.assignment())

    def stop(self) -> None:
        """Finish the batch in hand, commit it, and end :meth:`run`."""
        self.stopping.set()

    async def _loop(self, consumer: AIOKafkaConsumer, producer: AIOKafkaProducer) -> None:
        """Fetch, answer, hand over, and go on: the broker's acknowledgements of a batch are
        awaited while the next batches are answered (at most ``MAX_IN_FLIGHT`` of them), and
        offsets are committed only up to the batches all acknowledged."""
        summary_at = time.monotonic() + SUMMARY_EVERY_S
        flying: deque[_InFlight] = deque()
        committed_at = 0.0
        while not self.stopping.is_set():
            fetched = await consumer.getmany(
                timeout_ms=self.settings.fetch_max_wait_ms, max_records=MAX_BATCH
            )
            batch = [r for _, records in sorted(fetched.items()) for r in records]
            if batch:  # every partition's lines at once: one Redis trip
                out = await self.answer(batch)
                offsets = {tp: records[-1].offset + 1 for tp, records in fetched.items() if records}
                flying.append(_InFlight(out, offsets, await self._hand_over(producer, out)))
            settled = await self._settle(flying, producer, wait=len(flying) > MAX_IN_FLIGHT)
            if settled and time.monotonic() - committed_at >= COMMIT_EVERY_S:
                await self._commit(consumer, settled)
                committed_at = time.monotonic()
                settled.clear()
            if time.monotonic() >= summary_at:
                summary_at = time.monotonic() + SUMMARY_EVERY_S
                log.info("port: %d lines answered so far", self.lines)
        settled = await self._settle(flying, producer, wait=True, every=True)
        if settled:
            await self._commit(consumer, settled)

    async def _commit(self, consumer: AIOKafkaConsumer, offsets: dict[Any, int]) -> None:
        try:
            await consumer.commit(dict(offsets))
        except (CommitFailedError, KafkaError) as exc:  # a rebalance took them: re-read there
            log.warning("port: offsets not committed (%r); re-read elsewhere", exc)

    async def _settle(
        self, flying: deque[_InFlight], producer: Any, wait: bool, every: bool = False
    ) -> dict[Any, int]:
        """The offsets of the oldest batches whose outputs the broker has all acknowledged
        (taken off ``flying``), waiting for the oldest one with ``wait`` (for all, ``every``).
        A batch an output of which failed is sent again, whole, before anything later counts."""
        settled = self._acknowledged  # kept until committed
        while flying:
            head = flying[0]
            if not (wait or every) and not all(f.done() for f in head.acks):
                break
            while True:
                results = await asyncio.gather(*head.acks, return_exceptions=True)
                failed = [r for r in results if isinstance(r, BaseException)]
                if not failed:
                    break
                log.error(
                    "port: %d outputs not acknowledged (%r), sent again", len(failed), failed[0]
                )
                await asyncio.sleep(RETRY_DELAYS[0])
                head.acks = await self._hand_over(producer, head.out)
            flying.popleft()
            settled.update(head.offsets)
            wait = False  # the oldest is in; the others only if they are in too
        return settled

    async def answer(self, records: Sequence[ConsumerRecord[Any, Any]]) -> _Outputs:
        """A fetch's lines, each partition's in order: their outputs, in order."""
        started = time.perf_counter()
        t = self.settings.topic
        now = datetime.now(UTC)
        out = _Outputs()
        valid: list[tuple[ConsumerRecord[Any, Any], Signal]] = []
        for record in records:
            raw = record.value if isinstance(record.value, bytes) else b""
            source = SourceRef(record.topic, record.partition, record.offset)
            try:
                checked = flow.validate(
                    self.feed_of[record.topic], raw, source, now, self.catalogue,
                    self.settings.max_record_bytes,
                )  # fmt: skip
            except Exception as exc:  # a bug, not bad input: the line is kept, with why
                log.exception("port: validating %s failed: dead-lettered", _where(record))
                checked = _failed(record, exc, now)
            if isinstance(checked, DeadLetter):
                out.add(t("deadletter"), checked.dead_letter_id, encode(checked))
                out.dead += 1
            else:
                valid.append((record, checked))
        if valid:
            await self._note_arrivals([line for _, line in valid], now)
            await self._answer_valid(valid, out, now)
        self.lines += len(records)
        if self.metrics is not None:
            self.metrics.records_in.labels(stage="port").inc(len(records))
            share = (time.perf_counter() - started) / len(records)  # a line's share of its batch
            latency = self.metrics.latency.labels(stage="port")
            for _ in records:
                latency.observe(share)
            if out.dead:
                self.metrics.dead_letters.labels(stage="port").inc(out.dead)
            for action, count in out.actions.items():
                self.metrics.instructions.labels(action=action).inc(count)
        return out

    async def _answer_valid(
        self,
        valid: list[tuple[ConsumerRecord[Any, Any], Signal]],
        out: _Outputs,
        now: datetime,
    ) -> None:
        t = self.settings.topic
        bodies = [encode(line) for _, line in valid]
        for (_, line), body in zip(valid, bodies, strict=True):
            out.add(t("declarations"), line.signal_id, body)  # the record of what was read
        admitted: list[Any] = []

        async def admit() -> None:
            at = [(line, _position(record)) for record, line in valid]
            admitted[:] = [await self.state.admit_lines(at)]

        await _until_redis_answers("port", admit)
        verdicts, controls, reference = admitted[0]
        reference = replace(reference, sampling_seed=self.settings.sampling_seed)
        for (record, line), body, exact in zip(valid, bodies, verdicts, strict=True):
            try:
                answered = flow.answer(line, exact, controls, reference)
            except Exception as exc:
                log.exception("port: answering %s failed: dead-lettered", _where(record))
                letter = _failed(record, exc, now)
                out.add(t("deadletter"), letter.dead_letter_id, encode(letter))
                out.dead += 1
                continue
            if answered.duplicate is not None:
                out.add(t("duplicates"), line.signal_id, encode(answered.duplicate))
                continue
            instruction, onward = answered.instruction, answered.onward
            assert instruction is not None and onward is not None
            out.add(t("instructions"), instruction.instruction_id, encode(instruction))
            out.actions[instruction.action] = out.actions.get(instruction.action, 0) + 1
            onward_body = body if onward is line else encode(onward)
            out.add(t("signals.unique"), block_key(onward), onward_body)

    async def _note_arrivals(self, lines: list[Signal], now: datetime) -> None:
        """The day each feed delivered (feed freshness), once a day per feed; before the
        batch's sends, so a kill -9 cannot lose it."""
        day = now.date()
        fresh = {line.feed for line in lines if self.noted.get(line.feed) != day}
        if not fresh:
            return
        await _until_redis_answers(
            "port", lambda: self.state.note_feed_days({feed: {day} for feed in fresh})
        )
        for feed in fresh:
            self.noted[feed] = day

    async def _hand_over(self, producer: Any, out: _Outputs) -> list[asyncio.Future[Any]]:
        """Hand every output to the producer, in order (it batches them); their
        acknowledgements, to await. A producer that cannot take them (the broker away) is
        tried again until it can: nothing past them is committed meanwhile."""
        for attempt in itertools.count(1):
            try:
                return [
                    await producer.send(topic, value=value, key=key)
                    for topic, key, value in out.sends
                ]
            except KafkaError as exc:
                delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1]
                log.error("port: outputs not sent (%r), retry %d in %.1fs", exc, attempt, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")


def _position(record: ConsumerRecord[Any, Any]) -> str:
    return f"{record.topic}:{record.partition}:{record.offset}"


def _where(record: ConsumerRecord[Any, Any]) -> str:
    return f"{record.topic}[{record.partition}]@{record.offset}"


def _failed(record: ConsumerRecord[Any, Any], exc: Exception, now: datetime) -> DeadLetter:
    raw = record.value if isinstance(record.value, bytes) else b""
    source = SourceRef(record.topic, record.partition, record.offset)
    return dead_letter(None, raw, f"port failed: {exc!r}", "$", source, now, type(exc).__name__)


async def _until_redis_answers(what: str, call: Callable[[], Awaitable[object]]) -> None:
    """Run ``call``, waiting out a Redis outage however long it lasts (backpressure: the batch
    holds its partition, nothing past it is committed, nothing is lost)."""
    for attempt in itertools.count(1):
        try:
            await call()
            return
        except (RedisConnectionError, RedisTimeoutError) as exc:
            delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1]
            log.warning("%s: Redis unavailable (%s), retry %d in %.1fs", what, exc, attempt, delay)
            await asyncio.sleep(delay)
