"""detectors.brands: one brand in two scripts, and the brand a report names only in its text."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources

import pytest

from detectors.brands import BrandReference, brand_named, brand_variants, brands_agree
from detectors.catalogue import Catalogue
from detectors.fingerprint import content_fingerprint
from schemas.records import Signal

MakeSignal = Callable[..., Signal]


def test_a_brand_field_agrees_with_the_other_scripts_name() -> None:
    """Spelling and sound cannot tell that 惠普 is HP; the reference table can."""
    assert set(brand_variants("惠普")) >= {"惠普", "hp"}
    assert brands_agree(brand_variants("惠普"), brand_variants("HP")) is True
    assert brands_agree(brand_variants("联想"), brand_variants("HP")) is False
    assert brand_variants("禾舒(Heshu)") == ("禾舒", "heshu")  # not in the table: as before


@pytest.mark.parametrize(
    ("text", "category", "brand"),
    [
        ("HP的电源适配器坏了两次", "electronics", "惠普(HP)"),
        ("屏幕尺寸比Hp14寸小", "electronics", "惠普(HP)"),  # a size after the name
        ("这台惠普笔记本发热，惠普客服不理", "electronics", "惠普(HP)"),  # one brand, twice
        ("買的華碩筆記本螢幕壞了", "electronics", "华硕(ASUS)"),  # traditional script
        ("联想和惠普都比这个好", "electronics", None),  # two brands: neither is its own
        ("php写的后台", "electronics", None),  # a Latin name only as a word of its own
        ("官方正品蓝牙耳机", "electronics", None),  # "方正" across two words
        ("苹果汁里有异物", "food", None),  # a brand only in the categories it sells in
        ("老板说不退货", "household_appliances", None),  # 老板 (Robam) is also a boss
        ("Sharp edges on the lid cut my hand", "electronics", None),
        ("孩子玩滑板车时折叠处夹到手指", "childrens_products", None),
        ("充电器冒烟", None, None),  # no category: no brand is read
    ],
)
def test_the_one_brand_a_text_names(text: str, category: str | None, brand: str | None) -> None:
    assert brand_named(text, category) == brand


def test_every_reference_line_is_well_formed(catalogue: Catalogue) -> None:
    """Every brand sells in catalogue categories, and its common-word names are its own."""
    raw = resources.files("detectors").joinpath("data/brands.json").read_text("utf-8")
    data = json.loads(raw)
    known = set(catalogue.categories)
    for entry in data["brands"]:
        assert entry["names"] and set(entry["categories"]) <= known, entry
        assert set(entry.get("words", ())) <= set(entry["names"]), entry
    table = BrandReference.of(data)
    assert len(table.canonical) == len(data["brands"])


def test_ingest_fills_an_empty_brand_field_only(make_signal: MakeSignal) -> None:
    named = make_signal(product_name="笔记本电脑", text="惠普的电源坏了")
    given = make_signal(product_name="笔记本电脑", text="惠普的电源坏了", brand="联想")
    assert named.category == "electronics"
    assert named.brand == "惠普(HP)"
    assert given.brand == "联想"  # what the record says stands
    raw = make_signal(product_name="笔记本电脑", text="惠普的电源坏了", enriched=False)
    assert named.fingerprint == content_fingerprint(raw)  # of what the record says
