"""Real parts for integration tests: one Tansu broker per session, the machine's Redis.

Every test module gets its own namespace (topics, consumer group, Redis keys), so modules
never see each other's records and nothing needs cleaning between them but Redis keys.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import orjson
import pytest
import redis
from kafka import KafkaConsumer, TopicPartition

from cli.embedded import EmbeddedBroker, EmbeddedRedis, ensure_redis, free_port
from detectors.catalogue import load_catalogue
from detectors.targeting import Reference
from lab.faults import wave_order
from lab.offline import run_offline
from lab.sample import generate
from lab.scenario import WorkerProcess
from schemas.records import Assessment
from streams.settings import Settings
from streams.state import clear_namespace
from streams.topics import create_topics


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    url = os.environ.get("RISKWIRE_REDIS_URL") or os.environ.get(
        "REDIS_URL", "redis://127.0.0.1:6379/0"
    )
    started: EmbeddedRedis | None = ensure_redis(url)
    yield url
    if started:
        started.stop()


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    log = tmp_path_factory.mktemp("broker") / "tansu.log"
    with EmbeddedBroker(log_path=log) as running:
        yield running


@contextmanager
def fresh_pipeline(broker: EmbeddedBroker, redis_url: str, **overrides: Any) -> Iterator[Settings]:
    """Settings of a new pipeline namespace on the session broker, its topics created; the
    namespace's Redis keys are deleted afterwards."""
    namespace = f"rwtest-{uuid.uuid4().hex[:8]}"
    made = replace(
        Settings.from_env({}),
        broker=broker.url,
        redis_url=redis_url,
        namespace=namespace,
        partitions=2,
        web_port=free_port(),
        **{"commit_interval": 0.25, **overrides},
    )
    create_topics(made)
    try:
        yield made
    finally:
        clear_namespace(redis.Redis.from_url(redis_url), namespace)


FreshPipeline = Callable[..., AbstractContextManager[Settings]]


@pytest.fixture(scope="session")
def new_pipeline(broker: EmbeddedBroker, redis_url: str) -> FreshPipeline:
    """:func:`fresh_pipeline` on the session's broker and Redis, for modules that need more."""
    return partial(fresh_pipeline, broker, redis_url)


@pytest.fixture(scope="module")
def settings(new_pipeline: FreshPipeline) -> Iterator[Settings]:
    """A fresh pipeline namespace per test module."""
    with new_pipeline() as made:
        yield made


@pytest.fixture(scope="module")
def worker(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerProcess]:
    log: Path = tmp_path_factory.mktemp("worker") / "worker.log"
    proc = WorkerProcess(settings, log)
    yield proc
    proc.stop()


@pytest.fixture(scope="session")
def one_alert() -> list[Assessment]:
    """The assessments of the demo sample's first alert notification, as the flow made them
    (fault-suite input order): a realistic warning to drive through a worker."""
    sample = generate(seed=7, days=42)
    ref = sample.reference
    run = run_offline(
        wave_order(sample),
        load_catalogue(),
        Reference(ref.credit, frozenset(ref.blacklist), ref.origin_risk),
    )
    alert = next(w for w in run.warnings if w.kind == "alert_notification")
    return [a for a in run.assessments if a.cluster.cluster_id == alert.cluster_id]


ReadUntil = Callable[..., list[dict[str, Any]]]


@pytest.fixture(scope="session")
def read_until() -> ReadUntil:
    """``read(settings, topic, done, timeout=60)``: every message of ``topic`` from offset 0,
    as JSON, polled until ``done(messages)`` holds or the time is up (fetching, so Tansu's
    short end offsets cannot stop it early)."""

    def read(
        settings: Settings,
        topic: str,
        done: Callable[[list[dict[str, Any]]], bool],
        timeout: float = 60.0,
    ) -> list[dict[str, Any]]:
        consumer = KafkaConsumer(bootstrap_servers=settings.bootstrap_servers, fetch_max_wait_ms=50)
        try:
            parts = consumer.partitions_for_topic(settings.topic(topic)) or set()
            consumer.assign([TopicPartition(settings.topic(topic), p) for p in sorted(parts)])
            consumer.seek_to_beginning()
            seen: list[dict[str, Any]] = []
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                for records in consumer.poll(timeout_ms=300).values():
                    seen += [orjson.loads(r.value) for r in records]
                if done(seen):
                    break
            return seen
        finally:
            consumer.close()

    return read
