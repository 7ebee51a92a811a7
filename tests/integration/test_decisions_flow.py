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
import pytest

from cli.producer import kafka_producer
from cli.warnings import decide_warning, fetch
from lab.faults import Fleet
from schemas.codec import encode
from schemas.errors import ConfigError
from schemas.records import Assessment
from streams.settings import Settings

ANALYST = "analyst-token-0123456789"
TOKENS = orjson.dumps(
    {"tokens": [{"principal": "li.wei", "roles": ["analyst"], "token": ANALYST}]}
).decode()


def test_decisions_are_applied_or_refused_and_survive_a_kill_9(
    new_pipeline: Callable[..., AbstractContextManager[Settings]],
    tmp_path: Path,
    one_alert: list[Assessment],
    read_until: Callable[..., list[dict[str, Any]]],
) -> None:
    assessments = one_alert

    def history(settings: Settings, done: Callable[[list[dict[str, Any]]], bool], **kw: Any):  # type: ignore[no-untyped-def]
        seen = read_until(settings, "warnings.history", done, **kw)
        return sorted(seen, key=lambda v: v["version"])

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
            issued = history(settings, lambda seen: len(seen) >= 1)[-1]
            wid, version = issued["warning_id"], issued["version"]
            with pytest.raises(ConfigError, match="401"):
                cli(wid, "regrade", "no reason needed?", "IV", token=None)
            code, said = cli(wid, "regrade", "the reports describe pinched fingers only", "IV")
            assert code == 0 and "regrade: version" in said, said
            code, said = cli(wid, "lift", "recall done", None, version)  # on the old version
            assert code == 1 and "stale" in said, said
            regraded = history(settings, lambda seen: len(seen) >= 2)[-1]
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
            after = history(settings, lambda seen: False, timeout=4.0)
            assert after[-1]["version"] == regraded["version"], after[-1]  # the grade held
            with mock.patch.dict(os.environ, {**env, "RISKWIRE_API_TOKEN": ANALYST}):
                shown = fetch(settings, f"/warnings/{wid}")
            assert [h["change"] for h in shown["history"]][-1] == "regraded"
        finally:
            producer.close()
            for w in list(fleet.workers):
                fleet.stop(w)
