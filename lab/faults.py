"""Fault scenarios: the demo sample through real workers while they are killed, rebalanced,
cut off from Redis or fed hostile records; each run read back and checked by :mod:`lab.verify`.

A scenario replays the sample day by day, as the demo does (produce a day, wait until the
consumer group has read everything, next day), and performs its faults at seeded points of that
replay: a kill happens right after a day's records were produced, while they are in flight.

Within a day, records are produced in waves, one feed at a time into partition 0 of its raw
topic, each wave read by the validate stage before the next is produced, and the declaration
lines last, once the day's reports have gone through every stage (so the controls they raise
are in force, as a day-by-day replay promises). Stage outputs depend
on the order in which signals reach a partition, and with five feed topics (of several
partitions each) read at once that interleaving is the consumer's choice; with waves it is the
same in every run, so two clean runs give byte-identical warnings, controls and instructions,
and any difference in a fault run is the fault's.
"""

from __future__ import annotations

import base64
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import orjson
import redis
from kafka import KafkaProducer, TopicPartition

from cli.embedded import free_port
from cli.lag import LagProbe
from cli.producer import kafka_producer
from connectors.registry import get_feed
from lab.sample import FeedRecord, Sample
from lab.scenario import Lifecycle, WorkerProcess, send_lifecycle, send_reference
from lab.verify import Expected, Report, RunOutputs, compare, read_run
from schemas.records import FeedRole
from streams.settings import Settings
from streams.state import clear_namespace
from streams.topics import create_topics, feed_topic

__all__ = [
    "FAULT_MARKER",
    "Fleet",
    "Lifecycle",
    "PrivateRedis",
    "ScenarioResult",
    "ScenarioRun",
    "hostile_records",
    "lifecycle_order",
    "run",
]

FAULT_MARKER = "RISKWIRE-FAULT-RAISE"  # a record whose text holds it makes a stage raise


class Fleet:
    """The workers of one pipeline, started, stopped and killed by the scenario."""

    def __init__(self, settings: Settings, workdir: Path, env: dict[str, str] | None = None):
        self.settings = settings
        self.workdir = workdir
        self.env = env or {}
        self.workers: list[WorkerProcess] = []
        self.started = 0
        self.exits: list[int] = []

    def start(self) -> WorkerProcess:
        """One more worker, on its own web port."""
        self.started += 1
        settings = replace(self.settings, web_port=free_port())
        log = self.workdir / f"worker-{self.started}.log"
        worker = WorkerProcess(settings, log, extra_env=self.env)
        self.workers.append(worker)
        return worker

    def stop(self, worker: WorkerProcess, how: signal.Signals = signal.SIGTERM) -> int:
        """Stop ``worker`` with ``how`` (SIGTERM: graceful; SIGKILL: no goodbye); its exit code."""
        if worker.proc.poll() is None:
            worker.proc.send_signal(how)
        try:
            code = worker.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.proc.kill()
            code = worker.proc.wait()
        worker.stop()
        self.workers.remove(worker)
        self.exits.append(code)
        return code

    def check_alive(self) -> None:
        """Raise if a worker died on its own."""
        for worker in self.workers:
            worker.check_alive()

    def wait_ready(self, worker: WorkerProcess, timeout: float = 90.0) -> dict[str, object]:
        """Block until ``worker`` answers ``/ready`` with 200; returns what it reported."""
        url = f"http://127.0.0.1:{worker.web_port}/ready"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            worker.check_alive()
            try:
                with urllib.request.urlopen(url, timeout=2) as answer:
                    report: dict[str, object] = orjson.loads(answer.read())
                    return report
            except OSError:
                time.sleep(0.2)
        raise TimeoutError(f"worker {worker.log_path.name} not ready within {timeout:.0f}s")

    def stop_all(self) -> None:
        """Stop every worker gracefully."""
        for worker in list(self.workers):
            self.stop(worker)


