"""The lifecycle's clock and its other inputs, through the escalation stage's table: overdue
candidates, a notice's reply window and replies, effect evaluation ended by a new signal,
analysts' extend and request-evidence decisions, and grading-standard versions at runtime."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from detectors.catalogue import Catalogue
from detectors.effect import Baseline, evaluate_effect
from detectors.grading import EVIDENCE_REQUESTED, OVERDUE, REPLY_OVERDUE
from detectors.standard import STANDARD, GradingStandard, standard_from_dict, standard_to_dict
from schemas.errors import SchemaError
from schemas.records import (
    Assessment,
    Cluster,
    Decision,
    Grade,
    Reply,
    StandardChange,
    Warning,
    WarningKind,
)
from streams.escalation import adopt_standard, decide, escalate, on_tick, reply

AS_OF = datetime(2026, 9, 30, 6, 30, tzinfo=UTC)
EVERY = lambda cluster_id: True  # noqa: E731 - a tick of the one partition there is


def assessment(cluster: Cluster, score: float) -> Assessment:
    return Assessment(
        cluster=cluster, as_of=cluster.last_seen, hazard=4, urgency=3, scope=3, score=score
    )


def adopt(std: GradingStandard, table: dict[str, bytes], position: str = "assessments:0:0") -> None:
    adopt_standard(StandardChange(standard=standard_to_dict(std)), table, position)


def analyst(warning: Warning, action: str, at: datetime, **kw: object) -> Decision:
    return Decision(
        decision_id=f"d-{action}-{warning.version}",
        warning_id=warning.warning_id,
        version=warning.version,
        action=action,
        reason="read the reports",
        decided_by="li.wei",
        at=at,
        grade=kw.get("grade"),  # type: ignore[arg-type]
    )


def test_the_standard_document_round_trips_and_says_which_field_is_wrong() -> None:
    document = standard_to_dict(STANDARD)
    assert standard_from_dict(document) == STANDARD
    cases = [
        ({k: v for k, v in document.items() if k != "quiet_period"}, "$.quiet_period"),
        ({**document, "thresholds": {"I": 40, "II": 45, "III": 24, "IV": 12}}, "$.thresholds"),
        ({**document, "approval_from": "V"}, "$.approval_from"),
        ({**document, "floor_feeds": 0}, "$.floor_feeds"),
        ({**document, "reply_window": -1}, "$.reply_window"),
        ({**document, "measures": {**document["measures"], "warning_notice": {}}}, "$.measures."),
    ]
    for bad, path in cases:
        with pytest.raises(SchemaError) as caught:
            standard_from_dict(bad)
        assert caught.value.path.startswith(path), (path, caught.value)


def test_a_new_standard_version_grades_the_next_assessments(
    evidenced: Cluster, catalogue: Catalogue
) -> None:
    table: dict[str, bytes] = {}
    ((first, _),) = escalate(assessment(evidenced, 30.0), table, catalogue, "assessments:0:1")
    assert (first.grade, first.standard_version) == ("III", STANDARD.version)
    stricter = replace(
        STANDARD,
        version="riskwire-grading-test",
        thresholds={Grade.I: 60.0, Grade.II: 28.0, Grade.III: 20.0, Grade.IV: 10.0},
    )
    adopt(stricter, table, "assessments:0:2")
    later = replace(evidenced, last_seen=AS_OF + timedelta(hours=2))
    ((upgraded, _),) = escalate(assessment(later, 30.0), table, catalogue, "assessments:0:3")
    assert (upgraded.change, upgraded.grade, upgraded.standard_version) == (
        "upgraded",
        "II",
        "riskwire-grading-test",
    )
    with pytest.raises(SchemaError):  # an invalid version is refused, the one in force stays
        adopt_standard(StandardChange(standard={"version": "x"}), table, "assessments:0:4")
    other_partition = escalate(
        assessment(replace(evidenced, cluster_id="K-other"), 30.0),
        table,
        catalogue,
        "assessments:1:1",
    )
    assert other_partition[0][0].standard_version == STANDARD.version  # not there yet


def test_an_undecided_candidate_is_flagged_overdue_once_and_approval_clears_it(
    evidenced: Cluster, catalogue: Catalogue
) -> None:
    table: dict[str, bytes] = {}
    adopt(replace(STANDARD, approval_from=Grade.IV), table)
    ((candidate, control),) = escalate(
        assessment(evidenced, 30.0), table, catalogue, "assessments:0:1"
    )
    limit = STANDARD.decision_limits[Grade.III]
    assert (candidate.state, control, candidate.decide_by) == ("candidate", None, AS_OF + limit)
    assert on_tick(table, AS_OF + limit - timedelta(minutes=1), "assessments:0:2", EVERY) == []
    ((overdue, _),) = on_tick(table, AS_OF + limit + timedelta(hours=5), "assessments:0:3", EVERY)
    assert (overdue.change, overdue.flags, overdue.updated_time) == (
        "overdue",
        (OVERDUE,),
        AS_OF + limit,
    )
    assert on_tick(table, AS_OF + limit + timedelta(hours=9), "assessments:0:4", EVERY) == []
    later = AS_OF + limit + timedelta(hours=10)
    ((approved, _),), result = decide(analyst(overdue, "approve", later), table, "decisions:0:1")
    assert result.accepted and approved.flags == () and approved.decide_by is None
    # an approved notice opens the producers' reply window
    assert approved.kind == WarningKind.WARNING_NOTICE.value
    assert approved.reply_by == later + STANDARD.reply_window


def test_a_reply_joins_the_notice_and_an_unanswered_one_is_flagged(
    evidenced: Cluster, catalogue: Catalogue
) -> None:
    table: dict[str, bytes] = {}
    ((notice, _),) = escalate(assessment(evidenced, 30.0), table, catalogue, "assessments:0:1")
    assert notice.kind == WarningKind.WARNING_NOTICE.value
    assert notice.reply_by == AS_OF + STANDARD.reply_window
    silent = dict(table)
    due = AS_OF + STANDARD.reply_window
    ((flagged, _),) = on_tick(silent, due + timedelta(days=1), "assessments:0:2", EVERY)
    assert (flagged.change, flagged.flags, flagged.updated_time) == (
        "reply overdue",
        (REPLY_OVERDUE,),
        due,
    )
    answer = Reply(
        reply_id="r1",
        warning_id=notice.warning_id,
        text="  已下架全部批次，\n召回进行中  ",
        replied_by="乐途玩具有限公司",
        at=AS_OF + timedelta(days=2),
    )
    ((replied, none),) = reply(answer, table, "replies:0:1")
    assert (replied.change, replied.replies, replied.decided_by, none) == (
        "replied",
        1,
        "乐途玩具有限公司",
        None,
    )
    assert replied.reason.endswith("已下架全部批次， 召回进行中")
    assert reply(answer, table, "replies:0:1") == [(replied, None)]  # read again after a crash
    assert on_tick(table, due + timedelta(days=1), "assessments:0:2", EVERY) == []  # answered
    gone = replace(evidenced, cluster_id="K-none")
    with pytest.raises(ValueError, match="no such warning"):
        reply(replace(answer, warning_id="W-none"), table, "replies:0:2")
    alert: dict[str, bytes] = {}
    escalate(assessment(replace(gone, origins=("VN",)), 48.0), alert, catalogue, "assessments:0:1")
    with pytest.raises(ValueError, match="no reply window"):
        reply(replace(answer, warning_id="W-none"), alert, "replies:0:1")


def test_a_new_signal_ends_the_effect_evaluation_and_extend_restarts_the_quiet_period(
    evidenced: Cluster, catalogue: Catalogue
) -> None:
    table: dict[str, bytes] = {}
    escalate(assessment(evidenced, 48.0), table, catalogue, "assessments:0:1")
    ((evaluating, _),) = on_tick(table, AS_OF + timedelta(days=31), "assessments:0:2", EVERY)
    assert evaluating.state == "evaluating"
    back = replace(evidenced, last_seen=AS_OF + timedelta(days=32), signal_count=6)
    ((resumed, _),) = escalate(assessment(back, 48.0), table, catalogue, "assessments:0:3")
    assert (resumed.state, resumed.change) == ("approved", "updated")
    assert "effect evaluation" in resumed.reason
    extend_at = AS_OF + timedelta(days=50)
    ((extended, _),), result = decide(analyst(resumed, "extend", extend_at), table, "decisions:0:1")
    assert result.accepted and extended.change == "extended"
    # quiet from the decision, not from the last signal (day 32): nothing by day 79
    assert on_tick(table, extend_at + timedelta(days=29), "assessments:0:4", EVERY) == []
    ((again, _),) = on_tick(table, extend_at + timedelta(days=31), "assessments:0:5", EVERY)
    assert again.updated_time == extend_at + STANDARD.quiet_period


def test_requested_evidence_is_flagged_until_new_evidence_comes(
    evidenced: Cluster, catalogue: Catalogue
) -> None:
    table: dict[str, bytes] = {}
    ((issued, _),) = escalate(assessment(evidenced, 48.0), table, catalogue, "assessments:0:1")
    at = AS_OF + timedelta(hours=3)
    ((asked, _),), result = decide(analyst(issued, "request_evidence", at), table, "decisions:0:1")
    assert result.accepted and asked.flags == (EVIDENCE_REQUESTED,)
    _, twice = decide(analyst(asked, "request_evidence", at), table, "decisions:0:2")
    assert not twice.accepted and "requested already" in twice.reason
    grown = replace(evidenced, last_seen=AS_OF + timedelta(days=1), signal_count=9)
    ((updated, _),) = escalate(assessment(grown, 48.0), table, catalogue, "assessments:0:2")
    assert updated.flags == ()


def test_effect_is_judged_by_reports_a_day_before_and_since_the_measures() -> None:
    base = Baseline(AS_OF, AS_OF - timedelta(days=10), {"complaints": 20, "injuries": 2})
    later = AS_OF + timedelta(days=20)
    quiet = evaluate_effect(base, {"complaints": 21, "injuries": 2}, later)
    assert quiet["verdict"] == "effective" and quiet["per_day_before"] == 2.2
    assert quiet["by_feed"]["complaints"]["since"] == 1
    assert evaluate_effect(base, {"complaints": 50, "injuries": 2}, later)["verdict"] == (
        "partly effective"
    )
    assert evaluate_effect(base, {"complaints": 80, "injuries": 9}, later)["verdict"] == (
        "not effective"
    )
    assert evaluate_effect(base, {}, AS_OF)["verdict"] == "too early"


def test_a_rejected_candidate_is_not_raised_again_until_the_evidence_grows(
    evidenced: Cluster, catalogue: Catalogue
) -> None:
    table: dict[str, bytes] = {}
    adopt(replace(STANDARD, approval_from=Grade.IV), table)
    ((candidate, _),) = escalate(assessment(evidenced, 48.0), table, catalogue, "assessments:0:1")
    at = AS_OF + timedelta(hours=1)
    ((rejected, _),), result = decide(analyst(candidate, "reject", at), table, "decisions:0:1")
    assert result.accepted and rejected.state == "rejected"
    same = replace(evidenced, last_seen=AS_OF + timedelta(hours=2), signal_count=7)
    assert escalate(assessment(same, 48.0), table, catalogue, "assessments:0:2") == []
    grown = replace(evidenced, last_seen=AS_OF + timedelta(hours=3), signal_count=8)
    ((again, _),) = escalate(assessment(grown, 48.0), table, catalogue, "assessments:0:3")
    assert (again.change, again.state, again.version) == ("issued", "candidate", 3)


# Regressions found in review: each was a scenario where a re-read, a proposal or an analyst's
# decision made something other than the lifecycle's rules say.


def test_a_re_read_is_graded_with_the_standard_its_first_reading_had(
    evidenced: Cluster, catalogue: Catalogue
) -> None:
    table: dict[str, bytes] = {}
    low = assessment(evidenced, 10.0)  # below grade IV (12) under the default standard
    assert escalate(low, table, catalogue, "assessments:0:10") == []
    lower = {Grade.I: 60.0, Grade.II: 30.0, Grade.III: 15.0, Grade.IV: 8.0}
    adopt(replace(STANDARD, version="lower", thresholds=lower), table, "assessments:0:11")
    assert escalate(low, table, catalogue, "assessments:0:10") == []  # read again after a crash
    ((issued, _),) = escalate(low, table, catalogue, "assessments:0:12")  # a new input
    assert (issued.grade, issued.standard_version) == ("IV", "lower")


def test_a_standard_whose_durations_would_overflow_a_date_is_refused() -> None:
    document = standard_to_dict(STANDARD)
    for name, value in (("quiet_period", 1e8), ("reply_window", 1e300)):
        with pytest.raises(SchemaError) as caught:
            standard_from_dict({**document, name: value})
        assert caught.value.path == f"$.{name}"
    with pytest.raises(SchemaError):
        standard_from_dict({**document, "thresholds": {"I": 800, "II": 45, "III": 24, "IV": 12}})


def test_a_warning_issued_again_starts_a_new_lifetime(
    evidenced: Cluster, catalogue: Catalogue
) -> None:
    table: dict[str, bytes] = {}
    adopt(replace(STANDARD, approval_from=Grade.II), table)
    escalate(assessment(evidenced, 30.0), table, catalogue, "assessments:0:1")  # III, published
    back = replace(evidenced, last_seen=AS_OF + timedelta(days=60), signal_count=9)
    made = escalate(assessment(back, 50.0), table, catalogue, "assessments:0:2")
    assert [w.change for w, _ in made][-2:] == ["lifted", "issued"]
    fresh = made[-1][0]
    at = AS_OF + timedelta(days=60, hours=1)
    _, result = decide(analyst(fresh, "reject", at), table, "decisions:0:1")
    assert result.accepted, result.reason  # a fresh candidate, not a proposal on the old one


def test_the_effect_is_measured_from_the_clusters_first_report_whoever_approved(
    evidenced: Cluster, catalogue: Catalogue
) -> None:
    def effect(approval: bool) -> dict[str, object]:
        table: dict[str, bytes] = {}
        if approval:
            adopt(replace(STANDARD, approval_from=Grade.IV), table)
        ((w, _),) = escalate(assessment(evidenced, 30.0), table, catalogue, "assessments:0:1")
        if approval:
            decide(analyst(w, "approve", AS_OF + timedelta(hours=1)), table, "decisions:0:1")
        more = replace(
            evidenced,
            last_seen=AS_OF + timedelta(days=5),
            signal_count=25,
            feed_counts={"complaints": 24, "injuries": 1},
        )
        escalate(assessment(more, 30.0), table, catalogue, "assessments:0:2")
        made = on_tick(table, AS_OF + timedelta(days=36), "assessments:0:3", EVERY)
        (evaluating,) = [w for w, _ in made if w.state == "evaluating"]
        return evaluating.explanation["effect"]  # type: ignore[no-any-return]

    auto, approved = effect(False), effect(True)
    assert auto["days_before"] == 6.0 and approved["days_before"] == 6.04  # an hour later
    assert auto["verdict"] == approved["verdict"] == "partly effective"


def test_extend_and_request_evidence_keep_the_analysts_grade(
    evidenced: Cluster, catalogue: Catalogue
) -> None:
    for action in ("extend", "request_evidence"):
        table: dict[str, bytes] = {}
        ((w, _),) = escalate(assessment(evidenced, 30.0), table, catalogue, "assessments:0:1")
        at = AS_OF + timedelta(hours=1)
        ((regraded, _),), _ = decide(analyst(w, "regrade", at, grade="IV"), table, "decisions:0:1")
        ((kept, _),), result = decide(analyst(regraded, action, at), table, "decisions:0:2")
        assert result.accepted and kept.grade == "IV"
        same = replace(evidenced, last_seen=AS_OF + timedelta(hours=2))
        assert escalate(assessment(same, 30.0), table, catalogue, "assessments:0:2") == []


def test_a_refused_reply_read_again_is_refused_again(
    evidenced: Cluster, catalogue: Catalogue
) -> None:
    table: dict[str, bytes] = {}
    adopt(replace(STANDARD, approval_from=Grade.IV), table)
    ((candidate, _),) = escalate(assessment(evidenced, 30.0), table, catalogue, "assessments:0:1")
    answer = Reply(
        reply_id="r1", warning_id=candidate.warning_id, text="recalled", replied_by="acme",
        at=AS_OF + timedelta(hours=1),
    )  # fmt: skip
    with pytest.raises(ValueError, match="no reply window"):
        reply(answer, table, "replies:0:5")
    decide(analyst(candidate, "approve", AS_OF + timedelta(hours=2)), table, "decisions:0:7")
    with pytest.raises(ValueError, match="no reply window"):  # the window opened since
        reply(answer, table, "replies:0:5")
    ((replied, _),) = reply(replace(answer, reply_id="r2"), table, "replies:0:6")
    assert replied.change == "replied"


def test_a_quiet_proposal_is_evaluated_like_the_published_warning(
    evidenced: Cluster, catalogue: Catalogue
) -> None:
    table: dict[str, bytes] = {}
    adopt(replace(STANDARD, approval_from=Grade.II), table)
    imported = replace(evidenced, origins=("VN",))
    escalate(assessment(imported, 30.0), table, catalogue, "assessments:0:1")  # III, published
    up = replace(imported, last_seen=AS_OF + timedelta(hours=1))
    ((proposal, none),) = escalate(assessment(up, 50.0), table, catalogue, "assessments:0:2")
    assert (proposal.state, none) == ("candidate", None)
    made = on_tick(table, AS_OF + timedelta(days=40), "assessments:0:3", EVERY)
    assert [w.change for w, _ in made] == ["overdue", "evaluating", "lifted"]
    lifted, withdrawn = made[-1]
    assert "effect" in lifted.explanation and withdrawn is not None
    assert withdrawn.status == "lifted"


def test_a_proposal_on_a_notice_keeps_its_reply_window_and_a_merge_clears_deadlines(
    evidenced: Cluster, catalogue: Catalogue
) -> None:
    table: dict[str, bytes] = {}
    adopt(replace(STANDARD, approval_from=Grade.III), table)
    ((notice, _),) = escalate(assessment(evidenced, 20.0), table, catalogue, "assessments:0:1")
    up = replace(evidenced, last_seen=AS_OF + timedelta(days=1))
    ((proposal, _),) = escalate(assessment(up, 30.0), table, catalogue, "assessments:0:2")
    assert proposal.state == "candidate" and proposal.reply_by == notice.reply_by
    merged = replace(up, last_seen=AS_OF + timedelta(days=2), merged_into="K-survivor")
    ((closed, _),) = escalate(assessment(merged, 30.0), table, catalogue, "assessments:0:3")
    assert (closed.change, closed.decide_by, closed.reply_by, closed.flags) == (
        "merged",
        None,
        None,
        (),
    )
