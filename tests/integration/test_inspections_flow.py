"""The port loop on the real broker: a port system's inspection results, posted with its token,
relax a held control to sampling after 3 compliant results and lift it after 5 (the count
surviving a SIGTERM or a kill -9 of the worker), after which the next matching declaration
line is released; a forged result (no token, another role) is refused and a malformed one on
the topic is dead-lettered with its original bytes."""

from __future__ import annotations

import base64
import os
import signal
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest import mock

import orjson
import pytest

from cli.producer import kafka_producer
from cli.warnings import fetch
from detectors.catalogue import load_catalogue
from detectors.targeting import DEFAULT_SAMPLING_SEED, draw
from lab.faults import Fleet
from schemas.codec import encode
from schemas.errors import ConfigError
from schemas.records import Assessment
from streams.escalation import escalate
from streams.settings import Settings

PORT = "port-token-0123456789"
ANALYST = "analyst-token-0123456789"
TOKENS = orjson.dumps(
    {
        "tokens": [
            {"principal": "yangshan-port", "roles": ["port_system"], "token": PORT},
            {"principal": "li.wei", "roles": ["analyst"], "token": ANALYST},
        ]
    }
).decode()


def _released_line_id() -> str:
    """A declaration line id whose sampling draw misses every credit grade's ratio."""
    return next(
        f"D-AFTER{n}-1" for n in range(100) if draw(f"D-AFTER{n}-1", DEFAULT_SAMPLING_SEED) > 0.3
    )


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "kill-9"])
def test_inspections_relax_then_lift_a_control_across_a_restart(
    new_pipeline: Callable[..., AbstractContextManager[Settings]],
    tmp_path: Path,
    one_alert: list[Assessment],
    read_until: Callable[..., list[dict[str, Any]]],
    port_consumer: ModuleType,
    how: signal.Signals,
) -> None:
    port = port_consumer
    with new_pipeline(tokens=TOKENS, tick_seconds=0) as settings:
        fleet = Fleet(settings, tmp_path)
        worker = fleet.start()
        fleet.wait_ready(worker)
        producer = kafka_producer(settings)

        def post(body: Any, token: str | None = PORT) -> Any:
            env = {"RISKWIRE_API_URL": f"http://127.0.0.1:{worker.web_port}"}
            with mock.patch.dict(os.environ, {**env, "RISKWIRE_API_TOKEN": token or ""}):
                return fetch(settings, "/inspections", body)

        def controls(done: Callable[[list[dict[str, Any]]], bool]) -> list[dict[str, Any]]:
            return sorted(read_until(settings, "controls", done), key=lambda c: c["version"])

        try:
            for a in one_alert:
                key = a.cluster.cluster_id.encode()
                producer.send(settings.topic("assessments"), key=key, value=encode(a))
            producer.flush()
            # the alert's controls as the flow makes them: wait for the last before inspecting
            table: dict[str, bytes] = {}
            made = [c for a in one_alert for _, c in escalate(a, table, load_catalogue()) if c]
            final = made[-1]
            assert final.status == "active" and final.action in ("hold", "inspect", "return")
            held = controls(lambda seen: any(c["version"] == final.version for c in seen))[-1]
            assert (held["version"], held["action"]) == (final.version, final.action)
            cid = held["control_id"]

            def result(n: int, outcome: str = "compliant") -> dict[str, Any]:
                return {"control_id": cid, "declaration_id": f"D-INSP{n}-1", "result": outcome}

            with pytest.raises(ConfigError, match="401"):
                post(result(0), token=None)
            with pytest.raises(ConfigError, match="403"):
                post(result(0), token=ANALYST)
            with pytest.raises(ConfigError, match="400"):
                post({**result(0), "result": "fine"})
            # a non-compliant result first (nothing eased yet, so no version): a risk signal of
            # the control's cluster, sent on to linkage
            post({**result(0), "result": "non_compliant", "findings": "折叠锁止失效"})
            (finding,) = read_until(
                settings,
                "signals.unique",
                lambda seen: any(s["feed"] == "inspections" for s in seen),
            )
            api = f"http://127.0.0.1:{worker.web_port}"
            for n in (1, 2):  # as a port system sends them (examples/port_consumer)
                assert port.report_inspection(api, PORT, cid, f"D-INSP{n}-1", "compliant")
            # the worker that counted two compliant results stops (kill -9: without a goodbye)
            assert fleet.stop(worker, how) == (0 if how == signal.SIGTERM else -how)
            worker = fleet.start()
            fleet.wait_ready(worker)
            post(result(3))
            relaxed = controls(lambda seen: any(c["status"] == "relaxed" for c in seen))[-1]
            assert (relaxed["action"], relaxed["version"]) == ("sample", held["version"] + 1)
            assert relaxed["status_reason"] == "3 consecutive compliant inspections"
            for n in (4, 5):
                post(result(n))
            lifted = controls(lambda seen: any(c["status"] == "lifted" for c in seen))[-1]
            assert lifted["status_reason"] == "5 consecutive compliant inspections"
            history = read_until(
                settings, "warnings.history", lambda seen: len(seen) >= held["version"] + 2
            )
            changes = [v["change"] for v in sorted(history, key=lambda v: v["version"])]
            assert changes[-2:] == ["control relaxed", "control lifted"]
            # the next declaration line of the goods is released
            line_id = _released_line_id()
            declaration = {
                "declaration_id": line_id.removesuffix("-1"),
                "line_no": 1,
                "declared_at": "2026-10-20T09:30:00+08:00",
                "port": "CNSHA",
                "hs_code": held["hs_prefixes"][0] + "00",
                "goods_description": one_alert[-1].cluster.product,
                "origin_country": (held["origin_countries"] or ["VN"])[0],
                "quantity": 100,
            }
            producer.send(settings.topic("feed.declarations"), value=orjson.dumps(declaration))
            # and a malformed result sent straight to the topic
            bad = b'{"control_id": "C-x", "result": "compliant"}'
            producer.send(settings.topic("inspections"), key=b"C-x", value=bad)
            producer.flush()
            (instruction,) = read_until(settings, "instructions", lambda seen: len(seen) >= 1)
            letters = read_until(settings, "deadletter", lambda seen: len(seen) >= 1)
        finally:
            producer.close()
            for w in list(fleet.workers):
                fleet.stop(w)
    assert finding["cluster_hint"] == one_alert[-1].cluster.cluster_id
    assert (finding["text"], finding["declaration_id"]) == ("折叠锁止失效", "D-INSP0-1")
    assert finding["hazard_class"] == one_alert[-1].cluster.hazard_class
    assert instruction["instruction_id"] == line_id
    assert (instruction["action"], instruction["control_ids"]) == ("release", [])
    (letter,) = letters
    assert letter["feed"] == "inspections" and base64.b64decode(letter["raw"]) == bad
    assert "missing" in letter["reason"] or "required" in letter["reason"]
