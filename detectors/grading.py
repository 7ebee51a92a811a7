"""Grading: from an assessment to a warning with grade, colour, kind, authority and measures.

First-cut rules, documented so an analyst can check every decision; every number and measure
comes from the grading standard in force (by default :data:`detectors.standard.STANDARD`; a
worker takes the version published on ``riskwire.config``), passed as ``std``:

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
* The clock (:func:`clock_steps`, on event time): a candidate not decided within its grade's
  ``decision_limits`` is flagged overdue; a notice nobody replied to within ``reply_window``,
  too. A published warning with no new signal for ``quiet_period`` (30 days) goes under effect
  evaluation (:mod:`detectors.effect`) and is lifted with the evaluation ``evaluation_period``
  (7 days) later; a new signal meanwhile ends the evaluation (the measures go on).
* Approval: grades from the standard's ``approval_from`` are candidates until an analyst
  approves them (:mod:`detectors.decisions`); an automatic change of grade on an approved
  warning is a candidate again: a proposal, whose control waits for the analyst.
* Every version says why (``reason``), who decided (``decided_by``) and under which standard
  (``standard_version``); its ``state`` is where it stands in the lifecycle.
* Merges: when a report shows two clusters are one risk, the younger cluster's warning is lifted
  as ``merged`` and names its successor (:func:`retire`); the survivor's warning is updated at
  once, so that it rests on the evidence of both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from detectors.standard import STANDARD, GradingStandard
from schemas.records import Assessment, Cluster, Grade, Warning, WarningKind

__all__ = [
    "QUIET_PERIOD",
    "THRESHOLDS",
    "Hold",
    "Step",
    "authority_for",
    "clock_steps",
    "decide",
    "evidence_floor",
    "evolve",
    "grade_for",
    "kind_for",
    "kind_of",
    "measures_for",
    "model_probability",
    "reissued",
    "retire",
    "state_for",
    "title_for",
    "warning_id_for",
    "with_deadlines",
]

THRESHOLDS = STANDARD.thresholds  # of the default standard
QUIET_PERIOD = STANDARD.quiet_period


def evidence_floor(cluster: Cluster, std: GradingStandard = STANDARD) -> bool:
    """Whether the cluster has enough independent evidence to be a warning at all."""
    signals = sum(cluster.risk_counts.values())
    several = signals >= std.floor_signals and len(cluster.risk_counts) >= std.floor_feeds
    return cluster.deaths > 0 or several or signals >= std.floor_one_feed


def model_probability(assessment: Assessment) -> float | None:
    """The calibrated model's probability that the cluster deserves a warning, as the scoring
    step wrote it into the explanation (None: no model was loaded)."""
    verdict = assessment.explanation.get("model")
    p = verdict.get("probability") if isinstance(verdict, dict) else None
    return float(p) if isinstance(p, int | float) and not isinstance(p, bool) else None


def warrants_warning(assessment: Assessment, std: GradingStandard = STANDARD) -> bool:
    """Evidence floor and the gate together: the model's probability at or above the
    standard's ``model_gate`` when both are there, else the urgency gate (a death always)."""
    cluster = assessment.cluster
    if not evidence_floor(cluster, std):
        return False
    if cluster.deaths > 0:
        return True
    p = model_probability(assessment)
    if std.model_gate is not None and p is not None:
        return p >= std.model_gate
    return assessment.urgency >= std.urgency_gate


def grade_for(score: float, std: GradingStandard = STANDARD) -> Grade | None:
    """The grade a score reaches, or ``None`` below grade IV."""
    for grade, threshold in std.thresholds.items():
        if score >= threshold:
            return grade
    return None


def crosses_border(cluster: Cluster, std: GradingStandard = STANDARD) -> bool:
    """Whether port targeting can act on these goods."""
    foreign = any(o != std.home_country for o in cluster.origins)
    return foreign or cluster.import_quantity > 0


def kind_for(grade: Grade, cluster: Cluster, std: GradingStandard = STANDARD) -> WarningKind:
    """Which of the three kinds of warning fits the grade and the goods."""
    return kind_of(grade, crosses_border(cluster, std), std)


def kind_of(grade: Grade, border: bool, std: GradingStandard = STANDARD) -> WarningKind:
    """Which kind fits the grade, for goods that cross the border (``border``) or not."""
    if border and grade.rank >= std.alert_from.rank:
        return WarningKind.ALERT_NOTIFICATION
    if grade.rank >= std.announcement_from.rank:
        return WarningKind.WARNING_ANNOUNCEMENT
    return WarningKind.WARNING_NOTICE


