"""detectors.linkage: signals about one product and hazard meet in one cluster, across feeds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from detectors.cluster_update import absorb, new_cluster
from detectors.linkage import (
    NAME_THRESHOLD,
    PENDING_MAX,
    WINDOW,
    Candidate,
    block_key,
    candidate_keys,
    link,
    seeds_clusters,
    signal_keys,
    similarity,
)
from detectors.neardup import matcher_config
from schemas.codec import decode
from schemas.records import Cluster, Signal
from streams.linking import EXPIRY, PER_KEY, LinkIndex, link_signal

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
def scooter_line(make_signal: MakeSignal) -> MakeSignal:
    """A customs declaration line of the scooter's goods; pass fields to change it."""

    def make(**fields: object) -> Signal:
        name = "儿童折叠滑板车 乐途 LT-S3"
        defaults: dict[str, object] = {
            "brand": "乐途",
            "model": "LT-S3",
            "hs_code": "9503001000",
            "declaration_id": "D1-1",
        }
        return make_signal("declarations", name, name, **{**defaults, **fields})

    return make


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
    index = LinkIndex(blocks)
    cluster, _ = link_signal(declaration, clusters, index)
    assert cluster is None
    assert clusters == {}
    # it waits for a cluster: one stored value, the line under its own key
    assert list(blocks) == [f"childrens_products|wait|{declaration.signal_id}"]


def test_a_waiting_declaration_joins_the_cluster_founded_later(
    make_signal: MakeSignal, scooter_line: MakeSignal, founder: Signal
) -> None:
    """Goods declared before the first complaint are counted once the complaint arrives."""
    declaration = scooter_line(
        direction="import", quantity=3000.0, event_time=T0 - timedelta(days=3)
    )
    other_goods = make_signal(
        "declarations",
        "儿童滑板车 飞驰 FC-9",
        "儿童滑板车 飞驰 FC-9",
        brand="飞驰",
        model="FC-9",
        hs_code="9503001000",
        declaration_id="D2-1",
        event_time=T0 - timedelta(days=2),
    )
    clusters: dict[str, bytes] = {}
    blocks: dict[str, bytes] = {}
    index = LinkIndex(blocks)
    for line in (declaration, other_goods):
        assert link_signal(line, clusters, index)[0] is None
    cluster, decision = link_signal(founder, clusters, index)
    assert cluster is not None
    assert decision.reasons["adopted"] == [declaration.signal_id]
    assert cluster.member_ids == (founder.signal_id, declaration.signal_id)
    assert cluster.import_quantity == 3000.0
    assert cluster.feed_counts == {"complaints": 1, "declarations": 1}
    # the other brand's goods keep waiting; the adopted line is no longer held
    assert f"childrens_products|wait|{other_goods.signal_id}" in blocks
    assert f"childrens_products|wait|{declaration.signal_id}" not in blocks
    assert not any(declaration.signal_id in k and "|wait|" in k for k in blocks)
    # it is kept as a member of the cluster it joined (for an analyst's split)
    assert f"childrens_products|memb|{declaration.signal_id}" in blocks  # one store here


def test_waiting_declarations_are_bounded_per_key(make_signal: MakeSignal) -> None:
    """Customs lines are the busiest feed: an index key holds the PENDING_MAX most recent
    waiting lines, and a line no list names any more is deleted."""
    clusters: dict[str, bytes] = {}
    blocks: dict[str, bytes] = {}
    index = LinkIndex(blocks)
    lines = [
        make_signal(
            "declarations",
            "儿童滑板车",
            "儿童滑板车",
            declaration_id=f"D{i}-1",
            event_time=T0 + timedelta(minutes=i),
        )
        for i in range(PENDING_MAX + 5)
    ]
    for line in lines:
        link_signal(line, clusters, index)
    held = [k for k in blocks if "|wait|" in k]
    assert len(held) == PENDING_MAX
    assert f"childrens_products|wait|{lines[0].signal_id}" not in blocks  # the oldest went
    assert f"childrens_products|wait|{lines[-1].signal_id}" in blocks


