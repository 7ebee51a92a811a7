"""Escalation: a cluster's warning through its versions, from assessments, clock ticks and
analysts' decisions, over the ``warnings`` table (keyed by cluster id, partitioned like
``riskwire.assessments`` and ``riskwire.decisions``).

One state per cluster (:class:`WarningState`, two stored values: see :meth:`WarningState.save`)
holds everything a version depends on, so a worker restarted on the recovered table decides
what the lost one would have: the latest
version, the downgrade clock (:class:`detectors.grading.Hold`), the time of the latest signal
(the quiet period), the latest control and the control an alert would ask (for versions made
without the cluster at hand: lifts on a tick, analysts' regrades), whether the goods cross the
border, an analyst's pinned grade, and the last decisions by input position.

Re-reads. After a crash the table can hold versions whose messages never reached the topic (the
changelog is written at once, outputs when the offset is committed), and the inputs are read
again. An input at or before the last position of its topic that decided something is a
re-read: it gets what it decided the first time (the last ``DECISIONS_KEPT`` are kept), or
nothing; deciding anew against the newer version would publish versions that never were.
"""

from __future__ import annotations

import re
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from detectors.catalogue import Catalogue
from detectors.decisions import apply_decision
from detectors.effect import Baseline, evaluate_effect
from detectors.grading import (
    IN_FORCE,
    Hold,
    clock_steps,
    crosses_border,
    evolve,
    reissued,
    retire,
)
from detectors.inspections import Relief, after, finding, relieved
from detectors.recall import reappearance
from detectors.recurrence import recurrences
from detectors.standard import STANDARD, GradingStandard, standard_from_dict
from detectors.targeting import action_for, control_for
from schemas.codec import dumps, from_dict, loads
from schemas.records import (
    Assessment,
    Cluster,
    Control,
    Decision,
    DecisionResult,
    Grade,
    Inspection,
    Reply,
    Signal,
    StandardChange,
    Warning,
    WarningKind,
)

__all__ = [
    "DECISIONS_KEPT",
    "Pin",
    "Version",
    "WarningState",
    "adopt_standard",
    "cluster_of_warning",
    "decide",
    "escalate",
    "inspect",
    "inspection_finding",
    "latest_version",
    "on_tick",
    "reply",
    "standard_in_force",
    "tick_warning",
]

State = MutableMapping[str, bytes]
Version = tuple[Warning, Control | None]
DECISIONS_KEPT = 16  # far more than one cluster's inputs between two commits
ALERT = WarningKind.ALERT_NOTIFICATION.value


WARNING_ID = re.compile(r"W-[0-9A-Za-z_-]{1,64}")


def latest_version(warnings: State, warning_id: str) -> int:
    """The latest version of a warning in the table (0: none)."""
    state = WarningState.of(warnings.get(cluster_of_warning(warning_id)))
    return state.warning.version if state.warning else 0


def cluster_of_warning(warning_id: str) -> str:
    """The cluster id a warning id belongs to (the ``warnings`` table's key)."""
    return f"K-{warning_id.removeprefix('W-')}"


@dataclass(frozen=True, slots=True)
class Pin:
    """An analyst's grade, holding until the cluster has ``until`` signals; :data:`REJECTED`:
    no warning at all (a rejected candidate is not raised again on the same evidence)."""

    grade: str
    until: float


REJECTED = ""  # the grade of a Pin that holds a rejection


def _rejected(warning: Warning | None) -> bool:
    return warning is not None and warning.state == "rejected"


def standard_in_force(warnings: State, position: str | None) -> GradingStandard:
    """The grading standard in force on the partition of ``position``: the default until a
    version from ``riskwire.config`` reached it; for an input the partition read before that
    version (a re-read after a crash), the one it replaced, so the re-read is graded as the
    first reading was."""
    raw = warnings.get(_standard_key(position))
    if not raw:
        return STANDARD
    found = _STANDARDS.get(raw)
    if found is None:
        if len(_STANDARDS) > 64:  # versions are few; a bound all the same
            _STANDARDS.clear()
        value = loads(raw)
        before = value.get("before")
        found = _STANDARDS[raw] = (
            _where(value.get("since")),
            standard_from_dict(value["standard"]),
            standard_from_dict(before) if before else STANDARD,
        )
    since, current, before = found
    where = _where(position)
    if since is not None and where is not None and where[0] == since[0] and where[1] < since[1]:
        return before
    return current


