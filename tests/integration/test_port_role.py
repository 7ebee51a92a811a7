"""The port stage in a port-role process (``RISKWIRE_ROLE=port``) on the real broker, stopped
half-way with SIGTERM and with kill -9 and started again: every declaration line gets its
instruction, byte for byte what the in-memory flow gives it; after SIGTERM exactly once, after
kill -9 at most a repeat of the same bytes under the same key (at-least-once); an exact repeat
gets a duplicate record and no second instruction; a malformed line is dead-lettered with its
original bytes."""

from __future__ import annotations

import base64
import signal
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from kafka import KafkaConsumer, TopicPartition

from cli.producer import kafka_producer
from connectors.ingest import SourceRef
from detectors.catalogue import load_catalogue
from detectors.dedup import Verdict
from detectors.targeting import Reference
from lab.faults import Fleet
from schemas.codec import encode
from schemas.records import Signal
from streams import flow
from streams.settings import Settings

GOODS = (
    ("9503008900", "儿童折叠滑板车 kids folding scooter", "VN"),
    ("8516500000", "家用微波炉 microwave oven", "CN"),
    ("0709599000", "新鲜金针菇 enoki mushrooms", "KR"),
    ("6404199000", "运动鞋 sports shoes", "ID"),
)
CONSIGNEES = ("上海进口贸易有限公司", "宁波跨境电商有限公司", "天津远洋食品有限公司")


def _line(n: int) -> bytes:
    hs, goods, origin = GOODS[n % len(GOODS)]
    return orjson.dumps(
        {
            "declaration_id": f"D-{n:05d}",
            "line_no": 1,
            "declared_at": "2026-10-20T09:30:00+08:00",
            "port": "CNSHA",
            "hs_code": hs,
            "goods_description": goods,
            "origin_country": origin,
            "consignee": CONSIGNEES[n % len(CONSIGNEES)],
            "quantity": 10 + n,
        }
    )


def _expected(lines: list[bytes], seed: str) -> dict[str, bytes]:
    """Each line's instruction as the in-memory flow makes it (no controls in force)."""
    catalogue = load_catalogue()
    reference = Reference({}, frozenset(), {}, sampling_seed=seed)
    now = datetime.now(UTC)
    out: dict[str, bytes] = {}
    for i, raw in enumerate(lines):
        line = flow.validate("declarations", raw, SourceRef("feed", 0, i), now, catalogue, 1 << 20)
        assert isinstance(line, Signal)
        answered = flow.answer(line, Verdict(None), [], reference)
        assert answered.instruction is not None
        out[answered.instruction.instruction_id] = encode(answered.instruction)
    return out


def _read(
    settings: Settings, topic: str, done: Callable[[list[tuple[bytes, bytes]]], bool]
) -> list[tuple[bytes, bytes]]:
    """Every (key, value) of ``topic`` from its start, until ``done`` or a minute passed."""
    consumer = KafkaConsumer(bootstrap_servers=settings.bootstrap_servers, fetch_max_wait_ms=50)
    try:
        name = settings.topic(topic)
        parts = consumer.partitions_for_topic(name) or set()
        consumer.assign([TopicPartition(name, p) for p in sorted(parts)])
        consumer.seek_to_beginning()
        seen: list[tuple[bytes, bytes]] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not done(seen):
            for records in consumer.poll(timeout_ms=300).values():
                seen += [(r.key, r.value) for r in records]
        return seen
    finally:
        consumer.close()


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "kill-9"])
def test_a_port_role_answers_every_line_across_a_restart(
    new_pipeline: Callable[..., AbstractContextManager[Settings]],
    tmp_path: Path,
    how: signal.Signals,
) -> None:
    first = [_line(n) for n in range(300)]
    second = [_line(n) for n in range(300, 600)]
    malformed = b'{"declaration_id": "D-BAD", "line_no": "one"'
    repeat = first[7]  # the same line delivered again, later
    with new_pipeline(role="port", tick_seconds=0) as settings:
        feed = settings.topic("feed.declarations")
        producer = kafka_producer(settings)
        fleet = Fleet(settings, tmp_path)
        try:
            for body in first:
                producer.send(feed, value=body)
            producer.flush()
            port = fleet.start()
            fleet.wait_ready(port)
            _read(settings, "instructions", lambda seen: len(seen) >= 100)
            fleet.stop(port, how)  # mid-way through, or just after, the first lines
            for body in [*second, repeat, malformed]:
                producer.send(feed, value=body)
            producer.flush()
            fleet.wait_ready(fleet.start())
            instructions = _read(
                settings, "instructions", lambda seen: len({k for k, _ in seen}) >= 600
            )
            duplicates = _read(settings, "duplicates", lambda seen: len(seen) >= 1)
            letters = _read(settings, "deadletter", lambda seen: len(seen) >= 1)
        finally:
            producer.close()
            fleet.stop_all()

    expected = _expected(first + second, settings.sampling_seed)
    by_key: dict[str, list[bytes]] = {}
    for key, value in instructions:
        by_key.setdefault(key.decode(), []).append(value)
    assert set(by_key) == set(expected)  # every line answered, nothing else
    for line_id, values in by_key.items():
        assert set(values) == {expected[line_id]}, line_id  # the flow's bytes, every copy
        if how == signal.SIGTERM:
            assert len(values) == 1, line_id  # a graceful stop commits what it answered
    if how == signal.SIGKILL:
        repeated = sum(len(v) - 1 for v in by_key.values())
        assert repeated <= 2 * 500  # at most the uncommitted batches, re-read once
    assert [orjson.loads(v)["duplicate_of"] for _, v in duplicates] == ["declarations:D-00007-1"]
    assert len(letters) == 1
    letter = orjson.loads(letters[0][1])
    assert base64.b64decode(letter["raw"]) == malformed
    assert letter["feed"] == "declarations"