class PrivateRedis:
    """A ``redis-server`` of the scenario's own, on a free port, that keeps its data on disk
    (append-only file), so an outage can be a real stop and start that loses nothing."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="riskwire-fault-redis-")
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Its URL."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start it and wait until it answers."""
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed")
        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir]
        args += ["--save", "", "--appendonly", "yes", "--appendfsync", "always"]
        self.proc = subprocess.Popen(
            [binary, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    pass
                redis.Redis(port=self.port).ping()
                return
            except (OSError, redis.RedisError):
                time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        """Stop it (SIGTERM: it writes nothing more, the append-only file already holds all)."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None

    def close(self) -> None:
        """Stop it and delete its files."""
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


# What a scenario does at a point of the replay: called with the fleet after a day was produced.
Action = Callable[[Fleet], None]


@dataclass
class ScenarioRun:
    """A scenario's plan: actions by day index, extra raw records, the workers' environment."""

    name: str
    actions: dict[int, list[Action]] = field(default_factory=dict)
    extra: list[tuple[int, str, bytes]] = field(default_factory=list)  # day, feed, raw bytes
    lifecycle: list[tuple[int, Lifecycle]] = field(default_factory=list)  # after that day
    env: dict[str, str] = field(default_factory=dict)
    redis: PrivateRedis | None = None
    checks: list[str] = field(default_factory=list)  # what the actions observed


@dataclass
class _Produced:
    expected_signals: Counter[str] = field(default_factory=Counter)
    dead_letters: set[tuple[str, int, int]] = field(default_factory=set)
    count: int = 0


def _produce(
    producer: KafkaProducer,
    probe: LagProbe,
    fleet: Fleet,
    settings: Settings,
    records: list[FeedRecord],
    extra: list[tuple[str, bytes, str | None]],
    out: _Produced,
) -> None:
    """Produce one day as waves, one feed at a time, each into partition 0 of its topic and
    read by the validate stage before the next wave: the order in which signals reach their
    partitions is then the same in every run (see module doc)."""
    waves: dict[str, list[tuple[bytes | None, bytes, str | None]]] = {}
    for rec in records:
        waves.setdefault(rec.feed, []).append((rec.key, rec.payload, rec.signal_id))
    for feed, raw, signal_id in extra:
        waves.setdefault(feed, []).append((None, raw, signal_id))
    for feed in sorted(waves, key=_wave_rank):
        if _is_declarations(feed):  # targeted once the day's reports are all through
            _drain(probe, fleet)
        topic = feed_topic(settings, feed)
        pending = [
            (producer.send(topic, key=key, value=raw, partition=0), signal_id)
            for key, raw, signal_id in waves[feed]
        ]
        producer.flush()
        last = -1
        for fut, signal_id in pending:
            meta = fut.get(timeout=30)
            last = max(last, meta.offset)
            out.count += 1
            if signal_id is None:
                out.dead_letters.add((meta.topic, meta.partition, meta.offset))
            else:
                out.expected_signals[signal_id] += 1
        _wait_read(probe, fleet, TopicPartition(topic, 0), last + 1)


def lifecycle_order(
    sample: Sample, lifecycle: list[tuple[int, Lifecycle]]
) -> list[FeedRecord | Lifecycle]:
    """:func:`wave_order` with the lifecycle inputs at the end of their days, as a scenario
    sends them: the same input for the in-memory runner."""
    ordered: list[FeedRecord | Lifecycle] = []
    for index, (_, records) in enumerate(sample.by_day()):
        day: list[FeedRecord] = sorted(records, key=lambda rec: _wave_rank(rec.feed))
        ordered += day
        ordered += [item for when, item in lifecycle if when == index]
    return ordered


def _is_declarations(feed: str) -> bool:
    adapter = get_feed(feed)
    return adapter is not None and adapter.role == FeedRole.DECLARATION


def _wave_rank(feed: str) -> tuple[bool, str]:
    """Report feeds by name, declaration feeds last: a control a day's reports raise is in force
    before that day's declaration lines are targeted, whatever the timing of the stages."""
    return _is_declarations(feed), feed


def wave_order(sample: Sample) -> list[FeedRecord]:
    """The sample's records in the order a scenario produces them: day by day, and within a
    day feed by feed (:func:`_wave_rank`), each feed's records in event-time order."""
    ordered: list[FeedRecord] = []
    for _, records in sample.by_day():
        ordered += sorted(records, key=lambda rec: _wave_rank(rec.feed))  # stable per feed
    return ordered


def _wait_read(
    probe: LagProbe, fleet: Fleet, tp: TopicPartition, offset: int, timeout: float = 180.0
) -> None:
    """Block until the pipeline's group has committed ``offset`` on ``tp``."""
    deadline = time.monotonic() + timeout
    while probe.committed(tp) < offset:
        fleet.check_alive()
        if time.monotonic() > deadline:
            raise TimeoutError(f"{tp} not read up to {offset} within {timeout:.0f}s")
        time.sleep(0.03)


def _drain(probe: LagProbe, fleet: Fleet, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        fleet.check_alive()
        try:
            probe.wait_drained(timeout=5.0, settle=2, every=0.05)
            return
        except TimeoutError as exc:
            if time.monotonic() > deadline:
                raise TimeoutError(f"not drained within {timeout:.0f}s; last try: {exc}") from None


@dataclass
class ScenarioResult:
    """What one scenario run produced: its outputs, what its inputs should have become."""

    name: str
    outputs: RunOutputs
    expected: Expected
    records_in: int
    checks: list[str]
    seconds: float

    def report(self, reference: RunOutputs | None) -> Report:
        """The fault-table line of this run against ``reference``."""
        report = compare(self.name, self.outputs, self.expected, self.records_in, reference)
        report.details["checks"] = self.checks
        return report


def run(plan: ScenarioRun, sample: Sample, base: Settings, workdir: Path) -> ScenarioResult:
    """Replay ``sample`` under ``plan`` in a new namespace and read back what it wrote."""
    started = time.monotonic()
    namespace = f"rwfault-{plan.name}-{uuid.uuid4().hex[:6]}"
    settings = replace(base, namespace=namespace, commit_interval=0.1)
    if plan.redis is not None:
        plan.redis.start()
        settings = replace(settings, redis_url=plan.redis.url)
    workdir = workdir / plan.name
    workdir.mkdir(parents=True, exist_ok=True)
    create_topics(settings)
    fleet = Fleet(settings, workdir, env=plan.env)
    produced = _Produced()
    producer = kafka_producer(settings, max_request_size=8 << 20)
    probe = LagProbe(settings)
    try:
        fleet.wait_ready(fleet.start())
        send_reference(settings, sample.reference)
        _drain(probe, fleet)
        extra_by_day: dict[int, list[tuple[str, bytes, str | None]]] = {}
        for day, feed, raw in plan.extra:
            extra_by_day.setdefault(day, []).append((feed, raw, _expected_id(feed, raw)))
        for index, (_, records) in enumerate(sample.by_day()):
            day_extra = extra_by_day.get(index, [])
            _produce(producer, probe, fleet, settings, records, day_extra, produced)
            for action in plan.actions.get(index, []):
                action(fleet)
            _drain(probe, fleet)
            for day, item in plan.lifecycle:
                if day == index:  # once the day is through every stage
                    send_lifecycle(producer, settings, item)
                    _drain(probe, fleet)
        outputs = read_run(settings.bootstrap_servers, namespace)
    finally:
        producer.close()
        probe.close()
        fleet.stop_all()
        clear_namespace(redis.Redis.from_url(settings.redis_url), namespace)
        if plan.redis is not None:
            plan.redis.close()
    bad = [code for code in fleet.exits if code not in (0, -signal.SIGKILL)]
    if bad:
        plan.checks.append(f"workers exited with {bad}")
    expected = Expected(produced.expected_signals, frozenset(produced.dead_letters))
    return ScenarioResult(
        plan.name, outputs, expected, produced.count, plan.checks, time.monotonic() - started
    )


def _expected_id(feed: str, raw: bytes) -> str | None:
    """The signal id an extra record becomes, or None when it must be dead-lettered: extra
    records are hostile by design, except valid ones carrying the fault marker, which become a
    signal that a later stage dead-letters."""
    if FAULT_MARKER.encode() not in raw:
        return None
    record = orjson.loads(raw)
    return f"{feed}:{record['complaint_id']}"


def hostile_records(seed: int) -> list[tuple[str, bytes]]:
    """Records a feed owner should never send: oversize, undecodable, hostile JSON."""
    rng = random.Random(seed)
    blob = base64.b64encode(rng.randbytes(700_000)).decode()
    return [
        ("complaints", orjson.dumps({"complaint_id": "big-900k", "text": blob})),
        ("injuries", b"x" * (5 << 20)),
        ("complaints", b"\xff\xfe\x00not json"),
        ("listings", b'{"listing_id": "a", "listing_id": "b"}'),
        ("declarations", b"[1, 2, 3]"),
        ("foodborne", b'{"report_id": ' * 2000 + b"1" + b"}" * 2000),
        ("complaints", orjson.dumps({"complaint_id": "\u0000" * 10, "text": None})),
        ("complaints", b"{}"),
    ]


def marked_complaint(template: bytes) -> bytes:
    """A valid complaint (a copy of ``template``) under a new id, carrying the fault marker."""
    record = orjson.loads(template)
    record["complaint_id"] = "fault-marked-1"
    record["description"] = f"{record.get('description', '')} {FAULT_MARKER}"
    return orjson.dumps(record)


def kill_worker(how: signal.Signals, rng: random.Random, plan: ScenarioRun) -> Action:
    """An action: stop the oldest worker with ``how`` after a seeded pause (records in flight),
    start a new one and wait until it reports its state recovered."""

    def act(fleet: Fleet) -> None:
        time.sleep(rng.uniform(0.0, 1.5))
        victim = fleet.workers[0]
        code = fleet.stop(victim, how)
        fresh = fleet.start()
        ready = fleet.wait_ready(fresh)
        plan.checks.append(
            f"{how.name}: worker exited {code}; replacement ready, "
            f"recovered {ready.get('changelog_records', '?')} changelog records"
        )

    return act


def join_worker(plan: ScenarioRun) -> Action:
    """An action: one more worker joins the group (a rebalance) and reports ready."""

    def act(fleet: Fleet) -> None:
        ready = fleet.wait_ready(fleet.start())
        plan.checks.append(
            f"joined: {len(fleet.workers)} workers, "
            f"new one recovered {ready.get('changelog_records', '?')} changelog records"
        )

    return act


def leave_worker(plan: ScenarioRun) -> Action:
    """An action: the newest worker leaves the group gracefully (SIGTERM)."""

    def act(fleet: Fleet) -> None:
        code = fleet.stop(fleet.workers[-1])
        plan.checks.append(f"left: worker exited {code}, {len(fleet.workers)} left")

    return act


HOSTILE_POSTS: list[tuple[str, str, bytes]] = [  # feed, content type, body
    ("complaints", "text/plain", b'{"complaint_id": "x"}'),
    ("complaints", "application/json", b'{"complaint_id": "a", "complaint_id": "b"}'),
    ("complaints", "application/json", b'{"complaint_id": '),
    ("complaints", "application/json", b"[]"),  # no records: 202, nothing accepted
    ("complaints", "application/x-ndjson", b"{}\n\xff\xfe\n"),
    ("complaints", "application/json", b"[" * 5000 + b"]" * 5000),
    ("no-such-feed", "application/json", b"{}"),
]


def post_hostile(plan: ScenarioRun) -> Action:
    """An action: POST bodies no feed endpoint may accept to a worker; note the answers."""

    def act(fleet: Fleet) -> None:
        port = fleet.workers[0].web_port
        answers = []
        for feed, content_type, body in HOSTILE_POSTS:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/feeds/{feed}",
                data=body,
                headers={"Content-Type": content_type},
                method="POST",
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as answer:
                    answers.append(answer.status)
            except urllib.error.HTTPError as err:
                answers.append(err.code)
        plan.checks.append(f"http: {answers}")

    return act


def redis_outage(seconds: float, plan: ScenarioRun) -> Action:
    """An action: the private Redis down for ``seconds`` while the day's records flow."""

    def act(fleet: Fleet) -> None:
        assert plan.redis is not None
        plan.redis.stop()
        time.sleep(seconds)
        plan.redis.start()
        plan.checks.append(f"redis down {seconds:.0f}s")

    return act