def test_a_waiting_declaration_joins_once_its_cluster_learns_the_model(
    make_signal: MakeSignal, scooter_line: MakeSignal
) -> None:
    """The first report names only the product type; the declaration is not like it enough.
    A later report gives brand and model: now the waiting declaration matches and joins."""
    declaration = scooter_line(event_time=T0 - timedelta(days=3))
    vague = make_signal("complaints", "kids scooter", "the folding hinge pinched a finger")
    precise = make_signal(
        "complaints",
        "kids scooter",
        "the folding hinge of the LeTu scooter pinched a finger",
        brand="LeTu",
        model="LT-S3",
        event_time=T0 + timedelta(days=1),
    )
    clusters: dict[str, bytes] = {}
    blocks: dict[str, bytes] = {}
    index = LinkIndex(blocks)
    link_signal(declaration, clusters, index, threshold=85.0)
    founded, decision = link_signal(vague, clusters, index, threshold=85.0)
    assert founded is not None and "adopted" not in decision.reasons
    joined, decision = link_signal(precise, clusters, index, threshold=85.0)
    assert joined is not None and joined.cluster_id == founded.cluster_id
    assert decision.reasons["adopted"] == [declaration.signal_id]
    assert declaration.signal_id in joined.member_ids


def test_a_declaration_older_than_the_window_is_not_adopted(
    scooter_line: MakeSignal, founder: Signal
) -> None:
    stale = scooter_line(event_time=T0 - WINDOW - timedelta(days=1))
    clusters: dict[str, bytes] = {}
    blocks: dict[str, bytes] = {}
    index = LinkIndex(blocks)
    link_signal(stale, clusters, index)
    cluster, decision = link_signal(founder, clusters, index)
    assert cluster is not None and cluster.member_ids == (founder.signal_id,)
    assert "adopted" not in decision.reasons


def test_a_signal_that_matches_two_clusters_merges_them_into_the_older(
    make_signal: MakeSignal,
) -> None:
    """A report without a brand started a cluster of its own; a later report that names the
    brand and the model matches both, so the two are one risk: merged, the merge recorded."""
    branded = make_signal(
        "complaints", "乐途儿童折叠滑板车", "折叠处夹到手指", brand="乐途", model="LT-S3"
    )
    unbranded = make_signal(
        "complaints",
        "儿童折叠滑板车LT-S3",
        "折叠处夹到孩子的手指",
        event_time=T0 + timedelta(days=1),
    )
    bridge = make_signal(
        "complaints",
        "乐途滑板车 LT-S3",
        "折叠关节夹手",
        brand="乐途",
        event_time=T0 + timedelta(days=2),
    )
    clusters: dict[str, bytes] = {}
    blocks: dict[str, bytes] = {}
    index = LinkIndex(blocks)
    older, _ = link_signal(branded, clusters, index, threshold=80.0)
    # alone the unbranded report does not reach the threshold of the branded cluster
    younger, decision = link_signal(unbranded, clusters, index, threshold=1000.0)
    assert older is not None and younger is not None
    assert older.cluster_id != younger.cluster_id
    retired: list[Cluster] = []
    merged, decision = link_signal(bridge, clusters, index, threshold=80.0, retired=retired)
    assert merged is not None
    assert merged.cluster_id == older.cluster_id  # the older id stays
    assert merged.merged_from == (younger.cluster_id,)
    assert decision.reasons["merged"] == [younger.cluster_id]
    # the younger one's last version points at the survivor (its warning is closed on that)
    assert [(r.cluster_id, r.merged_into) for r in retired] == [
        (younger.cluster_id, older.cluster_id)
    ]
    assert unbranded.signal_id in retired[0].member_ids
    assert set(retired[0].member_ids) <= set(merged.member_ids)
    assert set(merged.member_ids) == {branded.signal_id, unbranded.signal_id, bridge.signal_id}
    assert merged.signal_count == 3
    assert set(clusters) == {older.cluster_id}


