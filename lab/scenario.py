"""Drive a running pipeline with sample feeds and collect what comes out.

Used by ``riskwire demo`` and by the integration tests, so that both exercise the same path:
produce a day of records, wait until the consumer group has processed everything (lag 0),
surface the warnings issued so far, next day. Replaying by day with a barrier keeps event time
and processing order aligned, as they would be in production, where a control issued on Monday
is in force for Tuesday's declarations.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Any, TypeVar

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from cli.lag import LagProbe
from cli.producer import kafka_producer, send_all
from connectors.reference import reference_messages
from lab.sample import FeedRecord, ReferenceData, Sample
from lab.sample_types import CST
from schemas.codec import decode, dumps, encode
from schemas.records import (
    Assessment,
    Control,
    DeadLetter,
    Decision,
    Duplicate,
    Grade,
    Instruction,
    Reply,
    Signal,
    StandardChange,
    Tick,
    Warning,
)
from streams.escalation import cluster_of_warning
from streams.settings import Settings
from streams.topics import CONFIG_KEY, feed_topic

__all__ = [
    "IncidentReport",
    "Lifecycle",
    "Outputs",
    "TopicReader",
    "WorkerProcess",
    "check_incidents",
    "produce",
    "read_outputs",
    "replay",
    "send_lifecycle",
    "send_reference",
]

Lifecycle = Tick | Decision | StandardChange | Reply  # inputs besides the feeds
LIFECYCLE_STATES = ("candidate", "approved", "evaluating", "rejected", "lifted")

T = TypeVar("T")


class WorkerProcess:
    """A riskwire worker in a child process, logging to a file."""

    def __init__(
        self, settings: Settings, log_path: Path, extra_env: dict[str, str] | None = None
    ) -> None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path = log_path
        self.web_port = settings.web_port
        self._log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        env = {**os.environ, **settings.as_env(), **(extra_env or {})}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streams.worker"],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

    def check_alive(self) -> None:
        """Raise ``RuntimeError`` with the end of its log if the worker has exited."""
        if self.proc.poll() is not None:
            tail = self.log_path.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"worker exited with code {self.proc.returncode}:\n{tail}")

    def stop(self, timeout: float = 20.0) -> None:
        """Stop the worker gracefully (SIGTERM), killing it if it does not stop in time."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self._log.closed:
            self._log.close()


class TopicReader:
    """Reads a topic from the beginning, then whatever is new on each call (no consumer group)."""

    def __init__(self, settings: Settings, topic: str) -> None:
        self.topic = topic
        self._consumer = KafkaConsumer(
            bootstrap_servers=settings.bootstrap_servers,
            enable_auto_commit=False,
            fetch_max_wait_ms=50,
        )
        partitions = self._consumer.partitions_for_topic(topic) or set()
        self._tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        self._consumer.assign(self._tps)
        self._consumer.seek_to_beginning(*self._tps)

    def read_new(self, timeout: float = 30.0) -> list[bytes]:
        """Every message value from the last position up to the end offsets of now."""
        ends = self._consumer.end_offsets(self._tps)
        values: list[bytes] = []
        while any(self._consumer.position(tp) < ends[tp] for tp in self._tps):
            batch = self._consumer.poll(timeout_ms=int(timeout * 1000))
            if not batch:
                raise TimeoutError(f"no progress reading {self.topic} within {timeout}s")
            for records in batch.values():
                values.extend(r.value for r in records)
        return values

    def close(self) -> None:
        """Close the consumer."""
        self._consumer.close()


def send_reference(settings: Settings, reference: ReferenceData) -> int:
    """Publish reference data as messages on ``<ns>.reference``; returns how many were sent."""
    messages = reference_messages(reference.credit, reference.blacklist, reference.origin_risk)
    topic = settings.topic("reference")
    return send_all(settings, ((topic, key, value) for key, value in messages))


def produce(producer: KafkaProducer, settings: Settings, records: Iterable[FeedRecord]) -> int:
    """Send raw feed records to their feed topics; returns how many were sent."""
    sent = 0
    for rec in records:
        producer.send(feed_topic(settings, rec.feed), key=rec.key, value=rec.payload)
        sent += 1
    producer.flush()
    return sent


@dataclass
class Outputs:
    """Everything the pipeline wrote, decoded."""

    signals: list[Signal] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)
    controls: list[Control] = field(default_factory=list)
    instructions: list[Instruction] = field(default_factory=list)
    assessments: list[Assessment] = field(default_factory=list)

    def latest(self, records: list[T], key: Callable[[T], str]) -> dict[str, T]:
        """The last record per id (what a compacted topic keeps)."""
        return {key(r): r for r in records}

    @property
    def final_warnings(self) -> dict[str, Warning]:
        """Latest version of each warning (the highest, whatever order partitions were read)."""
        ordered = sorted(self.warnings, key=lambda w: (w.warning_id, w.version))
        return self.latest(ordered, lambda w: w.warning_id)

    @property
    def final_controls(self) -> dict[str, Control]:
        """Latest version of each control."""
        return self.latest(self.controls, lambda c: c.control_id)

    @property
    def final_instructions(self) -> dict[str, Instruction]:
        """One instruction per declaration line."""
        return self.latest(self.instructions, lambda i: i.instruction_id)

    def summary_line(self) -> str:
        """The demo's one-line summary: warnings by their grade now and at their peak, and by
        whether they are in force."""
        final = self.final_warnings.values()
        now = Counter(w.grade for w in final if w.status == "active")
        peaks = Counter(w.peak_grade or w.grade for w in final)
        states = Counter(w.state for w in final)
        by_state = ", ".join(f"{s} {states[s]}" for s in LIFECYCLE_STATES if states.get(s))

        def by_grade(counts: Counter[str]) -> str:
            return " ".join(f"{g.value}:{counts.get(g.value, 0)}" for g in Grade)

        return (
            f"demo: {len(self.signals)} signals, {len(self.duplicates)} duplicates, "
            f"{len(self.dead_letters)} dead letters, {len(self.final_warnings)} warnings "
            f"(now {by_grade(now)}; peak {by_grade(peaks)}; {by_state or 'none'}), "
            f"{len(self.final_controls)} controls, {len(self.final_instructions)} instructions"
        )