def adopt_standard(change: StandardChange, warnings: State, position: str | None) -> None:
    """A standard version reaching a partition at ``position``: it grades the partition's inputs
    from here on. An invalid one raises :class:`schemas.errors.SchemaError` (dead-lettered)."""
    standard_from_dict(change.standard)
    key = _standard_key(position)
    stored = loads(warnings[key]) if warnings.get(key) else {}
    if stored.get("standard") == change.standard:
        return  # the version in force already (a re-read, or sent again)
    value = {"standard": change.standard, "since": position, "before": stored.get("standard")}
    warnings[key] = dumps(value)


_STANDARDS: dict[bytes, tuple[tuple[str, int] | None, GradingStandard, GradingStandard]] = {}


def _standard_key(position: str | None) -> str:
    """Per partition number: assessments, decisions and replies of partition p share it."""
    if position is None or position.count(":") < 2:
        return "~standard:"
    return f"~standard:{position.rsplit(':', 2)[1]}"


def escalate(
    assessment: Assessment,
    warnings: State,
    catalogue: Catalogue,
    position: str | None = None,
    owns: Callable[[str], bool] = lambda cluster_id: True,
) -> list[Version]:
    """The warning versions an assessment makes, each with the control it asks of customs.

    Usually one version or none. The clock first catches up to the assessment's time
    (:func:`detectors.grading.clock_steps`: a warning quiet too long is under effect evaluation
    or lifted, dated when its quiet period ended, whenever that is noticed), then the assessment
    is judged against the result. When a warning stops being an alert notification, its earlier
    control is lifted. The warning of a cluster merged away is lifted as ``merged``
    (:func:`detectors.grading.retire`), with its control. While an analyst's grade is pinned,
    automatic upgrades and downgrades wait (see :mod:`detectors.decisions`). A warning issued
    names the earlier warnings it repeats (:mod:`detectors.recurrence`) among its own cluster's
    and those of the clusters ``owns`` selects (the partition's: see README, "Recurrence").
    """
    cluster = assessment.cluster
    std = standard_in_force(warnings, position)
    stored = WarningState.load(warnings, cluster.cluster_id)
    again = stored.decided_at(position)
    if again is not None:  # a re-read: what it decided, and what it moves (idempotent)
        if stored.warning is not None and stored.warning.status == "active":
            live = _live(stored, stored.warning, assessment, catalogue, std)
            replace(stored, **live).save(warnings, cluster.cluster_id, stored)
        return again[0]
    versions = _clocked(stored, assessment.as_of, std)
    previous = versions[-1][0] if versions else stored.warning
    ended = previous is not None and previous.status != "active"
    hold = None if ended else stored.hold
    pin = None if ended and not _rejected(previous) else stored.pin
    base = None if ended else stored.base  # a warning issued again starts a new lifetime
    if cluster.merged_into is not None:
        warning = retire(previous, cluster, std) if previous else None
    else:
        step = evolve(previous, assessment, hold, std)
        warning, hold = step.warning, step.hold
        if warning is None and ended and previous is not None:
            came_back = reappearance(previous, stored.counts, cluster)
            if came_back:  # recalled goods declared or listed again: the warning is back
                warning = reissued(assessment, previous, came_back, std)
        if pin is not None and cluster.signal_count >= pin.until:
            pin = None  # the evidence changed materially: it outranks the analyst again
        if pin is not None and warning is not None and warning.grade != pin.grade:
            warning, hold = None, None  # the analyst's grade holds
    if warning is not None and warning.change == "issued":
        warning = _linked(warning, previous, warnings, owns, std)
    relief = None if ended else stored.relief
    if warning is not None and warning.change == "upgraded":
        relief = None  # worse evidence: the inspections that eased the control count no more
    if warning is not None:
        control = _control(warning, previous, cluster, catalogue)
        if control is not None and relief is not None:
            control = relieved(control, relief)
        versions.append((warning, control))
        previous = warning
    active = previous is not None and previous.status == "active"
    changes: dict[str, Any] = {
        "warning": previous,
        "relief": relief if active else None,
        "hold": hold,
        "pin": pin if active or _rejected(previous) else None,
        "base": _baseline(base, previous, cluster) if active else None,
        **(_live(stored, previous, assessment, catalogue, std) if active else _gone(stored)),
    }
    changes["border"] = changes["border"] if active else stored.border
    stored.updated(versions, position, None, **changes).save(warnings, cluster.cluster_id, stored)
    return versions


