"""Grading: from an assessment to a warning with grade, colour, kind, authority and measures.

First-cut rules, documented so an analyst can check every decision; every number and measure
comes from the grading standard in force (:data:`detectors.standard.STANDARD`):

* Evidence floor: a warning needs at least 3 risk signals (see :mod:`detectors.evidence`) from
  at least 2 feeds, or 5 from one feed, or any death. One complaint is never a warning.
* Urgency gate: a warning needs an excess of risk signals over the cluster's own baseline
  (urgency 2 or more) or a death; a steady background of reports is monitored, not warned of.
* Grade by score (hazard x urgency x scope, 1-125): I >= 80, II >= 45, III >= 24, IV >= 12.
* Kind: goods that cross the border (an HS code, a foreign origin or declared imports) at grade
  III or above get a risk alert notification to customs, which carries port targeting; other
  grade I-II risks get a public announcement with mandatory measures; the rest a notice to
  producers and operators.
* Grades follow the evidence (:func:`evolve`): once issued, a warning's grade is what its score
  reaches (the urgency gate only decides whether to issue; a burst that is over lowers the score
  through urgency). An upgrade is immediate. A downgrade needs the evidence below the current
  grade for ``downgrade_hold`` (7 days) of event time in a row, and goes to the highest grade
  the evidence reached meanwhile (grade IV if it fell below every grade): one weak day never
  flaps a grade, and evidence alternating around a boundary changes it at most once per hold.
  A warning is lifted after ``QUIET_PERIOD`` with no new signal.
* Every version says why (``reason``), who decided (``decided_by``) and under which standard
  (``standard_version``); its ``state`` is where it stands in the lifecycle.
* Merges: when a report shows two clusters are one risk, the younger cluster's warning is lifted
  as ``merged`` and names its successor (:func:`retire`); the survivor's warning is updated at
  once, so that it rests on the evidence of both.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from detectors.standard import STANDARD
from schemas.records import Assessment, Cluster, Grade, Warning, WarningKind

__all__ = [
    "QUIET_PERIOD",
    "THRESHOLDS",
    "Hold",
    "Step",
    "authority_for",
    "decide",
    "evidence_floor",
    "evolve",
    "grade_for",
    "kind_for",
    "kind_of",
    "lift",
    "measures_for",
    "retire",
    "state_for",
    "title_for",
    "warning_id_for",
]

THRESHOLDS = STANDARD.thresholds
QUIET_PERIOD = STANDARD.quiet_period


def evidence_floor(cluster: Cluster) -> bool:
    """Whether the cluster has enough independent evidence to be a warning at all."""
    signals = sum(cluster.risk_counts.values())
    std = STANDARD
    several = signals >= std.floor_signals and len(cluster.risk_counts) >= std.floor_feeds
    return cluster.deaths > 0 or several or signals >= std.floor_one_feed


def warrants_warning(assessment: Assessment) -> bool:
    """Evidence floor and urgency gate together."""
    cluster = assessment.cluster
    urgent = assessment.urgency >= STANDARD.urgency_gate or cluster.deaths > 0
    return evidence_floor(cluster) and urgent


def grade_for(score: float) -> Grade | None:
    """The grade a score reaches, or ``None`` below grade IV."""
    for grade, threshold in THRESHOLDS.items():
        if score >= threshold:
            return grade
    return None


def crosses_border(cluster: Cluster) -> bool:
    """Whether port targeting can act on these goods."""
    foreign = any(o != STANDARD.home_country for o in cluster.origins)
    return foreign or cluster.import_quantity > 0


def kind_for(grade: Grade, cluster: Cluster) -> WarningKind:
    """Which of the three kinds of warning fits the grade and the goods."""
    return kind_of(grade, crosses_border(cluster))


def kind_of(grade: Grade, border: bool) -> WarningKind:
    """Which kind fits the grade, for goods that cross the border (``border``) or not."""
    if border and grade.rank >= STANDARD.alert_from.rank:
        return WarningKind.ALERT_NOTIFICATION
    if grade.rank >= STANDARD.announcement_from.rank:
        return WarningKind.WARNING_ANNOUNCEMENT
    return WarningKind.WARNING_NOTICE


def authority_for(grade: Grade) -> str:
    """Who publishes: grade I nationally, the others by the competent quality authority."""
    return STANDARD.authorities[grade]


def measures_for(grade: Grade, kind: WarningKind) -> tuple[str, ...]:
    """Rapid-response measures proportionate to grade and kind (DOMAIN.md §6)."""
    return STANDARD.measures[kind][grade]


def _title(cluster: Cluster, grade: Grade) -> str:
    return title_for(grade, cluster.hazard_class, cluster.product)


def title_for(grade: Grade, hazard_class: str | None, product: str) -> str:
    """A warning's title: its grade, hazard class and product."""
    return f"Grade {grade.value} {hazard_class or 'unclassified'} risk: {product}"


