"""detectors.decisions and streams.escalation.decide: analysts' decisions are applied by the
rules of the lifecycle or refused with the reason, and a regrade holds against automatic changes
until the evidence changes materially."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from detectors.catalogue import Catalogue
from detectors.decisions import apply_decision
from detectors.grading import decide as first_version
from detectors.standard import STANDARD, standard_to_dict
from schemas.records import Assessment, Cluster, Decision, Grade, StandardChange, Warning
from streams.escalation import WarningState, adopt_standard, decide, escalate

AS_OF = datetime(2026, 9, 30, 6, 30, tzinfo=UTC)
AT = AS_OF + timedelta(hours=5)


def assessment(cluster: Cluster, score: float) -> Assessment:
    return Assessment(
        cluster=cluster, as_of=cluster.last_seen, hazard=4, urgency=3, scope=3, score=score
    )


def _decision(warning: Warning, action: str, **kw: object) -> Decision:
    fields: dict[str, object] = {
        "decision_id": f"d-{action}-{warning.version}",
        "warning_id": warning.warning_id,
        "version": warning.version,
        "action": action,
        "reason": "checked the injury reports",
        "decided_by": "li.wei",
        "at": AT,
    }
    fields.update(kw)
    return Decision(**fields)  # type: ignore[arg-type]


@pytest.fixture
def alert(evidenced: Cluster) -> Warning:
    w = first_version(None, assessment(replace(evidenced, origins=("VN",)), 48.0))
    assert w is not None and (w.grade, w.kind) == ("II", "alert_notification")
    return w


def test_a_regrade_makes_a_version_at_the_analysts_grade(alert: Warning) -> None:
    out = apply_decision(alert, _decision(alert, "regrade", grade="I"), border=True)
    w = out.version
    assert out.refused is None and w is not None
    assert (w.version, w.grade, w.colour, w.change, w.state) == (
        2,
        "I",
        "red",
        "regraded",
        "approved",
    )
    assert (w.decided_by, w.reason, w.previous_grade, w.peak_grade) == (
        "li.wei",
        "checked the injury reports",
        "II",
        "I",
    )
    assert "State Council" in w.authority and w.title.startswith("Grade I ")
    # grade IV goods that cross the border get a notice, not an alert (alerts from grade III)
    down = apply_decision(alert, _decision(alert, "regrade", grade="IV"), border=True).version
    assert down is not None and down.kind == "warning_notice"


@pytest.mark.parametrize(
    ("action", "extra", "why"),
    [
        ("approve", {}, "only a candidate waits for approval"),
        ("reject", {}, "only a candidate waits for approval"),
        ("regrade", {"grade": "II"}, "grade II already"),
        ("regrade", {"grade": "V"}, "regrade needs a grade"),
        ("regrade", {"version": 7}, "stale: decided on version 7, the latest is version 1"),
        ("lift", {"reason": " "}, "needs a reason"),
        ("destroy", {}, "unknown action"),
    ],
)
def test_illegal_decisions_are_refused_with_the_reason(
    alert: Warning, action: str, extra: dict[str, object], why: str
) -> None:
    out = apply_decision(alert, _decision(alert, action, **extra), border=True)
    assert out.version is None and out.refused is not None and why in out.refused


def test_nothing_is_decided_on_an_unknown_or_lifted_warning(alert: Warning) -> None:
    assert "no warning" in (apply_decision(None, _decision(alert, "lift"), True).refused or "")
    lifted = apply_decision(alert, _decision(alert, "lift"), border=True).version
    assert lifted is not None and (lifted.status, lifted.state) == ("lifted", "lifted")
    late = apply_decision(lifted, _decision(lifted, "regrade", grade="I"), border=True)
    assert "nothing to decide" in (late.refused or "")


def test_the_stage_applies_records_and_replays_decisions(
    evidenced: Cluster, catalogue: Catalogue
) -> None:
    """Through the warnings table: the control follows the regrade, a refusal is recorded,
    and a decision read again after a crash gets its first result."""
    imported = replace(evidenced, origins=("VN",))
    table: dict[str, bytes] = {}
    ((issued, control),) = escalate(assessment(imported, 48.0), table, catalogue, "assessments:0:1")
    assert control is not None and control.action == "hold"
    versions, result = decide(_decision(issued, "regrade", grade="III"), table, "decisions:0:1")
    ((regraded, regraded_control),) = versions
    assert (regraded.grade, regraded.change) == ("III", "regraded")
    assert result.accepted and result.version == 2 and result.decided_by == "li.wei"
    assert regraded_control is not None
    assert (regraded_control.action, regraded_control.grade, regraded_control.version) == (
        "inspect",
        "III",
        2,
    )
    assert regraded_control.hs_prefixes == control.hs_prefixes  # the goods' own codes
    stale, refused = decide(_decision(issued, "lift"), table, "decisions:0:2")
    assert stale == [] and not refused.accepted and "stale" in refused.reason
    again = decide(_decision(issued, "regrade", grade="III"), table, "decisions:0:1")
    assert again == (versions, result)
    assert decide(_decision(issued, "lift"), table, "decisions:0:2") == ([], refused)
    assert WarningState.of(table[imported.cluster_id]).pin is not None


def test_an_analysts_grade_holds_until_the_evidence_grows_by_half(
    evidenced: Cluster, catalogue: Catalogue
) -> None:
    table: dict[str, bytes] = {}
    ((issued, _),) = escalate(assessment(evidenced, 48.0), table, catalogue, "assessments:0:1")
    versions, _ = decide(_decision(issued, "regrade", grade="IV"), table, "decisions:0:1")
    assert versions[0][0].grade == "IV"

    def later(members: int, score: float, offset: int) -> list:  # type: ignore[type-arg]
        grown = replace(
            evidenced,
            signal_count=members,
            member_ids=tuple(f"complaints:X{i}" for i in range(members)),
            last_seen=AS_OF + timedelta(days=1, hours=offset),
        )
        return escalate(assessment(grown, score), table, catalogue, f"assessments:0:{offset}")

    assert later(6, 90.0, 2) == []  # grade I evidence, but the analyst said IV: it holds
    made = later(8, 90.0, 3)  # 8 >= 1.5 x 5 signals: the evidence outranks the decision
    assert [(w.change, w.grade) for w, _ in made] == [("upgraded", "I")]
    assert WarningState.of(table[evidenced.cluster_id]).pin is None


def test_offsets_order_inputs_of_one_partition_only(
    evidenced: Cluster, catalogue: Catalogue
) -> None:
    """An input from another partition (the topic re-partitioned, a record replayed without its
    key) is a new input whatever its offset, not a re-read."""
    table: dict[str, bytes] = {}
    assert escalate(assessment(evidenced, 48.0), table, catalogue, "assessments:3:5000")
    stronger = replace(evidenced, last_seen=AS_OF + timedelta(days=1))
    made = escalate(assessment(stronger, 90.0), table, catalogue, "assessments:0:7")
    assert [(w.change, w.grade) for w, _ in made] == [("upgraded", "I")]


def test_a_date_from_the_future_does_not_move_a_partitions_clock() -> None:
    from streams.pipeline import _EventClock

    clock = _EventClock()
    assert clock.saw(AS_OF) and clock.event == AS_OF
    assert not clock.saw(datetime.now(UTC) + timedelta(days=400))  # a mistyped year
    assert clock.event == AS_OF
    assert not clock.saw(AS_OF + timedelta(minutes=20))  # moved, but not an hour: not kept
    assert clock.saw(AS_OF + timedelta(hours=2)) and clock.event == AS_OF + timedelta(hours=2)


def _approval_from(grade: Grade, table: dict[str, bytes], position: str) -> None:
    """A grading standard whose grades from ``grade`` wait for approval, adopted by the
    partition of ``position`` as a worker adopts one from ``riskwire.config``."""
    std = replace(STANDARD, version=f"test-approval-{grade.value}", approval_from=grade)
    adopt_standard(StandardChange(standard=standard_to_dict(std)), table, position)


def test_a_grade_that_waits_for_approval_is_a_candidate_until_an_analyst_approves(
    evidenced: Cluster, catalogue: Catalogue
) -> None:
    """With a standard whose grade I waits for approval: the upgrade to I is a proposal (a
    candidate) and the grade II port control stays in force; approving it publishes it and puts
    the grade I control in force. A proposal on a published warning cannot be rejected (regrade
    it instead); a fresh candidate rejected is lifted."""
    imported = replace(evidenced, origins=("VN",))
    table: dict[str, bytes] = {}
    _approval_from(Grade.I, table, "assessments:0:0")
    ((issued, control),) = escalate(assessment(imported, 48.0), table, catalogue, "assessments:0:1")
    assert (issued.state, control and control.action) == ("approved", "hold")
    assert issued.standard_version == "test-approval-I"
    stronger = replace(imported, last_seen=AS_OF + timedelta(days=1))
    ((candidate, none),) = escalate(assessment(stronger, 90.0), table, catalogue, "assessments:0:2")
    assert (candidate.grade, candidate.state, none) == ("I", "candidate", None)
    assert candidate.decide_by == stronger.last_seen + STANDARD.decision_limits[Grade.I]
    versions, refused = decide(_decision(candidate, "reject"), table, "decisions:0:1")
    assert versions == [] and not refused.accepted and "regrade it" in refused.reason
    versions, result = decide(_decision(candidate, "approve"), table, "decisions:0:2")
    ((approved, grade_i),) = versions
    assert result.accepted and (approved.state, approved.change) == ("approved", "approved")
    assert approved.decide_by is None
    assert grade_i is not None and (grade_i.grade, grade_i.status) == ("I", "active")
    again = replace(stronger, signal_count=9, last_seen=AS_OF + timedelta(days=2))
    made = escalate(assessment(again, 95.0), table, catalogue, "assessments:0:3")
    assert made and all(w.state == "approved" for w, _ in made)  # an update keeps approval

    other: dict[str, bytes] = {}
    _approval_from(Grade.I, other, "assessments:0:0")
    ((fresh, no_control),) = escalate(
        assessment(stronger, 90.0), other, catalogue, "assessments:0:1"
    )
    assert (fresh.state, no_control) == ("candidate", None)
    versions, result = decide(_decision(fresh, "reject"), other, "decisions:0:1")
    ((rejected, nothing),) = versions
    assert (rejected.status, rejected.state, rejected.change) == ("lifted", "rejected", "rejected")
    assert nothing is None  # a candidate never had a control in force


def test_a_re_read_after_a_crash_between_the_two_values_restores_what_the_input_moved(
    evidenced: Cluster, catalogue: Catalogue
) -> None:
    table: dict[str, bytes] = {}
    escalate(assessment(evidenced, 48.0), table, catalogue, "assessments:0:1")
    later = replace(evidenced, last_seen=AS_OF + timedelta(days=3))
    escalate(assessment(later, 48.5), table, catalogue, "assessments:0:2")
    clean = WarningState.load(table, evidenced.cluster_id)
    crashed = dict(table)
    crashed[f"{evidenced.cluster_id}~live"] = table[f"{evidenced.cluster_id}~live"]
    escalate(assessment(evidenced, 48.0), crashed, catalogue, "assessments:0:1")  # prior state
    crashed.pop(f"{evidenced.cluster_id}~live")  # the kill came between the two writes
    escalate(assessment(later, 48.5), crashed, catalogue, "assessments:0:2")  # read again
    assert WarningState.load(crashed, evidenced.cluster_id).seen == clean.seen


def test_a_decision_body_is_checked_and_its_id_is_the_servers() -> None:
    from streams.web import MAX_REASON_CHARS, decision_from

    body = {"action": "lift", "version": 2, "reason": "recall done"}
    first = decision_from(body, "W-0123456789ab", "li.wei")
    again = decision_from(body, "W-0123456789ab", "li.wei")
    assert first.decision_id != again.decision_id and first.decided_by == "li.wei"
    bad = [
        ({**body, "decision_id": "mine"}, "W-0123456789ab", "unknown fields"),
        ({**body, "decided_by": "boss"}, "W-0123456789ab", "unknown fields"),
        ({**body, "reason": "x" * (MAX_REASON_CHARS + 1)}, "W-0123456789ab", "at most"),
        (body, "W-0123456789ab~live", "not a warning id"),
        ({**body, "version": True}, "W-0123456789ab", "version must be"),
    ]
    for payload, wid, why in bad:
        with pytest.raises(ValueError, match=why):
            decision_from(payload, wid, "li.wei")


def test_a_decision_on_a_key_that_is_not_a_warning_is_refused(catalogue: Catalogue) -> None:
    table: dict[str, bytes] = {"K-0123456789ab~live": b'{"seen": null}'}
    odd = Decision(
        decision_id="d1",
        warning_id="W-0123456789ab~live",
        version=1,
        action="lift",
        reason="r",
        decided_by="x",
        at=AT,
    )
    versions, result = decide(odd, table, "decisions:0:1")
    assert versions == [] and "not a warning id" in result.reason
    assert table == {"K-0123456789ab~live": b'{"seen": null}'}  # untouched
