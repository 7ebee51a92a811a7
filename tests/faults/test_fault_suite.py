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
import shutil
import signal
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest

from cli.embedded import EmbeddedBroker, ensure_redis
from detectors.catalogue import load_catalogue
from detectors.standard import STANDARD, standard_to_dict
from detectors.targeting import Reference
from lab import faults
from lab.offline import run_offline
from lab.sample import Sample, generate
from lab.sample_types import CST
from lab.verify import Expected, Report, compare, format_table, offline_outputs
from schemas.records import Decision, Grade, Reply, StandardChange, Tick, Warning
from streams.settings import Settings

SEED = 7
PARTITIONS = 4  # of every topic: recurrence is looked for within a partition
PARALLEL = int(os.environ.get("RISKWIRE_FAULT_PARALLEL", "3"))
OUT = Path("var/faults")


APPROVAL = replace(STANDARD, version="fault-suite-approval", approval_from=Grade.IV)
Plan = list[tuple[int, faults.Lifecycle]]


def _lifecycle(sample: Sample, reference: Reference) -> Plan:
    """The same lifecycle inputs for every scenario, each planned on an in-memory run of the
    plan so far (so it decides on the version then in force):

    * after the first day, a grading-standard version whose every grade waits for approval,
      published on ``riskwire.config``;
    * the analyst approves the first candidate, rejects the second and regrades the third (to
      grade IV: a notice), each at the end of the day after it was issued;
    * the producers of the first published notice reply to it;
    * a week before the end, a version whose grades I-II only wait for approval;
    * a clock tick past the last record's quiet period and effect evaluation lifts every
      warning still in force.
    """
    dates = [d for d, _ in sample.by_day()]
    plan: Plan = [(0, StandardChange(standard=standard_to_dict(APPROVAL)))]

    def versions() -> list[Warning]:
        order = faults.lifecycle_order(sample, plan)
        return run_offline(order, load_catalogue(), reference, partitions=PARTITIONS).warnings

    def day_of(at: datetime) -> int:
        return dates.index(at.astimezone(CST).date())

    def latest(warning_id: str, day: int, made: list[Warning]) -> Warning:
        """The version in force once ``day`` is through (versions are dated by their input)."""
        return max(
            (
                w
                for w in made
                if w.warning_id == warning_id
                and w.updated_time.astimezone(CST).date() <= dates[day]
            ),
            key=lambda w: w.version,
        )

    def decision(target: Warning, day: int, action: str, **kw: str) -> tuple[int, Decision]:
        return day, Decision(
            decision_id=f"fault-suite-{action}",
            warning_id=target.warning_id,
            version=target.version,
            action=action,
            reason=f"fault suite: an analyst decides to {action}",
            decided_by="fault-suite",
            at=datetime.combine(dates[day], time(23, 30), tzinfo=CST),
            **kw,  # type: ignore[arg-type]
        )

    made = versions()
    fresh = [w.warning_id for w in made if w.version == 1 and w.state == "candidate"]
    for warning_id, action in zip(fresh, ("approve", "reject", "regrade"), strict=False):
        made = versions()
        day = day_of(next(w for w in made if w.warning_id == warning_id).updated_time) + 1
        target = latest(warning_id, day, made)
        grade = {"grade": "IV" if target.grade != "IV" else "III"} if action == "regrade" else {}
        plan.append(decision(target, day, action, **grade))
    lax = replace(STANDARD, version="fault-suite-approval-from-II", approval_from=Grade.II)
    plan.append((len(dates) - 7, StandardChange(standard=standard_to_dict(lax))))
    made = versions()
    notice = next(w for w in made if w.reply_by is not None)
    day = day_of(notice.updated_time) + 1
    answer = Reply(
        reply_id="fault-suite-reply",
        warning_id=notice.warning_id,
        text="fault suite: the producer withdrew the batch and reports back",
        replied_by="fault-suite-producer",
        at=datetime.combine(dates[day], time(23, 40), tzinfo=CST),
    )
    plan.append((day, answer))
    end = max(r.event_time for r in sample.records)
    gone = APPROVAL.quiet_period + APPROVAL.evaluation_period + timedelta(days=1)
    plan.append((len(dates) - 1, Tick(tick=end + gone)))
    return sorted(plan, key=lambda item: item[0])


def _plans(sample: Sample, lifecycle: Plan) -> list[faults.ScenarioRun]:
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
                Settings.from_env({}), broker=broker.url, redis_url=redis_url, partitions=PARTITIONS
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
    for name in failed:  # keep what the workers and the broker said, for the one who looks
        kept = OUT / "logs" / name
        shutil.copytree(workdir / name, kept, dirs_exist_ok=True)
        if (workdir / "broker.log").exists():
            shutil.copy2(workdir / "broker.log", kept / "broker.log")
    clean = outcomes["clean"].outputs if "clean" not in failed else None  # type: ignore[union-attr]
    out = {r.name: r.report(clean) for r in results}
    # the same input, in the same order, through the in-memory runner of the same flow
    order = faults.lifecycle_order(sample, lifecycle)
    offline = run_offline(order, load_catalogue(), reference, partitions=PARTITIONS)
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
        *(f"{w.warning_id} v{w.version} {w.change} ({w.state}) by {w.decided_by}"
          for w in offline.warnings if w.decided_by != "riskwire" or w.state != "approved"),
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


def test_the_lifecycle_went_through_every_state(reports: dict[str, Report]) -> None:
    """The lifecycle inputs every scenario gets: the worker's outputs equal the in-memory
    runner's (above), whose lifecycle is this: a new grading standard makes every grade a
    candidate; the analyst approves one, rejects one and regrades one; a notice is replied to;
    warnings go under effect evaluation and are lifted by the final tick, each once."""
    lines = reports["in-memory runner"].details["lifecycle"]
    for made in ("approved (approved)", "rejected (rejected)", "regraded (approved)"):
        assert any(f" {made} by fault-suite" in line for line in lines), (made, lines)
    assert any(" replied " in line and "by fault-suite-producer" in line for line in lines)
    assert any(" (candidate) by riskwire" in line for line in lines), lines
    assert any(" evaluating (evaluating) by riskwire" in line for line in lines), lines
    for action in ("approve", "reject", "regrade"):
        assert any(line.startswith(f"fault-suite-{action}: True") for line in lines), lines
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