def _linked(
    warning: Warning,
    previous: Warning | None,
    warnings: State,
    owns: Callable[[str], bool],
    std: GradingStandard,
) -> Warning:
    """``warning`` (just issued) with the earlier warnings it repeats: its own cluster's lifted
    or rejected one, and the partition's others, in force or not."""
    own = cluster_of_warning(warning.warning_id)
    earlier = [previous] if previous is not None else []
    for key in sorted(k for k in list(warnings.keys()) if k.startswith("K-") and "~" not in k):
        if key != own and owns(key):
            found = WarningState.of(warnings.get(key)).warning
            if found is not None:
                earlier.append(found)
    ids, items, summary = recurrences(warning, earlier, std.home_country)
    if not ids:
        return warning
    return replace(
        warning,
        recurrence_of=ids,
        warning_items=(*warning.warning_items, *items),
        explanation={**warning.explanation, "recurrence": summary},
        reason=f"{warning.reason}; recurs: {', '.join(ids)}",
    )


def _live(
    stored: WarningState,
    warning: Warning | None,
    assessment: Assessment,
    catalogue: Catalogue,
    std: GradingStandard,
) -> dict[str, Any]:
    """What every assessment of ``warning`` (in force) moves (the ``~live`` value)."""
    cluster = assessment.cluster
    return {
        "seen": max(stored.seen or assessment.as_of, assessment.as_of),
        "template": _template(warning, cluster, catalogue),
        "border": crosses_border(cluster, std),
        "counts": dict(sorted(cluster.feed_counts.items())),
        "first_seen": cluster.first_seen,
    }


def _gone(stored: WarningState) -> dict[str, Any]:
    """What a warning no longer in force moves: nothing, but the cluster's counts when it was
    last in force are kept, to notice recalled goods coming back (:mod:`detectors.recall`)."""
    gone = {"seen": None, "template": None, "border": False, "first_seen": None}
    return {**gone, "counts": stored.counts}


def _baseline(base: Baseline | None, warning: Warning | None, cluster: Cluster) -> Baseline | None:
    """The evidence when the measures started: kept from the first published version on."""
    if base is not None or warning is None or warning.state not in IN_FORCE:
        return base
    counts = dict(sorted(cluster.feed_counts.items()))
    return Baseline(warning.updated_time, cluster.first_seen, counts)


def _clocked(
    stored: WarningState, now: datetime, std: GradingStandard, quiet_held: bool = False
) -> list[Version]:
    """The versions event time ``now`` makes of the stored warning, each with its control
    (with ``quiet_held``, none of the quiet period's: see :func:`tick_warning`)."""
    base = stored.base

    def effect(at: datetime) -> dict[str, Any]:
        return evaluate_effect(base, stored.counts, at) if base else {}

    seen = None if quiet_held else stored.seen  # no latest signal: no quiet deadline
    steps = clock_steps(stored.warning, seen, now, std, effect if base else None)
    return [(w, _withdrawn(stored.control, w) if w.status != "active" else None) for w in steps]


def on_tick(
    warnings: State,
    now: datetime,
    position: str,
    owns: Callable[[str], bool],
    stalled: tuple[str, ...] = (),
) -> list[Version]:
    """A clock tick at event time ``now``: the clock's versions (overdue flags, effect
    evaluations, lifts) of every warning of the clusters ``owns`` selects (those of the tick's
    partition). ``stalled``: feeds silent beyond their rhythm (:mod:`detectors.freshness`); the
    quiet clock of a warning whose reports came from one of them is held."""
    made: list[Version] = []
    keys = (k for k in list(warnings.keys()) if k.startswith("K-") and "~" not in k)
    for key in sorted(k for k in keys if owns(k)):
        made += tick_warning(key, warnings, now, position, stalled)
    return made


