"""``GET /metrics`` on a real worker: Prometheus text that the Prometheus parser reads, whose
counters match the records the test sent (read by validate, dead-lettered, declarations
instructed) and that carries Faust's transport metrics beside riskwire's."""

from __future__ import annotations

import urllib.request
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from cli.lag import LagProbe
from cli.producer import kafka_producer
from lab.faults import Fleet
from lab.sample import generate
from lab.scenario import produce, send_reference
from streams.settings import Settings


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_metrics_count_what_was_sent(
    new_pipeline: Callable[..., AbstractContextManager[Settings]], tmp_path: Path
) -> None:
    sample = generate(seed=7, days=4)
    records = sample.records
    bad = sum(1 for r in records if r.signal_id is None)
    lines = sum(1 for r in records if r.feed == "declarations" and r.signal_id is not None)
    assert bad > 0 and lines > 0  # the sample has malformed records and declaration lines
    with new_pipeline(tick_seconds=0) as settings:
        fleet = Fleet(settings, tmp_path)
        worker = fleet.start()
        fleet.wait_ready(worker)
        producer = kafka_producer(settings)
        probe = LagProbe(settings)
        try:
            send_reference(settings, sample.reference)
            produce(producer, settings, records)
            probe.wait_drained(timeout=180)
            url = f"http://127.0.0.1:{worker.web_port}/metrics"
            with urllib.request.urlopen(url, timeout=10) as answer:
                content_type = answer.headers["Content-Type"]
                text = answer.read().decode()
        finally:
            producer.close()
            probe.close()
            fleet.stop_all()
    assert content_type.startswith("text/plain; version=")  # the Prometheus text format
    found = _samples(text)

    def value(name: str, **labels: str) -> float:
        return found.get((name, tuple(sorted(labels.items()))), 0.0)

    # reports enter at validate, declaration lines at port (validated there, one hop to the port)
    def entered(name: str) -> float:
        return value(name, stage="validate") + value(name, stage="port")

    assert value("riskwire_stage_records_total", stage="port") >= lines
    assert entered("riskwire_stage_records_total") == len(records)
    assert entered("riskwire_dead_letters_total") == bad
    instructed = sum(v for (name, _), v in found.items() if name == "riskwire_instructions_total")
    # a declaration line repeated in the sample is a duplicate, not a second instruction
    assert 0 < instructed <= lines
    assert entered("riskwire_stage_seconds_count") == len(records)
    # Faust's sensor, in the same registry: messages read per topic
    received = sum(
        v for (name, _), v in found.items() if name == "riskwire_messages_received_per_topic_total"
    )
    assert received >= len(records)
