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
from detectors.grading import QUIET_PERIOD, Hold, crosses_border, evolve, lift, retire
from detectors.standard import STANDARD
from detectors.targeting import GRADE_ACTIONS, control_for
from schemas.codec import dumps, from_dict, loads
from schemas.records import (
    Assessment,
    Cluster,
    Control,
    Decision,
    DecisionResult,
    Grade,
    Warning,
    WarningKind,
)

__all__ = [
    "DECISIONS_KEPT",
    "Pin",
    "Version",
    "WarningState",
    "cluster_of_warning",
    "decide",
    "escalate",
    "latest_version",
    "lift_if_quiet",
    "lift_quiet",
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
    """An analyst's grade, holding until the cluster has ``until`` signals."""

    grade: str
    until: float


def escalate(
    assessment: Assessment, warnings: State, catalogue: Catalogue, position: str | None = None
) -> list[Version]:
    """The warning versions an assessment makes, each with the control it asks of customs.

    Usually one version or none. When the cluster's warning has had no new signal for the quiet
    period (:data:`detectors.grading.QUIET_PERIOD`) before this assessment, it is lifted first
    (as of the end of its quiet period, whenever the lift is noticed), then the assessment is
    judged against the lifted warning. When a warning stops being an alert notification, its
    earlier control is lifted. The warning of a cluster merged away is lifted as ``merged``
    (:func:`detectors.grading.retire`), with its control. While an analyst's grade is pinned,
    automatic upgrades and downgrades wait (see :mod:`detectors.decisions`).
    """
    cluster = assessment.cluster
    stored = WarningState.load(warnings, cluster.cluster_id)
    again = stored.decided_at(position)
    if again is not None:  # a re-read: what it decided, and what it moves (idempotent)
        if stored.warning is not None and stored.warning.status == "active":
            live: dict[str, Any] = {
                "seen": max(stored.seen or assessment.as_of, assessment.as_of),
                "template": _template(stored.warning, cluster, catalogue),
                "border": crosses_border(cluster),
            }
            replace(stored, **live).save(warnings, cluster.cluster_id, stored)
        return again[0]
    previous, hold, pin = stored.warning, stored.hold, stored.pin
    versions: list[Version] = []
    quiet = _quiet_lift(previous, stored.seen, assessment.as_of, stored.control)
    if quiet is not None:
        versions.append(quiet)
        previous, hold, pin = quiet[0], None, None
    if cluster.merged_into is not None:
        warning = retire(previous, cluster) if previous else None
    else:
        step = evolve(previous, assessment, hold)
        warning, hold = step.warning, step.hold
        if pin is not None and cluster.signal_count >= pin.until:
            pin = None  # the evidence changed materially: it outranks the analyst again
        if pin is not None and warning is not None and warning.grade != pin.grade:
            warning, hold = None, None  # the analyst's grade holds
    if warning is not None:
        versions.append((warning, _control(warning, previous, cluster, catalogue)))
        previous = warning
    active = previous is not None and previous.status == "active"
    changes: dict[str, Any] = {
        "warning": previous,
        "hold": hold,
        "pin": pin if active else None,
        "seen": max(stored.seen or assessment.as_of, assessment.as_of) if active else None,
        "border": crosses_border(cluster) if active else stored.border,
        "template": _template(previous, cluster, catalogue) if active else None,
    }
    stored.updated(versions, position, None, **changes).save(warnings, cluster.cluster_id, stored)
    return versions


def lift_quiet(
    warnings: State, now: datetime, position: str, owns: Callable[[str], bool]
) -> list[Version]:
    """A clock tick at event time ``now``: lift every warning of the clusters ``owns`` selects
    (those of the tick's partition) that has had no new signal for the quiet period."""
    lifted: list[Version] = []
    keys = (k for k in list(warnings.keys()) if k.startswith("K-") and "~" not in k)
    for key in sorted(k for k in keys if owns(k)):
        lifted += lift_if_quiet(key, warnings, now, position)
    return lifted


def lift_if_quiet(cluster_id: str, warnings: State, now: datetime, position: str) -> list[Version]:
    """The lifted version of a cluster's warning if, by event time ``now`` (a clock tick), it
    has had no new signal for the quiet period; re-reads as in :func:`escalate`."""
    stored = WarningState.load(warnings, cluster_id)
    again = stored.decided_at(position)
    if again is not None:
        return again[0]
    quiet = _quiet_lift(stored.warning, stored.seen, now, stored.control)
    if quiet is None:
        return []
    updated = stored.updated(
        [quiet], position, None, warning=quiet[0], hold=None, seen=None, pin=None, template=None
    )
    updated.save(warnings, cluster_id, stored)
    return [quiet]


def decide(
    decision: Decision, warnings: State, position: str | None = None
) -> tuple[list[Version], DecisionResult]:
    """An analyst's decision applied to the latest version of its warning, or refused with the
    reason; either way recorded with the warning (a refusal is never silent)."""
    if not WARNING_ID.fullmatch(decision.warning_id):
        return [], _result(decision, False, f"not a warning id: {decision.warning_id!r}", None)
    key = cluster_of_warning(decision.warning_id)
    raw = warnings.get(key)
    stored = WarningState.load(warnings, key)
    again = stored.decided_at(position)
    if again is not None and again[1] is not None:
        return again[0], again[1]
    outcome = apply_decision(stored.warning, decision, stored.border)
    if outcome.version is None:
        result = _result(decision, False, outcome.refused or "refused", None)
        if raw is not None:  # an unknown id has nothing to record it with
            stored.updated([], position, result).save(warnings, key, stored)
        return [], result
    warning = outcome.version
    control = _decided_control(warning, stored)
    versions: list[Version] = [(warning, control)]
    active = warning.status == "active"
    pin = None
    if decision.action == "regrade":
        growth = STANDARD.update_growth * max(1, len(warning.evidence))
        pin = Pin(warning.grade, growth)
    changes: dict[str, Any] = {"warning": warning, "hold": None, "pin": pin}
    if not active:
        changes.update(seen=None, template=None)
    result = _result(decision, True, f"{decision.action}: version {warning.version}", warning)
    stored.updated(versions, position, result, **changes).save(warnings, key, stored)
    return versions, result


def _result(d: Decision, ok: bool, why: str, made: Warning | None) -> DecisionResult:
    return DecisionResult(
        decision_id=d.decision_id,
        warning_id=d.warning_id,
        accepted=ok,
        reason=why,
        decided_by=d.decided_by,
        version=made.version if made else None,
    )


def _quiet_lift(
    previous: Warning | None, seen: datetime | None, now: datetime, control: Control | None
) -> Version | None:
    """The lift of a warning quiet since ``seen`` by ``now``, dated the end of its quiet period
    (so the same bytes whenever it is noticed), with its control withdrawn."""
    if previous is None or previous.status != "active" or seen is None:
        return None
    lifted = lift(previous, seen, now)
    if lifted is None:
        return None
    lifted = replace(lifted, updated_time=seen + QUIET_PERIOD)
    return lifted, _withdrawn(control, lifted)


def _withdrawn(control: Control | None, warning: Warning) -> Control | None:
    if control is None or control.status != "active":
        return None
    return replace(
        control, version=warning.version, status="lifted", valid_from=warning.updated_time
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
        was = replace(previous, status="lifted", version=warning.version)
        control = control_for(was, cluster, catalogue)
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
            action=GRADE_ACTIONS[grade].value,
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
        }

    def _live(self) -> dict[str, Any]:
        return {"seen": self.seen, "template": self.template, "border": self.border}

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
        )