def tick_warning(
    cluster_id: str,
    warnings: State,
    now: datetime,
    position: str,
    stalled: tuple[str, ...] = (),
) -> list[Version]:
    """The clock's versions of one cluster's warning by event time ``now``; re-reads as in
    :func:`escalate`. While a feed its reports came from is stalled, its quiet clock is held:
    the tick evaluates and lifts nothing (a broken feed is not a quiet risk); deadlines still
    pass, and once the feed is back the quiet steps are made, dated as ever at their deadlines
    (the same bytes as without the stall, only noticed later)."""
    stored = WarningState.load(warnings, cluster_id)
    again = stored.decided_at(position)
    if again is not None:
        return again[0]
    held = bool(set(stored.counts) & set(stalled))
    versions = _clocked(stored, now, standard_in_force(warnings, position), quiet_held=held)
    if not versions:
        return []
    latest = versions[-1][0]
    changes: dict[str, Any] = {"warning": latest}
    if latest.status != "active":
        changes.update(hold=None, pin=None, base=None, relief=None, **_gone(stored))
        changes["border"] = stored.border
    stored.updated(versions, position, None, **changes).save(warnings, cluster_id, stored)
    return versions


def decide(
    decision: Decision, warnings: State, position: str | None = None
) -> tuple[list[Version], DecisionResult]:
    """An analyst's decision applied to the latest version of its warning, or refused with the
    reason; either way recorded with the warning (a refusal is never silent)."""
    if not WARNING_ID.fullmatch(decision.warning_id):
        return [], _result(decision, False, f"not a warning id: {decision.warning_id!r}", None)
    std = standard_in_force(warnings, position)
    key = cluster_of_warning(decision.warning_id)
    raw = warnings.get(key)
    stored = WarningState.load(warnings, key)
    again = stored.decided_at(position)
    if again is not None and again[1] is not None:
        return again[0], again[1]
    outcome = apply_decision(stored.warning, decision, stored.border, std)
    if outcome.version is not None and decision.action == "reject" and stored.base is not None:
        outcome = replace(outcome, version=None, refused=_published_already(stored))
    if outcome.version is None:
        result = _result(decision, False, outcome.refused or "refused", None)
        if raw is not None:  # an unknown id has nothing to record it with
            stored.updated([], position, result).save(warnings, key, stored)
        return [], result
    warning = outcome.version
    control = _decided_control(warning, stored)
    if control is not None and stored.relief is not None and warning.status == "active":
        control = relieved(control, stored.relief)
    versions: list[Version] = [(warning, control)]
    active = warning.status == "active"
    changes: dict[str, Any] = {"warning": warning}
    if decision.action not in ("extend", "request_evidence"):  # these keep the grade's clocks
        changes.update(hold=None, pin=None)
    if decision.action in ("regrade", "reject"):  # holds until the evidence grows materially
        growth = std.update_growth * max(1, len(warning.evidence))
        changes["pin"] = Pin(warning.grade if decision.action == "regrade" else REJECTED, growth)
    if decision.action == "extend":  # the quiet period starts again from the decision
        changes["seen"] = max(stored.seen or decision.at, decision.at)
    if active and stored.base is None and warning.state in IN_FORCE and stored.seen:
        first = stored.first_seen or min(stored.seen, warning.updated_time)
        changes["base"] = Baseline(warning.updated_time, first, dict(stored.counts))
    if not active:
        changes.update(base=None, relief=None, **_gone(stored))
        changes["border"] = stored.border
    result = _result(decision, True, f"{decision.action}: version {warning.version}", warning)
    stored.updated(versions, position, result, **changes).save(warnings, key, stored)
    return versions, result


def _published_already(stored: WarningState) -> str:
    w = stored.warning
    assert w is not None
    return (
        f"cannot reject {w.warning_id}: it was published before this proposal of grade "
        f"{w.grade}; regrade it to keep a grade, or lift it"
    )


