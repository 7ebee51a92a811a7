"""detectors.area and the area state of streams.linking.link_signal: risk signals per day by
category and province, counted once, late events within the horizon, older ones left out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from detectors.area import HORIZON_DAYS, add_to_series, area_key, cluster_province, province_of
from schemas.codec import decode, encode, loads
from schemas.records import Cluster, Signal
from streams.linking import LinkIndex, link_signal

MakeSignal = Callable[..., Signal]
T0 = datetime(2026, 9, 20, 6, 30, tzinfo=UTC)
SCOOTER = "乐途儿童折叠滑板车"
INJURY = "孩子玩滑板车时折叠处夹到手指，流了很多血"
AREA = "childrens_products|辽宁"


def iso(d: date | datetime) -> str:
    return (d.date() if isinstance(d, datetime) else d).isoformat()


class Link:
    """The link stage's three state mappings, as the offline runner keeps them."""

    def __init__(self) -> None:
        self.clusters: dict[str, bytes] = {}
        self.blocks = LinkIndex({})
        self.areas: dict[str, bytes] = {}

    def __call__(self, signal: Signal) -> Cluster | None:
        cluster, _ = link_signal(signal, self.clusters, self.blocks, areas=self.areas)
        return cluster

    def series(self, key: str = AREA) -> dict[str, int]:
        raw = self.areas.get(key)
        value = loads(raw) if raw else {}
        return dict(value.get("series", value)) if "series" in value else dict(value)


@pytest.fixture
def report(make_signal: MakeSignal) -> Callable[..., Signal]:
    """A scooter injury complaint (risk evidence) from Liaoning, on a given day."""

    def make(when: datetime = T0, region: str | None = "辽宁省沈阳市", **fields: object) -> Signal:
        return make_signal("complaints", SCOOTER, INJURY, event_time=when, region=region, **fields)

    return make


# --------------------------------------------------------------------------- pure series


def test_a_signal_adds_one_on_its_day_without_touching_the_stored_series() -> None:
    stored = {"2026-09-19": 2}
    got = add_to_series(stored, "2026-09-20")
    assert got == {"2026-09-19": 2, "2026-09-20": 1}
    assert add_to_series(got or {}, "2026-09-20") == {"2026-09-19": 2, "2026-09-20": 2}
    assert stored == {"2026-09-19": 2}  # replaced, never mutated
    assert add_to_series({}, "2026-09-20") == {"2026-09-20": 1}


def test_a_newer_day_drops_days_beyond_the_horizon_and_marks_where_counting_began() -> None:
    first = date(2026, 7, 1)
    series = {iso(first): 4, iso(first + timedelta(days=30)): 1}
    later = first + timedelta(days=HORIZON_DAYS + 5)
    got = add_to_series(series, iso(later))
    cutoff = later - timedelta(days=HORIZON_DAYS - 1)
    # the day of 4 is gone; the cutoff day says "counted from here, nothing that day"
    assert got == {iso(cutoff): 0, iso(first + timedelta(days=30)): 1, iso(later): 1}
    assert min(got) == iso(cutoff)


def test_nothing_dropped_means_no_marker() -> None:
    got = add_to_series({"2026-09-01": 1}, "2026-09-20")
    assert got == {"2026-09-01": 1, "2026-09-20": 1}


def test_a_late_signal_counts_on_its_own_day_inside_the_horizon() -> None:
    newest = date(2026, 9, 20)
    series = {iso(newest): 3}
    oldest_kept = newest - timedelta(days=HORIZON_DAYS - 1)
    assert add_to_series(series, iso(newest - timedelta(days=2))) == {
        iso(newest - timedelta(days=2)): 1,
        iso(newest): 3,
    }
    assert add_to_series(series, iso(oldest_kept)) == {iso(oldest_kept): 1, iso(newest): 3}
    assert add_to_series(series, iso(oldest_kept - timedelta(days=1))) is None  # too old


def test_keys_and_provinces() -> None:
    assert area_key("food", "江苏") == "food|江苏"
    assert province_of("辽宁省沈阳市") == province_of("辽宁") == "辽宁"
    assert province_of("210000") == "辽宁"  # GB/T 2260 code
    assert province_of(None) == province_of("") == ""


def test_the_cluster_province_sums_regions_and_breaks_ties_towards_the_new_signal() -> None:
    counts = {"辽宁省沈阳市": 2, "辽宁": 1, "江苏省": 2, "上海": 1}
    assert cluster_province(counts) == "辽宁"  # 3 reports in Liaoning across two spellings
    tied = {"江苏": 2, "上海": 2}
    assert cluster_province(tied) == sorted(["江苏", "上海"])[0]
    assert cluster_province(tied, prefer="上海市") == "上海"
    assert cluster_province(tied, prefer="北京") == sorted(["江苏", "上海"])[0]  # not tied
    assert cluster_province({}) == ""


# --------------------------------------------------------------------------- the link stage


def test_risk_signals_are_counted_in_their_area_and_the_cluster_carries_it(
    report: Callable[..., Signal],
) -> None:
    link = Link()
    first = link(report())
    second = link(report(T0 + timedelta(days=1), region="辽宁"))
    assert first is not None and second is not None
    assert second.cluster_id == first.cluster_id
    assert link.series() == {iso(T0): 1, iso(T0 + timedelta(days=1)): 1}
    assert second.area_key == AREA
    assert second.area_daily_counts == link.series()
    # the stored cluster is the returned one
    assert decode(Cluster, link.clusters[second.cluster_id]) == second


