"""detectors.scoring (hazard, urgency, scope) and detectors.grading (grades, kinds, adjustment)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import orjson
import pytest

from detectors.aberration import latest
from detectors.area import HORIZON_DAYS
from detectors.catalogue import Catalogue
from detectors.grading import (
    QUIET_PERIOD,
    THRESHOLDS,
    Hold,
    authority_for,
    clock_steps,
    decide,
    evidence_floor,
    evolve,
    grade_for,
    kind_for,
    measures_for,
    retire,
    warrants_warning,
)
from detectors.scoring import (
    PRIOR_WEEKLY,
    AlarmGuard,
    assess,
    hazard_factor,
    poisson_upper_tail,
    scope_factor,
    urgency_factor,
)
from detectors.standard import STANDARD
from schemas.codec import dumps
from schemas.records import Assessment, Cluster, Grade, Tick, Warning, WarningKind
from streams.escalation import escalate, on_tick
from streams.stages import score

AS_OF = datetime(2026, 9, 30, 6, 30, tzinfo=UTC)
MakeCluster = Callable[..., Cluster]


def my_tail(observed: int, mean: float) -> float:
    """P(X >= observed) for X ~ Poisson(mean), summed term by term from ``observed`` up."""
    if observed <= 0:
        return 1.0
    return sum(
        math.exp(-mean) * mean**k / math.factorial(k) for k in range(observed, observed + 80)
    )


def my_level(tail: float) -> int:
    """Urgency 1, then 2 / 3 / 4 / 5 below 1e-4 / 1e-6 / 1e-9 / 1e-13 (scoring's docstring)."""
    return 1 + sum(tail < step for step in (1e-4, 1e-6, 1e-9, 1e-13))


def day(d: date | datetime) -> str:
    return (d.date() if isinstance(d, datetime) else d).isoformat()


# --------------------------------------------------------------------------- hazard


@pytest.mark.parametrize(
    ("outcome", "level"),
    [("none", 1), ("minor", 2), ("emergency", 3), ("hospitalised", 4), ("death", 5)],
)
def test_hazard_follows_the_worst_outcome(
    make_cluster: MakeCluster, outcome: str, level: int
) -> None:
    assert hazard_factor(make_cluster(worst_outcome=outcome))[0] == level


def test_a_death_counts_even_if_the_outcome_field_lags(make_cluster: MakeCluster) -> None:
    level, why = hazard_factor(make_cluster(worst_outcome="minor", deaths=1))
    assert level == 5
    assert why["worst_outcome"] == "death"
    assert why["deaths"] == 1


@pytest.mark.parametrize(
    ("outcome", "groups", "level"),
    [
        ("none", ("children",), 1),  # nobody harmed: no step up
        ("minor", ("children",), 3),
        ("emergency", ("elderly",), 4),
        ("hospitalised", ("children", "elderly"), 5),
        ("death", ("elderly",), 5),  # capped at 5
    ],
)
def test_vulnerable_groups_step_hazard_up(
    make_cluster: MakeCluster, outcome: str, groups: tuple[str, ...], level: int
) -> None:
    got, why = hazard_factor(make_cluster(worst_outcome=outcome, vulnerable_groups=groups))
    assert got == level
    assert ("vulnerable_groups" in why) is (outcome != "none")


def test_quality_only_cluster_is_hazard_one(make_cluster: MakeCluster) -> None:
    level, why = hazard_factor(make_cluster(hazard_class=None, worst_outcome="hospitalised"))
    assert level == 1
    assert why == {"hazard_class": None}


# --------------------------------------------------------------------------- urgency


@pytest.mark.parametrize(
    ("observed", "mean"),
    [(0, 2.0), (1, 2.0), (3, 2.0), (10, 2.0), (16, 4.4), (21, 17.2), (28, 4.4), (40, 2.0)],
)
def test_poisson_tail_matches_a_direct_sum(observed: int, mean: float) -> None:
    assert poisson_upper_tail(observed, mean) == pytest.approx(my_tail(observed, mean), rel=1e-9)


def test_poisson_tail_edges() -> None:
    assert poisson_upper_tail(0, 0.0) == 1.0
    assert poisson_upper_tail(1, 0.0) == 0.0
    # P(X >= 1) = 1 - e^-m
    assert poisson_upper_tail(1, 2.0) == pytest.approx(1 - math.exp(-2.0))


@pytest.mark.parametrize(
    ("recent", "level"),
    # baseline 2.0/week: P(X>=9) = 2.4e-4, P(X>=10) = 4.6e-5, P(X>=12) = 1.4e-6,
    # P(X>=13) = 2.1e-7, P(X>=15) = 3.9e-9, P(X>=16) = 4.8e-10, P(X>=19) = 6.5e-13,
    # P(X>=20) = 6.4e-14
    [
        (0, 1),
        (5, 1),
        (9, 1),
        (10, 2),
        (12, 2),
        (13, 3),
        (15, 3),
        (16, 4),
        (19, 4),
        (20, 5),
        (30, 5),
    ],
)
def test_urgency_of_a_young_cluster_against_the_prior(
    make_cluster: MakeCluster, recent: int, level: int
) -> None:
    # Founded 3 days ago: no known week, so the baseline is the prior, 2 per week.
    cluster = make_cluster(
        first_seen=AS_OF - timedelta(days=3),
        daily_counts={day(AS_OF - timedelta(days=2)): recent} if recent else {},
    )
    got, why = urgency_factor(cluster, AS_OF)
    assert why["baseline_per_week"] == PRIOR_WEEKLY == 2.0
    assert why["baseline_weeks"] == 0
    assert why["last_7_days"] == recent
    assert my_level(my_tail(recent, 2.0)) == level  # the table above is right
    assert got == level
    assert why["p_value"] == pytest.approx(my_tail(recent, 2.0), rel=1e-2)


def old_cluster(make_cluster: MakeCluster, recent: int) -> Cluster:
    """100 days old; 5 risk signals in each of the 4 weeks before the last one."""
    daily = {day(AS_OF - timedelta(days=d)): 5 for d in (10, 17, 24, 31)}
    daily[day(AS_OF - timedelta(days=40))] = 50  # before the baseline: ignored
    if recent:
        daily[day(AS_OF - timedelta(days=1))] = recent
    return make_cluster(first_seen=AS_OF - timedelta(days=100), daily_counts=daily)


@pytest.mark.parametrize("recent", [5, 10, 16, 18, 20, 24, 28])
def test_urgency_of_an_old_cluster_against_its_own_baseline(
    make_cluster: MakeCluster, recent: int
) -> None:
    got, why = urgency_factor(old_cluster(make_cluster, recent), AS_OF)
    # 20 in the baseline weeks plus one prior week of 2, over 5 weeks.
    assert why["baseline_per_week"] == pytest.approx((20 + 2) / 5)
    assert why["baseline_weeks"] == 4
    assert got == my_level(my_tail(recent, 4.4))


def test_urgency_levels_of_the_old_cluster_by_hand(make_cluster: MakeCluster) -> None:
    # P(X>=5|4.4) = 0.45, P(X>=16) = 1.6e-5, P(X>=18) = 9.5e-7, P(X>=24) = 6.6e-11,
    # P(X>=28) = 4.9e-14
    levels = [urgency_factor(old_cluster(make_cluster, n), AS_OF)[0] for n in (5, 16, 18, 24, 28)]
    assert levels == [1, 2, 3, 4, 5]


def test_steady_background_is_not_urgent_however_high(make_cluster: MakeCluster) -> None:
    daily = {day(AS_OF - timedelta(days=d)): 30 for d in range(0, 100)}
    cluster = make_cluster(first_seen=AS_OF - timedelta(days=100), daily_counts=daily)
    level, why = urgency_factor(cluster, AS_OF)
    assert why["last_7_days"] == 210
    assert why["baseline_per_week"] == pytest.approx((840 + 2) / 5)
    assert level == 1


def test_partly_known_weeks_are_filled_with_the_prior(make_cluster: MakeCluster) -> None:
    # 2 full weeks known before the last one: 3 prior weeks at 2 each, plus 4 real signals.
    cluster = make_cluster(
        first_seen=AS_OF - timedelta(days=7 + 15),
        daily_counts={day(AS_OF - timedelta(days=12)): 4, day(AS_OF): 13},
    )
    level, why = urgency_factor(cluster, AS_OF)
    assert why["baseline_weeks"] == 2
    assert why["baseline_per_week"] == pytest.approx((4 + 3 * 2) / 5)
    assert level == my_level(my_tail(13, 2.0)) == 3


def test_the_day_a_week_ago_belongs_to_the_baseline(make_cluster: MakeCluster) -> None:
    cluster = make_cluster(
        first_seen=AS_OF - timedelta(days=3),
        daily_counts={day(AS_OF - timedelta(days=7)): 9, day(AS_OF - timedelta(days=6)): 1},
    )
    _, why = urgency_factor(cluster, AS_OF)
    assert why["last_7_days"] == 1


# --------------------------------------------------------------------------- scope


@pytest.mark.parametrize(
    ("fields", "level"),
    [
        ({}, 1),
        ({"region_counts": {"上海": 3, "江苏": 1}}, 1),
        ({"region_counts": {"上海": 1, "江苏": 1, "浙江": 1}}, 2),
        ({"region_counts": dict.fromkeys("京津沪渝冀晋", 1)}, 3),
        ({"risk_counts": {"complaints": 4, "injuries": 1}}, 2),
        ({"import_quantity": 4200.0}, 2),
        ({"sales_count": 5000}, 2),
        ({"sales_count": 4999}, 1),
        ({"risk_counts": {"listings": 5}}, 2),
        ({"risk_counts": {"listings": 4}}, 1),
        (
            {
                "region_counts": dict.fromkeys("京津沪渝冀晋辽吉", 1),
                "risk_counts": {"complaints": 9, "injuries": 3, "listings": 6},
                "import_quantity": 10.0,
                "sales_count": 20000,
            },
            5,
        ),
    ],
)
def test_scope_increments(make_cluster: MakeCluster, fields: dict, level: int) -> None:
    assert scope_factor(make_cluster(**fields))[0] == level


# --------------------------------------------------------------------------- assess


def test_assess_multiplies_the_factors_and_explains_them(
    make_cluster: MakeCluster, catalogue: Catalogue
) -> None:
    cluster = make_cluster(
        first_seen=AS_OF - timedelta(days=3),
        last_seen=AS_OF,
        worst_outcome="hospitalised",  # 4
        daily_counts={day(AS_OF): 13},  # 3 against the prior
        region_counts={"上海": 5, "江苏": 4, "浙江": 4},  # 2
        vulnerable_groups=(),
    )
    a = assess(cluster, catalogue)
    assert a.as_of == AS_OF  # the last signal by default
    assert (a.hazard, a.urgency, a.scope) == (4, 3, 2)
    assert a.score == 24.0
    assert a.explanation["method"] == "rules-v1"
    assert a.explanation["key_product"] is True
    assert set(a.explanation) >= {"hazard", "urgency", "scope"}


def test_assess_as_of_a_later_time_sees_the_burst_fade(
    make_cluster: MakeCluster, catalogue: Catalogue
) -> None:
    cluster = make_cluster(
        first_seen=AS_OF - timedelta(days=3), last_seen=AS_OF, daily_counts={day(AS_OF): 13}
    )
    assert assess(cluster, catalogue).urgency == 3
    assert assess(cluster, catalogue, AS_OF + timedelta(days=8)).urgency == 1


def test_cosmetics_are_not_a_key_product(make_cluster: MakeCluster, catalogue: Catalogue) -> None:
    a = assess(make_cluster(category="cosmetics"), catalogue)
    assert a.explanation["key_product"] is False


# --------------------------------------------------------------------------- grading rules


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        (125, Grade.I),
        (80, Grade.I),
        (79.9, Grade.II),
        (45, Grade.II),
        (44.9, Grade.III),
        (24, Grade.III),
        (23.9, Grade.IV),
        (12, Grade.IV),
        (11.9, None),
        (1, None),
    ],
)
def test_grade_thresholds(score: float, grade: Grade | None) -> None:
    assert grade_for(score) is grade