def _items(assessment: Assessment) -> tuple[str, ...]:
    c = assessment.cluster
    risk = sum(c.risk_counts.values())
    items = [f"{risk} risk signals from {', '.join(sorted(c.risk_counts))}"]
    if c.deaths or c.hospitalised or c.cases:
        items.append(f"{c.cases} cases, {c.hospitalised} hospitalised, {c.deaths} deaths")
    items.append(f"worst outcome: {c.worst_outcome}")
    if c.vulnerable_groups:
        items.append(f"affects {', '.join(c.vulnerable_groups)}")
    if c.origins:
        items.append(f"origin: {', '.join(c.origins)}")
    return tuple(items)


def _build(
    assessment: Assessment, grade: Grade, change: str, previous: Warning | None, reason: str
) -> Warning:
    cluster = assessment.cluster
    kind = kind_for(grade, cluster)
    peak = grade
    if previous and previous.peak_grade and Grade(previous.peak_grade).rank > grade.rank:
        peak = Grade(previous.peak_grade)
    return Warning(
        warning_id=warning_id_for(cluster.cluster_id),
        version=(previous.version + 1) if previous else 1,
        cluster_id=cluster.cluster_id,
        status="active",
        change=change,
        grade=grade.value,
        colour=grade.colour,
        kind=kind.value,
        authority=authority_for(grade),
        title=_title(cluster, grade),
        product=cluster.product,
        category=cluster.category,
        hazard_class=cluster.hazard_class,
        scope_regions=tuple(sorted(cluster.region_counts)),
        warning_items=_items(assessment),
        measures=measures_for(grade, kind),
        start_time=previous.start_time
        if previous and previous.status == "active"
        else assessment.as_of,
        updated_time=assessment.as_of,
        score=assessment.score,
        hazard=assessment.hazard,
        urgency=assessment.urgency,
        scope=assessment.scope,
        explanation=assessment.explanation,
        evidence=tuple(sorted(cluster.member_ids)),  # a set: arrival order is not content
        feed_counts=dict(sorted(cluster.feed_counts.items())),
        peak_grade=peak.value,
        previous_grade=previous.grade if previous else None,
        merged_from=cluster.merged_from,
        state=(
            previous.state  # approved at this grade already: an update stays approved
            if previous and previous.status == "active" and previous.grade == grade.value
            else state_for(grade)
        ),
        reason=reason,
        decided_by="riskwire",
        standard_version=STANDARD.version,
    )


@dataclass(frozen=True, slots=True)
class Hold:
    """The evidence has been below a warning's grade since ``since`` (event time); ``best`` is
    the highest grade it reached meanwhile (``None``: below every grade)."""

    since: datetime
    best: str | None


@dataclass(frozen=True, slots=True)
class Step:
    """What one assessment does to a cluster's warning: its next version (``None``: none) and
    the downgrade clock to keep."""

    warning: Warning | None
    hold: Hold | None


def _higher(a: Grade | None, b: Grade | None) -> Grade | None:
    if a is None or b is None:
        return a or b
    return a if a.rank >= b.rank else b


def _score_text(assessment: Assessment) -> str:
    a = assessment
    return f"score {a.score:g} (hazard {a.hazard} x urgency {a.urgency} x scope {a.scope})"