def reply(answer: Reply, warnings: State, position: str | None = None) -> list[Version]:
    """A producer's reply to a notice: a version that records it in the warning's history (the
    text, who, when); a reply to anything but a notice in force is refused as a dead letter
    (:class:`ValueError`)."""
    if not WARNING_ID.fullmatch(answer.warning_id):
        raise ValueError(f"not a warning id: {answer.warning_id!r}")
    std = standard_in_force(warnings, position)
    key = cluster_of_warning(answer.warning_id)
    stored = WarningState.load(warnings, key)
    again = stored.decided_at(position)
    if again is not None:  # a re-read: refused again, or what it made the first time
        if again[1] is not None and not again[1].accepted:
            raise ValueError(again[1].reason)
        return again[0]
    w = stored.warning
    if w is None or w.status != "active" or w.reply_by is None:
        state = "no such warning" if w is None else f"{w.state} {w.kind}, no reply window open"
        why = f"a reply to {answer.warning_id}: {state}"
        if w is not None:  # recorded, so that a re-read is refused as the first reading was
            refused = DecisionResult(
                decision_id=answer.reply_id,
                warning_id=answer.warning_id,
                accepted=False,
                reason=why,
                decided_by=answer.replied_by,
            )
            stored.updated([], position, refused).save(warnings, key, stored)
        raise ValueError(why)
    text = " ".join(answer.text.split())[:REPLY_EXCERPT]
    of = f" (enterprise {answer.enterprise})" if answer.enterprise else ""
    version = replace(
        w,
        version=w.version + 1,
        change="replied",
        replies=w.replies + 1,
        flags=tuple(f for f in w.flags if f != "reply overdue"),
        updated_time=max(w.updated_time, answer.at),
        reason=f"reply {answer.reply_id} from {answer.replied_by}{of}: {text}",
        decided_by=answer.replied_by,
        standard_version=std.version,
        previous_grade=w.grade,
    )
    versions: list[Version] = [(version, None)]
    stored.updated(versions, position, None, warning=version).save(warnings, key, stored)
    return versions


REPLY_EXCERPT = 500  # characters of a reply kept in its version's reason


class InspectionRefused(ValueError):
    """An inspection result for a control that is not in force (unknown, or lifted)."""


_EASED = {"relaxed": "control relaxed", "lifted": "control lifted", "none": "control restored"}


def inspect(inspection: Inspection, warnings: State, position: str | None = None) -> list[Version]:
    """A port's inspection result, counted towards easing its warning's control
    (:mod:`detectors.inspections`). When the control's level changes (relaxed, lifted, or
    restored by a non-compliant result) the warning gets a version saying so, with the control
    as it now is; otherwise only the count moves. A result for a control not in force raises
    :class:`InspectionRefused` (the worker dead-letters it with the reason)."""
    key = cluster_of_warning("W-" + inspection.control_id.removeprefix("C-"))
    stored = WarningState.load(warnings, key)
    again = stored.decided_at(position)
    if again is not None:
        return again[0]
    control, warning = stored.control, stored.warning
    in_force = control is not None and control.status != "lifted"
    if not in_force or control is None or control.control_id != inspection.control_id:
        raise InspectionRefused(f"no control {inspection.control_id} in force")
    if warning is None or warning.status != "active":
        raise InspectionRefused(f"the warning of control {inspection.control_id} is not in force")
    std = standard_in_force(warnings, position)
    before = stored.relief or Relief()
    relief = after(
        before, inspection.inspection_id, inspection.result, std.relax_after, std.lift_after
    )
    if relief.level == before.level:
        replace(stored, relief=relief).save(warnings, key, stored)
        return []
    who = inspection.reported_by or "port"
    why = (
        f"{_EASED[relief.level]}: inspection {inspection.inspection_id} of "
        f"{inspection.declaration_id} by {who}: {inspection.result}"
        + (f" ({relief.streak} compliant in a row)" if relief.streak else "")
        + (f": {inspection.findings}" if inspection.findings else "")
    )
    version = replace(
        warning,
        version=warning.version + 1,
        change=_EASED[relief.level],
        reason=why,
        decided_by=who,
        updated_time=max(warning.updated_time, inspection.inspected_at),
    )
    full = _decided_control(version, stored)  # the control at the warning's grade, in full
    eased = relieved(full, relief) if full is not None else None
    versions: list[Version] = [(version, eased)]
    stored.updated(versions, position, None, warning=version, relief=relief).save(
        warnings, key, stored
    )
    return versions


