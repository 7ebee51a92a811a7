"""The identifying details of a report, read from Chinese and English text alike."""

from __future__ import annotations

import pytest

from detectors.event_identity import (
    ages,
    agreement,
    codes_agree,
    event_dates,
    model_codes,
    overlap,
    places,
    quotes,
    sexes,
)


@pytest.mark.parametrize(
    ("text", "incident", "expected"),
    [
        ("本人于3.21购买保温杯。2026年4月4日装了热水", None, {"3-21", "4-4"}),
        ("12月21日在天猫购买的 2月16日使用时", None, {"12-21", "2-16"}),
        ("bought from Tmall on 23 January 2026. On 7 March 2026 the hood", None, {"1-23", "3-7"}),
        ("since March 7th, and again Feb. 2", None, {"3-7", "2-2"}),
        ("onset 2026-02-17 at home", None, {"2-17"}),
        ("a scald to the foot", "2026-02-17", {"2-17"}),
        ("price 98 yuan, 13 drawers", None, set()),
    ],
)
def test_dates_are_month_days_whatever_the_spelling(
    text: str, incident: str | None, expected: set[str]
) -> None:
    assert event_dates(text, incident) == expected


def test_ages_and_sexes_from_fields_and_both_languages() -> None:
    assert ages("29-year-old male, a scald") == {29}
    assert ages("患者37岁，男。2月27日下午") == {37}
    assert ages("my son, aged 7, fell", age=7) == {7}
    assert ages("no age here", age=None) == frozenset()
    assert sexes("患者51岁，女。") == {"F"}
    assert sexes("29-year-old male") == {"M"}
    assert sexes("我丈夫脚背烫伤") == {"M"}
    assert sexes("a woman and her son") == {"M", "F"}
    assert sexes("女装外套起球") == frozenset()  # 女 inside a product word is not a person


def test_places_are_canonical_across_languages() -> None:
    assert places("天猫") == places("bought it on Tmall Global") == {"天猫"}
    assert places(None, "在合肥盒马鲜生购买") == {"盒马"}
    assert places("a local shop") == frozenset()


def test_quotes_fold_punctuation_and_spacing() -> None:
    a = quotes("买家评价：“倾倒开关是摆设”；“倒了也不断电，太危险”")
    b = quotes("有17条差评反映“倒了也不断电,太危险”。")
    assert len(a) == 2
    assert overlap(a, b) == 1.0


def test_model_codes_from_fields_names_and_text() -> None:
    text = "童韵 TO X9 取暖器 家用to-x9 500ml 2026新款 KU-5800型 型号NI871S"
    assert model_codes(None, text) == {"TOX9", "KU5800", "NI871S"}
    assert model_codes("NU-S1型", "") == {"NUS1"}
    english = "a hooded jacket AU74lA from Tmall on 23 January 2026. On 7 March"
    assert model_codes(None, english) == {"AU74LA"}  # "on 23" and "On 7" are not codes


def test_codes_agree_allowing_misread_characters_but_not_another_model() -> None:
    assert codes_agree(frozenset({"AU74LA"}), frozenset({"AU741A"})) is True
    assert codes_agree(frozenset({"LA24L6", "X1"}), frozenset({"LA2416"})) is True
    assert codes_agree(frozenset({"LA2416"}), frozenset({"LA2417"})) is False
    assert codes_agree(frozenset({"BE51"}), frozenset({"BE998B"})) is False
    assert codes_agree(frozenset(), frozenset({"BE51"})) is None


def test_agreement_tells_silence_from_conflict() -> None:
    assert agreement({1}, {1, 2}) == 1.0
    assert agreement({1}, {2}) == -1.0
    assert agreement(set(), {2}) == 0.0