def authority_for(grade: Grade, std: GradingStandard = STANDARD) -> str:
    """Who publishes: grade I nationally, the others by the competent quality authority."""
    return std.authorities[grade]


def measures_for(
    grade: Grade, kind: WarningKind, std: GradingStandard = STANDARD
) -> tuple[str, ...]:
    """Rapid-response measures proportionate to grade and kind (DOMAIN.md §6)."""
    return std.measures[kind][grade]


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
    assessment: Assessment,
    grade: Grade,
    change: str,
    previous: Warning | None,
    reason: str,
    std: GradingStandard,
) -> Warning:
    cluster = assessment.cluster
    kind = kind_for(grade, cluster, std)
    peak = grade
    if previous and previous.peak_grade and Grade(previous.peak_grade).rank > grade.rank:
        peak = Grade(previous.peak_grade)
    built = Warning(
        warning_id=warning_id_for(cluster.cluster_id),
        version=(previous.version + 1) if previous else 1,
        cluster_id=cluster.cluster_id,
        status="active",
        change=change,
        grade=grade.value,
        colour=grade.colour,
        kind=kind.value,
        authority=authority_for(grade, std),
        title=_title(cluster, grade),
        product=cluster.product,
        category=cluster.category,
        hazard_class=cluster.hazard_class,
        scope_regions=tuple(sorted(cluster.region_counts)),
        enterprises=tuple(sorted(cluster.enterprises)),
        origins=tuple(sorted(cluster.origins)),
        hs_codes=tuple(sorted(cluster.hs_codes)),
        ports=tuple(sorted(cluster.ports)),
        recurrence_of=previous.recurrence_of if previous and previous.status == "active" else (),
        warning_items=_items(assessment),
        measures=measures_for(grade, kind, std),
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
        state=_state(previous, grade, std),
        reason=reason,
        decided_by="riskwire",
        standard_version=std.version,
        replies=previous.replies if previous and previous.status == "active" else 0,
        flags=tuple(f for f in previous.flags if f != EVIDENCE_REQUESTED)
        if previous and previous.status == "active"
        else (),  # new evidence answers a request for it
    )
    return with_deadlines(previous, built, std)


def _state(previous: Warning | None, grade: Grade, std: GradingStandard) -> str:
    """A new automatic version's state: an update at the same grade keeps the state (approved
    stays approved; a new signal ends an effect evaluation: the measures go on), a new grade is
    a candidate again where it needs approval (a proposal to the analyst)."""
    if previous and previous.status == "active" and previous.grade == grade.value:
        return "approved" if previous.state == "evaluating" else previous.state
    return state_for(grade, std)


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


def _gate_text(assessment: Assessment, std: GradingStandard) -> str:
    p = model_probability(assessment)
    if std.model_gate is not None and p is not None and assessment.cluster.deaths == 0:
        return f"floor met, model probability {p:.2f} >= gate {std.model_gate:g}"
    return "floor and gate met"


def _score_text(assessment: Assessment) -> str:
    a = assessment
    return f"score {a.score:g} (hazard {a.hazard} x urgency {a.urgency} x scope {a.scope})"


