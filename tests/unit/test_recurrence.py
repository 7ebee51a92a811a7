"""detectors.recurrence and the escalation stage: a new warning names the earlier warnings it
repeats (same enterprise; same hazard in the same category from the same foreign origin; its
own cluster raised again), within the input's partition."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from detectors.catalogue import Catalogue
from detectors.grading import decide
from detectors.recurrence import recurrence
from detectors.standard import STANDARD
from schemas.records import Assessment, Cluster
from streams.escalation import escalate, on_tick

AS_OF = datetime(2026, 9, 30, 6, 30, tzinfo=UTC)
LETU = "91310000MA1FL0XX1X"


def assessment(cluster: Cluster, score: float) -> Assessment:
    return Assessment(
        cluster=cluster, as_of=cluster.last_seen, hazard=4, urgency=3, scope=3, score=score
    )


def test_what_counts_as_a_repeat(evidenced: Cluster) -> None:
    first = decide(None, assessment(replace(evidenced, enterprises=(LETU,)), 48.0))
    assert first is not None
    other = replace(evidenced, cluster_id="K-other", last_seen=AS_OF + timedelta(days=40))
    same_enterprise = decide(None, assessment(replace(other, enterprises=(LETU,)), 48.0))
    assert same_enterprise is not None
    assert (
        recurrence(same_enterprise, first, "CN")
        == f"the same enterprise {LETU} as {first.warning_id}"
    )
    vn_first = replace(first, origins=("VN",), enterprises=())
    vn_again = replace(same_enterprise, origins=("CN", "VN"), enterprises=())
    assert "from VN again" in (recurrence(vn_again, vn_first, "CN") or "")
    home_only = replace(vn_again, origins=("CN",))
    assert recurrence(home_only, replace(vn_first, origins=("CN",)), "CN") is None
    other_category = replace(vn_again, category="food")
    assert recurrence(other_category, vn_first, "CN") is None  # a hazard class alone is not enough


def test_a_new_warning_links_the_earlier_one_of_its_partition(
    evidenced: Cluster, catalogue: Catalogue
) -> None:
    table: dict[str, bytes] = {}
    first = replace(evidenced, enterprises=(LETU,))
    ((issued, _),) = escalate(assessment(first, 48.0), table, catalogue, "assessments:0:1")
    gone = AS_OF + STANDARD.quiet_period + STANDARD.evaluation_period + timedelta(days=1)
    *_, (lifted, _) = on_tick(table, gone, "assessments:0:2", lambda k: True)
    assert lifted.status == "lifted"
    later = replace(
        evidenced,
        cluster_id="K-fedcba987654",
        enterprises=(LETU, "91440300MA5XXXXX0X"),
        first_seen=gone,
        last_seen=gone + timedelta(days=2),
    )
    elsewhere = dict(table)
    ((linked, _),) = escalate(assessment(later, 48.0), table, catalogue, "assessments:0:3")
    assert linked.recurrence_of == (issued.warning_id,)
    assert linked.reason.endswith(f"recurs: {issued.warning_id}")
    summary = linked.explanation["recurrence"][issued.warning_id]
    assert (summary["state"], summary["peak_grade"], summary["signals"]) == ("lifted", "II", 5)
    assert any(
        item.startswith(f"recurs: the same enterprise {LETU}") for item in linked.warning_items
    )
    # the earlier warning's cluster is another partition's: not looked at
    not_mine = escalate(
        assessment(later, 48.0),
        elsewhere,
        catalogue,
        "assessments:1:1",
        lambda k: k == later.cluster_id,
    )
    assert not_mine[0][0].recurrence_of == ()
    # the same cluster raised again after its warning was lifted repeats its own warning
    again = replace(first, last_seen=gone + timedelta(days=3), signal_count=9)
    ((reissued, _),) = escalate(assessment(again, 48.0), table, catalogue, "assessments:0:4")
    assert reissued.change == "issued" and reissued.warning_id == issued.warning_id
    # most recent first: the other cluster's warning, then its own lifted one
    assert reissued.recurrence_of == (linked.warning_id, issued.warning_id)
    assert "the same cluster again" in reissued.explanation["recurrence"][issued.warning_id]["why"]
    # a later version of a warning keeps its links
    grown = replace(again, last_seen=gone + timedelta(days=4), signal_count=20)
    ((updated, _),) = escalate(assessment(grown, 48.0), table, catalogue, "assessments:0:5")
    assert updated.recurrence_of == reissued.recurrence_of
