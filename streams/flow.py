"""The riskwire flow, every step in order. The Faust worker (:mod:`streams.pipeline`), the
in-memory runner (:mod:`lab.offline`) and the matcher behind ``riskwire dedup`` and
``riskwire eval dedup`` (:mod:`lab.matcher`) all run these functions, so an evaluation
measures what the worker does.

    step         record in -> records out                   topics (worker)
    validate     raw record -> Signal | DeadLetter          feed.<name> -> signals, deadletter
    deduplicate  Signal -> Duplicate | unique Signal        signals -> duplicates, signals.unique
                 (exact repeat, then near duplicate; a declaration line: exact only)
    link         unique Signal -> the clusters it changed   signals.unique -> clusters
    score        Cluster -> Assessment                      clusters -> assessments
    escalate     Assessment -> Warning versions, Controls   assessments -> warnings, controls
                 (a clock Tick: overdue flags, effect evaluations, lifts; a StandardChange:
                 the grading standard for the partition's next inputs)
    decide       Decision -> Warning version | refusal     decisions -> warnings, controls,
                 (an analyst's; see detectors.decisions)               decisions.results
    correct      ClusterDecision -> Clusters | refusal     signals.unique -> clusters,
                 (an analyst's merge or split of clusters;             decisions.results
                 see streams.cluster_corrections)
    release      ClusterDecision -> unique Signal | refusal   signals -> signals.unique,
                 (an analyst's "not a duplicate" of a near            decisions.results
                 duplicate the dedup stage kept; see streams.releases)
    inspect      Inspection -> Warning version, finding     inspections.routed -> warnings,
                 (a port's result; a non-compliant one is a   controls, signals.unique
                 risk signal of the control's cluster)
    reply        Reply -> Warning version                   replies -> warnings
                 (a producer's, to a notice)
    answer       declaration line -> Duplicate | Instruction   feed.declarations -> declarations,
                 (the port stage, :mod:`streams.port`: validate,   instructions, duplicates,
                 exact repeat, target, then link: one hop from     signals.unique
                 declaration to instruction)

Each step is a function of one record and the state it needs; a step never does I/O. What needs
I/O is an argument: the exact-duplicate verdict (Redis in the worker, a dict elsewhere), the
active controls and reference data. State is a mapping of ``str -> bytes`` per table (a
changelog-backed Faust table in the worker, a dict elsewhere), replaced and never mutated in
place. ``position`` is where the worker read the record: a record read again after a crash gets
the outputs it got the first time (see README, "Delivery guarantee and faults").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime

from connectors.ingest import SourceRef, ingest
from detectors.catalogue import Catalogue
from detectors.dedup import RESENT, Verdict
from detectors.linkage import LinkDecision
from detectors.model import WarningScorer
from detectors.neardup import NearDupIndex, NearVerdict
from detectors.scoring import GUARD, AlarmGuard
from detectors.targeting import Reference, instruct, marked
from schemas.records import (
    Assessment,
    Cluster,
    ClusterDecision,
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
from streams import cluster_corrections, escalation, releases, stages
from streams.cluster_corrections import Corrected
from streams.linking import LinkIndex, link_signal
from streams.releases import KeptDuplicates, Released

__all__ = ["Deduplicated", "FlowState", "Linked", "correct", "decide", "deduplicate", "escalate"]
__all__ += ["link"]
__all__ += ["inspect", "release", "reply", "score", "target", "validate"]

State = MutableMapping[str, bytes]
Versions = list[tuple[Warning, Control | None]]


@dataclass
class FlowState:
    """The state of every stateful step, one mapping per table, and the indexes over them."""

    near: NearDupIndex
    clusters: State = field(default_factory=dict)
    blocks: State = field(default_factory=dict)
    members: State = field(default_factory=dict)
    areas: State = field(default_factory=dict)
    warnings: State = field(default_factory=dict)
    duplicates: State = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.linking = LinkIndex(self.blocks, self.members)
        self.kept = KeptDuplicates(self.duplicates)

    def invalidate(self) -> None:
        """Tables were recovered: rebuild the indexes' lists from them on next use."""
        self.near.invalidate()
        self.linking.invalidate()
        self.kept.invalidate()


def validate(
    feed: str | None, raw: bytes, source: SourceRef, now: datetime, catalogue: Catalogue, limit: int
) -> Signal | DeadLetter:
    """A raw feed record as a normalised signal, or a dead letter saying why not."""
    return ingest(feed, raw, source, now, catalogue, limit)


@dataclass(frozen=True, slots=True)
class Deduplicated:
    """The deduplication verdict on a signal, and the nearest earlier report it was compared
    with (for explanations), when the near-duplicate check ran."""

    duplicate: Duplicate | None
    near: NearVerdict | None = None


def deduplicate(
    signal: Signal, exact: Verdict, near: NearDupIndex, kept: KeptDuplicates | None = None
) -> Deduplicated:
    """Exact repeat (``exact``, the index's verdict on this signal), then near duplicate; a
    near duplicate's signal is kept in ``kept`` (when given) for an analyst's release."""
    if exact.duplicate_of:
        if exact.reason == RESENT and not signal.is_declaration:
            first = near.filed_verdict(signal)  # the same report again: one record per id,
            if first is not None and first.duplicate_of is not None:  # the first reading's
                return Deduplicated(stages.near_duplicate(signal, first), first)
        return Deduplicated(stages.exact_duplicate(signal, exact))
    duplicate, verdict = stages.near_duplicate_verdict(signal, near)
    if kept is not None and verdict is not None:
        kept.saw(signal)
        if duplicate is not None:
            kept.keep(signal, duplicate.duplicate_of)
    return Deduplicated(duplicate, verdict)


