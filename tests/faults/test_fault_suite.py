"""Faults, checked record by record: the demo's full sample (seed 7, five feeds, three planted
incidents) through real workers on a real broker and Redis, while workers are killed, join and
leave, Redis goes away and hostile records arrive. Every run is read back from offset 0 of every
output topic and compared by :mod:`lab.verify` with a clean run of the same input.

The suite prints one table (and writes it to ``var/faults/table.txt``): scenario, records in,
signals, dead letters, lost, duplicate effects, differences from the clean run (byte level, in
the verifier's canonical form) and decision differences (grade, kind, status, action).

Input order is made the same in every run (``lab.faults``: waves), so two clean runs are
byte-identical. Faults must add no loss, no duplicate effect and no difference at all: every
scenario's outputs are byte-identical to the clean run's.
"""

from __future__ import annotations

import os
import random
import signal
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest

from cli.embedded import EmbeddedBroker, ensure_redis
from detectors.catalogue import load_catalogue
from detectors.targeting import Reference
from lab import faults
from lab.offline import run_offline
from lab.sample import Sample, generate
from lab.sample_types import CST
from lab.verify import Expected, Report, compare, format_table, offline_outputs
from schemas.records import Decision, Tick
from streams.settings import Settings

SEED = 7
PARALLEL = int(os.environ.get("RISKWIRE_FAULT_PARALLEL", "3"))
OUT = Path("var/faults")


def _lifecycle(sample: Sample, reference: Reference) -> list[tuple[int, Tick | Decision]]:
    """The same lifecycle inputs for every scenario: an analyst regrades the first warning at
    the end of the day after it was issued, and a clock tick 31 days after the last record lifts
    every warning still in force."""
    dates = [d for d, _ in sample.by_day()]
    run = run_offline(faults.wave_order(sample), load_catalogue(), reference)
    first = run.warnings[0]
    issued = dates.index(first.updated_time.astimezone(CST).date())
    day = issued + 1
    # the version in force once that day is through: versions are dated by their input's time
    latest = max(
        (
            w
            for w in run.warnings
            if w.warning_id == first.warning_id
            and w.updated_time.astimezone(CST).date() <= dates[day]
        ),
        key=lambda w: w.version,
    )
    decision = Decision(
        decision_id="fault-suite-regrade",
        warning_id=latest.warning_id,
        version=latest.version,
        action="regrade",
        grade="II" if latest.grade != "II" else "I",
        reason="fault suite: an analyst regrades the first warning",
        decided_by="fault-suite",
        at=datetime.combine(dates[day], time(23, 30), tzinfo=CST),
    )
    end = max(r.event_time for r in sample.records)
    return [(day, decision), (len(dates) - 1, Tick(tick=end + timedelta(days=31)))]