def test_clusters_of_different_brands_are_not_merged(make_signal: MakeSignal) -> None:
    a = make_signal("complaints", "乐途儿童折叠滑板车", "折叠处夹到手指", brand="乐途")
    b = make_signal(
        "complaints",
        "飞驰儿童折叠滑板车",
        "折叠处夹到手指",
        brand="飞驰",
        event_time=T0 + timedelta(hours=1),
    )
    unbranded = make_signal(
        "complaints", "儿童折叠滑板车", "折叠处夹到手指", event_time=T0 + timedelta(hours=2)
    )
    clusters: dict[str, bytes] = {}
    blocks: dict[str, bytes] = {}
    index = LinkIndex(blocks)
    for signal in (a, b):
        link_signal(signal, clusters, index)
    joined, decision = link_signal(unbranded, clusters, index)
    assert joined is not None
    assert "merged" not in decision.reasons
    assert len(clusters) == 2


@pytest.mark.parametrize("feed", ["complaints", "injuries", "foodborne", "listings"])
def test_every_other_feed_seeds(make_signal: MakeSignal, feed: str) -> None:
    assert seeds_clusters(make_signal(feed))


def test_declaration_joins_an_existing_cluster_through_the_stage(
    make_signal: MakeSignal, founder: Signal
) -> None:
    clusters: dict[str, bytes] = {}
    blocks: dict[str, bytes] = {}
    index = LinkIndex(blocks)
    first, _ = link_signal(founder, clusters, index)
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
    joined, decision = link_signal(declaration, clusters, index)
    assert joined is not None
    assert joined.cluster_id == first.cluster_id == decision.cluster_id
    assert joined.member_ids == (founder.signal_id, declaration.signal_id)
    assert set(clusters) == {first.cluster_id}


# --------------------------------------------------------------------------- absorb


def test_one_product_with_another_failure_mode_is_another_risk(make_signal: MakeSignal) -> None:
    """A heater whose casing is live and the same heater that does not switch off when it tips
    over: same brand, same model, same hazard class, two risks."""
    shock = make_signal(
        "complaints", "童韵取暖器", "手碰到外壳被电了一下，外壳漏电", brand="童韵", model="TO-X9"
    )
    tipover = make_signal(
        "complaints",
        "童韵取暖器",
        "取暖器被碰倒以后不断电，把地板烤焦了",
        brand="童韵",
        model="TO-X9",
    )
    again = make_signal("complaints", "童韵暖风机", "摸到金属外壳有麻电感", brand="童运")
    assert shock.hazard_modes == ("electric_shock",)
    assert "tip_over" in tipover.hazard_modes
    cluster = new_cluster(shock)
    assert not joins(tipover, cluster)
    assert similarity(tipover, Candidate.of(cluster)).reasons["rejected"] == "failure mode differs"
    assert joins(again, cluster)  # homophone brand, same failure


def test_related_failure_modes_do_not_contradict(make_signal: MakeSignal) -> None:
    swelled = make_signal("complaints", "峰宁充电宝", "充电宝鼓包了", brand="峰宁")
    fire = make_signal("complaints", "峰宁充电宝", "充电时起火", brand="峰宁")
    assert swelled.hazard_modes == ("battery_swell",) and fire.hazard_modes == ("fire_smoke",)
    assert joins(fire, new_cluster(swelled))


def test_overheating_is_not_a_fire_and_a_released_lock_folds_a_frame(
    make_signal: MakeSignal,
) -> None:
    """An electric blanket whose thermostat fails and the same blanket that shorts and smokes are
    two risks; a wheelchair whose fold lock releases is the one whose frame folds."""
    short = make_signal("complaints", "朗菲电热毯", "毯子里有噼啪的短路声，控制器冒烟")
    hot = make_signal("complaints", "朗菲电热毯", "温控器失灵，调到最低档还是越来越烫")
    assert hot.hazard_modes == ("overheat",)
    assert not joins(hot, new_cluster(short))
    folded = make_signal("complaints", "金贝拉轮椅", "坐着坐着轮椅突然折叠收拢", brand="金贝拉")
    lock = make_signal("complaints", "金贝拉轮椅", "锁扣松脱，老人摔了", brand="金贝拉")
    assert lock.hazard_modes == ("buckle_release",)
    assert joins(lock, new_cluster(folded))


