"""A report and its mechanical copy are found as duplicates however many other reports of the
same product came between them in the window: candidates are found by their text (MinHash LSH
bands), not only among the newest of the product's block, and one text is one report whatever
the side facts say. Hypothesis draws the copy kind, the texts and up to 300 reports between."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from detectors.neardup import BANDS, ROWS, SHINGLE, NearDupIndex
from detectors.text import match_key, narrative
from lab.realset import COPY_KINDS, copy_of
from schemas.records import Signal

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
FLOOR = 0.5  # 3-gram Jaccard of the folded texts: the copies the index promises to find
# Written like the reviews people post: what went wrong, in their words.
OPENINGS = ("买回来第二天", "用了不到一个月", "收到货打开一看", "刚拆封就发现", "孩子用了几次")
FAULTS = ("屏幕就出现亮线", "硬盘有异响", "电池鼓包了", "充电器发烫冒烟", "键盘好几个键失灵",
          "外壳有裂缝", "风扇声音特别大", "开机就蓝屏")  # fmt: skip
ENDINGS = ("联系客服一直推脱", "要求退货被拒绝", "售后说不在保修范围", "希望有关部门管一管",
           "再也不会买这个牌子了", "质量太差了")  # fmt: skip


def _report(n: int, text: str, day: float) -> Signal:
    at = T0 + timedelta(days=day)
    return Signal(
        signal_id=f"complaints:C{n}",
        feed="complaints",
        source_id=f"C{n}",
        event_time=at,
        ingest_time=at,
        product_name="笔记本电脑",
        text=text,
        category="electronics",
        product_terms=("笔记本电脑",),
    )


def _other(rng: random.Random) -> str:
    parts = [rng.choice(OPENINGS), rng.choice(FAULTS), rng.choice(FAULTS), rng.choice(ENDINGS)]
    return "，".join(parts) + "。"


def _jaccard(a: str, b: str) -> float:
    ka, kb = match_key(narrative(a)), match_key(narrative(b))
    sa = {ka[i : i + SHINGLE] for i in range(len(ka) - SHINGLE + 1)}
    sb = {kb[i : i + SHINGLE] for i in range(len(kb) - SHINGLE + 1)}
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


@settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    kind=st.sampled_from(COPY_KINDS),
    between=st.integers(min_value=0, max_value=300),
    seed=st.integers(min_value=0, max_value=10**6),
)
def test_a_copy_is_found_whatever_came_between(kind: str, between: int, seed: int) -> None:
    rng = random.Random(seed)
    original = (
        f"{rng.choice(OPENINGS)}，型号{rng.randrange(100, 999)}的{rng.choice(FAULTS)}，"
        f"第{rng.randrange(2, 9)}天又{rng.choice(FAULTS)}，{rng.choice(ENDINGS)}，"
        f"订单号{rng.randrange(10**7, 10**8)}。"
    )
    copy = copy_of(original, kind, rng)
    assume(_jaccard(original, copy) >= FLOOR)
    index = NearDupIndex()
    assert index.check(_report(0, original, 0.0)).duplicate_of is None
    for n in range(1, between + 1):  # other people's reports of the product, in the window
        index.check(_report(n, _other(rng), 5.0 * n / (between + 1)))
    verdict = index.check(_report(between + 1, copy, 6.0))
    assert verdict.duplicate_of == "complaints:C0", (kind, between, verdict.explain())


def test_the_stated_miss_probability_at_the_floor_is_below_one_percent() -> None:
    miss = (1 - FLOOR**ROWS) ** BANDS
    assert miss <= 0.01