@dataclass(frozen=True, slots=True)
class Linked:
    """What linking one signal changed: its cluster (None for a declaration line still waiting
    for one) and the clusters merged away, each as its last version."""

    cluster: Cluster | None
    retired: list[Cluster]
    decision: LinkDecision

    @property
    def changed(self) -> list[Cluster]:
        """Every cluster to publish, the signal's own first."""
        return [c for c in (self.cluster, *self.retired) if c is not None]


def link(
    signal: Signal, state: FlowState, position: int | None = None, threshold: float | None = None
) -> Linked:
    """Join a unique signal to its product-hazard cluster (or found one, or wait)."""
    retired: list[Cluster] = []
    cluster, decision = link_signal(
        signal, state.clusters, state.linking, threshold, areas=state.areas, retired=retired,
        position=position,
    )  # fmt: skip
    return Linked(cluster, retired, decision)


def score(
    cluster: Cluster,
    catalogue: Catalogue,
    model: WarningScorer | None = None,
    guard: AlarmGuard = GUARD,
) -> Assessment:
    """Hazard x urgency x scope of a cluster, explained."""
    return stages.score(cluster, catalogue, model, guard)


def escalate(
    assessment: Assessment | Tick | StandardChange,
    state: FlowState,
    catalogue: Catalogue,
    position: str | None = None,
    owns: Callable[[str], bool] = lambda cluster_id: True,
) -> Versions:
    """The versions of the cluster's warning an assessment makes (usually one or none), each
    with the port control it asks; for a clock tick, the clock's versions of the warnings
    ``owns`` selects (overdue flags, effect evaluations, lifts); a grading-standard version
    makes none: it grades what follows it on the partition. ``owns`` selects the clusters of
    the input's partition (recurrence is looked for among their warnings)."""
    if isinstance(assessment, Tick):
        tick = assessment
        return escalation.on_tick(state.warnings, tick.tick, position or "", owns, tick.stalled)
    if isinstance(assessment, StandardChange):
        escalation.adopt_standard(assessment, state.warnings, position)
        return []
    return escalation.escalate(assessment, state.warnings, catalogue, position, owns)


def decide(
    decision: Decision, state: FlowState, position: str | None = None
) -> tuple[Versions, DecisionResult]:
    """An analyst's decision on a warning: the version it makes, or why it is refused."""
    return escalation.decide(decision, state.warnings, position)


def correct(
    decision: ClusterDecision,
    state: FlowState,
    owns: Callable[[str], bool] = lambda block: True,
) -> Corrected:
    """An analyst's correction of the clusters (merge two, split one, a report out of one):
    the clusters it changed and its result, or no result where the cluster is not held
    (``owns``: the categories linked by the partition it was read from)."""
    return cluster_corrections.correct(decision, state.clusters, state.linking, state.areas, owns)


def release(
    decision: ClusterDecision,
    state: FlowState,
    owns: Callable[[str], bool] = lambda block: True,
) -> Released:
    """An analyst's "not a duplicate" of a near duplicate: the kept signal, to send on to
    linkage as a unique one, and its result, or why it is refused; no result where the
    report's category is not deduplicated by the partition it was read from (``owns``)."""
    return releases.release(decision, state.kept, state.near, owns)


def inspect(
    inspection: Inspection, state: FlowState, position: str | None = None
) -> tuple[Versions, Signal | None]:
    """A port's inspection result, counted towards easing its warning's control; a
    non-compliant one is also a risk signal for the warning's cluster (to link)."""
    versions = escalation.inspect(inspection, state.warnings, position)
    return versions, escalation.inspection_finding(inspection, state.warnings)


def reply(answer: Reply, state: FlowState, position: str | None = None) -> Versions:
    """A producer's reply to a notice, as a version in its history."""
    return escalation.reply(answer, state.warnings, position)


def target(
    line: Signal, controls: Iterable[Control], reference: Reference
) -> tuple[Instruction, Signal]:
    """The instruction for one customs declaration line, and the line as it goes on to
    linkage (a blacklisted consignee's line is risk evidence: see
    :func:`detectors.targeting.marked`)."""
    return instruct(line, controls, reference), marked(line, reference)


@dataclass(frozen=True, slots=True)
class Answered:
    """A declaration line's answer at the port: an exact repeat's Duplicate (no second
    instruction), or its instruction and the line as it goes on to linkage."""

    duplicate: Duplicate | None = None
    instruction: Instruction | None = None
    onward: Signal | None = None


def answer(
    line: Signal, exact: Verdict, controls: Iterable[Control], reference: Reference
) -> Answered:
    """The port stage's step for a validated declaration line: a customs line is a trade
    record with its own id, so only an exact repeat duplicates it; any other gets its
    instruction (:func:`target`)."""
    if exact.duplicate_of:
        return Answered(duplicate=stages.exact_duplicate(line, exact))
    instruction, onward = target(line, controls, reference)
    return Answered(instruction=instruction, onward=onward)