def test_threshold_table() -> None:
    assert THRESHOLDS == {Grade.I: 80, Grade.II: 45, Grade.III: 24, Grade.IV: 12}


@pytest.mark.parametrize(
    ("fields", "ok"),
    [
        ({"risk_counts": {"complaints": 1}}, False),  # one complaint is never a warning
        ({"risk_counts": {"complaints": 1}, "deaths": 1}, True),
        ({"risk_counts": {"complaints": 1, "injuries": 1}}, False),
        ({"risk_counts": {"complaints": 2, "injuries": 1}}, True),
        ({"risk_counts": {"complaints": 4}}, False),
        ({"risk_counts": {"complaints": 5}}, True),
        ({"risk_counts": {}, "feed_counts": {"declarations": 40}}, False),
    ],
)
def test_evidence_floor(make_cluster: MakeCluster, fields: dict, ok: bool) -> None:
    assert evidence_floor(make_cluster(**fields)) is ok


def assessment(cluster: Cluster, score: float, urgency: int = 3) -> Assessment:
    return Assessment(
        cluster=cluster,
        as_of=cluster.last_seen,
        hazard=4,
        urgency=urgency,
        scope=3,
        score=score,
        explanation={"method": "test"},
    )


def test_urgency_gate(evidenced: Cluster) -> None:
    assert warrants_warning(assessment(evidenced, 100, urgency=2))
    assert not warrants_warning(assessment(evidenced, 100, urgency=1))
    assert warrants_warning(assessment(replace(evidenced, deaths=1), 100, urgency=1))