def test_a_replayed_signal_is_not_counted_again(report: Callable[..., Signal]) -> None:
    link = Link()
    founder, joiner = report(), report(T0 + timedelta(hours=2))
    link(founder)
    link(joiner)
    before = dict(link.areas)
    for replayed in (founder, joiner, founder):  # a crash after linking, before the commit
        again = link(replayed)
        assert again is not None and again.signal_count == 2
    assert link.areas == before
    assert link.series() == {iso(T0): 2}


def test_only_risk_evidence_counts(make_signal: MakeSignal, report: Callable[..., Signal]) -> None:
    link = Link()
    link(report())
    late_delivery = make_signal("complaints", SCOOTER, "快递太慢了", region="辽宁")
    listing = make_signal("listings", SCOOTER, "", region="辽宁")
    flagged = make_signal("listings", SCOOTER, "", region="辽宁", flags=("unsafe",))
    for signal in (late_delivery, listing, flagged):
        assert link(signal) is not None  # all join the cluster
    assert link.series() == {iso(T0): 2}  # the report and the flagged listing


def test_a_signal_without_a_province_counts_nowhere(report: Callable[..., Signal]) -> None:
    link = Link()
    cluster = link(report(region=None))
    assert cluster is not None
    assert link.areas == {}
    assert cluster.area_key == "" and cluster.area_daily_counts == {}


def test_areas_are_per_category_and_province(
    make_signal: MakeSignal, report: Callable[..., Signal]
) -> None:
    link = Link()
    link(report())
    link(report(region="江苏省南京市"))
    enoki = make_signal("foodborne", "金针菇", "食用后腹泻发热", region="辽宁", cases=2)
    link(enoki)
    assert set(link.areas) == {AREA, "childrens_products|江苏", f"{enoki.category}|辽宁"}
    assert enoki.category != "childrens_products"


def test_the_cluster_follows_the_province_with_most_of_its_reports(
    report: Callable[..., Signal],
) -> None:
    link = Link()
    link(report(region="江苏"))
    for hours in (1, 2):
        link(report(T0 + timedelta(hours=hours), region="辽宁"))
    link(report(T0 + timedelta(hours=3), region="江苏"))  # 2 to 2: the new report's province
    cluster = link(report(T0 + timedelta(hours=4), region="辽宁"))
    assert cluster is not None
    assert cluster.area_key == AREA
    assert cluster.area_daily_counts == {iso(T0): 3}


def test_late_signals_count_on_their_own_day_or_not_at_all(
    report: Callable[..., Signal],
) -> None:
    link = Link()
    link(report(T0))
    link(report(T0 - timedelta(days=3)))  # late, inside the horizon
    assert link.series() == {iso(T0 - timedelta(days=3)): 1, iso(T0): 1}
    stale = report(T0 - timedelta(days=HORIZON_DAYS))
    cluster = link(stale)  # joins its cluster, too old for the area series
    assert cluster is not None and stale.signal_id in cluster.member_ids
    assert link.series() == {iso(T0 - timedelta(days=3)): 1, iso(T0): 1}


def test_without_areas_link_signal_behaves_as_before(report: Callable[..., Signal]) -> None:
    clusters: dict[str, bytes] = {}
    cluster, _ = link_signal(report(), clusters, LinkIndex({}))
    assert cluster is not None
    assert cluster.area_key == "" and cluster.area_daily_counts == {}


def test_the_area_fields_survive_the_codec_and_old_clusters_decode(
    make_cluster: Callable[..., Cluster],
) -> None:
    cluster = make_cluster(area_key=AREA, area_daily_counts={"2026-09-20": 3})
    assert decode(Cluster, encode(cluster)) == cluster
    old = loads(encode(make_cluster()))
    del old["area_key"], old["area_daily_counts"]
    assert decode(Cluster, encode(old)) == make_cluster()


def test_a_signal_read_again_after_its_cluster_update_was_lost_counts_once(
    report: Callable[..., Signal],
) -> None:
    """kill -9 between the changelog writes of one input: the area's update landed, the
    cluster's did not. The input is read again at the same offset; the area notes the last
    offset it counted, so the replay counts nothing twice while the cluster is rebuilt."""
    clusters: dict[str, bytes] = {}
    blocks = LinkIndex({})
    areas: dict[str, bytes] = {}
    founder, joiner = report(), report(T0 + timedelta(hours=2))
    link_signal(founder, clusters, blocks, areas=areas, position=10)
    lost_clusters, lost_blocks = dict(clusters), LinkIndex(dict(blocks.store))
    link_signal(joiner, clusters, blocks, areas=areas, position=11)
    # the crash: only the area's changelog record of offset 11 reached the broker
    again, _ = link_signal(joiner, lost_clusters, lost_blocks, areas=areas, position=11)
    assert again is not None and again.signal_count == 2
    assert again.area_daily_counts == {iso(T0): 2}
    # without positions (the offline runner) a replay is recognised by cluster membership only
    fresh: dict[str, bytes] = {}
    link_signal(founder, {}, LinkIndex({}), areas=fresh)
    assert loads(fresh[AREA]) == {iso(T0): 1}