def test_a_handle_that_came_loose_is_the_one_that_snapped(make_signal: MakeSignal) -> None:
    snapped = make_signal("complaints", "峰宸不粘锅", "端锅时锅柄突然断裂，热油泼在脚上")
    loose = make_signal("complaints", "峰宸平底锅", "锅柄的螺丝松脱，锅掉了下来，热油溅到手上")
    assert snapped.hazard_modes == ("breakage",) and loose.hazard_modes == ("buckle_release",)
    assert joins(loose, new_cluster(snapped))
    flaking = make_signal("complaints", "峰宸不粘锅", "涂层起皮脱落，混进菜里")
    assert not joins(flaking, new_cluster(snapped))


def test_a_model_named_only_in_the_narrative_counts_both_ways(make_signal: MakeSignal) -> None:
    """An injury report whose product field is generic names the product in the narrative:
    the model code there confirms its cluster and contradicts another brand's."""
    aomeng = new_cluster(
        make_signal("complaints", "奥萌儿童滑板车", "握把气味刺鼻，孩子手上起疹子", model="AO494H")
    )
    auskin = new_cluster(
        make_signal("complaints", "奥斯金儿童滑板车", "握把胶垫刺鼻，手心起疹子", model="AU-T2")
    )
    injury = make_signal(
        "injuries",
        "三轮闪光滑板车",
        "接触滑板车握把后手部皮疹。（家属称产品为奥斯金牌，型号au-t2）",
    )
    rejected = similarity(injury, Candidate.of(aomeng)).reasons["rejected"]
    assert rejected == "model named in the text differs"
    decision = link(injury, [Candidate.of(aomeng), Candidate.of(auskin)])
    assert decision.cluster_id == auskin.cluster_id
    assert decision.reasons["bonus"] >= 15.0  # the model code


def test_a_listing_title_names_features_not_failures(make_signal: MakeSignal) -> None:
    title = "Belsen电动自行车 轻便折叠 BE1067"
    listing = make_signal("listings", title, f"{title} 买家评价：“电池仓冒烟”")
    assert listing.hazard_modes == ("fire_smoke",)  # not fold_collapse, from "折叠" in the title
    collapse = make_signal("listings", title, f"{title} 买家评价：“骑着骑着车架折叠了”")
    assert "fold_collapse" in collapse.hazard_modes  # the review names it too


def test_a_brandless_report_naming_one_clusters_brand_contradicts_the_others(
    make_signal: MakeSignal,
) -> None:
    """Two brands' blankets with the same hazard and alike names: a listing with no brand
    field whose title names 朗菲 goes to 朗菲's cluster, never to 托雅's."""
    torya = new_cluster(
        make_signal("complaints", "托雅电褥子 智能定时", "局部很烫，低温烫伤", brand="托雅")
    )
    langfei = new_cluster(
        make_signal("complaints", "朗菲双人电热毯", "温控不准，局部很烫", brand="朗菲")
    )
    listing = make_signal("listings", "2026 朗菲电褥子 智能定时", "买家评价：“局部很烫”")
    assert link(listing, [Candidate.of(torya)]).cluster_id == torya.cluster_id  # alone: alike
    both = link(listing, [Candidate.of(torya), Candidate.of(langfei)])
    assert both.cluster_id == langfei.cluster_id
    assert "also" not in both.reasons


def test_brand_named_only_in_the_name_or_text_counts(make_signal: MakeSignal) -> None:
    cluster = new_cluster(
        make_signal("complaints", "贝森电动车", "骑行时电池起火", brand="贝森", model="BE1067")
    )
    named = make_signal("complaints", "电动自行车", "我买的贝森电动车充电时起火")
    decision = link(named, [Candidate.of(cluster)])
    assert decision.cluster_id == cluster.cluster_id
    assert decision.reasons["bonus"] == 20.0  # brand (named in the text) and failure mode