_OUTPUT_TOPICS: tuple[tuple[str, str, type[Any]], ...] = (  # (Outputs field, topic, record)
    ("signals", "signals", Signal),  # reports
    ("signals", "declarations", Signal),  # declaration lines, as the port stage validated them
    ("duplicates", "duplicates", Duplicate),
    ("dead_letters", "deadletter", DeadLetter),
    ("warnings", "warnings.history", Warning),  # every version, whatever compaction kept
    ("controls", "controls", Control),
    ("instructions", "instructions", Instruction),
    ("assessments", "assessments", Assessment),
)


def read_outputs(settings: Settings) -> Outputs:
    """Read every output topic from the beginning."""
    out = Outputs()
    for attr, name, cls in _OUTPUT_TOPICS:
        reader = TopicReader(settings, settings.topic(name))
        try:
            values = (  # not the clock ticks and standard versions on assessments
                v for v in reader.read_new() if not v.startswith((b'{"tick"', b'{"standard"'))
            )
            getattr(out, attr).extend(decode(cls, v) for v in values)
        finally:
            reader.close()
    return out


def replay(
    settings: Settings,
    sample: Sample,
    worker: WorkerProcess | None = None,
    on_warning: Callable[[Warning], None] | None = None,
    on_records: Callable[[int], None] | None = None,
    drain_timeout: float = 180.0,
    first: Iterable[Lifecycle] = (),
    after_day: Callable[[datetime], Iterable[Lifecycle]] | None = None,
    last: Iterable[Lifecycle] = (),
) -> Outputs:
    """Publish the sample's reference data, then its feeds day by day, draining the pipeline
    after each day; return its outputs. Lifecycle inputs (:data:`Lifecycle`) go in ``first``
    (before the feeds), after each day (``after_day(end of the day)``, which sees the warning
    versions through ``on_warning`` first) and ``last``, each drained before the next."""
    producer = kafka_producer(settings)
    probe = LagProbe(settings)
    tail = TopicReader(settings, settings.topic("warnings"))

    def send(items: Iterable[Lifecycle]) -> None:
        for item in items:
            send_lifecycle(producer, settings, item)
            _drain(probe, worker, drain_timeout)
            surface()

    def surface() -> None:
        for raw in tail.read_new():
            if on_warning:
                on_warning(decode(Warning, raw))

    try:
        send_reference(settings, sample.reference)
        _drain(probe, worker, drain_timeout)
        send(first)
        for day, records in sample.by_day():
            produce(producer, settings, records)
            if on_records:
                on_records(len(records))
            _drain(probe, worker, drain_timeout)
            surface()
            if after_day:
                end = datetime.combine(day, time(23, 30), tzinfo=CST)
                send(after_day(end))
        send(last)
    finally:
        producer.close()
        probe.close()
        tail.close()
    return read_outputs(settings)


def send_lifecycle(producer: KafkaProducer, settings: Settings, item: Lifecycle) -> None:
    """A clock tick to every assessments partition; a grading-standard version to the config
    topic (as ``riskwire standard publish`` sends it); an analyst's decision or a producer's
    reply to its warning's partition of its topic (as the worker's endpoints send them)."""
    if isinstance(item, Tick):
        topic = settings.topic("assessments")
        for p in sorted(producer.partitions_for(topic) or ()):
            producer.send(topic, value=encode(item), partition=p)
    elif isinstance(item, StandardChange):
        producer.send(settings.topic("config"), key=CONFIG_KEY, value=dumps(item.standard))
    else:
        key = cluster_of_warning(item.warning_id).encode()
        topic = settings.topic("decisions" if isinstance(item, Decision) else "replies")
        producer.send(topic, key=key, value=encode(item))
    producer.flush()


def _drain(probe: LagProbe, worker: WorkerProcess | None, timeout: float) -> None:
    waited = 0.0
    step = 10.0
    while True:
        if worker:
            worker.check_alive()
        try:
            probe.wait_drained(timeout=step)
            return
        except TimeoutError:
            waited += step
            if waited >= timeout:
                raise


@dataclass(frozen=True, slots=True)
class IncidentReport:
    """How the planted incidents and the noise came out."""

    warned: dict[str, list[str]]  # incident -> warning ids whose evidence includes it
    noise_warnings: list[str]

    @property
    def missed(self) -> list[str]:
        """Planted incidents that got no warning."""
        return [name for name, ids in self.warned.items() if not ids]

    @property
    def ok(self) -> bool:
        """Every incident warned, and no warning from noise alone."""
        return not self.missed and not self.noise_warnings


def check_incidents(sample: Sample, outputs: Outputs) -> IncidentReport:
    """Match warnings to planted incidents by their evidence (member signal ids)."""
    warned: dict[str, list[str]] = {name: [] for name in sample.incidents}
    noise: list[str] = []
    for warning in outputs.final_warnings.values():
        evidence = set(warning.evidence)
        hits = [n for n, inc in sample.incidents.items() if evidence & inc.signal_ids]
        for name in hits:
            warned[name].append(warning.warning_id)
        if not hits:
            noise.append(warning.warning_id)
    return IncidentReport(warned, noise)