def inspection_finding(inspection: Inspection, warnings: State) -> Signal | None:
    """The risk signal a non-compliant result is for its control's cluster (see
    :func:`detectors.inspections.finding`); call after :func:`inspect` accepted it."""
    key = cluster_of_warning("W-" + inspection.control_id.removeprefix("C-"))
    warning = WarningState.load(warnings, key).warning
    return finding(inspection, warning) if warning is not None else None


def _result(d: Decision, ok: bool, why: str, made: Warning | None) -> DecisionResult:
    return DecisionResult(
        decision_id=d.decision_id,
        warning_id=d.warning_id,
        accepted=ok,
        reason=why,
        decided_by=d.decided_by,
        version=made.version if made else None,
    )


def _withdrawn(control: Control | None, warning: Warning) -> Control | None:
    if control is None or control.status not in ("active", "relaxed"):
        return None
    return replace(
        control,
        version=warning.version,
        status="lifted",
        valid_from=warning.updated_time,
        valid_until=warning.updated_time,
        status_reason=f"warning {warning.change}",
    )


def _control(
    warning: Warning, previous: Warning | None, cluster: Cluster, catalogue: Catalogue
) -> Control | None:
    """The control ``warning`` asks; the lifting of ``previous``'s when it asks none any more.
    A candidate asks nothing yet: the control in force stays until an analyst approves."""
    if warning.state == "candidate":
        return None
    control = control_for(warning, cluster, catalogue)
    if control is None and previous and previous.kind == ALERT and previous.status == "active":
        was = replace(  # the earlier alert, lifted when this version was made
            previous, status="lifted", version=warning.version, updated_time=warning.updated_time
        )
        control = control_for(was, cluster, catalogue)
        if control is not None:
            why = "warning lifted" if warning.status != "active" else "no longer an alert"
            control = replace(control, status_reason=why)
    return control


def _template(warning: Warning | None, cluster: Cluster, catalogue: Catalogue) -> Control | None:
    """The control an alert version of ``warning`` would ask of customs for these goods."""
    if warning is None:
        return None
    return control_for(replace(warning, kind=ALERT), cluster, catalogue)


def _decided_control(warning: Warning, stored: WarningState) -> Control | None:
    """The control after an analyst's version: the alert's control at the new grade, or the
    withdrawal of the one it had."""
    if warning.status == "active" and warning.kind == ALERT and stored.template is not None:
        grade = Grade(warning.grade)
        return replace(
            stored.template,
            version=warning.version,
            status="active",
            action=action_for(grade, warning.measures).value,
            grade=grade.value,
            reason=warning.title,
            valid_from=warning.updated_time,
        )
    return _withdrawn(stored.control, warning)


def _where(position: str | None) -> tuple[str, int] | None:
    """The ``topic:partition`` and offset of a ``topic:partition:offset`` position (or a bare
    offset): offsets order the inputs of one partition only."""
    if position is None:
        return None
    partition, _, offset = position.rpartition(":")
    return partition, int(offset)


