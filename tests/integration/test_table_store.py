"""The production shape's table store and user, on the real embedded broker and Redis.

* ``RISKWIRE_STORE=rocksdb://``: a worker replays a sample (the fault suite's waves, so its
  outputs are reproducible), is stopped with SIGTERM part-way, later killed with SIGKILL, and
  started again each time. Its tables are RocksDB files under ``RISKWIRE_DATA_DIR`` holding
  exactly what their changelogs hold; the restarted worker reads a few changelog records where a
  ``memory://`` worker reads them all; and the outputs are byte for byte those of the in-memory
  runner on the same input (no loss, no effect twice, no decision changed).
* The Dockerfile's last stage run outside Docker: its ``CMD`` with its ``ENV``, as its ``USER``
  (``setpriv``; the test needs root to switch users), in a working directory that user cannot
  write, as the old image's root-owned ``/app`` was (there the old image's ``nobody`` stops at
  once: ``PermissionError: 'riskwire-data'``). The worker answers ``/health`` and ``/ready``,
  stops cleanly on SIGTERM and writes nothing outside its data directory. (setpriv's own exec
  still has root's capabilities, so it reaches a virtualenv interpreter kept under /root, as on
  these machines; from that exec on the worker has none, which the test checks.)
"""

from __future__ import annotations

import json
import os
import random
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from cli.embedded import EmbeddedBroker, free_port
from detectors.catalogue import load_catalogue
from detectors.targeting import Reference
from lab import faults
from lab.offline import run_offline
from lab.sample import generate
from lab.topic_dump import read_topic
from lab.verify import compare, offline_outputs
from streams.settings import Settings
from streams.topics import create_topics

ROOT = Path(__file__).resolve().parents[2]
SEED = 7
DAYS = 12  # the sample's first days: every stage and table has work, two restarts fit
PARTITIONS = 2
TABLES = ("areas", "blocks", "clusters", "members", "near", "warnings")
OFFSET_KEY = b"__faust\x00offset__"  # where Faust's RocksDB store keeps its changelog position


def _stored(db_path: Path) -> tuple[set[bytes], int | None]:
    """The keys of one table partition's RocksDB files and the changelog offset they reach."""
    from rocksdict import AccessType, Options, Rdict

    db = Rdict(str(db_path), options=Options(raw_mode=True), access_type=AccessType.read_only())
    try:
        # an Rdict has keys() but no __iter__ of its own (iterating it indexes it by number)
        keys = {k for k in db.keys() if isinstance(k, bytes) and k != OFFSET_KEY}  # noqa: SIM118
        offset = db.get(OFFSET_KEY)
        return keys, int(offset) if offset is not None else None
    finally:
        db.close()


def _changelog(settings: Settings, table: str) -> dict[int, tuple[set[bytes], int]]:
    """Per partition of ``table``'s changelog: the keys it leaves alive and its last offset."""
    alive: dict[int, dict[bytes, bool]] = {}
    last: dict[int, int] = {}
    for record in read_topic(settings.bootstrap_servers, f"{settings.namespace}-{table}-changelog"):
        assert record.key is not None
        alive.setdefault(record.partition, {})[record.key] = record.value is not None
        last[record.partition] = record.offset
    return {p: ({k for k, live in keys.items() if live}, last[p]) for p, keys in alive.items()}


Stored = dict[tuple[str, int], tuple[set[bytes], int | None]]


def _missed(stored: Stored, settings: Settings) -> int:
    """How many changelog records lie after the offsets the RocksDB files reached."""
    missed = 0
    for t in TABLES:
        for p, (_, last) in _changelog(settings, t).items():
            reached = stored.get((t, p), (set(), None))[1]
            missed += last - (-1 if reached is None else reached)
    return missed