def test_model_codes_are_compared_normalised(make_signal: MakeSignal) -> None:
    cluster = new_cluster(make_signal("complaints", "露雅积木", "有刺鼻异味", model="LU2254型"))
    assert cluster.model_codes == ("LU2254",)
    same = make_signal("complaints", "露雅积木", "有刺鼻异味", model="lu-2254")
    other = make_signal("complaints", "露雅积木", "有刺鼻异味", model="CH-C4")
    assert joins(same, cluster)
    assert similarity(other, Candidate.of(cluster)).reasons["rejected"] == "model differs"


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
    from streams.linking import LinkIndex, link_signal

    clusters: dict[str, bytes] = {}
    blocks: dict[str, bytes] = {}
    index = LinkIndex(blocks)
    first = make_signal("injuries", "乐途儿童折叠滑板车", "折叠处夹伤手指", outcome="hospitalised")
    second = make_signal(
        "complaints", "乐途儿童折叠滑板车", "孩子手指被折叠关节夹伤", source_id="C-2"
    )
    founded, _ = link_signal(first, clusters, index)
    joined, _ = link_signal(second, clusters, index)
    assert founded is not None and joined is not None
    assert joined.cluster_id == founded.cluster_id and joined.signal_count == 2
    # a worker crashed after linking but before committing: both are read again
    for replayed in (first, second):
        again, _ = link_signal(replayed, clusters, index)
        assert again is not None
        assert again.signal_count == 2 and again.hospitalised == joined.hospitalised


def test_the_pipeline_links_at_the_calibrated_threshold(founder: Signal) -> None:
    """One matcher: the stage the agents run uses the threshold ``riskwire eval dedup`` chose
    and stored, as ``riskwire dedup`` does."""
    _, decision = link_signal(founder, {}, LinkIndex({}))
    assert decision.reasons["threshold"] == float(matcher_config()["link_threshold"])


# --------------------------------------------------------------------------- candidate index


def test_keys_of_a_signal_and_of_its_cluster_meet(founder: Signal) -> None:
    keys = signal_keys(founder)
    assert keys[:3] == ("m:1TS3", "b:letu", "t:滑板车")  # code (l/I read as 1), brand by sound
    assert set(keys) <= set(candidate_keys(Candidate.of(new_cluster(founder))))


def test_homophone_brands_share_an_index_key(make_signal: MakeSignal) -> None:
    a = make_signal("complaints", "朗菲电热毯", "短路冒烟", brand="朗菲")
    b = make_signal("complaints", "郎菲电热毯", "短路冒烟", brand="郎菲")
    assert "b:langfei" in set(signal_keys(a)) & set(signal_keys(b))


def test_each_index_list_keeps_only_the_most_recent_clusters(make_signal: MakeSignal) -> None:
    """A block holding many live clusters is never read or rewritten whole: each key offers
    at most PER_KEY clusters, newest first, and each cluster is one small stored value."""
    clusters: dict[str, bytes] = {}
    blocks: dict[str, bytes] = {}
    index = LinkIndex(blocks)
    for i in range(PER_KEY + 10):
        brand = f"品牌{i:03d}号"  # other brands of the same product type
        signal = make_signal(
            "complaints",
            f"{brand}滑板车",
            "折叠处夹到手指",
            brand=brand,
            event_time=T0 + timedelta(minutes=i),
        )
        cluster, _ = link_signal(signal, clusters, index)
        assert cluster is not None and cluster.signal_count == 1
    listed = index.candidates.lookup("childrens_products", ["t:滑板车"])
    assert len(listed) == PER_KEY
    assert [e.at for e in listed] == sorted((e.at for e in listed), reverse=True)
    # each is still listed under its own brand: none is forgotten, one summary each
    assert len([k for k in blocks if "|cand|" in k]) == len(clusters) == PER_KEY + 10
    assert max(len(v) for v in blocks.values()) < 8_000


# --------------------------------------------------------------------------- bounded by time


