"""A feed topic no installed adapter reads: the worker says so (log, metric) and
``riskwire lag`` lists it with the records waiting there, on the real broker. The worker logs
as JSON (``RISKWIRE_LOG_FORMAT=json``): every line of its output is one object."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import orjson
from kafka.admin import KafkaAdminClient, NewTopic
from prometheus_client.parser import text_string_to_metric_families

from cli.lag import LagProbe, group_report
from cli.producer import kafka_producer
from lab.faults import Fleet
from streams.settings import Settings


def _unread_gauge(port: int) -> dict[str, float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
        text = answer.read().decode()
    return {
        s.labels["topic"]: s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "riskwire_unread_feed_topics"
    }


def test_an_unread_feed_topic_is_reported_by_the_worker_and_by_lag(
    new_pipeline: Callable[..., AbstractContextManager[Settings]], tmp_path: Path
) -> None:
    with new_pipeline(tick_seconds=0, log_format="json") as settings:
        pollen = settings.topic("feed.pollen")  # no adapter named "pollen" is installed
        admin = KafkaAdminClient(bootstrap_servers=settings.bootstrap_servers)
        try:
            admin.create_topics([NewTopic(pollen, 2, 1)])
        finally:
            admin.close()
        producer = kafka_producer(settings)
        for i in range(3):
            producer.send(pollen, value=b'{"pollen_id": "%d"}' % i, partition=i % 2)
        producer.flush()
        producer.close()

        fleet = Fleet(settings, tmp_path)
        worker = fleet.start()
        try:
            fleet.wait_ready(worker)
            deadline = time.monotonic() + 30
            while _unread_gauge(worker.web_port) != {pollen: 1.0}:
                assert time.monotonic() < deadline, _unread_gauge(worker.web_port)
                time.sleep(0.5)
            lines = [orjson.loads(line) for line in worker.log_path.read_text().splitlines()]
            told = [d for d in lines if d["message"].startswith(f"feed topic {pollen} has no")]
            assert len(told) == 1, told
            assert (told[0]["level"], told[0]["logger"]) == ("WARNING", "riskwire.feeds")
        finally:
            fleet.stop_all()

        probe = LagProbe(settings)
        try:
            report = group_report(probe, window=1.0, every=0.5)
        finally:
            probe.close()
        assert report["unread_topics"] == [
            {"topic": pollen, "records": 3, "reason": "no installed feed adapter reads it"}
        ]
        assert report["status"] == "WARN"  # nothing else lags: the unread records say WARN
        assert all(r["topic"] != pollen for r in report["partitions"])
