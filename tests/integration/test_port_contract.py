"""A port system's view on the real broker, through the reference consumer
(``examples/port_consumer``, kafka-python only): a control from an alert notification, the
instruction of a declaration line it matches (held, naming the control), of one it does not, and
of a line delivered twice (one instruction, the same bytes); every record valid against the
published schemas."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from types import ModuleType
from typing import Any

import orjson

from cli.producer import kafka_producer
from lab.faults import Fleet
from schemas.codec import encode
from schemas.records import Assessment
from streams.settings import Settings


def _line(declaration_id: str, hs_code: str, goods: str, origin: str) -> bytes:
    return orjson.dumps(
        {
            "declaration_id": declaration_id,
            "line_no": 1,
            "declared_at": "2026-10-20T09:30:00+08:00",
            "port": "CNSHA",
            "hs_code": hs_code,
            "goods_description": goods,
            "origin_country": origin,
            "consignee": "上海进口贸易有限公司",
            "quantity": 500,
        }
    )


def test_a_port_system_reads_controls_and_instructions_with_kafka_python(
    new_pipeline: Callable[..., AbstractContextManager[Settings]],
    tmp_path: Path,
    one_alert: list[Assessment],
    read_until: Callable[..., list[dict[str, Any]]],
    port_consumer: ModuleType,
) -> None:
    port = port_consumer
    with new_pipeline(tick_seconds=0) as settings:
        fleet = Fleet(settings, tmp_path)
        worker = fleet.start()
        fleet.wait_ready(worker)
        producer = kafka_producer(settings)
        try:
            for a in one_alert:
                key = a.cluster.cluster_id.encode()
                producer.send(settings.topic("assessments"), key=key, value=encode(a))
            producer.flush()
            controls = read_until(settings, "controls", lambda seen: len(seen) >= 1)
            control = controls[0]
            assert control["status"] == "active"
            hs = control["hs_prefixes"][0] + "00"
            origin = (control["origin_countries"] or ["VN"])[0]
            goods = one_alert[-1].cluster.product
            matching = _line("D-MATCH", hs, goods, origin)
            other = _line("D-OTHER", "0709599000", "新鲜金针菇 enoki", "KR")
            feed = settings.topic("feed.declarations")
            for body in (matching, other, matching):  # the first line delivered twice
                producer.send(feed, value=body)
            producer.flush()
            view = port.consume(
                ",".join(settings.bootstrap_servers),
                namespace=settings.namespace,
                group="port-system-test",
                done=lambda v: {"D-MATCH-1", "D-OTHER-1"} <= set(v.instructions),
                timeout=60,
            )
            written = read_until(settings, "instructions", lambda seen: len(seen) >= 2)
        finally:
            producer.close()
            for w in list(fleet.workers):
                fleet.stop(w)
    assert not view.invalid, view.invalid
    assert control["control_id"] in view.controls
    held = view.instructions["D-MATCH-1"]
    # as the control asks when the line was targeted: its grade's action (II: hold), or at
    # grade I the return of the goods its measures call for
    assert held["action"] in {"hold", "inspect", "return"}
    assert held["control_ids"] == [control["control_id"]]
    assert any(control["control_id"] in reason for reason in held["reasons"])
    assert view.instructions["D-OTHER-1"]["control_ids"] == []
    # one instruction per line: the line delivered twice gave the same instruction, byte for byte
    ids = [i["instruction_id"] for i in written]
    assert sorted(set(ids)) == ["D-MATCH-1", "D-OTHER-1"]
    same = [orjson.dumps(i) for i in written if i["instruction_id"] == "D-MATCH-1"]
    assert len(set(same)) == 1