def evolve(
    previous: Warning | None,
    assessment: Assessment,
    hold: Hold | None = None,
    std: GradingStandard = STANDARD,
) -> Step:
    """The next version of a cluster's warning, and the downgrade clock (see module doc)."""
    cluster = assessment.cluster
    if previous is None or previous.status == "lifted":
        reached = grade_for(assessment.score, std) if warrants_warning(assessment, std) else None
        if reached is None:
            return Step(None, None)
        gate = _gate_text(assessment, std)
        why = f"{_score_text(assessment)} reached grade {reached.value}; {gate}"
        return Step(_build(assessment, reached, "issued", previous, why, std), None)
    current = Grade(previous.grade)
    reached = grade_for(assessment.score, std) if evidence_floor(cluster, std) else None
    if reached is not None and reached.rank > current.rank:
        why = f"{_score_text(assessment)} reached grade {reached.value}"
        return Step(_build(assessment, reached, "upgraded", previous, why, std), None)
    if reached is None or reached.rank < current.rank:  # below the grade: the clock runs
        best = _higher(Grade(hold.best) if hold and hold.best else None, reached)
        hold = Hold(hold.since if hold else assessment.as_of, best.value if best else None)
        lowest = min(std.thresholds, key=lambda g: g.rank)
        target = best or lowest
        held = assessment.as_of - hold.since
        if held >= std.downgrade_hold and target.rank < current.rank:
            why = (
                f"evidence below grade {current.value} (score < {std.thresholds[current]:g}) "
                f"since {hold.since.isoformat()}, {held.days} days "
                f"(hold {std.downgrade_hold.days}); "
                f"highest grade reached meanwhile: {best.value if best else 'none'}; "
                f"now {_score_text(assessment)}"
            )
            return Step(_build(assessment, target, "downgraded", previous, why, std), None)
    else:
        hold = None  # back at its grade: the clock stops
    kind_changed = kind_for(current, cluster, std).value != previous.kind
    grown = cluster.signal_count >= std.update_growth * max(1, len(previous.evidence))
    # a merge closes the other cluster's warning: this one takes on its evidence at once
    absorbed = not set(cluster.merged_from) <= set(previous.merged_from)
    resumed = previous.state == "evaluating"  # a new signal while the measures were judged
    if kind_changed or grown or absorbed or resumed:
        merged = sorted(set(cluster.merged_from) - set(previous.merged_from))
        was = len(previous.evidence)
        why = "; ".join(
            text
            for text, applies in (
                (f"kind now {kind_for(current, cluster, std).value}", kind_changed),
                (f"evidence grew from {was} to {cluster.signal_count} signals", grown),
                (f"merged {', '.join(merged)}", absorbed),
                ("a new signal during effect evaluation: the measures go on", resumed),
            )
            if applies
        )
        return Step(_build(assessment, current, "updated", previous, why, std), hold)
    return Step(None, hold)


def reissued(
    assessment: Assessment,
    ended: Warning,
    came_back: Mapping[str, int],
    std: GradingStandard = STANDARD,
) -> Warning:
    """``ended`` (lifted after taking its goods off the market) issued again at the grade it
    had: the goods were declared or listed again since (:func:`detectors.recall.reappearance`)."""
    what = ", ".join(f"{n} {feed}" for feed, n in sorted(came_back.items()))
    why = (
        f"recalled goods reappeared: {what} since the lift on "
        f"{ended.updated_time.date().isoformat()}; issued again at grade {ended.grade}"
    )
    return _build(assessment, Grade(ended.grade), "issued", ended, why, std)


def decide(previous: Warning | None, assessment: Assessment) -> Warning | None:
    """The next version of a cluster's warning without a downgrade clock (a first look)."""
    return evolve(previous, assessment).warning


def state_for(grade: Grade, std: GradingStandard = STANDARD) -> str:
    """A new version's state: a candidate when its grade waits for an analyst's approval
    (:attr:`GradingStandard.approval_from`), else approved (published at once)."""
    gate = std.approval_from
    return "candidate" if gate is not None and grade.rank >= gate.rank else "approved"


def warning_id_for(cluster_id: str) -> str:
    """The id of a cluster's warning (one per cluster, versioned)."""
    return f"W-{cluster_id.removeprefix('K-')}"


def retire(previous: Warning, merged: Cluster, std: GradingStandard = STANDARD) -> Warning | None:
    """The closing version of an active warning whose cluster was merged into another.

    The survivor's warning goes on with this one's evidence; this one is lifted with
    ``change="merged"`` and names its successor, so that no stale warning (or port control)
    stays active for a risk that is now tracked under another id.
    """
    if previous.status != "active" or merged.merged_into is None:
        return None
    successor = warning_id_for(merged.merged_into)
    closing = replace(
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
        standard_version=std.version,
    )
    return with_deadlines(previous, closing, std)


OVERDUE = "decision overdue"
EVIDENCE_REQUESTED = "evidence requested"
REPLY_OVERDUE = "reply overdue"
NOTICE = WarningKind.WARNING_NOTICE.value
IN_FORCE = ("approved", "evaluating")  # published states: the measures are in force


def with_deadlines(previous: Warning | None, version: Warning, std: GradingStandard) -> Warning:
    """``version`` with the deadlines and flags its state carries.

    A candidate must be decided within its grade's decision limit (from when it became one; an
    upgraded candidate by the earlier of the two limits). An approved notice opens the producers'
    reply window once. A flag stays while what it flags still holds.
    """
    active = version.status == "active"
    at = version.updated_time
    decide_by = None
    if active and version.state == "candidate":
        due = at + std.decision_limits[Grade(version.grade)]
        was = previous.decide_by if previous and previous.state == "candidate" else None
        decide_by = min(due, was) if was else due
    reply_by = None
    was_open = previous.reply_by if previous is not None and previous.kind == NOTICE else None
    if active and version.kind == NOTICE and (version.state in IN_FORCE or was_open):
        reply_by = was_open or at + std.reply_window  # a proposal leaves the window open
    flags = tuple(
        f
        for f in version.flags
        if (f != OVERDUE or decide_by is not None)
        and (f != REPLY_OVERDUE or (reply_by is not None and version.replies == 0))
        and active
    )
    return replace(version, decide_by=decide_by, reply_by=reply_by, flags=flags)


