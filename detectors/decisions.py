"""Analysts' decisions on warnings: which are legal, and the version each one makes.

Why a pure module: a decision is refused or applied by the same rules in the worker, the
in-memory runner and the tests, and a refusal must say why (it is recorded, never silent).

* ``approve`` / ``reject``: only a candidate waits for approval (``state == "candidate"``);
  rejecting it lifts it (``state == "rejected"``), and the cluster is not warned of again until
  its evidence has grown by ``update_growth`` (the escalation stage holds that). A proposal on a
  warning published before cannot be rejected (that would lift the published warning): the
  analyst regrades it to the grade to keep, or lifts it.
* ``regrade``: any warning in force, to another grade; kind, authority, measures and title
  follow the new grade. The analyst's grade then holds against automatic changes until the
  cluster's evidence has grown by ``update_growth`` (x1.5 signals) since the decision: evidence
  that changed materially outranks the decision again.
* ``extend``: a published warning (approved, or under effect evaluation) stays in force: the
  quiet period starts again from the decision.
* ``request_evidence``: any warning in force is flagged ``evidence requested`` until a new
  version rests on new evidence.
* ``lift``: any warning in force.
* A decision on another version than the latest is stale; on a lifted warning, too late; on an
  unknown id, refused as such.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from detectors.grading import (
    EVIDENCE_REQUESTED,
    IN_FORCE,
    authority_for,
    kind_of,
    measures_for,
    title_for,
    with_deadlines,
)
from detectors.standard import STANDARD, GradingStandard
from schemas.records import Decision, Grade, Warning

__all__ = ["ACTIONS", "Outcome", "apply_decision"]

ACTIONS = ("approve", "reject", "regrade", "extend", "request_evidence", "lift")


@dataclass(frozen=True, slots=True)
class Outcome:
    """The version a decision makes, or why it was refused."""

    version: Warning | None
    refused: str | None = None


def _refuse(why: str) -> Outcome:
    return Outcome(None, why)


def apply_decision(
    previous: Warning | None,
    decision: Decision,
    border: bool,
    std: GradingStandard = STANDARD,
) -> Outcome:
    """The outcome of ``decision`` on the latest version ``previous`` of its warning;
    ``border``: whether the goods cross the border (alert notifications are for those)."""
    outcome = _apply(previous, decision, border, std)
    if outcome.version is None:
        return outcome
    return Outcome(with_deadlines(previous, outcome.version, std))


def _apply(
    previous: Warning | None, decision: Decision, border: bool, std: GradingStandard
) -> Outcome:
    d = decision
    if d.action not in ACTIONS:
        return _refuse(f"unknown action {d.action!r}; actions are {', '.join(ACTIONS)}")
    if not d.reason.strip():
        return _refuse("a decision needs a reason")
    if previous is None:
        return _refuse(f"no warning {d.warning_id}")
    if d.version != previous.version:
        return _refuse(
            f"stale: decided on version {d.version}, the latest is version {previous.version}"
        )
    if previous.status != "active":
        return _refuse(f"{d.warning_id} is {previous.state}: nothing to decide")
    base: dict[str, Any] = {
        "version": previous.version + 1,
        "reason": d.reason,
        "decided_by": d.decided_by,
        "standard_version": std.version,
        "updated_time": max(previous.updated_time, d.at),
        "previous_grade": previous.grade,
    }
    if d.action in ("approve", "reject"):
        if previous.state != "candidate":
            return _refuse(
                f"cannot {d.action} {d.warning_id}: it is {previous.state}, and only a "
                "candidate waits for approval"
            )
        if d.action == "approve":
            return Outcome(replace(previous, **base, state="approved", change="approved"))
        return Outcome(
            replace(previous, **base, status="lifted", state="rejected", change="rejected")
        )
    if d.action == "lift":
        return Outcome(replace(previous, **base, status="lifted", state="lifted", change="lifted"))
    if d.action == "extend":
        if previous.state not in IN_FORCE:
            return _refuse(
                f"cannot extend {d.warning_id}: it is {previous.state}; only a published "
                "warning is extended (approve a candidate first)"
            )
        return Outcome(replace(previous, **base, state="approved", change="extended"))
    if d.action == "request_evidence":
        if EVIDENCE_REQUESTED in previous.flags:
            return _refuse(f"evidence for {d.warning_id} is requested already")
        flags = (*previous.flags, EVIDENCE_REQUESTED)
        return Outcome(replace(previous, **base, change="evidence requested", flags=flags))
    try:
        grade = Grade(d.grade or "")
    except ValueError:
        return _refuse(f"regrade needs a grade of {', '.join(g.value for g in Grade)}")
    if grade.value == previous.grade:
        return _refuse(f"{d.warning_id} is grade {grade.value} already")
    kind = kind_of(grade, border, std)
    peak = previous.peak_grade or previous.grade
    regraded = replace(
        previous,
        **base,
        state="approved",
        change="regraded",
        grade=grade.value,
        colour=grade.colour,
        kind=kind.value,
        authority=authority_for(grade, std),
        measures=measures_for(grade, kind, std),
        title=title_for(grade, previous.hazard_class, previous.product),
        peak_grade=grade.value if grade.rank > Grade(peak).rank else peak,
    )
    return Outcome(regraded)