@pytest.mark.parametrize(
    ("grade", "origins", "imported", "kind"),
    [
        (Grade.I, ("VN",), 0.0, WarningKind.ALERT_NOTIFICATION),
        (Grade.III, ("KR",), 0.0, WarningKind.ALERT_NOTIFICATION),
        (Grade.III, (), 12.0, WarningKind.ALERT_NOTIFICATION),  # declared imports
        (Grade.IV, ("VN",), 0.0, WarningKind.WARNING_NOTICE),
        (Grade.I, ("CN",), 0.0, WarningKind.WARNING_ANNOUNCEMENT),
        (Grade.II, (), 0.0, WarningKind.WARNING_ANNOUNCEMENT),
        (Grade.III, ("CN",), 0.0, WarningKind.WARNING_NOTICE),
        (Grade.IV, (), 0.0, WarningKind.WARNING_NOTICE),
    ],
)
def test_kind_by_grade_and_border(
    make_cluster: MakeCluster,
    grade: Grade,
    origins: tuple[str, ...],
    imported: float,
    kind: WarningKind,
) -> None:
    cluster = make_cluster(origins=origins, import_quantity=imported)
    assert kind_for(grade, cluster) is kind


def test_authority() -> None:
    assert "State Council" in authority_for(Grade.I)
    for grade in (Grade.II, Grade.III, Grade.IV):
        assert authority_for(grade) == "competent quality-safety authority"


def test_measures_are_proportionate() -> None:
    alert = WarningKind.ALERT_NOTIFICATION
    assert measures_for(Grade.I, alert)[0] == "port targeting: hold all matching lines"
    assert "ban import" in measures_for(Grade.I, alert)
    assert measures_for(Grade.III, alert)[0] == "port targeting: inspect matching lines"
    assert measures_for(Grade.IV, alert)[0] == "port targeting: sample matching lines"
    assert "suspend sales" in measures_for(Grade.I, WarningKind.WARNING_ANNOUNCEMENT)
    assert measures_for(Grade.IV, WarningKind.WARNING_ANNOUNCEMENT) == ("warn consumers",)
    for kind in WarningKind:
        sizes = [len(measures_for(g, kind)) for g in Grade]
        assert sizes == sorted(sizes, reverse=True)


# --------------------------------------------------------------------------- decide / lift


