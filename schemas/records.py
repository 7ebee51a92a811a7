"""Typed records carried on riskwire's topics.

Every message between stages is one of these frozen dataclasses, encoded by the single orjson
codec in :mod:`schemas.codec`. They are the contract with feed owners, analysts and port systems:
fields are only ever added (with defaults), never renamed, and each record says its
``schema_version`` so a consumer can tell which shape it holds.

Times are timezone-aware UTC ``datetime`` values; the *event time* (when the thing happened in
the world) is always kept apart from the *ingest time* (when riskwire saw it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "OUTCOME_RANK",
    "Assessment",
    "Cluster",
    "ClusterDecision",
    "ClusterDecisionResult",
    "Control",
    "ControlAction",
    "DeadLetter",
    "Duplicate",
    "FeedRole",
    "Grade",
    "HazardClass",
    "Inspection",
    "Instruction",
    "InstructionAction",
    "Outcome",
    "Signal",
    "Warning",
    "WarningKind",
]


class FeedRole(StrEnum):
    """What a feed's records are: reports of a risk, or customs declaration lines (trade
    records that name goods, never a risk: they are matched to risks, never start one)."""

    REPORT = "report"
    DECLARATION = "declaration"


class HazardClass(StrEnum):
    """The five hazard classes the policy monitors (DOMAIN.md §1)."""

    HEALTH = "health"
    PHYSICAL = "physical"
    CHEMICAL = "chemical"
    BIOLOGICAL = "biological"
    ENVIRONMENTAL = "environmental"


class Outcome(StrEnum):
    """Worst consequence reported for a person, from no harm to death."""

    NONE = "none"
    MINOR = "minor"
    EMERGENCY = "emergency"
    HOSPITALISED = "hospitalised"
    DEATH = "death"


OUTCOME_RANK: dict[str, int] = {o.value: i for i, o in enumerate(Outcome)}


class Grade(StrEnum):
    """Warning grades I (most severe) to IV (DOMAIN.md §3)."""

    I = "I"  # noqa: E741 - the policy's own name for the grade
    II = "II"
    III = "III"
    IV = "IV"

    @property
    def colour(self) -> str:
        """The colour the policy assigns to the grade."""
        return _GRADE_COLOUR[self]

    @property
    def rank(self) -> int:
        """4 for grade I down to 1 for grade IV, so that a larger rank is more severe."""
        return 4 - list(Grade).index(self)


_GRADE_COLOUR = {Grade.I: "red", Grade.II: "orange", Grade.III: "yellow", Grade.IV: "blue"}


class WarningKind(StrEnum):
    """The three kinds of warning, by audience (DOMAIN.md §4)."""

    ALERT_NOTIFICATION = "alert_notification"  # to customs, asks for port targeting
    WARNING_NOTICE = "warning_notice"  # to producers / operators, asks for mitigation
    WARNING_ANNOUNCEMENT = "warning_announcement"  # to the public, with mandatory measures


class ControlAction(StrEnum):
    """What a port does with goods a block-and-control message targets."""

    HOLD = "hold"
    INSPECT = "inspect"
    SAMPLE = "sample"
    RETURN = "return"  # refuse entry: the goods go back (a measure of return shipment)
    DESTROY = "destroy"  # the goods are destroyed under supervision (a measure of destruction)


class InstructionAction(StrEnum):
    """The per-declaration instruction, from lightest to heaviest intervention."""

    RELEASE = "release"
    DOCUMENT_CHECK = "document_check"
    SAMPLE = "sample"
    INSPECT = "inspect"
    HOLD = "hold"
    RETURN = "return"
    DESTROY = "destroy"


@dataclass(frozen=True, slots=True, kw_only=True)
class Signal:
    """One validated, normalised risk signal from any feed.

    ``signal_id`` is ``<feed>:<source_id>``, so the same source record always gets the same id
    and a replay cannot create a second signal. Free text keeps its original language; the
    ``*_key`` fields of detectors are derived from it, never stored in place of it.
    """

    signal_id: str
    feed: str
    source_id: str
    event_time: datetime
    ingest_time: datetime
    product_name: str
    text: str = ""
    brand: str | None = None
    model: str | None = None
    category: str | None = None
    enterprise_name: str | None = None
    enterprise_uscc: str | None = None
    hs_code: str | None = None
    origin_country: str | None = None
    hazard_class: str | None = None
    outcome: str = Outcome.NONE.value
    cases: int = 0
    hospitalised: int = 0
    deaths: int = 0
    vulnerable_groups: tuple[str, ...] = ()
    region: str | None = None
    channel: str | None = None
    language: str = "zh"
    # who was harmed and when, as the source states them: what tells one consumer's report
    # of an event from another consumer's report of the same kind of event
    person_age: int | None = None
    incident_date: str | None = None  # ISO date of the injury or onset, when a field gives it
    # customs declaration lines
    declaration_id: str | None = None
    port: str | None = None
    direction: str | None = None
    consignor: str | None = None
    consignee: str | None = None
    quantity: float | None = None
    unit: str | None = None
    value: float | None = None
    currency: str | None = None
    # e-commerce listings
    platform: str | None = None
    sales_count: int | None = None
    flags: tuple[str, ...] = ()
    product_terms: tuple[str, ...] = ()
    hazard_modes: tuple[str, ...] = ()  # failure modes the text names (catalogue vocabulary)
    fingerprint: str = ""
    role: str = ""  # FeedRole of its feed, set at ingest ("" on records older than the field)
    # the cluster a signal is known to be about (a port's finding on goods its control
    # targeted): linkage joins it there rather than searching its block
    cluster_hint: str | None = None
    schema_version: int = 1

    @property
    def is_declaration(self) -> bool:
        """Whether this is a customs declaration line (its feed's role)."""
        if self.role:
            return self.role == FeedRole.DECLARATION
        return self.feed == "declarations"  # written before signals carried their role


@dataclass(frozen=True, slots=True, kw_only=True)
class Duplicate:
    """A signal recognised as a repeat of an earlier one; kept as provenance, not counted again."""

    signal_id: str
    duplicate_of: str
    feed: str
    reason: str
    event_time: datetime
    schema_version: int = 1
    # near duplicates: the matcher's score (0-100) and its explanation (fields, threshold)
    score: float | None = None
    explanation: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Cluster:
    """Signals about the same product and hazard, linked across feeds.

    ``feed_counts`` counts every member; ``risk_counts`` only those that report a risk (not
    declarations, not listings without a risk flag, not quality-only complaints), and
    ``daily_counts`` maps an ISO date to the risk signals of that event date, which is what
    urgency is computed from. ``member_ids`` is the provenance trail back to the signals;
    ``merged_from`` names the clusters merged into this one (their members are in
    ``member_ids``); a cluster merged away gets one last record under its own id with
    ``merged_into`` naming the survivor, so that its warning and control can be closed.

    ``area_key`` (``"<category>|<province>"``, the province with most of the cluster's reports)
    and ``area_daily_counts`` are a snapshot, taken when the cluster was last stored, of the
    risk signals per day of its whole category in that province (:mod:`detectors.area`); empty
    when no report names a province.
    """

    cluster_id: str
    block_key: str
    product: str
    category: str | None
    hazard_class: str | None
    first_seen: datetime
    last_seen: datetime
    signal_count: int
    names: tuple[str, ...] = ()
    product_terms: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    model_codes: tuple[str, ...] = ()  # normalised codes (detectors.event_identity.model_codes)
    hazard_modes: dict[str, int] = field(default_factory=dict)  # failure mode -> member reports
    feed_counts: dict[str, int] = field(default_factory=dict)
    risk_counts: dict[str, int] = field(default_factory=dict)
    channel_counts: dict[str, int] = field(default_factory=dict)
    region_counts: dict[str, int] = field(default_factory=dict)
    daily_counts: dict[str, int] = field(default_factory=dict)
    area_key: str = ""
    area_daily_counts: dict[str, int] = field(default_factory=dict)
    enterprises: tuple[str, ...] = ()
    hs_codes: tuple[str, ...] = ()
    origins: tuple[str, ...] = ()
    ports: tuple[str, ...] = ()  # customs ports of the goods' declaration lines
    worst_outcome: str = Outcome.NONE.value
    cases: int = 0
    hospitalised: int = 0
    deaths: int = 0
    vulnerable_groups: tuple[str, ...] = ()
    import_quantity: float = 0.0
    import_value: float = 0.0
    listing_count: int = 0
    sales_count: int = 0
    member_ids: tuple[str, ...] = ()
    # clusters folded into this one when a signal showed they are one risk (ids, oldest first)
    merged_from: tuple[str, ...] = ()
    merged_into: str | None = None  # set on the last record of a cluster merged away
    schema_version: int = 1
    # clusters an analyst said are other products: never merged with this one automatically
    apart_from: tuple[str, ...] = ()
    # the analysts' corrections of this cluster, oldest first ("<decision id>: <what>, by ...")
    corrections: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Assessment:
    """A cluster scored on hazard, urgency and scope, with the reasons for each factor."""

    cluster: Cluster
    as_of: datetime
    hazard: int
    urgency: int
    scope: int
    score: float
    explanation: dict[str, Any] = field(default_factory=dict)
    schema_version: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Tick:
    """A clock tick on a partition of ``riskwire.assessments``: event time has reached ``tick``.

    Quiet periods run on event time, which only records move; when feeds are quiet a worker
    sends ticks (at the newest event time it has seen plus the wall time since), so a warning
    with no new signal is still lifted. A tick is ordered with the partition's assessments, so a
    replay lifts exactly what the first run lifted.
    """

    tick: datetime
    stalled: tuple[str, ...] = ()  # feeds silent beyond their rhythm (detectors.freshness)
    schema_version: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Warning:
    """A graded warning candidate; each change is a new ``version`` under the same id.

    ``riskwire.warnings`` is compacted by ``warning_id``, so the topic always holds the latest
    version, and replays of an old version are harmless.
    """

    warning_id: str
    version: int
    cluster_id: str
    status: str  # "active" or "lifted": whether the warning is in force
    change: str  # "issued", "upgraded", "downgraded", "updated", "lifted", "merged"
    grade: str
    colour: str
    kind: str
    authority: str
    title: str
    product: str
    category: str | None
    hazard_class: str | None
    scope_regions: tuple[str, ...]
    warning_items: tuple[str, ...]
    measures: tuple[str, ...]
    start_time: datetime
    updated_time: datetime
    score: float
    hazard: int
    urgency: int
    scope: int
    explanation: dict[str, Any] = field(default_factory=dict)
    evidence: tuple[str, ...] = ()
    feed_counts: dict[str, int] = field(default_factory=dict)
    peak_grade: str = ""
    previous_grade: str | None = None
    superseded_by: str | None = None  # the warning that carries on a merged cluster's risk
    merged_from: tuple[str, ...] = ()  # the clusters merged into this one, as of this version
    state: str = "approved"  # lifecycle: "candidate", "approved", "rejected", "lifted"
    reason: str = ""  # why this version: the evidence that moved it, or the decision
    decided_by: str = "riskwire"  # who or what decided this version
    standard_version: str = ""  # the grading standard in force when it was decided
    decide_by: datetime | None = None  # a candidate: an analyst's decision is due by then
    reply_by: datetime | None = None  # a notice: producers may reply until then
    replies: int = 0  # replies received to this notice
    flags: tuple[str, ...] = ()  # "decision overdue", "reply overdue", "evidence requested"
    enterprises: tuple[str, ...] = ()  # scope: the enterprises named by its reports
    origins: tuple[str, ...] = ()  # scope: countries of origin of the goods
    hs_codes: tuple[str, ...] = ()  # scope: HS codes of the goods declared
    ports: tuple[str, ...] = ()  # scope: customs ports the goods were declared at
    recurrence_of: tuple[str, ...] = ()  # earlier warnings this one repeats (detectors.recurrence)
    schema_version: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class StandardChange:
    """A version of the grading standard reaching a partition of ``riskwire.assessments``.

    ``standard`` is the document published on ``riskwire.config``
    (:func:`detectors.standard.standard_from_dict`). The worker that reads the config topic sends
    one to every partition, so each partition switches at one place in its ordered input: a
    replay grades every assessment with the version the first run used.
    """

    standard: dict[str, Any]
    schema_version: int = 1


INSPECTION_RESULTS = ("compliant", "non_compliant")


@dataclass(frozen=True, slots=True, kw_only=True)
class Inspection:
    """A port's inspection result for one declaration line and the control that targeted it,
    on ``riskwire.inspections`` (keyed by ``control_id``) or from ``POST /inspections``.

    ``result`` is ``compliant`` or ``non_compliant``; ``reported_by`` is the principal of the
    token it came with (a result from the topic carries the producer's own). The control's
    warning decides: consecutive compliant results relax the control and then lift it; a
    non-compliant one restores it in full (see :mod:`detectors.inspections`).
    """

    inspection_id: str
    control_id: str
    declaration_id: str
    result: str
    inspected_at: datetime
    port: str | None = None
    findings: str = ""
    reported_by: str = ""
    schema_version: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Reply:
    """A producer's reply to a warning notice, on ``riskwire.replies`` (keyed by cluster id).

    ``replied_by`` is the principal of the token (or broker credentials) it came with.
    """

    reply_id: str
    warning_id: str
    text: str
    replied_by: str
    at: datetime
    enterprise: str | None = None  # the replying partner's enterprise id
    schema_version: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """An analyst's decision on one version of a warning, on ``riskwire.decisions``.

    ``action`` is ``approve`` or ``reject`` (a candidate), ``regrade`` (to ``grade``) or
    ``lift``; ``version`` is the version the analyst saw (a newer one makes it stale);
    ``decided_by`` is the principal of the token that sent it; ``at`` when it was decided.
    """

    decision_id: str
    warning_id: str
    version: int
    action: str
    reason: str
    decided_by: str
    at: datetime
    grade: str | None = None
    schema_version: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionResult:
    """What became of a decision: the version it made, or why it was refused."""

    decision_id: str
    warning_id: str
    accepted: bool
    reason: str
    decided_by: str
    version: int | None = None
    schema_version: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class ClusterDecision:
    """An analyst's correction of the matcher, on ``riskwire.signals.unique`` (every partition:
    the one that holds ``cluster_id`` applies it, in order with the signals it links).

    ``correction`` is ``merge`` (``other_cluster_id`` is the same product: one cluster),
    ``split`` (the members ``signal_ids`` are another product: they leave together, as a new
    cluster) or ``not_this_product`` (each of ``signal_ids`` is no part of this cluster: each
    leaves alone). ``decided_by`` is the principal of the token that sent it.

    ``not_a_duplicate`` overrules the near-duplicate check instead, on ``riskwire.signals``
    (every partition: the one deduplicating ``block_key`` applies it, in order with the
    signals, see :mod:`streams.releases`): the one report in ``signal_ids`` is released to
    linkage. ``block_key`` (its category) and ``cluster_id`` (the report it was judged a
    duplicate of, "" when none is known) are what the endpoint found of the report when the
    decision was made; "" for an unknown report.
    """

    decision_id: str
    correction: str
    cluster_id: str
    reason: str
    decided_by: str
    at: datetime
    other_cluster_id: str | None = None
    signal_ids: tuple[str, ...] = ()
    schema_version: int = 1
    block_key: str = ""  # not_a_duplicate: the category the report was deduplicated in


@dataclass(frozen=True, slots=True, kw_only=True)
class ClusterDecisionResult:
    """What became of an analyst's correction: the clusters it made, or why it was refused.

    ``same`` and ``different`` are labelled report pairs (signal ids) the decision states:
    a merge says a member of each cluster are one product; a split says a member that left and
    one that stayed are not (``riskwire eval export-labels``)."""

    decision_id: str
    cluster_id: str
    correction: str
    accepted: bool
    reason: str
    decided_by: str
    clusters: tuple[str, ...] = ()
    same: tuple[tuple[str, str], ...] = ()
    different: tuple[tuple[str, str], ...] = ()
    schema_version: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Control:
    """A block-and-control (port targeting) request for port systems.

    A declaration line matches when its HS code starts with one of ``hs_prefixes`` and either
    its goods description names one of ``product_terms`` / ``brands`` or its parties are among
    ``enterprises``; ``origin_countries``, when not empty, restricts the match further.
    """

    control_id: str
    version: int
    warning_id: str
    status: str  # "active", "relaxed" (eased by compliant inspections: sampling) or "lifted"
    action: str
    grade: str
    reason: str
    hs_prefixes: tuple[str, ...]
    product_terms: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    enterprises: tuple[str, ...] = ()  # both of the two below, as before they were split
    origin_countries: tuple[str, ...] = ()
    enterprise_codes: tuple[str, ...] = ()  # unified social credit codes of the parties
    enterprise_names: tuple[str, ...] = ()  # other names of the parties (shops, companies)
    model_codes: tuple[str, ...] = ()  # model numbers: letters and digits, upper case
    product_names: tuple[str, ...] = ()  # the goods as reports name them (for people)
    valid_from: datetime  # when this version took effect
    # when the control ended: set on a lifted version (its time); None while in force, which
    # lasts until a later version of the control ends it (no in-force control expires unseen)
    valid_until: datetime | None = None
    status_reason: str = ""  # why relaxed or lifted: inspections, the warning lifted, merged
    schema_version: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Instruction:
    """The port's instruction for one declaration line; its id is the declaration line's id."""

    instruction_id: str
    declaration_id: str
    port: str | None
    action: str
    reasons: tuple[str, ...]
    control_ids: tuple[str, ...]
    risk_score: float
    declared_at: datetime
    hs_code: str | None = None
    origin_country: str | None = None
    consignee: str | None = None
    schema_version: int = 1


DEAD_LETTER_RAW_MAX = 64 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadLetter:
    """A record that could not be turned into a signal: why, where, and its original bytes.

    ``raw`` is the original payload, base64-encoded, so that a fixed record can be replayed
    byte for byte; ``source_*`` say where it was read from. A payload over
    :data:`DEAD_LETTER_RAW_MAX` bytes keeps only that prefix (``raw_truncated``), with its full
    size and SHA-256, so that the dead letter itself always fits in a produce request.
    """

    dead_letter_id: str
    feed: str | None
    reason: str
    path: str
    raw: str
    source_topic: str | None
    source_partition: int | None
    source_offset: int | None
    error: str
    received_at: datetime
    raw_size: int = 0
    raw_sha256: str = ""
    raw_truncated: bool = False
    schema_version: int = 1
