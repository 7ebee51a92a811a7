"""Real parts for integration tests: one Tansu broker per session, the machine's Redis.

Every test module gets its own namespace (topics, consumer group, Redis keys), so modules
never see each other's records and nothing needs cleaning between them but Redis keys.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import redis

from cli.embedded import EmbeddedBroker, EmbeddedRedis, ensure_redis, free_port
from lab.scenario import WorkerProcess
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
        commit_interval=0.25,
        **overrides,
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