def test_no_warning_below_the_floor_or_the_grades(
    make_cluster: MakeCluster, evidenced: Cluster
) -> None:
    thin = make_cluster(risk_counts={"complaints": 1}, signal_count=1)
    assert decide(None, assessment(thin, 100)) is None
    assert decide(None, assessment(evidenced, 11.0)) is None
    assert decide(None, assessment(evidenced, 100, urgency=1)) is None


def test_issue(evidenced: Cluster) -> None:
    w = decide(None, assessment(evidenced, 48.0))
    assert w is not None
    assert w.warning_id == "W-0123456789ab"
    assert (w.version, w.status, w.change) == (1, "active", "issued")
    assert (w.grade, w.colour, w.peak_grade, w.previous_grade) == ("II", "orange", "II", None)
    assert w.kind == WarningKind.WARNING_ANNOUNCEMENT  # domestic grade II
    assert w.authority == "competent quality-safety authority"
    assert w.title == "Grade II physical risk: 乐途儿童折叠滑板车"
    assert w.start_time == w.updated_time == AS_OF
    assert w.evidence == evidenced.member_ids
    assert w.scope_regions == ("上海", "江苏")
    assert w.warning_items[0] == "5 risk signals from complaints, injuries"
    assert "affects children" in w.warning_items
    assert w.measures == measures_for(Grade.II, WarningKind.WARNING_ANNOUNCEMENT)
    assert (w.score, w.hazard, w.urgency, w.scope) == (48.0, 4, 3, 3)


@pytest.fixture
def grade_ii(evidenced: Cluster) -> Warning:
    w = decide(None, assessment(evidenced, 48.0))
    assert w is not None and w.grade == "II"
    return w


def test_upgrade_is_immediate(evidenced: Cluster, grade_ii: Warning) -> None:
    later = replace(evidenced, last_seen=AS_OF + timedelta(days=1))
    w = decide(grade_ii, assessment(later, 80.0))
    assert w is not None
    assert (w.version, w.change, w.grade, w.colour) == (2, "upgraded", "I", "red")
    assert (w.previous_grade, w.peak_grade) == ("II", "I")
    assert w.start_time == grade_ii.start_time  # still the same warning
    assert w.updated_time == AS_OF + timedelta(days=1)
    assert "State Council" in w.authority


def _day(cluster: Cluster, day: float) -> Cluster:
    return replace(cluster, last_seen=AS_OF + timedelta(days=day))


def _walk(warning: Warning, cluster: Cluster, scores: list[tuple[float, float]]) -> list[Warning]:
    """Feed (day, score) assessments through :func:`evolve`; the versions it issued."""
    hold: Hold | None = None
    versions = []
    for day, value in scores:
        step = evolve(warning, assessment(_day(cluster, day), value), hold)
        hold = step.hold
        if step.warning is not None:
            warning = step.warning
            versions.append(warning)
    return versions


def test_a_downgrade_waits_until_the_evidence_stayed_lower_for_the_hold(
    evidenced: Cluster, grade_ii: Warning
) -> None:
    assert STANDARD.downgrade_hold == timedelta(days=7)
    # grade III evidence (24 <= score < 45) every day: nothing for six days, then grade III
    versions = _walk(grade_ii, evidenced, [(d, 30.0) for d in range(1, 9)])
    assert [(w.change, w.grade, w.updated_time) for w in versions] == [
        ("downgraded", "III", AS_OF + timedelta(days=8))
    ]
    down = versions[0]
    assert (down.previous_grade, down.peak_grade, down.version) == ("II", "II", 2)
    assert "below grade II" in down.reason and "7 days" in down.reason
    assert down.decided_by == "riskwire" and down.standard_version == STANDARD.version


def test_a_downgrade_goes_to_the_highest_grade_reached_while_lower(
    evidenced: Cluster, grade_ii: Warning
) -> None:
    top = decide(grade_ii, assessment(evidenced, 90.0))
    assert top is not None and top.grade == "I"
    # below grade I for a week: mostly grade IV evidence, one day of grade II
    versions = _walk(top, evidenced, [(1, 15.0), (2, 50.0), (3, 14.0), (8, 13.0)])
    assert [(w.change, w.grade) for w in versions] == [("downgraded", "II")]
    # evidence below every grade for a week: grade IV, the quiet period lifts it later
    versions = _walk(versions[0], evidenced, [(9, 5.0), (16, 5.0)])
    assert [(w.change, w.grade, w.peak_grade) for w in versions] == [("downgraded", "IV", "I")]


def test_a_day_back_at_the_grade_restarts_the_hold(evidenced: Cluster, grade_ii: Warning) -> None:
    scores = [(1, 30.0), (5, 30.0), (6, 46.0), (10, 30.0), (12, 30.0)]
    assert _walk(grade_ii, evidenced, scores) == []  # lower 1-5, back on 6, lower again 10-12


def test_evidence_alternating_around_a_boundary_changes_the_grade_at_most_once_a_hold(
    evidenced: Cluster, grade_ii: Warning
) -> None:
    for low, high in ((44.0, 46.0), (79.0, 81.0), (23.0, 25.0)):
        scores = [(d, high if d % 2 else low) for d in range(1, 31)]
        versions = _walk(grade_ii, evidenced, scores)
        changes = [w for w in versions if w.change in ("upgraded", "downgraded")]
        assert len(changes) <= 1 + 30 // STANDARD.downgrade_hold.days, (low, high, changes)
        assert len(changes) <= 1  # an upgrade at once, never a downgrade while it alternates


