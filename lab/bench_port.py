"""``riskwire bench port``: how fast a port gets its answer, on a real broker and real workers.

Declaration lines, copies of the demo's with fresh ids, are produced at a steady rate by a
kafka-python producer; a kafka-python consumer reads ``instructions``. The latency of a line is
from just before its send to the moment its instruction is read back (one clock: both ends run
in this process). Then the rate is raised step by step: the maximum sustained rate is the
highest step whose instructions all came back at the offered rate with p99 under a second.

Shapes (``--shapes``), each in a fresh namespace with the demo's controls in force and its
reference data loaded:

* ``ceiling``: the least a port answer costs on this broker: a bare aiokafka loop that writes
  each line back under its key (:mod:`lab.passthrough`, with the worker's fetch wait);
* ``worker``: one worker running every stage (``RISKWIRE_ROLE=all``), the port loop included;
* ``port-role``: a port-role process beside an analysis worker on the same host, the analysis
  worker at a lower CPU priority (nice 10), as one would co-locate them;
* ``port-alone``: a port-role process alone, as when the analysis workers run elsewhere.

The load generator, the broker and the processes share this machine's cores; say how many when
quoting the figures.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import orjson

from lab.bench_run import cpu_seconds, fresh_namespace
from lab.sample_types import Sample
from schemas.records import Control
from streams.settings import Settings

__all__ = ["bench_port"]

Row = tuple[str, float, str]

WARM_UP_S = 3.0
STEP_S = 8.0
DRAIN_S = 5.0
SUSTAINED_P99_S = 1.0
STEP_FACTORS = (1.5, 2.0, 3.0, 4.0)
STEP_DOWN = (0.75, 0.5, 0.25)
SHAPES = ("ceiling", "worker", "port-role", "port-alone")
ANALYSIS_NICE = 10  # the analysis worker beside a port-role process, as on one shared host


@dataclass
class _Run:
    """Send and receive times of one rate step, by instruction id."""

    sent: dict[str, float] = field(default_factory=dict)
    got: dict[str, float] = field(default_factory=dict)

    def latencies(self) -> list[float]:
        return sorted(self.got[i] - t for i, t in self.sent.items() if i in self.got)


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(q * len(values)))]


def _templates(sample: Sample) -> list[dict[str, object]]:
    """The sample's valid declaration lines, as dicts to copy under new ids."""
    return [
        orjson.loads(r.payload)
        for r in sample.records
        if r.feed == "declarations" and r.signal_id is not None
    ]


def _lines(templates: list[dict[str, object]], tag: str) -> Iterator[tuple[str, bytes, bytes]]:
    """Endless (instruction id, key, body) of valid declaration lines with fresh ids."""
    n = 0
    while True:
        for template in templates:
            n += 1
            decl = f"B{tag}{n:09d}"
            line = {**template, "declaration_id": decl, "line_no": 1}
            yield f"{decl}-1", f"{decl}-1".encode(), orjson.dumps(line)  # keyed by line id


