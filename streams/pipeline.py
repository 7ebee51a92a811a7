"""The riskwire pipeline as Faust agents, readable top to bottom.

    feed.<report feed> --validate--> signals --deduplicate--> signals.unique --link--> clusters
                             |                      |               ^                   |
                         deadletter            duplicates           |                 score
                                                                    |                   |
    feed.declarations --port (validate, exact repeat, target)-------+             assessments
                             |                 |              |                         |
                   deadletter, duplicates  declarations  instructions               escalate
                                                                                  |      |
                                                                           warnings  controls

A declaration line takes one hop to its instruction (the port stage, :mod:`streams.port`: a
batched loop in a consumer group of its own, run here as a service of the worker, or alone in
port-role processes), so a port's answer never waits behind the signal stages; the line then
joins the reports at linkage. Analysts' corrections travel in order with what they correct: a
correction of clusters on signals.unique (:mod:`streams.cluster_corrections`), a "not a
duplicate" on signals, where the dedup stage releases the near duplicate it kept
(:mod:`streams.releases`).

Agents are thin: each reads one topic, calls a pure function (``connectors.ingest``,
``streams.stages``, ``detectors.targeting``) and writes topics, tables or Redis. Delivery is
at-least-once; every output carries a deterministic id (signal id, cluster id, warning id and
version, declaration line id), so a replay after a crash repeats an effect instead of adding one.
A record that makes a stage fail is dead-lettered with its original bytes; a Redis outage is
retried with backoff, holding the partition (backpressure) rather than losing records.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import faust
import mode
import orjson
import redis
from faust.types import EventT, StreamT

from connectors.ingest import SourceRef, dead_letter
from connectors.reference import parse_reference
from connectors.registry import feed_names
from detectors.catalogue import Catalogue, load_catalogue
from detectors.freshness import stalled_feeds
from detectors.inspections import check as check_inspection
from detectors.linkage import block_key
from detectors.model import WarningModel
from detectors.neardup import NearDupIndex
from detectors.standard import standard_from_dict
from schemas.codec import decode, encode, from_dict, loads
from schemas.errors import SchemaError
from schemas.records import (
    Assessment,
    Cluster,
    ClusterDecision,
    Control,
    DeadLetter,
    Decision,
    Inspection,
    Reply,
    Signal,
    StandardChange,
    Tick,
    Warning,
)
from streams import escalation, flow
from streams.broker_watch import INTERVAL as BROKER_CHECK_INTERVAL
from streams.broker_watch import BrokerWatch
from streams.cluster_corrections import is_correction
from streams.escalation import cluster_of_warning
from streams.feed_watch import install_feed_watch
from streams.logs import BufferFullFilter, record_fields
from streams.metrics import install_metrics
from streams.port import PortLoop, port_topics
from streams.readiness import readiness
from streams.settings import Settings
from streams.stages import NEAR_DUPLICATE
from streams.state import RedisState, apply_reference
from streams.subscriptions import Delivery, delivery_for, load_subscriptions
from streams.tables import RecoveryHealth, StateTable, state_table
from streams.topics import feed_topic, partition_of
from streams.transport import RiskwireApp
from streams.web import install_web
from streams.webhooks import WebhookSender

__all__ = ["Pipeline", "build_pipeline"]

log = logging.getLogger("riskwire.pipeline")

RETRY_DELAYS = (0.1, 0.5, 1.0, 2.0, 5.0)


class FaultInjected(RuntimeError):
    """Raised by a stage on a record carrying the fault marker (fault-suite hook)."""


PRODUCE_OVERHEAD = 64 * 1024
STOP_WAIT_S = 30.0  # the longest a stopping worker waits for the port loop's batch in hand


def create_app(settings: Settings) -> faust.App:
    """A Faust app configured from settings; the consumer group is the namespace."""
    return RiskwireApp(
        settings.namespace,
        fetch_max_wait_ms=settings.fetch_max_wait_ms,
        broker=settings.broker,
        store=settings.store,  # tables: memory:// or rocksdb:// (files under the datadir)
        datadir=settings.faust_datadir,  # None: Faust's default, <namespace>-data
        autodiscover=False,
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication,
        processing_guarantee=settings.processing_guarantee,
        broker_commit_interval=settings.commit_interval,
        broker_rebalance_timeout=settings.rebalance_timeout,
        broker_session_timeout=max(10.0, settings.rebalance_timeout * 2),
        broker_heartbeat_interval=1.0,
        consumer_auto_offset_reset="earliest",
        producer_linger_ms=5,
        web_enabled=True,
        web_host=settings.web_host,
        web_bind=settings.web_host,  # what Faust binds to (web_host only names the URL)
        web_port=settings.web_port,
        web_application_options={"client_max_size": settings.max_request_bytes},
        # a record the validate stage accepts must also fit in one produce request
        producer_max_request_size=settings.max_record_bytes + PRODUCE_OVERHEAD,
        key_serializer="raw",
        value_serializer="raw",
    )


@dataclass
class Pipeline:
    """The app with its topics, tables and shared state, as built by :func:`build_pipeline`."""

    settings: Settings
    app: faust.App
    state: RedisState
    catalogue: Catalogue
    recovery: RecoveryHealth = field(default_factory=RecoveryHealth)


def _raw_topic(app: faust.App, *names: str, **kwargs: Any) -> faust.TopicT:
    return app.topic(*names, key_type=bytes, value_type=bytes, **kwargs)


def build_pipeline(settings: Settings) -> Pipeline:
    """Declare topics, tables and agents for ``settings``; the worker runs the returned app."""
    app = create_app(settings)
    catalogue = load_catalogue(settings.catalogue or None)
    state = RedisState.from_url(
        settings.redis_url,
        settings.namespace,
        dedup_window=timedelta(days=settings.dedup_window_days),
        dedup_ttl=timedelta(days=settings.dedup_ttl_days),
    )
    model = WarningModel.load(settings.model_path) if settings.model_path else None
    metrics = install_metrics(app)
    pipeline = Pipeline(settings, app, state, catalogue)
    t = settings.topic

    # Raw topics by the feed they carry: the riskwire topic of each feed, plus existing topics
    # configured as sources (RISKWIRE_SOURCES), e.g. a legacy complaints topic.
    feed_of = {feed_topic(settings, f): f for f in feed_names()} | settings.source_topics
    port_of = port_topics(settings)  # read by the port loop, in a group of its own
    feeds = _raw_topic(app, *(name for name in feed_of if name not in port_of))
    reference = _raw_topic(app, t("reference"))
    signals = _raw_topic(app, t("signals"))
    deadletters = _raw_topic(app, t("deadletter"))
    duplicates = _raw_topic(app, t("duplicates"))
    unique = _raw_topic(app, t("signals.unique"))
    clusters = _raw_topic(app, t("clusters"))
    assessments = _raw_topic(app, t("assessments"))
    warnings = _raw_topic(app, t("warnings"))
    history = _raw_topic(app, t("warnings.history"))
    controls = _raw_topic(app, t("controls"))
    decisions = _raw_topic(app, t("decisions"))
    results = _raw_topic(app, t("decisions.results"))
    replies = _raw_topic(app, t("replies"))
    inspections = _raw_topic(app, t("inspections"))
    routed = _raw_topic(app, t("inspections.routed"))
    config = _raw_topic(app, t("config"))

    def table(name: str) -> StateTable:
        return state_table(app, name, pipeline.recovery)

    near, blocks, members = table("near"), table("blocks"), table("members")
    kept = table("duplicates")
    tables = flow.FlowState(
        near=NearDupIndex(store=near),  # recent reports by blocking key
        clusters=table("clusters"),
        blocks=blocks,  # the linkage candidate index, waiting declarations
        members=members,  # each live cluster's members, for an analyst's split
        areas=table("areas"),  # risk signals per day by category and province, for urgency
        warnings=table("warnings"),
        duplicates=kept,  # near duplicates' signals, for an analyst's release
    )

    async def rebuild_indexes() -> None:  # the indexes' lists derive from recovered tables
        tables.invalidate()

    near.on_recover(rebuild_indexes)
    blocks.on_recover(rebuild_indexes)
    members.on_recover(rebuild_indexes)
    kept.on_recover(rebuild_indexes)

    def now() -> datetime:
        return datetime.now(UTC)

    # Test hook (RISKWIRE_FAULT_MARKER): a stage after validation raises on a record holding
    # these bytes, so the fault suite can prove a failing stage dead-letters and goes on.
    fault_marker = os.environ.get("RISKWIRE_FAULT_MARKER", "").encode()

    async def send_dead_letter(letter: DeadLetter) -> None:
        await deadletters.send(key=letter.dead_letter_id.encode(), value=encode(letter))

    async def until_redis_answers(what: str, call: Callable[[], Awaitable[object]]) -> None:
        """Run ``call``, waiting out a Redis outage however long it lasts (backpressure: the
        partition holds, nothing is committed past it, nothing is lost)."""
        for attempt in itertools.count(1):
            try:
                await call()
                return
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1]
                log.warning(
                    "%s: Redis unavailable (%s), retry %d in %.1fs", what, exc, attempt, delay
                )
                await asyncio.sleep(delay)

    async def guarded(
        stage: str, event: EventT[bytes], handle: Callable[[EventT[bytes]], Awaitable[None]]
    ) -> None:
        """Run one stage on one event: wait out Redis outages, dead-letter anything else."""
        msg = event.message
        where = f"{stage} at {msg.topic}[{msg.partition}]@{msg.offset}"
        metrics.records_in.labels(stage=stage).inc()
        started = time.perf_counter()
        outcome = "ok"
        try:
            reads_raw = stage in ("validate", "port")  # the marker tests stages after these
            if fault_marker and not reads_raw and fault_marker in (msg.value or b""):
                raise FaultInjected(f"{stage}: record carries RISKWIRE_FAULT_MARKER")
            await until_redis_answers(where, lambda: handle(event))
        except Exception as exc:
            outcome = "dead-lettered"
            fields = record_fields(stage, msg.topic, msg.partition, msg.offset, msg.key)
            log.exception("%s failed: dead-lettered", where, extra=fields)
            source = SourceRef(msg.topic, msg.partition, msg.offset)
            raw = msg.value if isinstance(msg.value, bytes) else b""
            letter = dead_letter(
                None, raw, f"{stage} failed: {exc!r}", "$", source, now(), type(exc).__name__
            )
            await until_sent(where, letter)
            metrics.dead_letters.labels(stage=stage).inc()
        finally:
            took = time.perf_counter() - started
            metrics.latency.labels(stage=stage).observe(took)
            if log.isEnabledFor(logging.DEBUG):  # one line per record: for tracing, not by default
                fields = record_fields(
                    stage, msg.topic, msg.partition, msg.offset, msg.key, outcome=outcome
                )
                log.debug("%s: %s", where, outcome, extra={**fields, "seconds": round(took, 6)})

    async def until_sent(where: str, letter: DeadLetter) -> None:
        """Send a dead letter, retrying however long the broker refuses: the record's offset
        is not acknowledged until its dead letter is handed to the producer (bounded in size,
        so only an outage can refuse it)."""
        for attempt in itertools.count(1):
            try:
                await send_dead_letter(letter)
                return
            except Exception as exc:
                delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1]
                log.error(
                    "%s: dead letter not sent (%r), retry %d in %.1fs", where, exc, attempt, delay
                )
                await asyncio.sleep(delay)

    def position(event: EventT[bytes]) -> str:
        msg = event.message
        return f"{msg.topic}:{msg.partition}:{msg.offset}"

    async def note_arrival(signal: Signal, arrived: datetime) -> None:
        """Note the day its feed delivered (feed freshness), once a day per feed."""
        day = arrived.date()  # arrival, not event time: reports come days after the event
        if day not in noted_days.setdefault(signal.feed, set()):
            await state.note_feed_days({signal.feed: {day}})  # before the send: kept by kill -9
            noted_days[signal.feed] = {day}

    async def validate_one(event: EventT[bytes]) -> None:
        msg = event.message
        feed = feed_of.get(msg.topic)
        raw = msg.value if isinstance(msg.value, bytes) else b""
        source = SourceRef(msg.topic, msg.partition, msg.offset)
        arrived = now()
        out = flow.validate(feed, raw, source, arrived, catalogue, settings.max_record_bytes)
        if isinstance(out, Signal):
            await note_arrival(out, arrived)
            await signals.send(key=block_key(out).encode(), value=encode(out))
        else:
            await send_dead_letter(out)
            metrics.dead_letters.labels(stage="validate").inc()

    async def deduplicate_one(event: EventT[bytes]) -> None:
        if is_correction(event.value):  # an analyst's "not a duplicate", sent to every partition
            await release_one(decode(ClusterDecision, event.value), event.message.partition)
            return
        signal = decode(Signal, event.value)
        exact = await state.check_exact(signal, position(event))
        duplicate = flow.deduplicate(signal, exact, tables.near, tables.kept).duplicate
        if duplicate is not None:
            if duplicate.reason == NEAR_DUPLICATE:  # where a release finds it (streams.releases)
                await state.note_duplicate(signal, duplicate)
            await duplicates.send(key=signal.signal_id.encode(), value=encode(duplicate))
            return
        await state.put_report(signal)  # what an analyst reads of the evidence (before the
        await unique.send(key=event.key, value=event.value)  # sends: a retry re-sends nothing)

    def owner(topic: str, partition: int) -> Callable[[str], bool]:
        """Whether a block key (a category) is read from ``partition`` of ``topic``."""
        count = app.consumer.topic_partitions(t(topic)) or settings.partitions
        return lambda block: partition_of(block, count) == partition

    async def release_one(decision: ClusterDecision, partition: int) -> None:
        released = flow.release(decision, tables, owner("signals", partition))
        if released.result is None:  # not this partition's report
            return
        if released.signal is not None:  # on to linkage, as the stage sends a unique report
            signal = released.signal
            await until_redis_answers("release", _call(state.put_report, signal))
            await unique.send(key=block_key(signal).encode(), value=encode(signal))
        result = released.result
        await results.send(key=result.decision_id.encode(), value=encode(result))
        await until_redis_answers("release", _call(state.put_decision_result, result))

    async def link_one(event: EventT[bytes]) -> None:
        if is_correction(event.value):  # an analyst's, sent to every partition
            await correct_one(decode(ClusterDecision, event.value), event.message.partition)
            return
        linked = flow.link(decode(Signal, event.value), tables, position=event.message.offset)
        for cluster in linked.changed:  # a merged-away one under its own id, where its warning is
            await clusters.send(key=cluster.cluster_id.encode(), value=encode(cluster))

    async def correct_one(decision: ClusterDecision, partition: int) -> None:
        corrected = flow.correct(decision, tables, owner("signals.unique", partition))
        if corrected.result is None:  # not this partition's cluster
            return
        for cluster in corrected.changed:
            await clusters.send(key=cluster.cluster_id.encode(), value=encode(cluster))
        result = corrected.result
        await results.send(key=result.decision_id.encode(), value=encode(result))
        await until_redis_answers("correct", _call(state.put_decision_result, result))

    async def score_one(event: EventT[bytes]) -> None:
        assessment = flow.score(decode(Cluster, event.value), catalogue, model, settings.guard)
        await assessments.send(key=event.key, value=encode(assessment))

    clocks: dict[int, _EventClock] = {}  # per assessments partition: its own event time

    def clock_of(partition: int) -> _EventClock:
        """A partition's clock; after a restart, read back from the warnings table."""
        found = clocks.get(partition)
        if found is None:
            stored = tables.warnings.get(f"~clock:{partition}")
            found = clocks[partition] = _EventClock()
            if stored:
                found.saw(datetime.fromisoformat(loads(stored)["event"]))
        return found

    async def escalate_one(event: EventT[bytes]) -> None:
        value = loads(event.value)
        record: Assessment | Tick | StandardChange
        if "tick" in value:
            record = from_dict(Tick, value)
        elif "standard" in value:
            record = from_dict(StandardChange, value)
        else:
            record = from_dict(Assessment, value)
        partition = event.message.partition
        if isinstance(record, Assessment):
            clock = clock_of(partition)
            if clock.saw(record.as_of):  # kept with the partition's tables, about hourly
                key = f"~clock:{partition}"
                tables.warnings[key] = orjson.dumps({"event": clock.event})
        count = app.consumer.topic_partitions(t("assessments")) or settings.partitions

        def owns(cluster_id: str) -> bool:  # the clusters of this partition
            return partition_of(cluster_id, count) == partition

        await publish(flow.escalate(record, tables, catalogue, position(event), owns))

    async def decide_one(event: EventT[bytes]) -> None:
        versions, result = flow.decide(decode(Decision, event.value), tables, position(event))
        await publish(versions)
        body = encode(result)
        await results.send(key=result.decision_id.encode(), value=body)
        await until_redis_answers("decide", _call(state.put_decision_result, result))

    async def reply_one(event: EventT[bytes]) -> None:
        await publish(flow.reply(decode(Reply, event.value), tables, position(event)))

    async def route_one(event: EventT[bytes]) -> None:
        """A port's inspection result: checked (a bad one is dead-lettered with why), then
        sent on keyed by its warning's cluster, in order with the warning's other inputs."""
        msg = event.message
        raw = msg.value if isinstance(msg.value, bytes) else b""
        try:
            found = check_inspection(decode(Inspection, raw))
        except (SchemaError, ValueError) as exc:
            why, where = str(exc), "$"
            if isinstance(exc, SchemaError):
                why, where = exc.reason, exc.path or "$"
            source = SourceRef(msg.topic, msg.partition, msg.offset)
            await until_sent("route", dead_letter("inspections", raw, why, where, source, now()))
            metrics.dead_letters.labels(stage="route").inc()
            return
        cluster = cluster_of_warning("W-" + found.control_id.removeprefix("C-"))
        await routed.send(key=cluster.encode(), value=encode(found))

    async def inspect_one(event: EventT[bytes]) -> None:
        inspection = decode(Inspection, event.value)
        versions, finding = flow.inspect(inspection, tables, position(event))
        await publish(versions)
        if finding is not None:  # a non-compliant result: evidence for its cluster, to link
            await unique.send(key=block_key(finding).encode(), value=encode(finding))

    async def configure_one(event: EventT[bytes]) -> None:
        """A grading-standard version: checked, then sent to every assessments partition, where
        each partition's escalation takes it up in order with its other inputs."""
        msg = event.message
        raw = msg.value if isinstance(msg.value, bytes) else b""
        try:
            document = loads(raw)
            standard = standard_from_dict(document)
        except SchemaError as exc:
            source = SourceRef(msg.topic, msg.partition, msg.offset)
            letter = dead_letter("config", raw, exc.reason, exc.path or "$", source, now())
            await send_dead_letter(letter)
            metrics.dead_letters.labels(stage="configure").inc()
            return
        body = encode(StandardChange(standard=document))
        count = app.consumer.topic_partitions(t("assessments")) or settings.partitions
        for p in range(count):
            await assessments.send(value=body, partition=p)
        log.info("grading standard %s sent to %d partitions", standard.version, count)

    async def publish(versions: list[tuple[Warning, Control | None]]) -> None:
        # The decision is taken (and the table written) once; only the side effects below are
        # retried, so a Redis outage here cannot make the retry see its own warning as old news.
        made: dict[str, int] = {}  # the newest version of each warning among these
        for warning, _ in versions:
            made[warning.warning_id] = max(made.get(warning.warning_id, 0), warning.version)
        for warning, control in versions:
            body = encode(warning)
            await history.send(key=warning.warning_id.encode(), value=body)
            metrics.warning_versions.labels(change=warning.change).inc()
            latest = escalation.latest_version(tables.warnings, warning.warning_id)
            if latest > made[warning.warning_id]:  # a re-read replaying versions a newer one
                continue  # followed: into the history, never over it on the compacted topics
            await warnings.send(key=warning.warning_id.encode(), value=body)
            await until_redis_answers("escalate", _call(state.put_warning, warning))
            if control is not None:
                await controls.send(key=control.control_id.encode(), value=encode(control))
                await until_redis_answers("escalate", _call(state.put_control, control))

    noted_days: dict[str, set[date]] = {}  # the arrival day each feed was last noted for

    async def send_ticks() -> None:
        """Event time for quiet feeds: the newest assessment time plus the wall time since,
        with the feeds silent beyond their rhythm of arrivals now (they hold quiet clocks).
        A timer: whatever fails is logged, never raised (that would stop the worker)."""
        if app.rebalancing:
            return
        try:
            days = await state.feed_days(set(feed_of.values()))
        except Exception as exc:
            log.warning("ticks wait: feed freshness unreadable (%r)", exc)  # a tick without it
            return  # could lift a warning whose feed broke: better none than that one
        stalled = stalled_feeds(days, now().date())
        try:
            mine = sorted(
                tp.partition for tp in app.consumer.assignment() if tp.topic == t("assessments")
            )
            for p in mine:
                at = clock_of(p).now()
                if at is not None:
                    tick = Tick(tick=at, stalled=stalled)
                    await assessments.send(value=encode(tick), partition=p)
        except Exception:
            log.exception("ticks not sent: the next timer tries again")

    async def reference_one(event: EventT[bytes]) -> None:
        msg = event.message
        raw = msg.value if isinstance(msg.value, bytes) else b""
        try:
            update = parse_reference(raw)
        except SchemaError as exc:
            source = SourceRef(msg.topic, msg.partition, msg.offset)
            await send_dead_letter(
                dead_letter("reference", raw, exc.reason, exc.path or "$", source, now())
            )
            metrics.dead_letters.labels(stage="reference").inc()
            return
        await apply_reference(state.client, settings.namespace, update)

    def stage(
        name: str, channel: faust.TopicT, handle: Callable[[EventT[bytes]], Awaitable[None]]
    ) -> None:
        async def run(stream: StreamT[bytes]) -> None:
            async for event in stream.events():
                await guarded(name, event, handle)

        run.__name__ = run.__qualname__ = name
        app.agent(channel, name=name)(run)

    stage("validate", feeds, validate_one)
    stage("deduplicate", signals, deduplicate_one)
    stage("link", unique, link_one)
    stage("score", clusters, score_one)
    stage("escalate", assessments, escalate_one)
    stage("decide", decisions, decide_one)
    stage("reply", replies, reply_one)
    stage("route", inspections, route_one)
    stage("inspect", routed, inspect_one)
    stage("configure", config, configure_one)
    if settings.role == "all":  # else port-role processes answer the lines (streams.port)
        port = PortLoop(settings, catalogue, state, metrics)

        @app.service
        class PortStage(mode.Service):
            """The port loop as part of the worker: started with it, and stopped with it after
            finishing (and committing) the batch in hand."""

            running: asyncio.Future[None] | None = None

            async def on_start(self) -> None:
                self.running = self.add_future(port.run())

            async def on_stop(self) -> None:
                port.stop()
                if self.running is not None:
                    await asyncio.wait({self.running}, timeout=STOP_WAIT_S)

    stage("reference", reference, reference_one)

    subscriptions = load_subscriptions(settings.subscriptions_file, settings.subscriptions)
    if subscriptions:
        sender = WebhookSender(
            settings.webhook_attempts, settings.webhook_backoff, settings.webhook_timeout
        )

        async def notify_one(event: EventT[bytes]) -> None:
            """A warning version, pushed to the subscribers it is for (streams.webhooks)."""
            warning = decode(Warning, event.value)
            stored: list[Warning] = []

            async def read() -> None:
                stored[:] = await state.warning_versions(warning.warning_id)

            await until_redis_answers("notify", read)
            versions = [v for v in stored if v.version != warning.version] + [warning]
            made = await asyncio.to_thread(
                lambda: [delivery_for(s, versions, warning.version) for s in subscriptions]
            )  # masking: off the event loop
            msg = event.message
            source = SourceRef(msg.topic, msg.partition, msg.offset)
            pushes = [push(d, source) for d in made if d is not None]
            failed = [r for r in await asyncio.gather(*pushes, return_exceptions=True) if r]
            if failed:  # every push ended or failed before the record does: none is orphaned
                raise failed[0]

        async def push(delivery: Delivery, source: SourceRef) -> None:
            sub, key = delivery.subscription.id, delivery.key
            ended: list[bool] = []
            pinned: list[bytes] = []

            async def look() -> None:
                ended[:] = [await state.pushed(sub, key)]
                if not ended[0]:
                    pinned[:] = [await state.pinned_body(sub, key, delivery.body)]

            await until_redis_answers("notify", look)
            if ended[0]:
                return  # re-read after a restart: this one has ended already
            delivery = replace(delivery, body=pinned[0])
            outcome = await sender.push(delivery)
            if not outcome.delivered:
                why = (
                    f"webhook {sub}: {key} not delivered after {outcome.attempts} "
                    f"attempts: {outcome.why}"
                )
                letter = dead_letter(
                    None, delivery.body, why, f"$.subscriptions[{sub}]", source, now(), "Webhook"
                )
                letter = replace(letter, dead_letter_id=f"{letter.dead_letter_id}:{sub}")
                await until_sent("notify", letter)
                metrics.dead_letters.labels(stage="notify").inc()
            done = "delivered" if outcome.delivered else "dead_letter"
            await until_redis_answers("notify", lambda: state.note_pushed(sub, key, done))
            metrics.webhook_pushes.labels(subscription=sub, outcome=done).inc()

        stage("notify", history, notify_one)

    broker_watch = BrokerWatch(settings)

    async def watch_broker() -> None:
        """Stop, rather than stall, when the broker forgot what this worker committed."""
        committed = app.consumer._committed_offset  # type: ignore[attr-defined]
        await broker_watch.check(
            {(tp.topic, tp.partition): off for tp, off in committed.items() if off is not None}
        )

    app.timer(interval=BROKER_CHECK_INTERVAL)(watch_broker)
    if settings.tick_seconds > 0:
        app.timer(interval=settings.tick_seconds)(send_ticks)
    install_feed_watch(app, settings, metrics)
    logging.getLogger("faust.transport.producer").addFilter(
        BufferFullFilter(metrics.producer_buffer_waits.inc)
    )

    install_web(
        app,
        settings,
        catalogue,
        state,
        readiness=lambda: readiness(app, pipeline.recovery, broker_watch),
        metrics=metrics,
    )

    return pipeline


@dataclass
class _EventClock:
    """Event time of one partition as a worker knows it: the newest assessment time seen, moved
    on by the wall time since (a replay reads records much faster than they happened, so event
    time leads). A time more than a day ahead of the wall clock is a mistyped date, not time:
    it moves nothing (else one such record would lift every quiet warning of the partition)."""

    event: datetime | None = None
    wall: float = 0.0
    noted: datetime | None = None  # the event time last written to the table

    def saw(self, at: datetime) -> bool:
        """Note ``at``; whether the clock moved an hour or more since it was last kept."""
        if at > datetime.now(UTC) + timedelta(days=1):
            return False
        if self.event is None or at > self.event:
            self.event, self.wall = at, time.monotonic()
        if self.noted is None or self.event - self.noted >= timedelta(hours=1):
            self.noted = self.event
            return True
        return False

    def now(self) -> datetime | None:
        if self.event is None:
            return None
        return self.event + timedelta(seconds=time.monotonic() - self.wall)


def _call(fn: Callable[[Any], Awaitable[Any]], arg: Any) -> Callable[[], Awaitable[Any]]:
    """``fn(arg)`` as a retryable call, bound now (not to a loop variable)."""
    return lambda: fn(arg)