def test_a_burst_that_is_over_lowers_the_grade(evidenced: Cluster, grade_ii: Warning) -> None:
    """The urgency gate decides whether to issue, not whether a warning keeps its grade: with
    urgency back to 1 the score falls, and so, after the hold, does the grade (the scooter
    warning of the demo stayed red at score 25 before)."""
    top = decide(grade_ii, assessment(evidenced, 90.0))
    assert top is not None and top.grade == "I"
    hold: Hold | None = None
    warning: Warning = top
    for day in range(1, 9):
        step = evolve(warning, assessment(_day(evidenced, day), 25.0, urgency=1), hold)
        hold = step.hold
        warning = step.warning or warning
    assert (warning.change, warning.grade) == ("downgraded", "III")


def test_unchanged_warning_gives_nothing(evidenced: Cluster, grade_ii: Warning) -> None:
    assert decide(grade_ii, assessment(evidenced, 48.0)) is None
    assert decide(grade_ii, assessment(replace(evidenced, signal_count=7), 50.0)) is None


def test_update_when_evidence_grows_by_half(evidenced: Cluster, grade_ii: Warning) -> None:
    grown = replace(
        evidenced,
        signal_count=8,  # 1.5 x 5 = 7.5
        member_ids=(*evidenced.member_ids, "injuries:IR2", "injuries:IR3", "complaints:CP9"),
    )
    w = decide(grade_ii, assessment(grown, 48.0))
    assert w is not None
    assert (w.change, w.grade, w.version) == ("updated", "II", 2)
    assert len(w.evidence) == 8


def test_update_when_the_kind_changes(evidenced: Cluster, grade_ii: Warning) -> None:
    imported = replace(evidenced, origins=("CN", "VN"))
    w = decide(grade_ii, assessment(imported, 48.0))
    assert w is not None
    assert (w.change, w.grade) == ("updated", "II")
    assert w.kind == WarningKind.ALERT_NOTIFICATION
    assert w.measures[0] == "port targeting: hold matching lines"


def test_quiet_too_long_a_warning_is_evaluated_then_lifted(grade_ii: Warning) -> None:
    last = AS_OF
    evaluation = STANDARD.evaluation_period
    assert timedelta(days=30) == QUIET_PERIOD and timedelta(days=7) == evaluation
    assert clock_steps(grade_ii, last, last + timedelta(days=29, hours=23)) == []
    (evaluating,) = clock_steps(grade_ii, last, last + timedelta(days=30))
    assert (evaluating.status, evaluating.state, evaluating.change) == (
        "active",
        "evaluating",
        "evaluating",
    )
    assert evaluating.updated_time == last + QUIET_PERIOD
    assert clock_steps(evaluating, last, last + timedelta(days=36)) == []
    (lifted,) = clock_steps(evaluating, last, last + timedelta(days=40))
    assert (lifted.status, lifted.change, lifted.state, lifted.version) == (
        "lifted",
        "lifted",
        "lifted",
        3,
    )
    assert lifted.previous_grade == "II"
    assert lifted.updated_time == last + QUIET_PERIOD + evaluation
    assert lifted.start_time == grade_ii.start_time
    assert clock_steps(lifted, last, last + timedelta(days=90)) == []  # only once
    # one late tick makes both versions, dated as if noticed on time
    both = clock_steps(grade_ii, last, last + timedelta(days=90))
    assert [w.change for w in both] == ["evaluating", "lifted"]
    assert both == [evaluating, lifted]


def test_a_lifted_warning_can_be_issued_again(evidenced: Cluster, grade_ii: Warning) -> None:
    *_, lifted = clock_steps(grade_ii, AS_OF, AS_OF + timedelta(days=38))
    assert lifted.status == "lifted"
    again = replace(evidenced, last_seen=AS_OF + timedelta(days=40))
    w = decide(lifted, assessment(again, 30.0))
    assert w is not None
    assert (w.change, w.status, w.grade, w.version) == ("issued", "active", "III", 4)
    assert w.start_time == AS_OF + timedelta(days=40)  # a new start
    assert w.peak_grade == "II"
    assert decide(lifted, assessment(again, 5.0)) is None


def test_a_merged_clusters_warning_is_closed_and_names_its_successor(
    evidenced: Cluster, grade_ii: Warning
) -> None:
    merged = replace(evidenced, merged_into="K-survivor", last_seen=AS_OF + timedelta(days=2))
    closed = retire(grade_ii, merged)
    assert closed is not None
    assert (closed.status, closed.change, closed.version) == ("lifted", "merged", 2)
    assert closed.superseded_by == "W-survivor"
    assert closed.explanation["merged_into"] == "K-survivor"
    assert closed.updated_time == AS_OF + timedelta(days=2)
    assert closed.evidence == grade_ii.evidence  # its provenance stays readable
    assert retire(closed, merged) is None  # only once
    assert retire(grade_ii, evidenced) is None  # not merged: nothing to close


def test_the_survivors_warning_takes_on_a_merged_clusters_evidence_at_once(
    evidenced: Cluster, grade_ii: Warning
) -> None:
    assert grade_ii.merged_from == ()
    survivor = replace(
        evidenced,
        signal_count=6,  # not grown by half: without the merge, no new version
        member_ids=(*evidenced.member_ids, "complaints:CP8"),
        merged_from=("K-younger",),
    )
    assert decide(grade_ii, assessment(replace(survivor, merged_from=()), 48.0)) is None
    w = decide(grade_ii, assessment(survivor, 48.0))
    assert w is not None
    assert (w.change, w.version, w.merged_from) == ("updated", 2, ("K-younger",))
    assert "complaints:CP8" in w.evidence
    assert decide(w, assessment(survivor, 48.0)) is None  # once