@dataclass(frozen=True, slots=True)
class WarningState:
    """Everything a cluster's next warning version depends on (see the module doc)."""

    warning: Warning | None = None
    decided: dict[str, tuple[list[Version], DecisionResult | None]] = field(default_factory=dict)
    hold: Hold | None = None
    seen: datetime | None = None
    control: Control | None = None  # the latest control the warning asked
    template: Control | None = None  # the control an alert version would ask
    border: bool = False  # the goods cross the border
    pin: Pin | None = None
    base: Baseline | None = None  # the evidence when the measures started (effect evaluation)
    relief: Relief | None = None  # how far port inspections have eased the control
    counts: dict[str, int] = field(default_factory=dict)  # the cluster's reports by feed
    first_seen: datetime | None = None  # the cluster's first report

    def decided_at(
        self, position: str | None
    ) -> tuple[list[Version], DecisionResult | None] | None:
        """What an input read again decided the first time; ``None`` for a new input."""
        where = _where(position)
        if where is None:
            return None
        topic, offset = where
        offsets = [w[1] for w in map(_where, self.decided) if w and w[0] == topic]
        if not offsets or offset > max(offsets):
            return None
        for earlier, made in self.decided.items():
            if _where(earlier) == where:
                return made
        return [], None

    def updated(
        self,
        versions: list[Version],
        position: str | None,
        result: DecisionResult | None,
        **changes: Any,
    ) -> WarningState:
        """This state after an input at ``position`` made ``versions`` (and ``result``)."""
        decided = dict(self.decided)
        if (versions or result is not None) and position is not None:
            decided[position] = (versions, result)
            while len(decided) > DECISIONS_KEPT:
                del decided[next(iter(decided))]
        controls = [c for _, c in versions if c is not None]
        if controls:
            changes["control"] = controls[-1]
        return replace(self, decided=decided, **changes)

    def _main(self) -> dict[str, Any]:
        return {
            "warning": self.warning,
            "decided": [
                [p, [[w, c] for w, c in versions], result]
                for p, (versions, result) in self.decided.items()
            ],
            "hold": self.hold,
            "control": self.control,
            "pin": self.pin,
            "base": self.base,
            "relief": self.relief,
        }

    def _live(self) -> dict[str, Any]:
        return {
            "seen": self.seen,
            "template": self.template,
            "border": self.border,
            "counts": self.counts,
            "first_seen": self.first_seen,
        }

    def save(self, warnings: State, key: str, before: WarningState) -> None:
        """Write what changed since ``before``, as at most two values: the versions, decisions
        and clocks under ``key`` (rarely), and what every assessment of a warning in force
        moves (the latest signal's time, the alert's control template) under ``key~live``, so
        a signal rewrites a small value, not the warning's history."""
        if self._main() != before._main():
            warnings[key] = dumps(self._main())
        if self._live() != before._live():
            warnings[f"{key}~live"] = dumps(self._live())

    @classmethod
    def load(cls, warnings: State, key: str) -> WarningState:
        """The state of ``key``'s warning, from its two values."""
        state = cls.of(warnings.get(key))
        live = warnings.get(f"{key}~live")
        if not live:
            return state
        value = loads(live)
        return replace(
            state,
            seen=datetime.fromisoformat(value["seen"]) if value.get("seen") else None,
            template=from_dict(Control, value["template"]) if value.get("template") else None,
            border=bool(value.get("border", False)),
            counts=dict(value.get("counts") or {}),
            first_seen=datetime.fromisoformat(value["first_seen"])
            if value.get("first_seen")
            else None,
        )

    @classmethod
    def of(cls, raw: bytes | None) -> WarningState:
        """Read a stored value (a bare Warning, as stored by riskwire <= 0.4, too)."""
        if not raw:
            return cls()
        value = loads(raw)
        if "warning_id" in value:
            return cls(from_dict(Warning, value))
        decided = {}
        for row in value.get("decided", []):
            if len(row) < 2 or not isinstance(row[1], list):
                continue  # a row of an older layout: nothing to replay from it
            versions = [
                (from_dict(Warning, w), from_dict(Control, c) if c else None) for w, c in row[1]
            ]
            result = from_dict(DecisionResult, row[2]) if len(row) > 2 and row[2] else None
            decided[str(row[0])] = (versions, result)

        def read(cls_: Any, name: str) -> Any:
            return from_dict(cls_, value[name]) if value.get(name) else None

        return cls(
            warning=read(Warning, "warning"),
            decided=decided,
            hold=read(Hold, "hold"),
            seen=datetime.fromisoformat(value["seen"]) if value.get("seen") else None,
            control=read(Control, "control"),
            template=read(Control, "template"),
            border=bool(value.get("border", False)),
            pin=read(Pin, "pin"),
            base=read(Baseline, "base"),
            relief=read(Relief, "relief"),
        )