def evolve(previous: Warning | None, assessment: Assessment, hold: Hold | None = None) -> Step:
    """The next version of a cluster's warning, and the downgrade clock (see module doc)."""
    cluster = assessment.cluster
    if previous is None or previous.status == "lifted":
        reached = grade_for(assessment.score) if warrants_warning(assessment) else None
        if reached is None:
            return Step(None, None)
        why = f"{_score_text(assessment)} reached grade {reached.value}; floor and gate met"
        return Step(_build(assessment, reached, "issued", previous, why), None)
    current = Grade(previous.grade)
    reached = grade_for(assessment.score) if evidence_floor(cluster) else None
    if reached is not None and reached.rank > current.rank:
        why = f"{_score_text(assessment)} reached grade {reached.value}"
        return Step(_build(assessment, reached, "upgraded", previous, why), None)
    if reached is None or reached.rank < current.rank:  # below the grade: the clock runs
        best = _higher(Grade(hold.best) if hold and hold.best else None, reached)
        hold = Hold(hold.since if hold else assessment.as_of, best.value if best else None)
        lowest = min(THRESHOLDS, key=lambda g: g.rank)
        target = best or lowest
        held = assessment.as_of - hold.since
        if held >= STANDARD.downgrade_hold and target.rank < current.rank:
            why = (
                f"evidence below grade {current.value} (score < {THRESHOLDS[current]:g}) since "
                f"{hold.since.isoformat()}, {held.days} days "
                f"(hold {STANDARD.downgrade_hold.days}); "
                f"highest grade reached meanwhile: {best.value if best else 'none'}; "
                f"now {_score_text(assessment)}"
            )
            return Step(_build(assessment, target, "downgraded", previous, why), None)
    else:
        hold = None  # back at its grade: the clock stops
    kind_changed = kind_for(current, cluster).value != previous.kind
    grown = cluster.signal_count >= STANDARD.update_growth * max(1, len(previous.evidence))
    # a merge closes the other cluster's warning: this one takes on its evidence at once
    absorbed = not set(cluster.merged_from) <= set(previous.merged_from)
    if kind_changed or grown or absorbed:
        merged = sorted(set(cluster.merged_from) - set(previous.merged_from))
        was = len(previous.evidence)
        why = "; ".join(
            text
            for text, applies in (
                (f"kind now {kind_for(current, cluster).value}", kind_changed),
                (f"evidence grew from {was} to {cluster.signal_count} signals", grown),
                (f"merged {', '.join(merged)}", absorbed),
            )
            if applies
        )
        return Step(_build(assessment, current, "updated", previous, why), hold)
    return Step(None, hold)


def decide(previous: Warning | None, assessment: Assessment) -> Warning | None:
    """The next version of a cluster's warning without a downgrade clock (a first look)."""
    return evolve(previous, assessment).warning


def state_for(grade: Grade) -> str:
    """A new version's state: a candidate when its grade waits for an analyst's approval
    (:attr:`GradingStandard.approval_from`), else approved (published at once)."""
    gate = STANDARD.approval_from
    return "candidate" if gate is not None and grade.rank >= gate.rank else "approved"


def warning_id_for(cluster_id: str) -> str:
    """The id of a cluster's warning (one per cluster, versioned)."""
    return f"W-{cluster_id.removeprefix('K-')}"


def retire(previous: Warning, merged: Cluster) -> Warning | None:
    """The closing version of an active warning whose cluster was merged into another.

    The survivor's warning goes on with this one's evidence; this one is lifted with
    ``change="merged"`` and names its successor, so that no stale warning (or port control)
    stays active for a risk that is now tracked under another id.
    """
    if previous.status != "active" or merged.merged_into is None:
        return None
    successor = warning_id_for(merged.merged_into)
    return replace(
        previous,
        version=previous.version + 1,
        status="lifted",
        change="merged",
        updated_time=max(previous.updated_time, merged.last_seen),
        previous_grade=previous.grade,
        explanation={**previous.explanation, "merged_into": merged.merged_into},
        superseded_by=successor,
        state="lifted",
        reason=f"its cluster was merged into {merged.merged_into}: {successor} carries the risk on",
        decided_by="riskwire",
        standard_version=STANDARD.version,
    )


def lift(previous: Warning, last_signal: datetime, now: datetime) -> Warning | None:
    """The lifted version of an active warning once the quiet period has passed, else ``None``."""
    if previous.status != "active" or now - last_signal < QUIET_PERIOD:
        return None
    return replace(
        previous,
        version=previous.version + 1,
        status="lifted",
        change="lifted",
        updated_time=now,
        previous_grade=previous.grade,
        state="lifted",
        reason=f"no new signal since {last_signal.isoformat()} (quiet {QUIET_PERIOD.days} days)",
        decided_by="riskwire",
        standard_version=STANDARD.version,
    )