def _plans(
    sample: Sample, lifecycle: list[tuple[int, Tick | Decision]]
) -> list[faults.ScenarioRun]:
    rng = random.Random(SEED)
    days = len(list(sample.by_day()))
    restarts = faults.ScenarioRun("restarts")
    kill_days = sorted(rng.sample(range(3, days - 3), 4))
    for how, day in zip(
        (signal.SIGTERM, signal.SIGKILL, signal.SIGKILL, signal.SIGKILL), kill_days, strict=True
    ):
        restarts.actions.setdefault(day, []).append(faults.kill_worker(how, rng, restarts))

    rebalance = faults.ScenarioRun("rebalance")
    join, leave = sorted(rng.sample(range(3, days - 3), 2))
    rebalance.actions[join] = [faults.join_worker(rebalance)]
    rebalance.actions[leave] = [faults.leave_worker(rebalance)]

    outage = faults.ScenarioRun("redis-down-20s", redis=faults.PrivateRedis())
    outage.actions[rng.randrange(5, days - 5)] = [faults.redis_outage(20.0, outage)]

    hostile = faults.ScenarioRun(
        "hostile-input", env={"RISKWIRE_FAULT_MARKER": faults.FAULT_MARKER}
    )
    template = next(r.payload for r in sample.records if r.feed == "complaints" and r.signal_id)
    day = rng.randrange(2, days - 2)
    hostile.extra = [(day, feed, raw) for feed, raw in faults.hostile_records(SEED)]
    hostile.extra.append((day, "complaints", faults.marked_complaint(template)))
    hostile.actions[day] = [faults.post_hostile(hostile)]
    plans = [
        faults.ScenarioRun("clean"),
        faults.ScenarioRun("clean-again"),
        restarts,
        rebalance,
        outage,
        hostile,
    ]
    for plan in plans:
        plan.lifecycle = list(lifecycle)
    return plans


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Report]]:
    sample = generate(seed=SEED, days=42)
    workdir = tmp_path_factory.mktemp("faults")
    redis_url = os.environ.get("RISKWIRE_REDIS_URL", "redis://127.0.0.1:6379/0")
    local_redis = ensure_redis(redis_url)
    try:
        with EmbeddedBroker(log_path=workdir / "broker.log") as broker:
            base = replace(
                Settings.from_env({}), broker=broker.url, redis_url=redis_url, partitions=4
            )
            ref = sample.reference
            reference = Reference(ref.credit, frozenset(ref.blacklist), ref.origin_risk)
            lifecycle = _lifecycle(sample, reference)
            plans = _plans(sample, lifecycle)
            with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
                futures = [pool.submit(faults.run, p, sample, base, workdir) for p in plans]
                outcomes = {p.name: _outcome(f) for p, f in zip(plans, futures, strict=True)}
    finally:
        if local_redis:
            local_redis.stop()
    results = [r for r in outcomes.values() if isinstance(r, faults.ScenarioResult)]
    failed = {name: r for name, r in outcomes.items() if isinstance(r, str)}
    clean = outcomes["clean"].outputs if "clean" not in failed else None  # type: ignore[union-attr]
    out = {r.name: r.report(clean) for r in results}
    # the same input, in the same order, through the in-memory runner of the same flow
    offline = run_offline(faults.lifecycle_order(sample, lifecycle), load_catalogue(), reference)
    in_memory = offline_outputs(offline)
    out["in-memory runner"] = compare(
        "in-memory runner",
        in_memory,
        Expected(results[0].expected.signals, frozenset()),
        results[0].records_in,
        clean,
    )
    out["in-memory runner"].details["signal and duplicate differences"] = [
        f"{topic} {ident}"
        for topic in ("signals", "duplicates")
        if clean is not None
        for ident in sorted(set(in_memory.ids(topic)) | set(clean.ids(topic)))
        if in_memory.ids(topic).get(ident) != clean.ids(topic).get(ident)
    ]
    final = {w.warning_id: w for w in offline.warnings}  # versions come in order
    out["in-memory runner"].details["lifecycle"] = [
        *(f"{w.warning_id} v{w.version} {w.change} by {w.decided_by}" for w in offline.warnings
          if w.change in ("regraded", "lifted")),
        *(f"{r.decision_id}: {r.accepted} {r.reason}" for r in offline.decision_results),
        *(f"{i} ends {w.status}" for i, w in sorted(final.items())),
    ]  # fmt: skip
    for name, why in failed.items():
        out[name] = Report(name, 0, 0, 0, 0, 0, 0, 0, {"error": [why]})
    table = format_table(out.values())
    seconds = ", ".join(f"{r.name} {r.seconds:.0f}s" for r in results)
    details = "\n".join(
        f"{name}: {key}: {items[:5]}"
        for name, rep in out.items()
        for key, items in rep.details.items()
        if items
    )
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "table.txt").write_text(f"{table}\n\n{seconds}\n\n{details}\n")
    print(f"\n{table}\n{seconds}\n{details}")
    yield out


def _outcome(future: Future[faults.ScenarioResult]) -> faults.ScenarioResult | str:
    """The scenario's result, or why it could not finish (its table line then says so)."""
    try:
        return future.result()
    except Exception as exc:  # one broken scenario must not hide the others' figures
        return f"{type(exc).__name__}: {exc}"


