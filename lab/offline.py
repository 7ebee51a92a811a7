"""The whole pipeline in one process, without a broker: for evaluation, training and checks.

It runs the steps of :mod:`streams.flow`, as the Faust agents do, in the order given, with
dicts for tables and an in-memory exact-duplicate index for Redis. Results match a streaming run
up to the order in which parallel partitions interleave.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from connectors.ingest import MAX_RECORD_BYTES, SourceRef
from detectors.catalogue import Catalogue
from detectors.dedup import MemoryExactIndex
from detectors.model import WarningScorer
from detectors.neardup import NearDupIndex
from detectors.scoring import GUARD, AlarmGuard
from detectors.targeting import Reference
from lab.sample import FeedRecord
from schemas.records import (
    Assessment,
    Cluster,
    ClusterDecision,
    ClusterDecisionResult,
    Control,
    DeadLetter,
    Decision,
    DecisionResult,
    Duplicate,
    Inspection,
    Instruction,
    Reply,
    Signal,
    StandardChange,
    Tick,
    Warning,
)
from streams import flow
from streams.releases import RELEASE
from streams.topics import partition_of

__all__ = ["OfflineRun", "run_offline"]


@dataclass
class OfflineRun:
    """Everything a run produced, in the order it was produced."""

    signals: list[Signal] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    clusters: dict[str, Cluster] = field(default_factory=dict)
    assessments: list[Assessment] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)
    controls: list[Control] = field(default_factory=list)
    instructions: list[Instruction] = field(default_factory=list)
    decision_results: list[DecisionResult] = field(default_factory=list)
    correction_results: list[ClusterDecisionResult] = field(default_factory=list)


def run_offline(
    records: Iterable[
        FeedRecord | Tick | Decision | ClusterDecision | StandardChange | Reply | Inspection
    ],
    catalogue: Catalogue,
    reference: Reference,
    state: flow.FlowState | None = None,
    partitions: int = 1,
    model: WarningScorer | None = None,
    guard: AlarmGuard = GUARD,
) -> OfflineRun:
    """Push ``records`` through :mod:`streams.flow`, step by step, in the given order, with
    ``state`` as the tables (new dicts by default). A :class:`Tick`, a grading-standard version
    (:class:`StandardChange`), an analyst's :class:`Decision` or correction of clusters
    (:class:`ClusterDecision`; one that says a near duplicate is none releases it to linkage),
    a producer's :class:`Reply` or
    a port's :class:`Inspection` among the records is applied where it stands, as the worker
    applies one read after the records before it (a non-compliant inspection's finding is
    linked to its cluster as the worker links it). ``partitions``: of the worker's
    assessments topic, for what is looked for within a partition (recurrence), so that a run
    matches a worker's byte for byte;
    ``model``: the warning model the worker would load (``RISKWIRE_MODEL_PATH``); ``guard``:
    the detectors' alarm guard it would use (``RISKWIRE_ALARM_MIN_CASES``, ``..._WINDOW_DAYS``)."""
    run = OfflineRun()
    exact = MemoryExactIndex()
    if state is None:
        state = flow.FlowState(near=NearDupIndex(store={}))
    active: dict[str, Control] = {}
    now = datetime.now(UTC)

    def publish(versions: list[tuple[Warning, Control | None]]) -> None:
        for warning, control in versions:
            run.warnings.append(warning)
            if control is None:
                continue
            run.controls.append(control)
            if control.status in ("active", "relaxed"):  # in force, as the worker's view
                active[control.control_id] = control
            else:
                active.pop(control.control_id, None)

    def settle(changed: list[Cluster], position: str) -> None:
        """Score and escalate the clusters a step changed, as the worker's next stages do."""
        for cluster in changed:
            run.clusters[cluster.cluster_id] = cluster
            assessment = flow.score(cluster, catalogue, model, guard)
            run.assessments.append(assessment)
            home = partition_of(cluster.cluster_id, partitions)

            def owns(cluster_id: str, home: int = home) -> bool:
                return partition_of(cluster_id, partitions) == home

            publish(flow.escalate(assessment, state, catalogue, position, owns))

    for offset, rec in enumerate(records):
        if isinstance(rec, Tick | StandardChange):  # on every partition at once
            publish(flow.escalate(rec, state, catalogue, f"{offset}"))
            continue
        if isinstance(rec, Reply):
            publish(flow.reply(rec, state, f"{offset}"))
            continue
        if isinstance(rec, Decision):
            versions, result = flow.decide(rec, state, f"{offset}")
            run.decision_results.append(result)
            publish(versions)
            continue
        position = f"{offset}"
        if isinstance(rec, ClusterDecision) and rec.correction == RELEASE:
            released = flow.release(rec, state)  # at the dedup stage, as the worker's
            if released.result is not None:
                run.correction_results.append(released.result)
            if released.signal is None:
                continue
            out = released.signal  # on to linkage, as a unique report
        elif isinstance(rec, ClusterDecision):
            corrected = flow.correct(rec, state)
            if corrected.result is not None:
                run.correction_results.append(corrected.result)
            settle(corrected.changed, position)
            continue
        elif isinstance(rec, Inspection):
            versions, finding = flow.inspect(rec, state, position)
            publish(versions)
            if finding is None:
                continue
            out = finding  # a non-compliant result: a risk signal of its cluster
        else:
            source = SourceRef(f"feed.{rec.feed}", 0, offset)
            validated = flow.validate(
                rec.feed, rec.payload, source, now, catalogue, MAX_RECORD_BYTES
            )
            if isinstance(validated, DeadLetter):
                run.dead_letters.append(validated)
                continue
            out = validated
            run.signals.append(out)
            verdict = exact.check(out, position)
            if out.is_declaration:  # the port stage (streams.port)
                answered = flow.answer(out, verdict, active.values(), reference)
                if answered.duplicate is not None:
                    run.duplicates.append(answered.duplicate)
                    continue
                assert answered.instruction is not None and answered.onward is not None
                run.instructions.append(answered.instruction)
                out = answered.onward
            else:
                duplicate = flow.deduplicate(out, verdict, state.near, state.kept).duplicate
                if duplicate is not None:
                    run.duplicates.append(duplicate)
                    continue
        settle(flow.link(out, state, position=offset).changed, position)
    return run