def _heater(make_signal: MakeSignal, brand: str, at: datetime) -> Signal:
    return make_signal(
        "complaints", f"{brand}取暖器", "外壳漏电，手被电麻", brand=brand, event_time=at
    )


def test_clusters_idle_past_the_window_are_forgotten_even_if_never_looked_up(
    make_signal: MakeSignal,
) -> None:
    """A cluster no later signal names is not found by any lookup; expiry by time finds it."""
    clusters: dict[str, bytes] = {}
    blocks: dict[str, bytes] = {}
    index = LinkIndex(blocks)
    old, _ = link_signal(_heater(make_signal, "暖阳", T0), clusters, index)
    kept, _ = link_signal(_heater(make_signal, "朗菲", T0 + timedelta(hours=1)), clusters, index)
    assert old is not None and kept is not None
    # 朗菲's heater hears again later; nothing ever names 暖阳's again
    link_signal(_heater(make_signal, "朗菲", T0 + timedelta(days=50)), clusters, index)
    later = T0 + EXPIRY + timedelta(hours=3)
    other, _ = link_signal(
        make_signal("complaints", "托雅电热毯", "短路冒烟", brand="托雅", event_time=later),
        clusters,
        index,
    )
    assert other is not None and other.block_key == old.block_key  # another product, one block
    assert old.cluster_id not in clusters
    assert not any(old.cluster_id in k or old.cluster_id.encode() in v for k, v in blocks.items())
    assert kept.cluster_id in clusters  # live within the window: filed again, not forgotten
    assert f"household_appliances|cand|{kept.cluster_id}" in blocks
    # once idle for the whole window it goes too
    link_signal(
        make_signal(
            "complaints",
            "托雅电热毯",
            "短路冒烟",
            brand="托雅",
            event_time=T0 + timedelta(days=50) + EXPIRY + timedelta(hours=3),
        ),
        clusters,
        index,
    )
    assert kept.cluster_id not in clusters


def test_declarations_that_waited_the_window_are_forgotten(
    make_signal: MakeSignal, scooter_line: MakeSignal
) -> None:
    clusters: dict[str, bytes] = {}
    blocks: dict[str, bytes] = {}
    index = LinkIndex(blocks)
    line = scooter_line()
    assert link_signal(line, clusters, index)[0] is None  # waits for a cluster
    assert any("|wait|" in k for k in blocks)
    later = line.event_time + EXPIRY + timedelta(hours=3)
    link_signal(
        make_signal("complaints", "某品牌积木", "有刺鼻异味", event_time=later), clusters, index
    )
    assert not any("|wait|" in k for k in blocks)


def test_state_stays_bounded_however_long_the_stream(make_signal: MakeSignal) -> None:
    """A year of new clusters, one a day of another brand: what is held is the last EXPIRY's."""
    clusters: dict[str, bytes] = {}
    blocks: dict[str, bytes] = {}
    members: dict[str, bytes] = {}
    index = LinkIndex(blocks, members)
    days = 365
    for day in range(days):
        link_signal(
            _heater(make_signal, f"品牌{day:03d}号", T0 + timedelta(days=day)), clusters, index
        )
    assert EXPIRY.days + 2 >= len(clusters) >= EXPIRY.days - 1
    summaries = [k for k in blocks if "|cand|" in k]
    assert sorted(summaries) == sorted(f"household_appliances|cand|{c}" for c in clusters)
    assert len(blocks) == len(summaries)
    # the members of forgotten clusters go with them
    held = {m for c in clusters.values() for m in decode(Cluster, c).member_ids}
    assert {k.split("|memb|")[1] for k in members} == held


def test_linking_a_signal_writes_one_value_per_table_it_changes(
    make_signal: MakeSignal, recording_store: tuple[dict[str, bytes], list[str]]
) -> None:
    """One changelog record per table touched: the cluster, its summary in the index, and
    the new member (in a table of its own)."""
    blocks, written = recording_store
    members: dict[str, bytes] = {}
    index = LinkIndex(blocks, members)
    clusters: dict[str, bytes] = {}
    link_signal(_heater(make_signal, "朗菲", T0), clusters, index)
    written.clear()
    later = _heater(make_signal, "朗菲", T0 + timedelta(hours=2))
    joined, _ = link_signal(later, clusters, index)
    assert joined is not None and joined.signal_count == 2
    assert written == [f"household_appliances|cand|{joined.cluster_id}"]
    assert f"household_appliances|memb|{later.signal_id}" in members and len(members) == 2