def _ran(report: Report) -> Report:
    assert not report.details.get("error"), report.details.get("error")
    return report


SCENARIOS = ["clean", "clean-again", "restarts", "rebalance", "redis-down-20s", "hostile-input"]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_nothing_lost_and_no_effect_twice(reports: dict[str, Report], scenario: str) -> None:
    report = _ran(reports[scenario])
    assert report.records_in >= 4000
    assert report.details["lost"] == []
    assert report.details["duplicate effects"] == []


@pytest.mark.parametrize("scenario", SCENARIOS[1:])
def test_same_decisions_as_the_clean_run(reports: dict[str, Report], scenario: str) -> None:
    assert _ran(reports[scenario]).details["decision differences"] == []


@pytest.mark.parametrize("scenario", SCENARIOS[2:])
def test_same_bytes_as_the_clean_run(reports: dict[str, Report], scenario: str) -> None:
    """A recovered table holds what the lost worker's table held (streams.log_ends)."""
    assert _ran(reports[scenario]).details["differences"] == []


def test_the_in_memory_runner_gives_the_workers_outputs(reports: dict[str, Report]) -> None:
    """One flow, two runners: the same records in the same order through the in-memory runner
    (evaluations, the offline checks) give byte for byte the worker's signals, duplicate
    verdicts, warnings, controls and instructions."""
    report = reports["in-memory runner"]
    assert report.details["differences"] == []
    assert report.details["signal and duplicate differences"] == []
    assert report.signals == reports["clean"].signals


def test_an_analysts_regrade_and_a_clock_tick_went_through_the_lifecycle(
    reports: dict[str, Report],
) -> None:
    """The lifecycle inputs every scenario gets: the worker's outputs equal the in-memory
    runner's (above), whose lifecycle is this: the first warning regraded by the analyst, then
    every warning lifted by the final tick, each once."""
    lines = reports["in-memory runner"].details["lifecycle"]
    assert any(" regraded by fault-suite" in line for line in lines), lines
    assert any(line.startswith("fault-suite-regrade: True") for line in lines), lines
    ends = [line for line in lines if " ends " in line]
    assert ends and all(line.endswith("ends lifted") for line in ends), lines


def test_two_clean_runs_are_byte_identical(reports: dict[str, Report]) -> None:
    assert _ran(reports["clean-again"]).details["differences"] == []


def test_every_restart_happened_and_recovered_state(reports: dict[str, Report]) -> None:
    checks = _ran(reports["restarts"]).details["checks"]
    restarts = [c for c in checks if "replacement ready" in c]
    assert len(restarts) == 4, checks
    assert sum("SIGKILL" in c for c in restarts) == 3
    for check in restarts:
        recovered = int(check.split("recovered ")[1].split()[0])
        assert recovered > 0, check  # the new worker read its state back from the changelog


def test_rebalance_and_outage_happened(reports: dict[str, Report]) -> None:
    assert any(
        c.startswith("joined: 2 workers") for c in _ran(reports["rebalance"]).details["checks"]
    )
    assert any(c.startswith("left:") for c in reports["rebalance"].details["checks"])
    assert _ran(reports["redis-down-20s"]).details["checks"] == ["redis down 20s"]


def test_hostile_records_and_a_raising_stage_are_dead_letters(reports: dict[str, Report]) -> None:
    hostile, clean = _ran(reports["hostile-input"]), _ran(reports["clean"])
    extra = len(faults.hostile_records(SEED))
    assert hostile.records_in == clean.records_in + extra + 1
    # each hostile record one dead letter, and the marked record one more from the raising stage
    assert hostile.dead_letters == clean.dead_letters + extra + 1
    assert hostile.signals == clean.signals + 1  # the marked record, and nothing sent over HTTP
    answers = [c for c in hostile.details["checks"] if c.startswith("http: ")]
    assert answers == ["http: [415, 400, 400, 202, 400, 400, 404]"], hostile.details["checks"]