class DiskRestart:
    """A fault-suite action: stop the worker with SIGTERM, look at its files, measure what a
    memory:// worker reads to recover, then start a rocksdb:// worker on the same files."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.seen: dict[str, Any] = {}

    def __call__(self, fleet: faults.Fleet) -> None:
        self.seen["exit"] = fleet.stop(fleet.workers[0], signal.SIGTERM)
        settings = fleet.settings
        self.seen["namespace"] = settings.namespace
        tables = self.data_dir / settings.namespace / "v1" / "tables"
        self.seen["files"] = sorted(p.name for p in tables.iterdir())
        self.seen["stored"] = {
            (t, p): _stored(tables / f"{t}-{p}.db")
            for t in TABLES
            for p in range(PARTITIONS)
            if (tables / f"{t}-{p}.db").exists()
        }
        self.seen["changelog"] = {
            (t, p): c for t in TABLES for p, c in _changelog(settings, t).items()
        }
        rocksdb_env = fleet.env
        fleet.env = {**rocksdb_env, "RISKWIRE_STORE": "memory://"}
        memory = fleet.start()
        self.seen["memory"] = fleet.wait_ready(memory)["changelog_records"]
        self.seen["memory exit"] = fleet.stop(memory, signal.SIGTERM)
        # the memory:// worker may have processed input that was still waiting, so the files
        # now miss what it wrote: exactly the records after each file's own offset
        self.seen["missed"] = _missed(self.seen["stored"], settings)
        fleet.env = rocksdb_env
        self.seen["rocksdb"] = fleet.wait_ready(fleet.start())["changelog_records"]


def test_rocksdb_tables_are_files_that_survive_restarts(
    broker: EmbeddedBroker, redis_url: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "var" / "lib" / "riskwire"  # the worker makes it (Faust: the last level)
    sample = generate(seed=SEED, days=DAYS)
    base = replace(
        Settings.from_env({}),
        broker=broker.url,
        redis_url=redis_url,
        partitions=PARTITIONS,
        store="rocksdb://",
        data_dir=str(data_dir),
    )
    plan = faults.ScenarioRun("rocksdb")
    restart = DiskRestart(data_dir)
    plan.actions[DAYS // 3] = [restart]
    plan.actions[2 * DAYS // 3] = [faults.kill_worker(signal.SIGKILL, random.Random(SEED), plan)]
    result = faults.run(plan, sample, base, tmp_path)

    seen = restart.seen
    assert seen["exit"] == 0 and seen["memory exit"] == 0
    assert not Path(f"{seen['namespace']}-data").exists()  # nothing in the working directory
    assert {f"{t}-{p}.db" for t in TABLES for p in range(PARTITIONS)} <= set(seen["files"])
    # the files hold what the changelogs hold, key for key, up to their last offset
    assert seen["stored"].keys() == seen["changelog"].keys()
    for where, (keys, offset) in seen["stored"].items():
        live, last = seen["changelog"][where]
        assert keys == live, where
        assert offset == last, where
    changelog_records = sum(last + 1 for _, last in seen["changelog"].values())
    assert seen["memory"] >= changelog_records  # memory:// reads every changelog record
    # rocksdb:// reads only what its files missed (what the memory:// worker wrote meanwhile);
    # a bound by a share of the whole failed when that worker happened to catch up on more input
    assert seen["rocksdb"] <= seen["missed"], seen
    assert seen["rocksdb"] < seen["memory"], seen
    recovered = [c for c in result.checks if "replacement ready" in c]
    assert len(recovered) == 1 and "SIGKILL" in recovered[0], result.checks
    after_kill = int(recovered[0].split("recovered ")[1].split()[0])
    assert after_kill <= seen["memory"] // 20, recovered  # RocksDB's log outlives a kill -9

    # the same records in the same order through the in-memory runner: the same bytes out
    ref = sample.reference
    reference = Reference(ref.credit, frozenset(ref.blacklist), ref.origin_risk)
    offline = run_offline(
        faults.wave_order(sample), load_catalogue(), reference, partitions=PARTITIONS
    )
    report = compare(
        "rocksdb", result.outputs, result.expected, result.records_in, offline_outputs(offline)
    )
    assert report.records_in > 500 and report.signals > 400
    assert report.details["lost"] == []
    assert report.details["duplicate effects"] == []
    assert report.details["differences"] == []
    assert report.details["decision differences"] == []
    print(
        f"\nrocksdb:// {result.records_in} records in {result.seconds:.0f}s; after SIGTERM "
        f"{changelog_records} changelog records in {len(seen['stored'])} RocksDB files; "
        f"recovery read {seen['memory']} (memory://) vs {seen['rocksdb']} (rocksdb://); "
        f"{recovered[0]}"
    )


def _image(dockerfile: str) -> tuple[list[str], dict[str, str], tuple[int, int], list[str]]:
    """The last stage's ``CMD``, ``ENV``, ``USER`` (uid, gid) and ``HEALTHCHECK`` command."""
    lines, pending = [], ""
    for raw in dockerfile.splitlines():
        line = raw.strip()
        if line.endswith("\\"):
            pending += line[:-1] + " "
        elif line and not line.startswith("#"):
            lines.append(pending + line)
            pending = ""
    stage = [ln.split(None, 1) for ln in lines]
    stage = stage[max(i for i, (op, _) in enumerate(stage) if op.upper() == "FROM") :]
    env: dict[str, str] = {}
    for op, args in stage:
        if op.upper() == "ENV":
            for pair in shlex.split(args):
                key, _, value = pair.partition("=")
                env[key] = value
    cmd = [json.loads(args) for op, args in stage if op.upper() == "CMD"][-1]
    uid, gid = [args for op, args in stage if op.upper() == "USER"][-1].split(":")
    health = [json.loads(a.split(" CMD ", 1)[1]) for op, a in stage if op.upper() == "HEALTHCHECK"]
    return cmd, env, (int(uid), int(gid)), health[-1]


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as err:
        return err.code


