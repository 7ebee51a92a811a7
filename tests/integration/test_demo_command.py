"""`riskwire demo` as the README runs it: its own embedded broker, the machine's Redis."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import redis

from streams.state import clear_namespace

SUMMARY = re.compile(
    r"^demo: (\d+) signals, (\d+) duplicates, (\d+) dead letters, (\d+) warnings "
    r"\(now I:(\d+) II:(\d+) III:(\d+) IV:(\d+); peak I:(\d+) II:(\d+) III:(\d+) IV:(\d+); "
    r"([a-z ,0-9]+)\), (\d+) controls, (\d+) instructions$"
)


def test_demo_ends_with_the_summary_line_and_exit_0(redis_url: str, tmp_path: Path) -> None:
    namespace = f"rwdemo-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RISKWIRE_")}
    env.update(RISKWIRE_NAMESPACE=namespace, RISKWIRE_REDIS_URL=redis_url, NO_COLOR="1")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "cli.main", "demo", "--workdir", str(tmp_path)],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        clear_namespace(redis.Redis.from_url(redis_url), namespace)
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-3000:]
    lines = done.stdout.strip().splitlines()
    match = SUMMARY.match(lines[-1])
    assert match, f"last line is not the summary: {lines[-1]!r}"
    groups = match.groups()
    signals, dups, dead, warnings, *now = map(int, groups[:8])
    peaks = list(map(int, groups[8:12]))
    states = {state: int(n) for n, state in (p.split()[::-1] for p in groups[12].split(", "))}
    controls, instructions = map(int, groups[-2:])
    assert warnings == sum(peaks) == sum(states.values()) == 3  # the planted incidents
    assert peaks[0] == 3  # all three peak at grade I
    # the scripted analyst rejected, regraded and approved candidates; a quiet month and a
    # week after the last record, every warning was evaluated and lifted
    assert states == {"lifted": 3}, states
    assert sum(now) == 0
    for made in ("analyst: approve", "analyst: regrade to grade", "analyst: reject"):
        assert made in done.stdout, made
    changes = [line.split()[3:5] for line in lines if line[:4].isdigit()]
    for change, state in (
        ("issued", "candidate"),
        ("rejected", "rejected"),
        ("approved", "approved"),
        ("regraded", "approved"),
        ("upgraded", "candidate"),
        ("downgraded", "approved"),
        ("evaluating", "evaluating"),
        ("lifted", "lifted"),
    ):
        assert [change, state] in changes, (change, state, changes)
    assert signals > 1000 and dups > 0 and dead > 0 and controls > 0 and instructions > 0
    assert "MISSED" not in done.stdout
    assert "warnings from noise alone" not in done.stdout
    assert any(" issued " in line for line in lines), "escalations are printed as they happen"
    assert (tmp_path / "worker.log").exists()
