"""detectors.linkage: signals about one product and hazard meet in one cluster, across feeds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from detectors.linkage import (
    NAME_THRESHOLD,
    WINDOW,
    Candidate,
    absorb,
    block_key,
    link,
    new_cluster,
    seeds_clusters,
)
from schemas.records import Cluster, Signal
from streams.stages import link_signal

T0 = datetime(2026, 9, 20, 6, 30, tzinfo=UTC)
MakeSignal = Callable[..., Signal]


@pytest.fixture
def founder(make_signal: MakeSignal) -> Signal:
    """A complaint about the planted scooter incident."""
    return make_signal(
        "complaints",
        "乐途儿童折叠滑板车",
        "折叠关节没有防夹设计，孩子手指被夹伤缝了针",
        brand="乐途",
        model="LT-S3",
        region="上海",
        channel="hotline",
        outcome="emergency",
    )


@pytest.fixture
def scooter(founder: Signal) -> Cluster:
    return new_cluster(founder)


def joins(signal: Signal, cluster: Cluster) -> bool:
    decision = link(signal, [Candidate.of(cluster)])
    return decision.cluster_id == cluster.cluster_id


# --------------------------------------------------------------------------- linking


def test_founding_cluster(founder: Signal, scooter: Cluster) -> None:
    assert scooter.cluster_id.startswith("K-")
    assert scooter.cluster_id == new_cluster(founder).cluster_id  # replay: same id
    assert scooter.block_key == block_key(founder) == "childrens_products"
    assert scooter.hazard_class == "physical"
    assert scooter.product_terms == ("滑板车",)
    assert scooter.brands == ("乐途",)
    assert scooter.models == ("lts3",)
    assert scooter.signal_count == 1
    assert scooter.member_ids == (founder.signal_id,)


def test_different_founders_give_different_ids(make_signal: MakeSignal) -> None:
    assert new_cluster(make_signal()).cluster_id != new_cluster(make_signal()).cluster_id


@pytest.mark.parametrize(
    ("feed", "name", "text", "fields"),
    [
        # the same wording, a different complaint
        ("complaints", "乐途儿童折叠滑板车", "滑板车折叠扣突然松开，夹断了孩子的指尖", {}),
        # English report of the same product: meets through the synonym group
        (
            "complaints",
            "LeTu kids folding scooter",
            "Child's finger was pinched in the folding hinge, deep cut",
            {"brand": "乐途", "model": "LT-S3"},
        ),
        ("complaints", "LeTu kids folding scooter", "finger pinched in the hinge", {}),
        # hospital report with a shorter name, no brand
        ("injuries", "儿童滑板车", "crush 手指 玩滑板车时手指被折叠铰链夹伤", {}),
        # listing title with slogans stripped, no hazard class of its own
        (
            "listings",
            "乐途儿童折叠滑板车3-8岁宝宝闪光轮 LT-S3",
            "",
            {"brand": "乐途", "model": "LT-S3", "flags": ("complaints",)},
        ),
        # customs declaration of the same goods
        (
            "declarations",
            "儿童折叠滑板车 乐途 LT-S3",
            "儿童折叠滑板车 乐途 LT-S3",
            {"brand": "乐途", "model": "LT-S3", "hs_code": "9503001000", "origin_country": "VN"},
        ),
    ],
    ids=["same-wording", "english-branded", "english-plain", "injury", "listing", "declaration"],
)
def test_same_product_links_across_feeds_and_languages(
    make_signal: MakeSignal, scooter: Cluster, feed: str, name: str, text: str, fields: dict
) -> None:
    signal = make_signal(feed, name, text, **fields)
    assert block_key(signal) == scooter.block_key
    decision = link(signal, [Candidate.of(scooter)])
    assert decision.cluster_id == scooter.cluster_id
    assert decision.score >= NAME_THRESHOLD


def test_synonyms_carry_a_link_fuzzy_names_alone_would_not(make_signal: MakeSignal) -> None:
    zh = new_cluster(make_signal("complaints", "暖阳电暖器", "插头处冒烟起火"))
    en = make_signal("complaints", "space heater", "caught fire and smoke")
    decision = link(en, [Candidate.of(zh)])
    assert decision.cluster_id == zh.cluster_id
    assert decision.reasons["terms"] == ["取暖器"]


def test_same_brand_different_product_does_not_link(
    make_signal: MakeSignal, scooter: Cluster
) -> None:
    toy = make_signal("complaints", "乐途毛绒玩具", "小零件脱落，孩子差点吞下", brand="乐途")
    assert block_key(toy) == scooter.block_key  # same block
    assert toy.hazard_class == scooter.hazard_class  # same hazard, too
    decision = link(toy, [Candidate.of(scooter)])
    assert decision.cluster_id is None
    assert decision.score < NAME_THRESHOLD


def test_same_product_different_hazard_does_not_link(
    make_signal: MakeSignal, scooter: Cluster
) -> None:
    smelly = make_signal(
        "complaints", "乐途儿童折叠滑板车", "有刺鼻异味，担心甲醛超标", brand="乐途", model="LT-S3"
    )
    assert smelly.hazard_class == "chemical"
    assert not joins(smelly, scooter)


def test_contradicting_model_does_not_link(make_signal: MakeSignal, scooter: Cluster) -> None:
    other_model = make_signal(
        "complaints", "乐途儿童折叠滑板车", "孩子手指被夹伤", brand="乐途", model="LT-K9"
    )
    assert not joins(other_model, scooter)


def test_contradicting_brand_does_not_link(make_signal: MakeSignal, scooter: Cluster) -> None:
    rival = make_signal("complaints", "星辰儿童折叠滑板车", "孩子手指被夹伤", brand="星辰")
    assert not joins(rival, scooter)


def test_model_written_differently_is_the_same_model(
    make_signal: MakeSignal, scooter: Cluster
) -> None:
    retyped = make_signal(
        "complaints", "乐途儿童折叠滑板车", "孩子手指被夹伤", brand="乐途", model="ＬＴ－Ｓ３"
    )
    decision = link(retyped, [Candidate.of(scooter)])
    assert decision.cluster_id == scooter.cluster_id
    assert decision.reasons["bonus"] == 25.0  # same model and same brand


def test_idle_cluster_beyond_the_window_is_not_a_candidate(
    make_signal: MakeSignal, scooter: Cluster
) -> None:
    late = make_signal(event_time=scooter.last_seen + WINDOW + timedelta(hours=1))
    assert not joins(late, scooter)
    in_time = make_signal(event_time=scooter.last_seen + WINDOW - timedelta(hours=1))
    assert joins(in_time, scooter)


def test_best_candidate_wins(make_signal: MakeSignal, scooter: Cluster) -> None:
    generic = new_cluster(make_signal("complaints", "儿童滑板车", "孩子摔倒骨折"))
    branded = make_signal(
        "complaints", "乐途儿童折叠滑板车", "孩子手指被夹伤", brand="乐途", model="LT-S3"
    )
    decision = link(branded, [Candidate.of(generic), Candidate.of(scooter)])
    assert decision.cluster_id == scooter.cluster_id


def test_no_candidates(make_signal: MakeSignal) -> None:
    decision = link(make_signal(), [])
    assert decision.cluster_id is None
    assert decision.reasons["threshold"] == NAME_THRESHOLD


# --------------------------------------------------------------------------- seeding


def test_declarations_never_seed_clusters(make_signal: MakeSignal) -> None:
    declaration = make_signal(
        "declarations",
        "儿童折叠滑板车 乐途 LT-S3",
        "儿童折叠滑板车 乐途 LT-S3",
        hs_code="9503001000",
        origin_country="VN",
        declaration_id="D1-1",
    )
    assert not seeds_clusters(declaration)
    clusters: dict[str, bytes] = {}
    blocks: dict[str, bytes] = {}
    cluster, _ = link_signal(declaration, clusters, blocks)
    assert cluster is None
    assert clusters == {} and blocks == {}


@pytest.mark.parametrize("feed", ["complaints", "injuries", "foodborne", "listings"])
def test_every_other_feed_seeds(make_signal: MakeSignal, feed: str) -> None:
    assert seeds_clusters(make_signal(feed))


def test_declaration_joins_an_existing_cluster_through_the_stage(
    make_signal: MakeSignal, founder: Signal
) -> None:
    clusters: dict[str, bytes] = {}
    blocks: dict[str, bytes] = {}
    first, _ = link_signal(founder, clusters, blocks)
    assert first is not None
    declaration = make_signal(
        "declarations",
        "儿童折叠滑板车 乐途 LT-S3",
        "儿童折叠滑板车 乐途 LT-S3",
        brand="乐途",
        model="LT-S3",
        hs_code="9503001000",
        origin_country="VN",
        declaration_id="D1-1",
        direction="import",
        quantity=3000.0,
    )
    joined, decision = link_signal(declaration, clusters, blocks)
    assert joined is not None
    assert joined.cluster_id == first.cluster_id == decision.cluster_id
    assert joined.member_ids == (founder.signal_id, declaration.signal_id)
    assert set(clusters) == {first.cluster_id}


# --------------------------------------------------------------------------- absorb


def test_absorb_counts_parties_and_provenance(make_signal: MakeSignal, scooter: Cluster) -> None:
    injury = make_signal(
        "injuries",
        "儿童滑板车",
        "crush 手指 玩滑板车时手指被折叠铰链夹伤",
        event_time=T0 + timedelta(days=2),
        outcome="hospitalised",
        cases=1,
        hospitalised=1,
        region="江苏",
        channel="hospital",
    )
    c = absorb(scooter, injury)
    assert c.signal_count == 2
    assert c.member_ids == (*scooter.member_ids, injury.signal_id)
    assert c.feed_counts == {"complaints": 1, "injuries": 1}
    assert c.risk_counts == {"complaints": 1, "injuries": 1}
    assert c.region_counts == {"上海": 1, "江苏": 1}
    assert c.channel_counts == {"hotline": 1, "hospital": 1}
    assert c.daily_counts == {"2026-09-20": 1, "2026-09-22": 1}
    assert c.worst_outcome == "hospitalised"
    assert (c.cases, c.hospitalised) == (1, 1)
    assert c.first_seen == T0 and c.last_seen == T0 + timedelta(days=2)
    assert c.names == ("乐途儿童折叠滑板车", "儿童滑板车")
    assert c.vulnerable_groups == ("children",)
    # the input cluster is unchanged (frozen, replaced)
    assert scooter.signal_count == 1


def test_absorb_keeps_the_worst_outcome(make_signal: MakeSignal, scooter: Cluster) -> None:
    c = absorb(scooter, make_signal(outcome="death", deaths=1))
    c = absorb(c, make_signal(outcome="minor"))
    assert c.worst_outcome == "death"
    assert c.deaths == 1


def test_declaration_adds_trade_but_no_risk(make_signal: MakeSignal, scooter: Cluster) -> None:
    declaration = make_signal(
        "declarations",
        "儿童折叠滑板车 乐途 LT-S3",
        "儿童折叠滑板车 乐途 LT-S3",
        event_time=T0 + timedelta(days=1),
        brand="乐途",
        hs_code="9503001000",
        origin_country="VN",
        declaration_id="D1-1",
        direction="import",
        quantity=3000.0,
        value=45000.0,
        consignee="914403001922038216",
        enterprise_uscc="914403001922038216",
        channel="single_window",
    )
    c = absorb(scooter, declaration)
    assert c.feed_counts == {"complaints": 1, "declarations": 1}
    assert c.risk_counts == scooter.risk_counts
    assert c.daily_counts == scooter.daily_counts
    assert (c.import_quantity, c.import_value) == (3000.0, 45000.0)
    assert c.hs_codes == ("9503001000",)
    assert c.origins == ("VN",)
    assert c.enterprises == ("914403001922038216",)
    assert c.member_ids[-1] == declaration.signal_id


def test_export_declaration_is_not_an_import(make_signal: MakeSignal, scooter: Cluster) -> None:
    export = make_signal(
        "declarations", "儿童滑板车", "儿童滑板车", direction="export", quantity=500.0, value=9.0
    )
    c = absorb(scooter, export)
    assert (c.import_quantity, c.import_value) == (0.0, 0.0)


@pytest.mark.parametrize(
    ("flags", "is_risk"),
    [((), False), (("complaints", "price_anomaly"), False), (("counterfeit",), True)],
)
def test_listing_counts_as_risk_only_when_flagged(
    make_signal: MakeSignal, scooter: Cluster, flags: tuple[str, ...], is_risk: bool
) -> None:
    listing = make_signal(
        "listings",
        "乐途儿童折叠滑板车",
        "",
        event_time=T0 + timedelta(days=3),
        flags=flags,
        sales_count=4200,
    )
    c = absorb(scooter, listing)
    assert c.listing_count == 1
    assert c.sales_count == 4200
    assert ("listings" in c.risk_counts) is is_risk
    assert ("2026-09-23" in c.daily_counts) is is_risk


def test_quality_only_complaint_is_not_risk_evidence(
    make_signal: MakeSignal, scooter: Cluster
) -> None:
    quality = make_signal(
        "complaints",
        "乐途儿童折叠滑板车",
        "与商品描述不符，要求退货",
        event_time=T0 + timedelta(days=1),
    )
    assert quality.hazard_class is None
    c = absorb(scooter, quality)
    assert c.feed_counts == {"complaints": 2}
    assert c.risk_counts == {"complaints": 1}
    assert c.daily_counts == {"2026-09-20": 1}


def test_daily_counts_forget_days_older_than_two_windows(
    make_signal: MakeSignal, scooter: Cluster
) -> None:
    much_later = make_signal(event_time=T0 + WINDOW * 2 + timedelta(days=1))
    c = absorb(scooter, much_later)
    assert "2026-09-20" not in c.daily_counts
    assert sum(c.daily_counts.values()) == 1
    assert c.risk_counts == {"complaints": 2}  # totals are kept


def test_display_name_prefers_the_shortest_branded_report(make_signal: MakeSignal) -> None:
    listing = make_signal(
        "listings", "乐途儿童折叠滑板车3-8岁宝宝闪光轮 LT-S3", "", brand="乐途", flags=("unsafe",)
    )
    c = new_cluster(listing)
    assert c.product == listing.product_name
    c = absorb(c, make_signal("injuries", "儿童滑板车", "手指被夹伤"))  # no brand in the name
    assert c.product == listing.product_name
    c = absorb(c, make_signal("complaints", "乐途儿童滑板车", "手指被夹伤", brand="乐途"))
    assert c.product == "乐途儿童滑板车"
    c = absorb(c, make_signal("complaints", "乐途儿童折叠滑板车", "手指被夹伤", brand="乐途"))
    assert c.product == "乐途儿童滑板车"  # longer: kept the shorter one


def test_a_replayed_signal_is_not_counted_twice(make_signal: Callable[..., Signal]) -> None:
    from streams.stages import link_signal

    clusters: dict[str, bytes] = {}
    blocks: dict[str, bytes] = {}
    first = make_signal("injuries", "乐途儿童折叠滑板车", "折叠处夹伤手指", outcome="hospitalised")
    second = make_signal(
        "complaints", "乐途儿童折叠滑板车", "孩子手指被折叠关节夹伤", source_id="C-2"
    )
    founded, _ = link_signal(first, clusters, blocks)
    joined, _ = link_signal(second, clusters, blocks)
    assert founded is not None and joined is not None
    assert joined.cluster_id == founded.cluster_id and joined.signal_count == 2
    # a worker crashed after linking but before committing: both are read again
    for replayed in (first, second):
        again, _ = link_signal(replayed, clusters, blocks)
        assert again is not None
        assert again.signal_count == 2 and again.hospitalised == joined.hospitalised