def test_a_restarted_worker_links_as_the_lost_one_would(make_signal: MakeSignal) -> None:
    """The lists are rebuilt from the recovered table: linking after a restart at any point
    gives what linking without one gives."""
    signals = [
        _heater(make_signal, brand, T0 + timedelta(hours=i))
        for i, brand in enumerate(["朗菲", "暖阳", "郎菲", "托雅", "朗菲", "暖阳"] * 3)
    ]
    clusters: dict[str, bytes] = {}
    blocks: dict[str, bytes] = {}
    index = LinkIndex(blocks)
    straight = [link_signal(s, clusters, index)[0] for s in signals]
    restarted_clusters: dict[str, bytes] = {}
    restarted_blocks: dict[str, bytes] = {}
    restarted = []
    for s in signals:  # a new index over a copy of the table before every signal
        restarted_blocks = dict(restarted_blocks)
        fresh = LinkIndex(restarted_blocks)
        restarted.append(link_signal(s, restarted_clusters, fresh)[0])
    assert restarted == straight
    assert restarted_blocks == blocks and restarted_clusters == clusters


def test_a_report_with_no_failure_mode_joins_its_brands_main_cluster(
    make_signal: MakeSignal,
) -> None:
    """Two clusters of one brand's laptop, split by failure mode; a report naming the brand and
    no failure mode scores the same against both: it joins the one with more reports, not
    whichever was touched last (which scattered a brand's reports over its clusters)."""
    laptop = "笔记本电脑"
    big = new_cluster(make_signal(product_name=laptop, text="联想的屏幕转轴断裂了", event_time=T0))
    for hour in range(1, 4):
        later = T0 + timedelta(hours=hour)
        big = absorb(big, make_signal(product_name=laptop, text="联想转轴断了", event_time=later))
    small = new_cluster(
        make_signal(
            product_name=laptop, text="联想的键盘烫手，发热严重", event_time=T0 + timedelta(hours=5)
        )
    )
    assert big.brands and big.hazard_modes and small.hazard_modes
    report = make_signal(
        product_name=laptop, text="联想预装的软件太多", event_time=T0 + timedelta(hours=6)
    )
    assert report.brand == "联想(Lenovo)" and not report.hazard_modes
    newest_first = [Candidate.of(small), Candidate.of(big)]
    decision = link(report, newest_first)
    assert decision.cluster_id == big.cluster_id
    assert decision.reasons["also"] == [small.cluster_id]  # they tied


def test_of_equals_whose_brand_is_unknown_the_newest_wins(make_signal: MakeSignal) -> None:
    """Without a brand to confirm either, size says nothing: the most recent cluster wins."""
    name = "折叠滑板车"
    old = new_cluster(make_signal(product_name=name, text="折叠处夹手", event_time=T0))
    old = absorb(old, make_signal(product_name=name, text="折叠处夹伤手指", event_time=T0))
    new = new_cluster(make_signal(product_name=name, text="折叠处夹手指", event_time=T0))
    report = make_signal(product_name=name, text="折叠关节夹到孩子", event_time=T0)
    assert not report.brand and not old.brands and not new.brands
    decision = link(report, [Candidate.of(new), Candidate.of(old)])
    assert decision.cluster_id == new.cluster_id


def test_a_summary_stored_before_it_counted_reports_still_reads(make_cluster: Any) -> None:
    """Blocks tables written before ``Candidate.reports`` existed decode with 0 reports."""
    from schemas.codec import from_dict, to_dict

    summary = to_dict(Candidate.of(make_cluster()))
    del summary["reports"]
    assert from_dict(Candidate, summary).reports == 0
