"""``riskwire bench pipeline``: the whole pipeline's throughput beside what the broker allows.

The sample generator's normal mix (every feed, duplicates, malformed records) is preloaded into
the raw topics of a fresh namespace; then one worker (or ``--workers 2``) runs it from the start.
Completion is read from the outputs, not from end offsets (the embedded broker answers
ListOffsets with the last batch's base offset): every input has its verdict (a unique signal, a
duplicate or a dead letter), every cluster version its assessment, and the warnings have stopped
moving. On the same broker, the same records go through two ceilings (:mod:`lab.passthrough`):
a stock Faust agent that writes each record on, and a raw aiokafka loop.

Figures: records/s, CPU ms per record (of the worker processes), messages written per input
record (outputs and changelogs apart), peak RSS, and the ratios ``pipeline_over_passthrough``
and ``pipeline_over_raw``.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from lab.bench_run import cpu_seconds, fresh_namespace, peak_rss_mb
from streams.settings import Settings

__all__ = ["bench_pipeline"]

Row = tuple[str, float, str]
PARTITIONS = 4
DAYS_PER_1000 = 10  # the sample makes about 100 records a day
QUIET_S = 2.0
TIMEOUT_S = 1800.0

_OUTPUTS = (
    "signals", "declarations", "duplicates", "signals.unique", "deadletter", "clusters",
    "assessments", "warnings", "warnings.history", "controls", "instructions",
)  # fmt: skip
_TABLES = ("areas", "blocks", "clusters", "duplicates", "members", "near", "warnings")


class _Counts:
    """Messages per topic, read by fetching (no group, no end offsets)."""

    def __init__(self, settings: Settings, topics: list[str]) -> None:
        from kafka import KafkaConsumer, TopicPartition

        self.consumer = KafkaConsumer(
            bootstrap_servers=settings.bootstrap_servers,
            enable_auto_commit=False,
            fetch_max_wait_ms=100,
        )
        tps = [
            TopicPartition(t, p)
            for t in topics
            for p in sorted(self.consumer.partitions_for_topic(t) or ())
        ]
        self.consumer.assign(tps)
        self.consumer.seek_to_beginning(*tps)
        self.counts: Counter[str] = Counter()
        self.ticks = 0  # clock ticks and grading standards on assessments: not scorings
        self.last_new = time.monotonic()
        self.first: float | None = None  # when the first message came (the run began working)

    def poll(self) -> None:
        for tp, records in self.consumer.poll(timeout_ms=200).items():
            self.counts[tp.topic] += len(records)
            if records:
                self.last_new = time.monotonic()
                self.first = self.first or self.last_new
            if tp.topic.endswith(".assessments"):
                self.ticks += sum(
                    1 for r in records if r.value.startswith((b'{"tick"', b'{"standard"'))
                )

    def settle(self) -> None:
        """Read until nothing new came for :data:`QUIET_S`."""
        while time.monotonic() - self.last_new < QUIET_S:
            self.poll()

    def close(self) -> None:
        self.consumer.close()


def bench_pipeline(n: int = 10_000, workers: int = 1, broker: str = "") -> list[Row]:
    """Records/s, CPU per record and messages per record of the pipeline and its ceilings."""
    from cli.embedded import EmbeddedBroker, ensure_redis, free_port
    from cli.producer import kafka_producer
    from lab.faults import Fleet
    from lab.sample import generate
    from lab.scenario import produce, send_reference
    from streams.topics import feed_topic

    settings = Settings.from_env()
    local_redis = ensure_redis(settings.redis_url)
    sample = generate(seed=7, days=max(1, n * DAYS_PER_1000 // 1000))
    records = sample.records[:n]
    feeds = sorted({r.feed for r in records})
    rows: list[Row] = [("records", len(records), "records"), ("workers", workers, "processes")]
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        url = broker or stack.enter_context(EmbeddedBroker()).url

        def fresh(name: str) -> Settings:  # a namespace with the records preloaded
            made = fresh_namespace(stack, settings, name, url, tmp, partitions=PARTITIONS)
            producer = kafka_producer(made)
            try:
                produce(producer, made, records)
            finally:
                producer.close()
            return made

        def ceiling(kind: str) -> float:
            made = fresh(kind)
            sink = made.topic("sink")
            _create(made, sink)
            sources = [feed_topic(made, f) for f in feeds]
            env = {**os.environ, **made.as_env(), "RISKWIRE_WEB_PORT": str(free_port())}
            started = time.monotonic()
            proc = subprocess.Popen(
                [sys.executable, "-m", "lab.passthrough", kind, made.namespace, sink, *sources],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            counts = _Counts(made, [sink])

            def alive() -> None:
                if proc.poll() is not None:
                    raise RuntimeError(f"the {kind} passthrough exited with {proc.returncode}")

            try:
                _until(lambda: counts.counts[sink] >= len(records), counts.poll, alive)
                took = time.monotonic() - (counts.first or started)
            finally:
                counts.close()
                proc.terminate()
                proc.wait(timeout=30)
            return len(records) / took

        passthrough = ceiling("faust")
        raw = ceiling("raw")

        run = fresh("pipeline")
        send_reference(run, sample.reference)
        counts = _Counts(run, [run.topic(t) for t in _OUTPUTS])
        fleet = Fleet(run, tmp)
        stack.callback(fleet.stop_all)
        started = time.monotonic()
        procs = [fleet.start() for _ in range(workers)]
        t = run.topic

        def done() -> bool:
            c = counts.counts
            verdicts = c[t("signals.unique")] + c[t("duplicates")] + c[t("deadletter")]
            scored = c[t("assessments")] - counts.ticks >= c[t("clusters")]
            return verdicts >= len(records) and scored  # one verdict per input record

        try:
            _until(done, counts.poll, fleet.check_alive)
            finished = time.monotonic()
            counts.settle()
            took = finished - (counts.first or started)
            startup = (counts.first or started) - started
            cpu = sum(cpu_seconds(w.proc.pid) for w in procs)
            rss = max(peak_rss_mb(w.proc.pid) for w in procs)
        finally:
            counts.close()
        changelogs = _Counts(run, [f"{run.namespace}-{name}-changelog" for name in _TABLES])
        changelogs.settle()
        changelogs.close()
        out = sum(counts.counts.values()) - counts.ticks
        logged = sum(changelogs.counts.values())
        rate = len(records) / took
        rows += [
            ("worker start to first output", startup, "s"),
            ("pipeline rate (first output to last)", rate, "records/s"),
            ("CPU per record (worker processes)", cpu * 1e3 / len(records), "ms"),
            ("output messages per record", out / len(records), "messages"),
            ("changelog messages per record", logged / len(records), "messages"),
            *[
                (f"  changelog {name}", changelogs.counts[f"{run.namespace}-{name}-changelog"]
                 / len(records), "messages/record")
                for name in _TABLES
            ],
            ("peak RSS (largest worker)", rss, "MB"),
            ("faust passthrough rate (1 hop, first output to last)", passthrough, "records/s"),
            ("raw aiokafka rate (1 hop, first output to last)", raw, "records/s"),
            ("pipeline_over_passthrough", rate / passthrough, "ratio"),
            ("pipeline_over_raw", rate / raw, "ratio"),
        ]  # fmt: skip
    if local_redis:
        local_redis.stop()
    return rows


def _until(done: Callable[[], bool], poll: Callable[[], None], check: Callable[[], None]) -> None:
    """Poll until ``done``; ``check`` raises when a process of the run has exited."""
    deadline = time.monotonic() + TIMEOUT_S
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("the run did not finish in time")
        check()
        poll()


def _create(settings: Settings, topic: str) -> None:
    from kafka.admin import KafkaAdminClient, NewTopic

    admin = KafkaAdminClient(bootstrap_servers=settings.bootstrap_servers)
    try:
        admin.create_topics([NewTopic(topic, PARTITIONS, settings.replication)])
    finally:
        admin.close()