def test_escalate_lifts_a_merged_clusters_alert_and_its_port_control(
    evidenced: Cluster, catalogue: Catalogue
) -> None:
    """The pipeline publishes a merged-away cluster once more, under its own id: its active
    alert and the block-and-control it asked of customs are both lifted."""
    imported = replace(evidenced, origins=("CN", "VN"))
    alert = decide(None, assessment(imported, 48.0))
    assert alert is not None and alert.kind == WarningKind.ALERT_NOTIFICATION
    warnings = {imported.cluster_id: dumps(alert)}
    last = score(replace(imported, merged_into="K-survivor"), catalogue)
    assert last.score == 0.0 and last.explanation == {"merged_into": "K-survivor"}
    ((warning, control),) = escalate(last, warnings, catalogue)
    assert control is not None
    assert (warning.status, warning.change, warning.state) == ("lifted", "merged", "lifted")
    assert (control.status, control.warning_id) == ("lifted", alert.warning_id)
    assert escalate(last, warnings, catalogue) == []  # a replay changes nothing


def test_urgency_explanation_carries_each_detectors_verdict(
    make_cluster: Callable[..., Cluster],
) -> None:
    as_of = datetime(2026, 10, 20, 12, tzinfo=UTC)
    quiet = {(as_of.date() - timedelta(days=d)).isoformat(): 1 for d in range(1, 30, 3)}
    burst = make_cluster(
        daily_counts={**quiet, as_of.date().isoformat(): 9},
        first_seen=as_of - timedelta(days=40),
    )
    _, why = urgency_factor(burst, as_of)
    verdicts = {d["method"]: d for d in why["detectors"]}  # type: ignore[attr-defined]
    assert set(verdicts) == {"ears-c1", "ears-c2", "ears-c3", "cusum"}
    c1 = verdicts["ears-c1"]
    # the 7 days before as_of hold reports on days -1, -4, -7: mean 3/7, sample sd 0.535
    assert c1["observed"] == 9 and c1["expected"] == pytest.approx(3 / 7, abs=0.01)
    assert c1["alarm"] is True and c1["threshold"] < 9
    # a day without risk reports runs no detector
    _, calm = urgency_factor(burst, as_of + timedelta(days=1))
    assert "detectors" not in calm


# --------------------------------------------------------------------------- area series

AREA_AS_OF = datetime(2026, 10, 20, 12, tzinfo=UTC)


def area_counts(by_days_back: dict[int, int], first_back: int) -> dict[str, int]:
    """An area series counted since ``first_back`` days before AREA_AS_OF (0 there if absent)."""
    start = {day(AREA_AS_OF - timedelta(days=first_back)): 0}
    return start | {day(AREA_AS_OF - timedelta(days=d)): n for d, n in by_days_back.items()}


def area_verdicts(why: dict[str, object]) -> dict[str, dict[str, object]]:
    area = why["area"]
    assert isinstance(area, dict)
    return {d["method"]: d for d in area["detectors"]}


def ears_by_hand(window: list[int], k: float) -> tuple[float, float]:
    """Expected and threshold of EARS C1/C2: mean, and mean + k sd with sd floored at 0.5."""
    mean = sum(window) / len(window)
    sd = math.sqrt(sum((x - mean) ** 2 for x in window) / (len(window) - 1))
    return mean, mean + k * max(sd, 0.5)


def test_urgency_explains_the_area_detectors_on_a_hand_built_series(
    make_cluster: MakeCluster,
) -> None:
    # days back 1..9 hold 1, 0, 2, 0, 1, 0, 1, 3, 0; today 7; counted for 30 days
    before = [1, 0, 2, 0, 1, 0, 1, 3, 0]
    counts = area_counts({0: 7} | {d: n for d, n in enumerate(before, 1) if n}, first_back=29)
    cluster = make_cluster(area_key="childrens_products|辽宁", area_daily_counts=counts)
    _, why = urgency_factor(cluster, AREA_AS_OF)
    area = why["area"]
    assert isinstance(area, dict)
    assert area["key"] == "childrens_products|辽宁" and area["days"] == 30
    verdicts = area_verdicts(why)
    assert set(verdicts) == {"ears-c1", "ears-c2", "ears-c3", "cusum"}
    for v in verdicts.values():
        assert v["observed"] == 7
        assert {"expected", "threshold", "score", "alarm"} <= v.keys()
    c1_mean, c1_limit = ears_by_hand(before[:7], 3.0)  # t-7..t-1
    c2_mean, c2_limit = ears_by_hand(before[2:9], 3.0)  # t-9..t-3
    assert verdicts["ears-c1"]["expected"] == pytest.approx(c1_mean, abs=0.005)
    assert verdicts["ears-c1"]["threshold"] == pytest.approx(c1_limit, abs=0.005)
    assert verdicts["ears-c2"]["expected"] == pytest.approx(c2_mean, abs=0.005)
    assert verdicts["ears-c2"]["threshold"] == pytest.approx(c2_limit, abs=0.005)
    assert verdicts["ears-c1"]["alarm"] is True and verdicts["ears-c2"]["alarm"] is True
    assert verdicts["cusum"]["expected"] is not None  # 30 days: CUSUM has its 7 + 7 + 1