def _wait(what: str, check: Callable[[], bool], proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"worker exited {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{what} within 90s:\n{log.read_text()[-3000:]}")


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="running the entry point as the image's user needs root and setpriv",
)
def test_the_images_entry_point_runs_as_its_user_and_writes_only_its_data_dir(
    broker: EmbeddedBroker, redis_url: str
) -> None:
    cmd, image_env, (uid, gid), health = _image((ROOT / "Dockerfile").read_text())
    assert cmd == ["riskwire", "worker"] and uid != 0
    assert image_env["HOME"] == image_env["RISKWIRE_DATA_DIR"]
    base = Path(tempfile.mkdtemp(prefix="riskwire-user-"))  # not under pytest's 0700 tmp dirs
    try:
        base.chmod(0o755)
        workdir = base / "app"  # root's, as the old image's /app: the user cannot write here
        workdir.mkdir(mode=0o755)
        data = base / "data"  # the image's RISKWIRE_DATA_DIR: the user's own
        data.mkdir(mode=0o750)
        os.chown(data, uid, gid)
        namespace = f"rwuser-{uuid.uuid4().hex[:8]}"
        port = free_port()
        settings = replace(
            Settings.from_env({}),
            broker=broker.url,
            redis_url=redis_url,
            namespace=namespace,
            partitions=PARTITIONS,
        )
        create_topics(settings)
        env = {
            **image_env,  # the image's store, data dir, web host and port, Python flags ...
            "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",  # ... its virtualenv first
            "HOME": str(data),
            "RISKWIRE_DATA_DIR": str(data),
            # ... and what docker-compose.yml adds: where Kafka and Redis are
            "RISKWIRE_BROKER": broker.url,
            "RISKWIRE_REDIS_URL": redis_url,
            "RISKWIRE_NAMESPACE": namespace,
            "RISKWIRE_PARTITIONS": str(PARTITIONS),
            "RISKWIRE_WEB_HOST": "127.0.0.1",
            "RISKWIRE_WEB_PORT": str(port),
        }
        log = base / "worker.log"
        as_user = ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--"]
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                as_user + cmd, cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        try:
            web = f"http://127.0.0.1:{port}"
            _wait("/health 200", lambda: _get(f"{web}/health") == 200, proc, log)
            _wait("/ready 200", lambda: _get(f"{web}/ready") == 200, proc, log)
            status = Path(f"/proc/{proc.pid}/status").read_text()
            ids = {ln.split(":")[0]: ln.split()[1:] for ln in status.splitlines()}
            assert ids["Uid"] == [str(uid)] * 4 and ids["Gid"] == [str(gid)] * 4
            assert ids["Groups"] == [] and ids["CapEff"] == ["0000000000000000"]
            check = subprocess.run(as_user + health, cwd=workdir, env=env, capture_output=True)
            assert check.returncode == 0, check.stderr  # the image's HEALTHCHECK passes
        finally:
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=30)
        assert code == 0, log.read_text()[-3000:]
        tables = data / namespace / "v1" / "tables"
        made = {p.name for p in tables.iterdir()}
        assert {f"{t}-{p}.db" for t in TABLES for p in range(PARTITIONS)} <= made
        assert list(workdir.iterdir()) == []
        elsewhere = subprocess.run(
            ["find", "/tmp", "/var/tmp", "/dev/shm", str(ROOT), str(base), "-xdev",
             "-uid", str(uid), "-not", "-path", f"{data}*"],
            capture_output=True, text=True, check=False,
        ).stdout.split()  # fmt: skip
        assert elsewhere == [], f"the worker wrote outside {data}: {elsewhere[:10]}"
    finally:
        shutil.rmtree(base, ignore_errors=True)
