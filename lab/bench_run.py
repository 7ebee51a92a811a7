"""What the benchmarks that run real processes share: a fresh namespace on the run's broker,
and the CPU and peak memory of a process (Linux ``/proc``)."""

from __future__ import annotations

import contextlib
import os
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import redis

from streams.settings import Settings

__all__ = ["cpu_seconds", "fresh_namespace", "peak_rss_mb"]


def fresh_namespace(
    stack: contextlib.ExitStack,
    base: Settings,
    name: str,
    broker: str,
    tmp: Path,
    **changes: Any,
) -> Settings:
    """Settings of a new namespace ``rwbench-<name>-<hex>`` on ``broker``, its topics made,
    its worker files under ``tmp`` and its Redis keys cleared when ``stack`` closes; no clock
    ticks (a bench measures records, not timers)."""
    made = replace(
        base,
        broker=broker,
        namespace=f"rwbench-{name}-{uuid.uuid4().hex[:6]}",
        tick_seconds=0,
        data_dir=str(tmp),
        **changes,
    )
    from streams.state import clear_namespace
    from streams.topics import create_topics

    client = redis.Redis.from_url(made.redis_url)
    stack.callback(lambda: clear_namespace(client, made.namespace))
    create_topics(made)
    return made


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    """The peak resident set of a process (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")
