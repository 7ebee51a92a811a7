"""Every way records enter a running pipeline, and what happens to bad ones, on real parts.

Files (JSON Lines and CSV, loaded twice), the HTTP endpoint, an existing Kafka topic, reference
messages, and the dead-letter round trip: rejected, exported, fixed, replayed, accepted.
"""

from __future__ import annotations

import base64
import csv
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import redis
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

from cli.deadletters import export_line, read_dead_letters, replay_file
from cli.embedded import EmbeddedBroker
from cli.lag import LagProbe
from cli.loader import load_file
from connectors.registry import get_feed
from lab.scenario import TopicReader, WorkerProcess
from schemas.codec import decode
from schemas.records import DeadLetter, Duplicate, Signal
from streams.settings import Settings

LEGACY = f"legacy-complaints-{uuid.uuid4().hex[:6]}"


@pytest.fixture(scope="module")
def settings(broker: EmbeddedBroker, new_pipeline: Any) -> Iterator[Settings]:
    """This module's pipeline also reads an existing topic as the complaints feed."""
    admin = KafkaAdminClient(bootstrap_servers=broker.url.split("://", 1)[1])
    admin.create_topics([NewTopic(LEGACY, 1, 1)])
    admin.close()
    overrides = {"sources": f"{LEGACY}=complaints", "max_request_bytes": 64 * 1024}
    with new_pipeline(**overrides) as made:
        yield made


class Outputs:
    """Tails the pipeline's output topics; each read waits until the pipeline is drained."""

    def __init__(self, settings: Settings, worker: WorkerProcess) -> None:
        self.settings, self.worker = settings, worker
        self.probe = LagProbe(settings)
        self.readers = {
            name: TopicReader(settings, settings.topic(name))
            for name in ("signals", "duplicates", "deadletter")
        }

    def new(self) -> dict[str, list[Any]]:
        self.worker.check_alive()
        self.probe.wait_drained(timeout=60)
        kinds = {"signals": Signal, "duplicates": Duplicate, "deadletter": DeadLetter}
        return {
            name: [decode(kinds[name], raw) for raw in reader.read_new()]
            for name, reader in self.readers.items()
        }

    def close(self) -> None:
        self.probe.close()
        for reader in self.readers.values():
            reader.close()


@pytest.fixture(scope="module")
def outputs(settings: Settings, worker: WorkerProcess) -> Iterator[Outputs]:
    tail = Outputs(settings, worker)
    _wait_http(settings)
    tail.new()  # start from a drained, empty pipeline
    yield tail
    tail.close()


