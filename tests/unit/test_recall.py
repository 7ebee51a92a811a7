"""Recall effectiveness through the escalation stage's table: a warning lifted after its measures
took the goods off the market is issued again, at its grade, when the product is declared or
listed again; not when nothing came back, not for a warning whose measures left the goods on
the market, and the same bytes when the assessment is read again."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from detectors.catalogue import Catalogue
from detectors.recall import reappearance, took_goods_off_market
from schemas.records import Assessment, Cluster, Warning
from streams.escalation import escalate, on_tick

AS_OF = datetime(2026, 9, 30, 6, 30, tzinfo=UTC)
EVERY = lambda cluster_id: True  # noqa: E731 - a tick of the one partition there is


def assessment(cluster: Cluster, score: float) -> Assessment:
    return Assessment(
        cluster=cluster, as_of=cluster.last_seen, hazard=4, urgency=3, scope=3, score=score
    )


def lifted(
    cluster: Cluster, score: float, table: dict[str, bytes], catalogue: Catalogue
) -> Warning:
    """Issue ``cluster``'s warning at ``score``, then let it go quiet until it is lifted."""
    ((issued, _),) = escalate(assessment(cluster, score), table, catalogue, "assessments:0:1")
    assert issued.status == "active"
    made = on_tick(table, AS_OF + timedelta(days=80), "assessments:0:2", EVERY)
    assert made and made[-1][0].change == "lifted"
    return made[-1][0]


def imported(evidenced: Cluster, declarations: int) -> Cluster:
    return replace(
        evidenced,
        origins=("VN",),
        hs_codes=("950300",),
        feed_counts={**evidenced.feed_counts, "declarations": declarations},
    )


def test_recalled_goods_declared_again_bring_the_warning_back(
    evidenced: Cluster, catalogue: Catalogue
) -> None:
    table: dict[str, bytes] = {}
    before = lifted(imported(evidenced, 3), 50.0, table, catalogue)
    assert before.grade == "II" and took_goods_off_market(before)
    later = AS_OF + timedelta(days=90)
    back = replace(imported(evidenced, 5), last_seen=later, signal_count=7)
    made = escalate(assessment(back, 5.0), table, catalogue, "assessments:0:3")
    ((again, control),) = made
    assert (again.change, again.status, again.grade) == ("issued", "active", "II")
    assert again.version == before.version + 1
    assert "recalled goods reappeared: 2 declarations" in again.reason
    assert control is not None and control.status == "active"  # the port holds them again
    replayed = escalate(assessment(back, 5.0), table, catalogue, "assessments:0:3")
    assert replayed == made  # a re-read decides nothing new


def test_nothing_comes_back_without_new_declarations_or_listings(
    evidenced: Cluster, catalogue: Catalogue
) -> None:
    table: dict[str, bytes] = {}
    lifted(imported(evidenced, 3), 50.0, table, catalogue)
    later = AS_OF + timedelta(days=90)
    quiet = replace(imported(evidenced, 3), last_seen=later, signal_count=6)  # a complaint more
    assert escalate(assessment(quiet, 5.0), table, catalogue, "assessments:0:3") == []


def test_a_warning_that_left_the_goods_on_the_market_is_not_brought_back(
    evidenced: Cluster, catalogue: Catalogue
) -> None:
    table: dict[str, bytes] = {}
    before = lifted(imported(evidenced, 3), 13.0, table, catalogue)  # grade IV: sampling
    assert before.grade == "IV" and not took_goods_off_market(before)
    later = AS_OF + timedelta(days=90)
    back = replace(imported(evidenced, 9), last_seen=later, signal_count=12)
    assert escalate(assessment(back, 5.0), table, catalogue, "assessments:0:3") == []


def test_reappearance_counts_only_what_came_after_the_lift(evidenced: Cluster) -> None:
    ended = Warning(
        **{
            **_warning_fields(),
            "status": "lifted",
            "state": "lifted",
            "change": "lifted",
            "measures": ("defect recall",),
        }
    )
    grown = replace(evidenced, feed_counts={"declarations": 4, "listings": 3, "complaints": 9})
    assert reappearance(ended, {"declarations": 4, "listings": 1}, grown) == {"listings": 2}
    assert reappearance(ended, {}, grown) == {}  # lifted before counts were kept
    merged = replace(ended, change="merged")
    assert reappearance(merged, {"declarations": 1}, grown) == {}


def _warning_fields() -> dict[str, object]:
    return {
        "warning_id": "W-0123456789ab",
        "version": 3,
        "cluster_id": "K-0123456789ab",
        "grade": "II",
        "colour": "orange",
        "kind": "alert_notification",
        "authority": "GACC",
        "title": "t",
        "product": "p",
        "category": None,
        "hazard_class": None,
        "scope_regions": (),
        "enterprises": (),
        "origins": (),
        "hs_codes": (),
        "ports": (),
        "recurrence_of": (),
        "warning_items": (),
        "start_time": AS_OF,
        "updated_time": AS_OF,
        "score": 50.0,
        "hazard": 4,
        "urgency": 3,
        "scope": 3,
        "explanation": {},
        "evidence": (),
        "feed_counts": {},
        "reason": "",
        "decided_by": "riskwire",
    }
