"""``riskwire demo``: the whole pipeline end to end on the embedded stack, in one command.

Starts a Tansu broker (unless ``RISKWIRE_BROKER`` points at one), makes sure Redis answers,
creates the topics, runs a worker, replays the sample feeds day by day with a progress bar,
prints each warning as it escalates, and ends with one summary line.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import redis
from tqdm import tqdm

from cli.colour import badge, colour_enabled
from cli.embedded import EmbeddedBroker, ensure_redis, free_port
from lab.sample import generate
from lab.scenario import WorkerProcess, check_incidents, replay
from schemas.records import Warning
from streams.settings import Settings
from streams.state import clear_namespace
from streams.topics import create_topics

__all__ = ["format_warning", "run_demo"]


def format_warning(w: Warning, colour: bool = False) -> str:
    """One line per warning version: grade in its colour, change, kind, product, score."""
    return (
        f"{w.updated_time:%Y-%m-%d} {badge(w.grade, w.colour, colour)} {w.change:<10} "
        f"{w.warning_id} v{w.version} "
        f"{w.kind:<20} {w.product} [{w.hazard_class}] "
        f"H{w.hazard}xU{w.urgency}xS{w.scope}={w.score:.0f}"
    )


def _advance(bar: tqdm[Any], n: int) -> None:
    bar.update(n)


def run_demo(
    settings: Settings,
    seed: int = 7,
    days: int = 42,
    workdir: Path = Path("var/demo"),
    quiet: bool = False,
) -> int:
    """Run the demo; returns the process exit code (0 when every check passed)."""
    started = time.monotonic()
    workdir.mkdir(parents=True, exist_ok=True)

    def say(message: str) -> None:
        if not quiet:
            tqdm.write(message)

    local_redis = ensure_redis(settings.redis_url)
    broker: EmbeddedBroker | None = None
    if "RISKWIRE_BROKER" not in os.environ:
        broker = EmbeddedBroker(log_path=workdir / "broker.log")
        settings = replace(settings, broker=broker.start())
        say(f"embedded Tansu broker at {settings.broker}")
    # Commit often: the replay waits for committed offsets after each simulated day.
    settings = replace(settings, web_port=free_port(), commit_interval=0.25)
    worker: WorkerProcess | None = None
    try:
        client = redis.Redis.from_url(settings.redis_url)
        clear_namespace(client, settings.namespace)
        create_topics(settings)
        worker = WorkerProcess(settings, workdir / "worker.log")
        say(f"worker started (log: {worker.log_path}); generating sample feeds (seed {seed})")
        sample = generate(seed=seed, days=days)
        colour = colour_enabled()
        with tqdm(
            total=len(sample.records),
            unit="rec",
            desc="replaying feeds",
            disable=quiet,
            dynamic_ncols=True,
        ) as bar:
            outputs = replay(
                settings,
                sample,
                worker=worker,
                on_warning=lambda w: say(format_warning(w, colour)),
                on_records=lambda n: _advance(bar, n),
            )
        report = check_incidents(sample, outputs)
        for name, ids in report.warned.items():
            verdict = ", ".join(ids) if ids else "MISSED"
            say(f"planted incident {name:<8} -> {verdict}")
        if report.noise_warnings:
            say(f"warnings from noise alone: {', '.join(report.noise_warnings)}")
        say(f"demo took {time.monotonic() - started:.1f}s")
        print(outputs.summary_line(), flush=True)
        return 0 if report.ok else 1
    finally:
        if worker:
            worker.stop()
        if broker:
            broker.stop()
        if local_redis:
            local_redis.stop()
