"""``riskwire demo``: the whole pipeline end to end on the embedded stack, in one command.

Starts a Tansu broker (unless ``RISKWIRE_BROKER`` points at one), makes sure Redis answers,
creates the topics, runs a worker, publishes the demo's grading standard (grades I and II wait
for an analyst's approval, III and IV publish at once), replays the sample feeds day by day with
a progress bar while a scripted analyst decides on the candidates (:class:`ScriptedAnalyst`),
prints each warning version as it comes, lets a quiet month and a week pass (one clock tick:
effect evaluation, then lifting) and ends with one summary line.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import redis
from tqdm import tqdm

from cli.colour import badge, colour_enabled
from cli.embedded import EmbeddedBroker, ensure_redis, free_port
from detectors.standard import STANDARD, GradingStandard, standard_to_dict
from lab.sample import generate
from lab.scenario import Lifecycle, WorkerProcess, check_incidents, replay
from schemas.records import Decision, Grade, StandardChange, Tick, Warning
from streams.settings import Settings
from streams.state import clear_namespace
from streams.topics import create_topics

__all__ = ["DEMO_STANDARD", "ScriptedAnalyst", "format_warning", "run_demo"]

#: the demo's grading standard: grades I and II wait for an analyst (published on
#: riskwire.config at the start, as an operator would with ``riskwire standard publish``)
DEMO_STANDARD: GradingStandard = replace(
    STANDARD, version=f"{STANDARD.version}-demo", approval_from=Grade.II
)


def format_warning(w: Warning, colour: bool = False) -> str:
    """One line per warning version: grade in its colour, change, state, kind, product, score."""
    flags = f" !{','.join(w.flags)}" if w.flags else ""
    return (
        f"{w.updated_time:%Y-%m-%d} {badge(w.grade, w.colour, colour)} {w.change:<10} "
        f"{w.state:<10} {w.warning_id} v{w.version} "
        f"{w.kind:<20} {w.product} [{w.hazard_class}] "
        f"H{w.hazard}xU{w.urgency}xS{w.scope}={w.score:.0f}{flags}"
    )


@dataclass
class ScriptedAnalyst:
    """The demo's analyst, so that every state appears without a person: at the end of each
    day it decides on every warning whose latest version is a candidate. The first candidate
    never published before is rejected (its cluster is raised again once its evidence grows);
    the first proposal to change a published warning's grade is regraded one grade lower; every
    other candidate is approved. Its decisions go to ``riskwire.decisions`` as the worker's
    endpoint sends them."""

    latest: dict[str, Warning] = field(default_factory=dict)
    published: set[str] = field(default_factory=set)  # warnings with an approved version
    decided: list[Decision] = field(default_factory=list)

    def saw(self, warning: Warning) -> None:
        """Note a warning version (read from the warnings topic)."""
        known = self.latest.get(warning.warning_id)
        if known is None or warning.version > known.version:
            self.latest[warning.warning_id] = warning
        if warning.state == "approved":
            self.published.add(warning.warning_id)

    def decide(self, at: datetime) -> list[Decision]:
        """The day's decisions, made at ``at``."""
        out: list[Decision] = []
        for w in sorted(self.latest.values(), key=lambda w: w.warning_id):
            if w.state != "candidate" or any(
                d.warning_id == w.warning_id and d.version == w.version for d in self.decided
            ):
                continue
            done = {d.action for d in self.decided}
            fresh = w.warning_id not in self.published
            lower = next((g for g in Grade if g.rank == Grade(w.grade).rank - 1), None)
            action = "approve"
            if fresh and "reject" not in done:
                action = "reject"
            elif not fresh and "regrade" not in done and lower is not None:
                action = "regrade"
            made = Decision(
                decision_id=f"demo-analyst-{len(self.decided) + 1}",
                warning_id=w.warning_id,
                version=w.version,
                action=action,
                reason=_REASONS[action],
                decided_by="demo-analyst",
                at=at,
                grade=lower.value if action == "regrade" and lower else None,
            )
            self.decided.append(made)
            out.append(made)
        return out


_REASONS = {
    "approve": "the reports and the injury records agree: publish",
    "regrade": "one region only so far: one grade lower until the scope widens",
    "reject": "the reports describe misuse, not a product defect",
}


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
            analyst = ScriptedAnalyst()

            def seen(w: Warning) -> None:
                analyst.saw(w)
                say(format_warning(w, colour))

            def decide(at: datetime) -> list[Lifecycle]:
                decisions = analyst.decide(at)
                for d in decisions:
                    grade = f" to grade {d.grade}" if d.grade else ""
                    say(f"analyst: {d.action}{grade} {d.warning_id} v{d.version}: {d.reason}")
                return list(decisions)

            end = max(r.event_time for r in sample.records)
            gone = DEMO_STANDARD.quiet_period + DEMO_STANDARD.evaluation_period
            outputs = replay(
                settings,
                sample,
                worker=worker,
                on_warning=seen,
                on_records=lambda n: _advance(bar, n),
                first=[StandardChange(standard=standard_to_dict(DEMO_STANDARD))],
                after_day=decide,
                last=[Tick(tick=end + gone + timedelta(days=1))],
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