def _wait_http(settings: Settings, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(_url(settings, "/health"), timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def _url(settings: Settings, path: str) -> str:
    return f"http://127.0.0.1:{settings.web_port}{path}"


def _post(settings: Settings, feed: str, body: bytes) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(_url(settings, f"/feeds/{feed}"), data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, orjson.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, orjson.loads(err.read())


def _complaint(cid: str, n: int = 0, **extra: Any) -> dict[str, Any]:
    """A complaint; ``n`` makes it another consumer's (another purchase date), so that the
    near-duplicate stage rightly tells the records apart."""
    bought = f"{1 + n % 9}月{1 + n // 9}日"
    province = ("江苏省", "浙江省", "广东省", "山东省", "河南省", "四川省", "湖北省")[n % 7]
    return {
        "complaint_id": cid,
        "received_at": "2026-10-02 10:15",
        "channel": "web",
        "product_name": "儿童电动牙刷",
        "brand": "洁宝",
        "description": f"{bought}买的，充电时机身发烫，孩子手被烫红（投诉编号 {cid}）",
        "region": province,
        **extra,
    }


def test_jsonl_and_csv_files_load_once(
    settings: Settings, outputs: Outputs, tmp_path: Path
) -> None:
    adapter = get_feed("complaints")
    assert adapter is not None
    jsonl = tmp_path / "complaints.jsonl"
    jsonl.write_bytes(b"\n".join(orjson.dumps(_complaint(f"F-{i}", i)) for i in range(30)))
    table = tmp_path / "complaints.csv"
    with table.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*_complaint("x"), "victim_age"])
        writer.writeheader()
        for i in range(20):
            writer.writerow({**_complaint(f"C-{i}", 30 + i), "victim_age": str(3 + i % 9)})

    first = load_file(settings, jsonl, adapter, progress=False)
    assert (first.read, first.sent, first.skipped) == (30, 30, 0)
    from_csv = load_file(settings, table, adapter, progress=False)
    assert from_csv.sent == 20
    got = outputs.new()
    ids = {s.signal_id for s in got["signals"]}
    expected = {f"complaints:F-{i}" for i in range(30)} | {f"complaints:C-{i}" for i in range(20)}
    assert ids == expected
    assert got["duplicates"] == []
    typed = next(s for s in got["signals"] if s.signal_id == "complaints:C-0")
    assert typed.vulnerable_groups == ("children",)  # "3" in the CSV became the integer 3
    assert not got["deadletter"]

    again = load_file(settings, jsonl, adapter, progress=False)
    assert (again.sent, again.skipped) == (0, 30)
    assert outputs.new()["signals"] == []

    forced = load_file(settings, jsonl, adapter, force=True, progress=False)
    assert forced.sent == 30
    got = outputs.new()
    assert {d.signal_id for d in got["duplicates"]} == {f"complaints:F-{i}" for i in range(30)}
    assert all(d.duplicate_of == d.signal_id for d in got["duplicates"])  # re-sent originals


def test_http_endpoint_accepts_rejects_and_limits(settings: Settings, outputs: Outputs) -> None:
    status, body = _post(settings, "complaints", orjson.dumps(_complaint("H-1")))
    assert (status, body) == (202, {"accepted": 1})
    batch = b"\n".join(orjson.dumps(_complaint(f"H-{i}")) for i in (2, 3))
    assert _post(settings, "complaints", batch) == (202, {"accepted": 2})

    broken = orjson.dumps([_complaint("H-4"), {"complaint_id": "H-5", "received_at": 5}])
    status, body = _post(settings, "complaints", broken)
    assert status == 400 and body["accepted"] == 0
    assert {e["index"] for e in body["errors"]} == {1}
    assert "product_name" in body["errors"][0]["reason"]

    assert _post(settings, "complaints", b"[" + b"1," * 40000 + b"1]")[0] == 413
    assert _post(settings, "no-such-feed", b"{}")[0] == 404
    got = outputs.new()
    assert {s.signal_id for s in got["signals"]} == {f"complaints:H-{i}" for i in (1, 2, 3)}


def test_existing_topic_is_read_as_a_feed(settings: Settings, outputs: Outputs) -> None:
    producer = KafkaProducer(bootstrap_servers=settings.bootstrap_servers)
    producer.send(LEGACY, orjson.dumps(_complaint("L-1")))
    producer.send(LEGACY, b"\xff\xfe not json")
    producer.flush()
    producer.close()
    got = outputs.new()
    assert [s.signal_id for s in got["signals"]] == ["complaints:L-1"]
    [letter] = got["deadletter"]
    assert letter.feed == "complaints" and letter.source_topic == LEGACY
    assert base64.b64decode(letter.raw) == b"\xff\xfe not json"


def test_reference_messages_update_redis_without_restart(
    settings: Settings, outputs: Outputs
) -> None:
    producer = KafkaProducer(bootstrap_servers=settings.bootstrap_servers)
    topic = settings.topic("reference")
    producer.send(topic, orjson.dumps({"kind": "credit", "key": "Acme Ltd", "value": "c"}))
    producer.send(topic, orjson.dumps({"kind": "origin_risk", "key": "Viet Nam", "value": 0.9}))
    producer.send(topic, orjson.dumps({"kind": "blacklist", "key": "Bad Co", "op": "add"}))
    producer.send(topic, orjson.dumps({"kind": "credit", "key": "Acme Ltd", "value": "Z"}))
    producer.flush()
    producer.close()
    got = outputs.new()
    client = redis.Redis.from_url(settings.redis_url, decode_responses=True)
    ns = settings.namespace
    assert client.hgetall(f"{ns}:ref:credit") == {"Acme Ltd": "C"}
    assert client.hgetall(f"{ns}:ref:origin") == {"VN": "0.9"}
    assert client.smembers(f"{ns}:ref:blacklist") == {"Bad Co"}
    [letter] = got["deadletter"]
    assert letter.feed == "reference" and letter.path == "value"


def test_dead_letters_are_fixed_and_replayed(
    settings: Settings, outputs: Outputs, tmp_path: Path
) -> None:
    producer = KafkaProducer(bootstrap_servers=settings.bootstrap_servers)
    broken = _complaint("D-1", received_at="last tuesday")
    producer.send(settings.topic("feed.complaints"), orjson.dumps(broken))
    producer.flush()
    producer.close()
    got = outputs.new()
    [letter] = got["deadletter"]
    assert letter.path == "received_at"

    export = tmp_path / "rejects.jsonl"
    lines = [export_line(d) for d in read_dead_letters(settings, "complaints")]
    fixed = [line for line in lines if "D-1" in line.get("record", "")]
    assert len(fixed) == 1
    record = orjson.loads(fixed[0]["record"])
    fixed[0]["record"] = orjson.dumps({**record, "received_at": "2026-10-06"}).decode()
    export.write_bytes(orjson.dumps(fixed[0]) + b"\n")
    assert replay_file(settings, export) == 1
    got = outputs.new()
    assert [s.signal_id for s in got["signals"]] == ["complaints:D-1"]
    assert got["deadletter"] == []