def test_area_verdicts_do_not_move_urgency(make_cluster: MakeCluster) -> None:
    own = {day(AREA_AS_OF): 2}
    quiet = make_cluster(daily_counts=own, first_seen=AREA_AS_OF - timedelta(days=3))
    burst = replace(
        quiet, area_key="food|辽宁", area_daily_counts=area_counts({0: 40}, first_back=40)
    )
    level, why = urgency_factor(burst, AREA_AS_OF)
    assert any(v["alarm"] for v in area_verdicts(why).values())
    assert level == urgency_factor(quiet, AREA_AS_OF)[0]
    assert "area" not in urgency_factor(quiet, AREA_AS_OF)[1]


def test_a_three_day_old_area_series_is_pending(make_cluster: MakeCluster) -> None:
    counts = area_counts({0: 9, 1: 1}, first_back=2)
    cluster = make_cluster(area_key="food|辽宁", area_daily_counts=counts)
    _, why = urgency_factor(cluster, AREA_AS_OF)
    area = why["area"]
    assert isinstance(area, dict) and area["days"] == 3  # not padded back to 56 days
    for v in area_verdicts(why).values():
        assert v["observed"] == 9
        assert v["expected"] is None and v["threshold"] is None and v["score"] is None
        assert v["alarm"] is False


@pytest.mark.parametrize(("today", "alarm"), [(0, False), (2, False), (3, False), (5, True)])
def test_an_all_zero_area_baseline(make_cluster: MakeCluster, today: int, alarm: bool) -> None:
    counts = area_counts({0: today} if today else {}, first_back=55)
    cluster = make_cluster(area_key="food|辽宁", area_daily_counts=counts)
    _, why = urgency_factor(cluster, AREA_AS_OF)
    verdicts = area_verdicts(why)
    for method in ("ears-c1", "ears-c2", "ears-c3"):
        # a baseline of zeros: mean 0, sd floored at 0.5, so C1 and C2 alarm above 3 x 0.5
        assert verdicts[method]["expected"] == 0
    assert verdicts["ears-c1"]["threshold"] == verdicts["ears-c2"]["threshold"] == 1.5
    assert verdicts["cusum"]["expected"] == pytest.approx(0.5 / 28, abs=0.005)  # half an event
    # 1 or 2 reports exceed the EARS limit, but a day needs 3 to alarm, and 5 in its last 4 days
    assert {v["alarm"] for v in verdicts.values()} == {alarm}


@pytest.mark.parametrize(
    ("days", "guard", "alarm"),
    [
        ({0: 3}, AlarmGuard(), False),  # 3 cases in the last 4 days: Farrington's guard holds
        ({0: 3, 3: 2}, AlarmGuard(), True),  # 5 in the last 4 days, the day included
        ({0: 3, 4: 2}, AlarmGuard(), False),  # the 2 are 5 days back: outside the window
        ({0: 3}, AlarmGuard(min_cases=3), True),  # configurable: 3 in 4 will do
        ({0: 4}, AlarmGuard(min_cases=0, min_day=5), False),  # the day itself needs 5 here
    ],
)
def test_the_five_in_four_guard_on_sparse_series(
    make_cluster: MakeCluster, days: dict[int, int], guard: AlarmGuard, alarm: bool
) -> None:
    counts = area_counts(days, first_back=55)
    cluster = make_cluster(area_key="food|辽宁", area_daily_counts=counts)
    _, why = urgency_factor(cluster, AREA_AS_OF, guard)
    ears = {m: v for m, v in area_verdicts(why).items() if m.startswith("ears")}
    assert {v["alarm"] for v in ears.values()} == {alarm}
    with pytest.raises(ValueError, match="window"):
        AlarmGuard(window_days=0)


def test_no_area_verdicts_without_a_series_or_before_it(make_cluster: MakeCluster) -> None:
    assert "area" not in urgency_factor(make_cluster(), AREA_AS_OF)[1]
    counts = area_counts({}, first_back=-2)  # counting began two days after as_of
    cluster = make_cluster(area_key="food|辽宁", area_daily_counts=counts)
    assert "area" not in urgency_factor(cluster, AREA_AS_OF)[1]


def test_farrington_cannot_judge_an_area_series() -> None:
    # why scoring leaves it out: an area keeps about two months, Farrington needs a past year
    point = latest([0] * (HORIZON_DAYS - 1) + [5], "farrington", period=365, fallback=None)
    assert point.expected is None and point.alarm is False


def test_escalate_read_again_at_the_same_position_gives_the_same_outputs(
    evidenced: Cluster, catalogue: Catalogue
) -> None:
    """After kill -9 the warnings table may hold a version whose message never reached the
    topic. Read again at the same position, escalate returns that version and its control
    byte for byte, where deciding anew would find nothing changed and publish nothing."""
    imported = replace(evidenced, origins=("CN", "VN"))
    warnings: dict[str, bytes] = {}
    first = escalate(assessment(imported, 48.0), warnings, catalogue, "assessments:1:7")
    assert len(first) == 1 and first[0][1] is not None
    again = escalate(assessment(imported, 48.0), warnings, catalogue, "assessments:1:7")
    assert dumps(again) == dumps(first)
    # the next input decides anew: nothing changed, nothing to publish
    assert escalate(assessment(imported, 48.0), warnings, catalogue, "assessments:1:8") == []


