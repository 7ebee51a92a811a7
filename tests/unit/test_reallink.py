"""lab.reallink: the brand a real review names labels its product (pure, no download)."""

from __future__ import annotations

import pytest

from lab.reallink import brand_named, build_linkage


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("三星的本本散热太差了", ("Samsung", "三星")),
        ("HP的电源适配器坏了两次", ("HP", "HP")),
        ("买的hp笔记本，屏幕有坏点", ("HP", "hp")),
        ("IBM 的键盘手感不如以前的thinkpad", ("ThinkPad", "thinkpad")),  # one brand, twice
        ("联想和戴尔都比这个好", None),
        ("HPV疫苗的说明书", None),  # a Latin name only as a word of its own
        ("这台电脑发热严重", None),
    ],
)
def test_the_one_brand_a_review_names(text: str, named: tuple[str, str] | None) -> None:
    assert brand_named(text) == named


def test_the_set_keeps_reviews_naming_one_brand_with_its_spelling_in_the_field() -> None:
    reviews = ["三星的本本散热太差了", "联想和戴尔都比这个好", "买的hp笔记本，屏幕有坏点"]
    in_text = build_linkage(reviews, brand_field=False, first=0)
    in_field = build_linkage(reviews, brand_field=True, first=0)
    assert sorted(r.entity for r in in_text) == ["laptop-HP", "laptop-Samsung"]
    assert all("brand" not in r.record for r in in_text)
    assert sorted(r.record["brand"] for r in in_field) == ["hp", "三星"]
    assert [r.record_id for r in in_text] == [r.record_id for r in in_field]


def test_only_the_laptop_block_is_labelled() -> None:
    """Before the laptop block, "三星" is a hotel's three stars: such reviews get no label."""
    reviews = ["房间不如一般的三星", "三星的本本散热太差了"]
    labelled = build_linkage(reviews, brand_field=False, first=1)
    assert [r.record["description"] for r in labelled] == ["三星的本本散热太差了"]
