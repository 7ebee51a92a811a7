"""A worker whose broker goes away says so on /ready; one whose broker comes back empty (the
embedded broker keeps its data in memory) exits with a clear reason instead of stalling."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
import uuid
from dataclasses import replace
from pathlib import Path

import orjson
from kafka import KafkaProducer

from cli.embedded import EmbeddedBroker, free_port
from cli.lag import LagProbe
from lab.scenario import WorkerProcess
from streams.broker_watch import EXIT_BROKER_LOST
from streams.settings import Settings
from streams.topics import create_topics, feed_topic


def _ready(port: int) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=3) as answer:
            return answer.status, orjson.loads(answer.read())
    except urllib.error.HTTPError as err:
        return err.code, orjson.loads(err.read())


def _wait(what: str, check, timeout: float = 60.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = check()
        except OSError:
            found = None
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"{what} within {timeout:.0f}s")


def test_broker_gone_then_back_empty(redis_url: str, tmp_path: Path) -> None:
    port = free_port()
    broker = EmbeddedBroker(port=port, log_path=tmp_path / "broker.log")
    broker.start()
    settings = replace(
        Settings.from_env({}),
        broker=broker.url,
        redis_url=redis_url,
        namespace=f"rwloss-{uuid.uuid4().hex[:6]}",
        partitions=1,
        web_port=free_port(),
        commit_interval=0.25,
    )
    create_topics(settings)
    worker = WorkerProcess(settings, tmp_path / "worker.log")
    try:
        _wait("worker ready", lambda: _ready(settings.web_port)[0] == 200)
        producer = KafkaProducer(bootstrap_servers=settings.bootstrap_servers)
        for n in range(5):
            producer.send(feed_topic(settings, "complaints"), value=b'{"bad": %d}' % n)
        producer.flush()
        producer.close()
        probe = LagProbe(settings)
        probe.wait_drained(timeout=60)  # committed: the worker now has offsets to lose
        probe.close()
        broker.stop()
        status, report = _wait(
            "/ready refusing while the broker is away",
            lambda: (r := _ready(settings.web_port))[0] == 503 and "unreachable" in str(r[1]) and r,
        )
        assert status == 503 and report["ready"] is False
        broker = EmbeddedBroker(port=port, log_path=tmp_path / "broker2.log")
        broker.start()  # the same address, nothing in it
        code = _wait("the worker exiting", lambda: worker.proc.poll(), timeout=90)
        assert code == EXIT_BROKER_LOST
        assert "broker lost this worker's committed offsets" in worker.log_path.read_text()
    finally:
        worker.stop()
        broker.stop()
