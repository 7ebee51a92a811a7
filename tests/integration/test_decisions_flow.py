"""An analyst's decisions on the real broker: posted to a worker's endpoint with a token,
decided in order with the warning's assessments, refused with the reason when illegal, and the
analyst's grade kept across a kill -9 of the worker."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from pathlib import Path
from typing import Any
from unittest import mock

import orjson
from kafka import KafkaConsumer, TopicPartition

from cli.producer import kafka_producer
from cli.warnings import decide_warning, fetch
from detectors.catalogue import load_catalogue
from detectors.targeting import Reference
from lab.faults import Fleet, wave_order
from lab.offline import run_offline
from lab.sample import generate
from schemas.codec import encode
from schemas.errors import ConfigError
from schemas.records import Assessment
from streams.settings import Settings

ANALYST = "analyst-token-0123456789"
TOKENS = orjson.dumps(
    {"tokens": [{"principal": "li.wei", "roles": ["analyst"], "token": ANALYST}]}
).decode()


def _history(
    settings: Settings, until: Callable[[list[dict]], bool], timeout: float = 60.0
) -> list[dict]:  # type: ignore[type-arg]
    topic = settings.topic("warnings.history")
    consumer = KafkaConsumer(bootstrap_servers=settings.bootstrap_servers, fetch_max_wait_ms=50)
    try:
        parts = consumer.partitions_for_topic(topic) or set()
        consumer.assign([TopicPartition(topic, p) for p in sorted(parts)])
        consumer.seek_to_beginning()
        seen: list[dict] = []  # type: ignore[type-arg]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=300).values():
                seen += [orjson.loads(r.value) for r in records]
            if until(seen):
                break
        return sorted(seen, key=lambda v: v["version"])
    finally:
        consumer.close()


def _one_alert() -> list[Assessment]:
    sample = generate(seed=7, days=42)
    ref = sample.reference
    run = run_offline(
        wave_order(sample),
        load_catalogue(),
        Reference(ref.credit, frozenset(ref.blacklist), ref.origin_risk),
    )
    alert = next(w for w in run.warnings if w.kind == "alert_notification")
    return [a for a in run.assessments if a.cluster.cluster_id == alert.cluster_id]


def test_decisions_are_applied_or_refused_and_survive_a_kill_9(
    new_pipeline: Callable[..., AbstractContextManager[Settings]], tmp_path: Path
) -> None:
    assessments = _one_alert()
    first = [a for a in assessments if a.score >= 45][:1]  # up to its first grade II version
    upto = assessments.index(first[0]) + 1
    with new_pipeline(tokens=TOKENS, tick_seconds=0) as settings:
        fleet = Fleet(settings, tmp_path)
        worker = fleet.start()
        fleet.wait_ready(worker)
        env = {"RISKWIRE_API_URL": f"http://127.0.0.1:{worker.web_port}", "NO_COLOR": "1"}
        producer = kafka_producer(settings)
        topic = settings.topic("assessments")

        def send(items: list[Assessment]) -> None:
            for a in items:
                producer.send(topic, key=a.cluster.cluster_id.encode(), value=encode(a))
            producer.flush()

        def cli(*args: Any, token: str | None = ANALYST) -> tuple[int, str]:
            out = io.StringIO()
            values = {**env, **({"RISKWIRE_API_TOKEN": token} if token else {})}
            with mock.patch.dict(os.environ, values, clear=False), contextlib.redirect_stdout(out):
                if token is None:
                    os.environ.pop("RISKWIRE_API_TOKEN", None)
                code = decide_warning(settings, *args)
            return code, out.getvalue()

        try:
            send(assessments[:upto])
            issued = _history(settings, lambda seen: len(seen) >= 1)[-1]
            wid, version = issued["warning_id"], issued["version"]
            try:
                cli(wid, "regrade", "no reason needed?", "IV", token=None)
                raise AssertionError("a decision without a token went through")
            except ConfigError as exc:
                assert "401" in str(exc)
            code, said = cli(wid, "regrade", "the reports describe pinched fingers only", "IV")
            assert code == 0 and "regrade: version" in said, said
            code, said = cli(wid, "lift", "recall done", None, version)  # on the old version
            assert code == 1 and "stale" in said, said
            regraded = _history(settings, lambda seen: len(seen) >= 2)[-1]
            assert (regraded["grade"], regraded["change"], regraded["decided_by"]) == (
                "IV",
                "regraded",
                "li.wei",
            )
            # the worker dies without a goodbye; the analyst's grade is state
            fleet.stop(worker, signal.SIGKILL)
            worker = fleet.start()
            fleet.wait_ready(worker)
            env["RISKWIRE_API_URL"] = f"http://127.0.0.1:{worker.web_port}"
            evidence = regraded["evidence"]
            stronger = replace(assessments[upto - 1], score=100.0)  # grade I, no new signals
            assert stronger.cluster.signal_count < 1.5 * len(evidence)
            send([stronger])
            time.sleep(3.0)
            after = _history(settings, lambda seen: False, timeout=4.0)
            assert after[-1]["version"] == regraded["version"], after[-1]  # the grade held
            with mock.patch.dict(os.environ, {**env, "RISKWIRE_API_TOKEN": ANALYST}):
                shown = fetch(settings, f"/warnings/{wid}")
            assert [h["change"] for h in shown["history"]][-1] == "regraded"
        finally:
            producer.close()
            for w in list(fleet.workers):
                fleet.stop(w)