class _Reader(threading.Thread):
    """Reads ``instructions`` (of a fresh namespace), noting when each id came."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(daemon=True)
        from kafka import KafkaConsumer

        self.consumer = KafkaConsumer(
            settings.topic("instructions"),
            bootstrap_servers=settings.bootstrap_servers,
            auto_offset_reset="earliest",  # a fresh namespace: only this run's lines
            enable_auto_commit=False,
            fetch_max_wait_ms=10,
        )
        self.run_for: _Run | None = None
        self.stopping = threading.Event()
        self.ready = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            batches = self.consumer.poll(timeout_ms=20)
            self.ready.set()
            now = time.time()
            target = self.run_for
            if target is None:
                continue
            for records in batches.values():
                for record in records:
                    if record.key is not None:
                        target.got.setdefault(record.key.decode(), now)
        self.consumer.close()


def _step(
    producer: object,
    topic: str,
    lines: Iterator[tuple[str, bytes, bytes]],
    reader: _Reader,
    rate: float,
    seconds: float,
) -> _Run:
    """Offer ``rate`` lines a second for ``seconds``, then wait for the stragglers."""
    run = _Run()
    reader.run_for = run
    started = time.monotonic()
    sent = 0
    while (elapsed := time.monotonic() - started) < seconds:
        due = int(elapsed * rate) + 1
        while sent < due:
            ident, key, body = next(lines)
            run.sent[ident] = time.time()
            producer.send(topic, key=key, value=body)  # type: ignore[attr-defined]
            sent += 1
        time.sleep(0.002)
    producer.flush()  # type: ignore[attr-defined]
    deadline = time.monotonic() + DRAIN_S
    while len(run.got) < len(run.sent) and time.monotonic() < deadline:
        time.sleep(0.05)
    return run


def bench_port(
    n: int = 0,
    rate: float = 1000.0,
    seconds: float = 20.0,
    broker: str = "",
    shapes: str = ",".join(SHAPES),
) -> list[Row]:
    """Declaration -> instruction latency at a steady ``rate`` and the maximum sustained rate,
    of the riskwire worker and, on the same broker and load, of the least a port answer costs
    (:mod:`lab.passthrough`, raw: a line's reply is the line itself under its key)."""
    import asyncio

    import redis

    from cli.embedded import EmbeddedBroker, ensure_redis
    from detectors.catalogue import load_catalogue
    from detectors.targeting import Reference
    from lab.faults import Fleet
    from lab.offline import run_offline
    from lab.sample import generate
    from streams.state import store_reference

    del n  # the figure is set by rate and seconds
    settings = Settings.from_env()
    local_redis = ensure_redis(settings.redis_url)
    sample = generate(seed=7, days=60)
    ref = sample.reference
    reference = Reference(ref.credit, frozenset(ref.blacklist), ref.origin_risk)
    controls = {
        c.control_id: c for c in run_offline(sample.records, load_catalogue(), reference).controls
    }
    templates = _templates(sample)
    rows: list[Row] = [
        ("active controls", len(controls), "controls"),
        ("offered rate", rate, "lines/s"),
    ]
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        url = broker or stack.enter_context(EmbeddedBroker()).url

        chosen = {s.strip() for s in shapes.split(",") if s.strip()}
        unknown = chosen - set(SHAPES)
        if unknown:
            raise ValueError(f"bench port: unknown shapes {sorted(unknown)}; of {SHAPES}")
        if "ceiling" in chosen:
            ceiling = fresh_namespace(stack, settings, "ceiling", url, tmp)
            source, sink = ceiling.topic("feed.declarations"), ceiling.topic("instructions")
            command = ["lab.passthrough", "raw", ceiling.namespace, sink, source]
            env = {**os.environ, **ceiling.as_env()}
            proc = subprocess.Popen([sys.executable, "-m", *command], env=env)
            try:
                rows += _phase("ceiling", ceiling, templates, rate, seconds, proc.pid)
            finally:
                proc.terminate()
                proc.wait(timeout=30)

        for shape, roles in (
            ("worker", ("all",)),
            ("port-role", ("port", "analysis")),
            ("port-alone", ("port",)),
        ):
            if shape not in chosen:
                continue
            port = fresh_namespace(stack, settings, shape, url, tmp)
            client = redis.Redis.from_url(port.redis_url)
            store_reference(client, port.namespace, ref.credit, ref.blacklist, ref.origin_risk)
            asyncio.run(_put_controls(port, list(controls.values())))
            fleets = [Fleet(replace(port, role=role), tmp) for role in roles]
            started = []
            for fleet in fleets:
                stack.callback(fleet.stop_all)
                started.append(fleet.start())
                if fleet.settings.role == "analysis":  # co-located: the port answers first
                    os.setpriority(os.PRIO_PROCESS, started[-1].proc.pid, ANALYSIS_NICE)
                fleet.wait_ready(started[-1])
            rows += _phase(shape, port, templates, rate, seconds, started[0].proc.pid)
            for fleet in fleets:
                fleet.stop_all()
    if local_redis:
        local_redis.stop()
    return rows


async def _put_controls(settings: Settings, controls: list[Control]) -> None:
    from streams.state import RedisState

    state = RedisState.from_url(settings.redis_url, settings.namespace)
    for control in controls:
        await state.put_control(control)
    await state.close()


def _phase(
    name: str,
    settings: Settings,
    templates: list[dict[str, object]],
    rate: float,
    seconds: float,
    pid: int,
) -> list[Row]:
    """Warm up, hold ``rate`` for ``seconds``, then search the maximum sustained rate."""
    from cli.producer import kafka_producer

    reader = _Reader(settings)
    reader.start()
    producer = kafka_producer(settings, linger_ms=1)
    try:
        reader.ready.wait(30)
        topic = settings.topic("feed.declarations")
        lines = _lines(templates, uuid.uuid4().hex[:4])
        warm = _step(producer, topic, lines, reader, rate / 4, WARM_UP_S)
        if not _drained(warm, reader):
            raise TimeoutError(f"{name}: no answers to the warm-up lines")
        cpu_before = cpu_seconds(pid)
        steady = _step(producer, topic, lines, reader, rate, seconds)
        cpu_ms = (cpu_seconds(pid) - cpu_before) * 1e3 / max(1, len(steady.sent))
        lat = steady.latencies()
        rows: list[Row] = [
            (f"{name}: lines sent (steady window)", len(steady.sent), "lines"),
            (f"{name}: answers read back", len(steady.got), "lines"),
            (f"{name}: latency p50", _percentile(lat, 0.50) * 1e3, "ms"),
            (f"{name}: latency p95", _percentile(lat, 0.95) * 1e3, "ms"),
            (f"{name}: latency p99", _percentile(lat, 0.99) * 1e3, "ms"),
            (f"{name}: latency max", (lat[-1] if lat else float("nan")) * 1e3, "ms"),
            (f"{name}: CPU per line", cpu_ms, "ms"),
        ]

        def step(offered: float) -> _Run:
            return _step(producer, topic, lines, reader, offered, STEP_S)

        sustained, tried = _max_sustained(steady, rate, step, reader)
        rows += [(f"{name}: {label}", value, unit) for label, value, unit in tried]
        rows.append((f"{name}: max sustained rate (of the steps tried)", sustained, "lines/s"))
        return rows
    finally:
        producer.close()
        reader.stopping.set()
        reader.join(timeout=10)


def _max_sustained(
    steady: _Run, rate: float, step: Callable[[float], _Run], reader: _Reader
) -> tuple[float, list[Row]]:
    """The highest rate sustained: stepping up from ``rate`` while it holds, or down from it
    (after the backlog drained) until one holds; with each step's p99."""
    rows: list[Row] = []

    def attempt(offered: float) -> _Run:
        run = step(offered)
        rows.append(
            (f"p99 at {offered:,.0f} lines/s", _percentile(run.latencies(), 0.99) * 1e3, "ms")
        )
        return run

    if _sustained(steady):
        best = rate
        for factor in STEP_FACTORS:
            if not _sustained(attempt(rate * factor)):
                break
            best = rate * factor
        return best, rows
    last = steady
    for factor in STEP_DOWN:
        if not _drained(last, reader):
            break  # the next step would only queue behind the backlog
        last = attempt(rate * factor)
        if _sustained(last):
            return rate * factor, rows
    return 0.0, rows


def _drained(run: _Run, reader: _Reader, timeout: float = 60.0) -> bool:
    """Wait until every instruction of ``run`` came back (the backlog is gone)."""
    reader.run_for = run
    deadline = time.monotonic() + timeout
    while len(run.got) < len(run.sent):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _sustained(run: _Run) -> bool:
    """Every instruction came back, with p99 under a second."""
    lat = run.latencies()
    return len(run.got) >= len(run.sent) and _percentile(lat, 0.99) < SUSTAINED_P99_S
