"""Near-duplicate matching: regions, narratives, features, bounded blocking, and the commands."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from detectors.catalogue import load_catalogue
from detectors.neardup import (
    FEATURES,
    WINDOW,
    Match,
    NearDupIndex,
    ReportKey,
    best_match,
    blocking_keys,
    brand_variants,
    brands_agree,
    compare,
    pair_features,
)
from detectors.regions import compatible, region_key
from detectors.text import narrative, quoted_numbers
from lab.evalset import read_jsonl
from lab.evaluate import _signals, default_evalset, evaluate_dedup
from schemas.records import Signal

T0 = datetime(2026, 2, 16, 2, 0, tzinfo=UTC)


def _signal(sid: str, text: str, **extra: object) -> Signal:
    fields: dict[str, object] = {
        "signal_id": f"complaints:{sid}",
        "feed": "complaints",
        "source_id": sid,
        "event_time": T0,
        "ingest_time": T0,
        "product_name": "童韵小太阳取暖器",
        "text": text,
        "brand": "童韵",
        "region": "辽宁省沈阳市",
        "category": "household_appliances",
        "product_terms": ("取暖器",),
        "hazard_class": "physical",
        **extra,
    }
    return Signal(**fields)  # type: ignore[arg-type]


HOTLINE = _signal(
    "A1",
    "来电人称1月11日通过天猫购买童韵小太阳取暖器一台(型号:TO-X9),2.15使用过程中手碰到取暖器外壳"
    "被电了一下,整个手臂都麻了。诉求:退货退款并赔偿医药费",
)
WEB = _signal(
    "A2",
    "您好,我要投诉!1月11日在天猫购买的童韵暖风机,2026年2月15日使用时手碰到取暖器外壳被电了一下,"
    "整个手臂都麻了。要求相关部门对该产品进行抽检。",
    region="沈阳市",
    event_time=T0 + timedelta(hours=20),
)
OTHER_PERSON = _signal(
    "B1",
    "3月2日在京东买的童韵取暖器,用了十分钟插头烧焦冒烟,差点起火。要求商家赔偿。",
    region="辽宁省大连市",
    event_time=T0 + timedelta(days=3),
)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("辽宁省沈阳市", "沈阳市", True),
        ("广东 东莞", "广东", True),
        ("天津", "120000", True),  # GB/T 2260 code of Tianjin
        ("浙江省杭州市", "浙江 杭州", True),
        ("江苏省南京市", "江苏省苏州市", False),
        ("上海市", "北京", False),
        ("广东", "沈阳市", False),  # 沈阳 is in 辽宁
        ("广东", "仙桃市", None),  # a city the table does not know: cannot tell
        (None, "上海", None),
    ],
)
def test_regions_are_compared_at_the_level_both_give(a: str, b: str, same: bool | None) -> None:
    assert compatible(a, b) is same


def test_region_key_strips_suffixes_but_keeps_city_names() -> None:
    assert region_key("内蒙古自治区呼和浩特市") == ("内蒙古", "呼和浩特")
    assert region_key("广州市") == ("广东", "广州")


def test_narrative_drops_openers_and_demands_and_numbers_unify_dates() -> None:
    assert (
        narrative("您好,我要投诉!瓶盖鼓起来了。要求相关部门对该产品进行抽检。") == "瓶盖鼓起来了。"
    )
    assert quoted_numbers("2.15使用") == quoted_numbers("2026年2月15日使用") == {"2-15"}
    assert quoted_numbers("价格352元, 1/11购买") == {"352", "1-11"}


def test_brand_aliases_and_scripts() -> None:
    assert brand_variants("禾舒(Heshu)") == ("禾舒", "heshu")
    assert brands_agree(("禾舒", "heshu"), ("禾舒",)) is True
    assert brands_agree(("禾舒",), ("童韵",)) is False
    assert brands_agree(("fretani",), ("弗塔尼",)) is None  # other scripts: cannot tell
    # typed by ear: a homophone agrees, and so does a romanised name that is the pinyin
    assert brands_agree(("郎菲",), ("朗菲",)) is True
    assert brands_agree(("langfei",), ("朗菲",)) is True
    assert brands_agree(("哈维克",), ("玛维克",)) is False  # one sound apart is another brand


def test_same_event_by_two_channels_outscores_another_consumer() -> None:
    hotline, web, other = (ReportKey.of(s) for s in (HOTLINE, WEB, OTHER_PERSON))
    features = pair_features(web, hotline)
    assert set(features) == set(FEATURES)
    assert features["numbers"] > 0.5 and features["region"] == 1.0
    same, different = compare(web, hotline), compare(other, hotline)
    assert same.score > different.score
    assert pair_features(other, hotline)["region"] == -1.0
    explained = same.explain(50.0)
    assert explained["threshold"] == 50.0 and "text_contain" in explained["fields"]  # type: ignore[operator]


def test_reports_too_far_apart_are_not_compared() -> None:
    late = replace(ReportKey.of(WEB), day=ReportKey.of(HOTLINE).day + 30)
    match = compare(late, ReportKey.of(HOTLINE))
    assert match.rejected == "too far apart" and match.score == 0.0


def test_index_finds_the_repeat_and_stays_bounded_per_block() -> None:
    index = NearDupIndex(threshold=50.0, per_block=8)
    assert index.check(HOTLINE).duplicate_of is None
    verdict = index.check(WEB)
    assert verdict.duplicate_of == HOTLINE.signal_id
    assert verdict.explain() is not None
    for i in range(100):
        index.check(_signal(f"N{i}", f"第{i}号投诉", region="上海市", brand=None))
    assert len(index) <= 8 * len(set().union(*(blocking_keys(s) for s in (HOTLINE, WEB)))) + 8 * 4


def test_evaluation_reports_all_three_scores_on_the_test_split() -> None:
    report = evaluate_dedup(calibrate=False)
    assert report["reported_on"] == "test"
    for part in ("duplicates", "linkage_pairwise", "linkage_bcubed"):
        assert 0.0 <= report[part]["f1"] <= 1.0
    # every exact re-send is caught, whatever the near-duplicate model does
    resend = report["by_note"]["exact-resend"]
    assert resend["correct"] == resend["true_duplicates"] > 0


def test_dedup_command_prints_one_decision_per_record(tmp_path: Path) -> None:
    path = tmp_path / "complaints.jsonl"
    base = {
        "complaint_id": "C1",
        "received_at": "2026-02-16 10:00",
        "product_name": "童韵取暖器",
        "brand": "童韵",
        "region": "沈阳市",
        "description": "2月15日使用时手碰到取暖器外壳被电了一下,整个手臂都麻了",
    }
    lines = [base, {**base, "complaint_id": "C1"}, {**base, "complaint_id": "C2"}, {"x": 1}]
    path.write_bytes(b"\n".join(orjson.dumps(line) for line in lines))
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "dedup", str(path), "--feed", "complaints", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o["id"] for o in out] == ["C1", "C1", "C2", None]
    assert out[0]["duplicate_of"] is None and out[0]["cluster"]
    assert out[1]["duplicate_of"] == "C1" and out[1]["cluster"] == out[0]["cluster"]
    assert out[2]["duplicate_of"] == "C1"  # same content under another id
    assert "error" in out[3]


def test_index_in_a_store_survives_a_restart_and_replays_keep_their_verdict() -> None:
    store: dict[str, bytes] = {}
    first = NearDupIndex(threshold=50.0, store=store)
    assert first.check(HOTLINE).duplicate_of is None
    verdict = first.check(WEB)
    assert verdict.duplicate_of == HOTLINE.signal_id
    part = blocking_keys(HOTLINE)[0].split("|")[0]
    assert set(store) == {f"{part}|n|{s.signal_id}" for s in (HOTLINE, WEB)}  # one value each
    # a new worker reading the same (changelog-recovered) store knows both reports
    restarted = NearDupIndex(threshold=50.0, store=dict(store))
    replay = restarted.check(WEB)
    # the first verdict stands, explained as it was: a re-read publishes the same record
    assert replay.duplicate_of == HOTLINE.signal_id
    assert replay.explain() == verdict.explain() and replay.candidates == verdict.candidates
    assert restarted.check(OTHER_PERSON).duplicate_of is None
    assert restarted.check(OTHER_PERSON).duplicate_of is None  # replayed, not its own twin
    key = ReportKey.of(WEB)
    assert ReportKey.from_row(orjson.loads(orjson.dumps(key.to_row()))) == key


def test_blocks_are_keyed_within_the_linkage_partition() -> None:
    from detectors.linkage import block_key

    for signal in (HOTLINE, WEB, OTHER_PERSON, _signal("C1", "x", category=None)):
        assert all(k.startswith(block_key(signal) + "|") for k in blocking_keys(signal))


def _listing(sid: str, title: str, day: int, **extra: object) -> Signal:
    fields: dict[str, object] = {
        "signal_id": f"listings:天猫:{sid}",
        "feed": "listings",
        "source_id": f"天猫:{sid}",
        "event_time": T0 + timedelta(days=day),
        "ingest_time": T0,
        "product_name": title,
        "text": f"{title} 买家评价:“倒了也不断电,太危险”",
        "brand": None,
        "model": "TO-X9",
        "enterprise_name": "童韵官方旗舰店",
        "region": "石家庄市",
        "platform": "天猫",
        "category": "household_appliances",
        "product_terms": ("取暖器",),
        **extra,
    }
    return Signal(**fields)  # type: ignore[arg-type]


def test_a_reposted_listing_copies_its_page_and_another_listing_does_not() -> None:
    first = ReportKey.of(_listing("1", "【官方正品】童韵小太阳取暖器S系列 TO-X9 包邮", 0))
    # the shop re-posts the page a week later: new title and price, same attributes
    repost = ReportKey.of(_listing("2", "童韵 TO-X9 取暖器 家用节能速热【限时秒杀】", 7))
    # the same shop's other listing of the product, filled in again: the region written
    # another way and the model left out
    other = ReportKey.of(
        _listing("3", "童韵 TO-X9 取暖器 家用节能速热【限时秒杀】", 7, region="河北", model=None)
    )
    assert pair_features(repost, first)["listing_form"] == 1.0
    assert pair_features(other, first)["listing_form"] == 0.0
    assert compare(repost, first).score > compare(other, first).score
    # a complaint has no page to copy
    assert pair_features(ReportKey.of(WEB), ReportKey.of(HOTLINE))["listing_form"] == 0.0


def test_another_model_or_another_kind_of_product_is_never_the_same_event() -> None:
    hotline = ReportKey.of(replace(HOTLINE, model="TO-X9"))
    web = ReportKey.of(replace(WEB, model="TO-X7"))
    match = compare(web, hotline)
    assert match.rejected == "other model" and match.score == 0.0
    # a misread code (O for 0) is the same model
    assert compare(ReportKey.of(replace(WEB, model="T0-X9")), hotline).rejected is None
    cup = ReportKey.of(replace(WEB, product_terms=("保温杯",)))
    assert compare(cup, ReportKey.of(HOTLINE)).rejected == "other product"


def test_a_key_stored_before_the_listing_form_existed_still_loads() -> None:
    key = ReportKey.of(_listing("1", "童韵取暖器 TO-X9", 0))
    old_row = key.to_row()[:-2]  # rows written before ``form`` and ``candidates`` were added
    assert ReportKey.from_row(orjson.loads(orjson.dumps(old_row))) == replace(key, form=())
    keyed = replace(key, candidates=3)
    assert ReportKey.from_row(orjson.loads(orjson.dumps(keyed.to_row()))) == keyed
    with pytest.raises(ValueError, match="more than its fields"):
        ReportKey.from_row([*key.to_row(), "extra"])


def test_reports_that_left_the_window_are_forgotten_by_a_store() -> None:
    """A year of reports, each of another brand and model: a store keeps the reports of the
    last WINDOW, however long the stream."""
    store: dict[str, bytes] = {}
    index = NearDupIndex(threshold=50.0, store=store)
    days = 365
    for day in range(days):
        at = T0 + timedelta(days=day)
        signal = _signal(
            f"C{day}",
            f"第{day}天 充电时冒烟",
            brand=f"品牌{day:03d}号",
            model=f"MD-{day:03d}",
            event_time=at,
        )
        index.check(signal)
    assert WINDOW.days <= len(store) <= WINDOW.days + 1  # the window's reports, one value each
    # a restarted worker reading the swept store still finds yesterday's report
    restarted = NearDupIndex(threshold=50.0, store=dict(store))
    again = _signal(
        "X1",
        f"第{days - 1}天 充电时冒烟",
        brand=f"品牌{days - 1:03d}号",
        model=f"MD-{days - 1:03d}",
        event_time=T0 + timedelta(days=days - 1, hours=5),
    )
    assert restarted.check(again).candidates >= 1


def test_a_check_with_nothing_to_sweep_writes_nothing(
    recording_store: tuple[dict[str, bytes], list[str]],
) -> None:
    store, written = recording_store
    index = NearDupIndex(threshold=50.0, store=store)
    index.check(HOTLINE)
    written.clear()
    index.check(WEB, add=False)
    assert written == []  # not even the sweep's bookmark


def _every_candidate_compared(key: ReportKey, candidates: list[ReportKey]) -> Match | None:
    """The reference: every candidate compared in turn, the first of equals kept."""
    best: Match | None = None
    for other in candidates:
        match = compare(key, other)
        if best is None or match.score > best.score:
            best = match
    return best


def test_the_best_match_is_that_of_comparing_every_candidate() -> None:
    # the labelled set filed in its order, each report then checked again as read at the
    # newest time, as it is and re-worded: a copy ends the search, a bound skips a candidate
    # only when it cannot win, so the verdict and its explanation stay those of every compare
    signals = _signals(read_jsonl(default_evalset()), load_catalogue())[:600]
    index = NearDupIndex()
    for signal in signals:
        index.add(blocking_keys(signal), ReportKey.of(signal))
    end = max(s.event_time for s in signals)
    for n, signal in enumerate(signals[::3]):
        text = signal.text or ""
        for probe in (
            replace(signal, event_time=end),
            replace(signal, event_time=end, text=text[: n % 40] + text[n % 40 + 3 :]),
            replace(signal, event_time=end, region="广东省深圳市", text=text + "，后来又坏了"),
        ):
            key = ReportKey.of(probe)
            candidates = index.candidates(blocking_keys(probe), key)
            verdict = best_match(key, candidates, index.threshold)
            assert verdict.best == _every_candidate_compared(key, candidates)
            assert verdict.candidates == len(candidates)