def clock_steps(
    previous: Warning | None,
    seen: datetime | None,
    now: datetime,
    std: GradingStandard = STANDARD,
    effect: Callable[[datetime], dict[str, Any]] | None = None,
) -> list[Warning]:
    """The versions event time ``now`` makes of a warning in force whose latest signal was at
    ``seen``, in order, each dated when its deadline passed (the same bytes however late the
    tick that notices it):

    * a candidate past its decision limit is flagged ``decision overdue``;
    * a notice nobody replied to by the end of its window is flagged ``reply overdue``;
    * a published warning without a new signal for ``quiet_period`` goes under effect evaluation
      (``evaluating``; ``effect(at)`` is the evaluation at ``at``, ``None`` for a warning never
      published), and is lifted with the evaluation after ``evaluation_period`` more (a proposal
      on a published warning too: its measures are in force); a candidate never published is
      lifted once quiet that long (no measures started: nothing to evaluate).
    """
    if previous is None or previous.status != "active":
        return []
    due: list[tuple[datetime, str]] = []
    if previous.decide_by is not None and OVERDUE not in previous.flags:
        due.append((previous.decide_by, OVERDUE))
    if (
        previous.reply_by is not None
        and not previous.replies
        and REPLY_OVERDUE not in previous.flags
    ):
        due.append((previous.reply_by, REPLY_OVERDUE))
    if seen is not None:
        quiet_end = seen + std.quiet_period
        if previous.state == "candidate" and effect is None:  # never published
            due.append((quiet_end, "lift"))
        else:
            if previous.state != "evaluating":
                due.append((quiet_end, "evaluate"))
            due.append((quiet_end + std.evaluation_period, "lift"))
    steps: list[Warning] = []
    current = previous
    for at, what in sorted(due):
        if at > now:
            break
        current = with_deadlines(current, _clock_step(current, at, what, seen, std, effect), std)
        steps.append(current)
        if current.status != "active":
            break
    return steps


def _clock_step(
    current: Warning,
    at: datetime,
    what: str,
    seen: datetime | None,
    std: GradingStandard,
    effect: Callable[[datetime], dict[str, Any]] | None,
) -> Warning:
    base: dict[str, Any] = {
        "version": current.version + 1,
        "updated_time": max(current.updated_time, at),
        "previous_grade": current.grade,
        "decided_by": "riskwire",
        "standard_version": std.version,
    }
    quiet = f"no new signal since {seen.isoformat() if seen else '?'}"
    if what == OVERDUE:
        limit = std.decision_limits[Grade(current.grade)]
        why = f"no analyst decision by {at.isoformat()} (limit {limit / _HOUR:g} h for grade "
        why += f"{current.grade}): flagged to the authority, {current.authority}"
        return replace(
            current, **base, change="overdue", flags=(*current.flags, OVERDUE), reason=why
        )
    if what == REPLY_OVERDUE:
        why = f"no reply from producers by {at.isoformat()} (window {std.reply_window.days} days)"
        flags = (*current.flags, REPLY_OVERDUE)
        return replace(current, **base, change="reply overdue", flags=flags, reason=why)
    evaluation = effect(at) if effect is not None else None
    explanation = (
        {**current.explanation, "effect": evaluation} if evaluation else current.explanation
    )
    if what == "evaluate":
        why = f"{quiet} (quiet {std.quiet_period.days} days): the measures are under effect "
        why += f"evaluation for {std.evaluation_period.days} days"
        if evaluation:
            why += f"; so far {evaluation['verdict']}"
        return replace(
            current, **base, change="evaluating", state="evaluating", explanation=explanation,
            reason=why,
        )  # fmt: skip
    period = std.quiet_period + (std.evaluation_period if current.state == "evaluating" else _ZERO)
    why = f"{quiet} ({period.days} days): lifted"
    if evaluation:
        why += f"; effect of the measures: {evaluation['verdict']}"
    return replace(
        current, **base, status="lifted", change="lifted", state="lifted",
        explanation=explanation, reason=why, decide_by=None, reply_by=None, flags=(),
    )  # fmt: skip


_HOUR = timedelta(hours=1)
_ZERO = timedelta(0)