def test_escalate_re_reading_several_inputs_replays_their_decisions_not_new_ones(
    evidenced: Cluster, catalogue: Catalogue
) -> None:
    """kill -9 with three assessments of one cluster uncommitted: grade II issued, nothing,
    upgraded to I. All three are read again against the table that already holds grade I; each
    gets exactly what it decided the first time. Deciding anew would have 'downgraded' to II
    on the first re-read and upgraded again on the last: two versions that never were."""
    imported = replace(evidenced, origins=("CN", "VN"))
    inputs = [
        ("assessments:2:40", assessment(imported, 50.0)),
        ("assessments:2:41", assessment(imported, 52.0)),
        ("assessments:2:42", assessment(imported, 90.0)),
    ]
    warnings: dict[str, bytes] = {}
    first = [escalate(a, warnings, catalogue, pos) for pos, a in inputs]
    assert [[(w.version, w.grade) for w, _ in f] for f in first] == [[(1, "II")], [], [(2, "I")]]
    table = dict(warnings)
    again = [escalate(a, warnings, catalogue, pos) for pos, a in inputs]
    assert dumps(again) == dumps(first)
    assert warnings == table  # nothing decided twice
    # the first input after the re-read decides against the latest version
    later = escalate(assessment(imported, 91.0), warnings, catalogue, "assessments:2:43")
    assert later == []


def test_escalate_keeps_the_downgrade_clock_in_its_table_across_a_restart(
    evidenced: Cluster, catalogue: Catalogue
) -> None:
    """The clock is state: a worker restarted on the recovered table half way through the hold
    downgrades on the same day as one that ran through, with the same bytes, and inputs read
    again after the crash add nothing."""
    inputs = [(0, 48.0)] + [(d, 30.0) for d in range(1, 9)]

    def run(table: dict[str, bytes], items: list[tuple[int, float]], start: int) -> list[bytes]:
        out = []
        for offset, (day, value) in enumerate(items, start=start):
            where = f"assessments:0:{offset}"
            made = escalate(assessment(_day(evidenced, day), value), table, catalogue, where)
            out += [dumps(warning) for warning, _ in made]
        return out

    straight: dict[str, bytes] = {}
    through = run(straight, inputs, 0)
    assert [orjson.loads(w)["change"] for w in through] == ["issued", "downgraded"]
    table: dict[str, bytes] = {}
    before = run(table, inputs[:5], 0)
    recovered = dict(table)  # what the changelog holds
    again = run(recovered, inputs[3:5], 3)  # read again from an earlier committed offset
    after = run(recovered, inputs[5:], 5)
    assert again == [] and before + after == through
    assert recovered == straight


def test_quiet_too_long_a_warning_is_lifted_by_a_tick_or_by_its_next_assessment_alike(
    evidenced: Cluster, catalogue: Catalogue
) -> None:
    """The clock's versions are dated when their deadline passed, so whether a clock tick or a
    late report notices them first, they have the same bytes; the control is withdrawn with the
    lift, and the effect evaluation compares the reports a day before and since the measures."""
    imported = replace(evidenced, origins=("CN", "VN"))
    gone = QUIET_PERIOD + STANDARD.evaluation_period
    late = assessment(replace(imported, last_seen=AS_OF + gone + timedelta(days=3)), 50.0)

    by_tick: dict[str, bytes] = {}
    escalate(assessment(imported, 48.0), by_tick, catalogue, "assessments:0:1")
    early = Tick(tick=AS_OF + QUIET_PERIOD - timedelta(hours=1))
    assert on_tick(by_tick, early.tick, "assessments:0:2", lambda k: True) == []
    not_mine = on_tick(by_tick, late.as_of, "assessments:0:3", lambda k: False)
    assert not_mine == []  # another partition's tick
    (evaluating, kept), (lifted, withdrawn) = on_tick(
        by_tick, late.as_of, "assessments:0:4", lambda k: True
    )
    assert (evaluating.state, evaluating.version, kept) == ("evaluating", 2, None)
    assert (lifted.status, lifted.change, lifted.state, lifted.version) == (
        "lifted",
        "lifted",
        "lifted",
        3,
    )
    assert lifted.updated_time == AS_OF + gone
    effect = lifted.explanation["effect"]
    assert effect["verdict"] == "effective" and effect["per_day_since"] == 0
    assert effect["measures_since"] == AS_OF.isoformat()
    assert withdrawn is not None and (withdrawn.status, withdrawn.version) == ("lifted", 3)
    again = on_tick(by_tick, late.as_of, "assessments:0:4", lambda k: True)
    made_by_tick = [(evaluating, kept), (lifted, withdrawn)]
    assert dumps(again) == dumps(made_by_tick)  # a tick read again after a crash
    after_tick = escalate(late, by_tick, catalogue, "assessments:0:5")

    by_report: dict[str, bytes] = {}
    escalate(assessment(imported, 48.0), by_report, catalogue, "assessments:0:1")
    made = escalate(late, by_report, catalogue, "assessments:0:5")
    assert dumps(made[:2]) == dumps(made_by_tick)  # the late report makes them the same way
    assert dumps(made[2:]) == dumps(after_tick)  # and is then judged as a new warning
    assert [w.change for w, _ in made] == ["evaluating", "lifted", "issued"]
