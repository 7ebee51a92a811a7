"""detectors.text (folding, language) and detectors.catalogue (categories, hazards, terms)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.catalogue import Catalogue, load_catalogue
from detectors.fingerprint import content_fingerprint
from detectors.text import clean, fold, is_cjk, language_of, match_key, simplified, sound_key
from schemas.records import Signal

# --------------------------------------------------------------------------- text


def test_clean_folds_full_width_and_collapses_whitespace_but_keeps_case() -> None:
    assert clean("  ＬｅＴｕ　儿童\t滑板车\n ") == "LeTu 儿童 滑板车"
    assert clean("ＬＴ－Ｓ３（１２３）") == "LT-S3(123)"
    assert clean("孩子手指被夹伤，流血！") == "孩子手指被夹伤,流血!"


@pytest.mark.parametrize("empty", [None, "", "   ", "\u3000\t"])
def test_clean_of_nothing_is_empty(empty: str | None) -> None:
    assert clean(empty) == ""


def test_fold_folds_traditional_script_to_simplified() -> None:
    written = "這個熱水器漏電了，差點燙傷孩子！後來發現插頭燒焦。"
    assert match_key(written) == match_key("这个热水器漏电了，差点烫伤孩子！后来发现插头烧焦。")
    assert simplified("臺灣 裡面 乾淨 頭髮") == "台湾 里面 干净 头发"
    assert simplified("乐途 LeTu 38") == "乐途 LeTu 38"  # simplified text and Latin untouched


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=40))
def test_simplified_is_idempotent_and_keeps_length(text: str) -> None:
    once = simplified(text)
    assert simplified(once) == once  # one form: folding a folded text changes nothing
    assert len(once) == len(text)  # character for character: positions stay comparable


def test_a_traditional_copy_has_the_fingerprint_of_its_original(
    make_signal: Callable[..., Signal],
) -> None:
    original = make_signal(text="孩子玩滑板车时折叠处夹到手指，流了很多血", product_name="滑板车")
    copy = replace(
        original,
        signal_id="complaints:copy",
        text="孩子玩滑板車時折疊處夾到手指，流了很多血",
        product_name="滑板車",
    )
    assert content_fingerprint(copy) == content_fingerprint(original)


def test_fold_case_folds_after_cleaning() -> None:
    assert fold("ＬｅＴｕ KIDS Scooter") == "letu kids scooter"
    assert fold("STRAẞE") == "strasse"  # casefold, not lower
    assert fold("乐途") == "乐途"


def test_match_key_drops_spaces_and_punctuation_in_any_script() -> None:
    assert match_key("LT-S3 乐途，儿童 滑板车！") == "lts3乐途儿童滑板车"
    assert match_key("ＬＴ－Ｓ３") == match_key("lt s3") == "lts3"
    assert match_key("Child's_scooter") == "childsscooter"
    assert match_key(None) == ""


@pytest.mark.parametrize(
    ("char", "expected"),
    [("滑", True), ("㐀", True), ("a", False), ("ア", False), ("한", False), ("，", False)],
)
def test_is_cjk(char: str, expected: bool) -> None:
    assert is_cjk(char) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("乐途儿童折叠滑板车", "zh"),
        ("LeTu kids folding scooter", "en"),
        ("Child's finger was pinched in the folding hinge", "en"),
        ("单核细胞增生李斯特菌 Listeria monocytogenes", "zh"),  # 10 of 31 letters Chinese
        ("金针菇 Listeria monocytogenes", "en"),  # 3 of 24: below a fifth
        ("鲜金针菇 绿谷 Green Valley", "zh"),  # 6 of 17
        ("ＬＥＤ台灯", "zh"),  # 2 of 5
        ("123-456", "zh"),  # no letters: the default
        ("", "zh"),
    ],
)
def test_language_is_zh_when_a_fifth_of_the_letters_are_chinese(text: str, expected: str) -> None:
    assert language_of(text) == expected


def test_language_threshold_is_exactly_one_fifth() -> None:
    assert language_of("滑abcd") == "zh"  # 1 of 5
    assert language_of("滑abcde") == "en"  # 1 of 6


# --------------------------------------------------------------------------- catalogue


@pytest.mark.parametrize(
    ("name", "text", "hs", "expected"),
    [
        ("乐途儿童折叠滑板车", "", None, "childrens_products"),
        ("LeTu kids folding scooter", "", None, "childrens_products"),
        ("暖阳电暖器", "", None, "household_appliances"),
        ("Space Heater 2000W", "", None, "household_appliances"),
        ("金针菇", "", None, "food"),
        ("Enoki mushroom", "", None, "food"),
        ("苏打饼干", "", None, "food"),
        ("手机充电器", "", None, "electrical_products"),
        ("Rice Cooker", "", None, "household_appliances"),
        ("保温杯", "", None, "food_contact"),
        ("电动自行车", "", None, "vehicles_parts"),
        ("烟花爆竹", "", None, "dangerous_chemicals"),
    ],
)
def test_categorise_by_keyword(
    catalogue: Catalogue, name: str, text: str, hs: str | None, expected: str
) -> None:
    assert catalogue.categorise(name, text, hs) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # who a product is for counts a quarter: what it is decides
        ("雅宸儿童卫衣", "textiles_clothing"),
        ("艾弗可儿童奶酪棒", "food"),
        ("婴儿奶粉", "food"),
        ("铂驰儿童防晒乳", "cosmetics"),
        ("智贝小学生手表", "electronics"),
        ("驰暖S系列儿童收纳柜", "furniture"),
        # a product made for them stays theirs
        ("乐途儿童折叠滑板车", "childrens_products"),
        ("宝宝学步车", "childrens_products"),
        ("BEILANG baby walker", "childrens_products"),
        ("老人轮椅", "elderly_goods"),
        # an audience word alone still places a product
        ("儿童用品一套", "childrens_products"),
    ],
)
def test_audience_words_do_not_outweigh_the_product(
    catalogue: Catalogue, name: str, expected: str
) -> None:
    assert catalogue.categorise(name) == expected


@pytest.mark.parametrize(
    ("text", "modes"),
    [
        ("手碰到取暖器外壳被电了一下", ("electric_shock",)),
        ("取暖器被碰倒以后根本不断电", ("no_cutoff", "tip_over")),
        ("It tipped over and did not switch off", ("no_cutoff", "tip_over")),
        ("插上电没多久控制器就冒烟，毯子里有噼啪的短路声", ("fire_smoke", "short_circuit")),
        ("温控器失灵，调到最低档还是越来越烫", ("overheat",)),
        ("The metal casing is live, I got an electric shock", ("electric_shock",)),
        ("食用后腹泻呕吐，检出沙门氏菌", ("salmonella",)),
        ("充电头插了一夜，插头都烧化了", ("melt",)),
        ("一打开盖子直接弹了出来", ("hot_liquid",)),
        ("零件太小，不适合小孩", ("small_parts",)),
        ("Tiny pieces come off easily", ("small_parts",)),
        # injuries are not failure modes: burns follow from many of them
        ("孩子小腿烫伤，去医院看了急诊", ()),
    ],
)
def test_hazard_modes_name_the_failure(
    catalogue: Catalogue, text: str, modes: tuple[str, ...]
) -> None:
    assert catalogue.hazard_modes(text) == modes


def test_sound_key_hears_homophones_and_romanised_names() -> None:
    assert sound_key("朗菲") == sound_key("郎菲") == "langfei"
    assert sound_key("童运") == sound_key("童韵") == "tongyun"
    assert sound_key("哈维克") != sound_key("玛维克")
    assert sound_key("langfei") == "" and sound_key("童韵tongyun") == ""


def test_categorise_by_hs_prefix_alone(catalogue: Catalogue) -> None:
    assert catalogue.categorise("一批货物", "", "8516609000") == "household_appliances"
    assert catalogue.categorise("一批货物", "", "0709591000") == "food"
    assert catalogue.categorise("一批货物", "", "9503001000") == "childrens_products"
    assert catalogue.categorise("一批货物", "", None) is None


def test_hs_prefix_outweighs_a_keyword_in_the_name(catalogue: Catalogue) -> None:
    # "儿童书桌": 儿童 (children's) by keyword, but HS 9403 says furniture.
    assert catalogue.categorise("儿童书桌") == "childrens_products"
    assert catalogue.categorise("儿童书桌", "", "9403600000") == "furniture"


def test_name_counts_twice_the_free_text(catalogue: Catalogue) -> None:
    # Name says kettle (3 letters of "电水壶" x2 = 6); text says toy (玩具, 2 letters x1 = 2).
    assert catalogue.categorise("电水壶", "孩子当玩具玩") == "household_appliances"
    # In free text alone, the longer match wins.
    assert catalogue.categorise("某产品", "电水壶 玩具") == "household_appliances"


def test_latin_keywords_match_whole_words_only(catalogue: Catalogue) -> None:
    assert catalogue.categorise("Carpet") is None  # contains "car"
    assert catalogue.categorise("Scootering") is None  # another word that starts with one
    assert catalogue.categorise("Widget") is None
    assert catalogue.categorise("ELECTRIC KETTLE") == "household_appliances"


def test_latin_keywords_match_in_the_plural(catalogue: Catalogue) -> None:
    assert catalogue.categorise("Scooters") == catalogue.categorise("scooter") is not None
    assert catalogue.product_terms("Marmont cookies") == catalogue.product_terms("曲奇饼干")
    assert catalogue.product_terms("sandwich biscuits") == ("饼干",)
    # the longer name wins: a portable charger is a power bank, not a charger
    assert catalogue.product_terms("Graya portable charger") == ("充电宝",)
    assert catalogue.hazard_modes("sparks came out") == catalogue.hazard_modes("a spark")


def test_every_name_of_a_product_lands_in_one_category(catalogue: Catalogue) -> None:
    # the category is the partition where a product's reports meet: synonyms must agree
    for names in (("扫地机器人", "扫拖一体机器人", "robot vacuum"), ("修正液", "涂改液")):
        assert len({catalogue.categorise(n) for n in names}) == 1, names
    # a product term in the name outweighs the text and the HS code
    assert catalogue.categorise("Yazhi correction fluid", "strong solvent smell") == "student_goods"
    assert catalogue.categorise("2026 维峰冷冻鸡翅 腌制 空气炸锅") == "food"  # first term named
    assert catalogue.categorise("儿童安全座椅", hs_code="9401200000") == "childrens_products"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("孩子玩滑板车时折叠处夹到手指，流了很多血", "physical"),
        ("Child's finger was pinched in the folding hinge, deep cut", "physical"),
        ("网购的暖阳电暖器使用半小时插头处冒烟起火", "physical"),
        ("有刺鼻异味，担心甲醛超标", "chemical"),
        ("使用后脸上过敏起皮疹", "chemical"),
        ("单核细胞增生李斯特菌 食用凉拌金针菇后发热、腹泻", "biological"),
        ("Salmonella food poisoning after a buffet", "biological"),
        ("长时间使用蓝光伤害视力", "health"),
        ("进口固体废物 洋垃圾", "environmental"),
        ("质量太差，用了一周就坏了", None),  # a quality complaint, no hazard
        ("Firewall configuration", None),  # "fire" only as a whole word
    ],
)
def test_hazard_of(catalogue: Catalogue, text: str, expected: str | None) -> None:
    assert catalogue.hazard_of(text) == expected


def test_hazard_of_picks_the_class_named_most(catalogue: Catalogue) -> None:
    # one biological word (腹泻) against two physical ones (起火, 冒烟)
    assert catalogue.hazard_of("腹泻 起火 冒烟") == "physical"
    assert catalogue.hazard_of("腹泻 呕吐 起火") == "biological"


@pytest.mark.parametrize(
    ("text", "age", "expected"),
    [
        ("孩子手指被夹伤", None, ("children",)),
        ("老人症状较重", None, ("elderly",)),
        ("toddler and her grandmother, a senior", None, ("children", "elderly")),
        ("kidney problems", None, ()),  # "kid" only as a word
        ("", 5, ("children",)),
        ("", 13, ("children",)),
        ("", 14, ()),
        ("", 64, ()),
        ("", 65, ("elderly",)),
        ("孩子", 70, ("children", "elderly")),
        ("", None, ()),
    ],
)
def test_vulnerable_groups(
    catalogue: Catalogue, text: str, age: int | None, expected: tuple[str, ...]
) -> None:
    assert catalogue.vulnerable_groups(text, age) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("乐途儿童折叠滑板车", ("滑板车",)),
        ("LeTu kids folding scooter", ("滑板车",)),
        ("Kick Scooter", ("滑板车",)),
        ("暖阳电暖器", ("取暖器",)),
        ("Space Heater 2000W", ("取暖器",)),
        ("电暖气", ("取暖器",)),
        ("韩国进口金针菇", ("金针菇",)),
        ("Enoki mushroom", ("金针菇",)),
        ("Stroller", ("婴儿推车",)),
        ("婴儿推车", ("婴儿推车",)),
        ("POWER BANK 20000mAh", ("充电宝",)),
        ("移动电源", ("充电宝",)),
        ("LED台灯", ("台灯",)),
        ("充电宝 电热毯", ("充电宝", "电热毯")),
        ("积木玩具 building blocks", ("积木",)),
        ("一批货物", ()),
    ],
)
def test_product_terms_map_synonyms_to_one_canonical_name(
    catalogue: Catalogue, name: str, expected: tuple[str, ...]
) -> None:
    assert catalogue.product_terms(name) == expected


def test_chinese_and_english_names_of_one_product_share_a_term(catalogue: Catalogue) -> None:
    pairs = [
        ("绿谷金针菇", "Green Valley enoki"),
        ("暖阳取暖器", "NuanYang electric heater"),
        ("优家电水壶", "HomeMate kettle"),
        ("佳美吹风机", "Jiamei hair dryer"),
    ]
    for zh, en in pairs:
        terms = catalogue.product_terms(zh)
        assert terms
        assert terms == catalogue.product_terms(en)


def test_is_key(catalogue: Catalogue) -> None:
    assert catalogue.is_key("childrens_products")
    assert catalogue.is_key("food")
    assert not catalogue.is_key("cosmetics")  # in the catalogue, not on the key list
    assert not catalogue.is_key("no_such_category")
    assert not catalogue.is_key(None)


def test_an_edited_catalogue_is_read_from_a_path(tmp_path: Path) -> None:
    data = {
        "version": "test-1",
        "categories": [
            {
                "id": "drones",
                "name_zh": "无人机",
                "name_en": "drones",
                "key": True,
                "keywords": ["无人机", "drone"],
                "hs_prefixes": ["880621"],
            }
        ],
        "hazards": {"physical": ["坠落", "crash"]},
        "vulnerable_groups": {"children": ["儿童"]},
        "terms": [["无人机", "drone", "UAV"]],
    }
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    edited = load_catalogue(str(path))
    assert edited.version == "test-1"
    assert edited.categorise("航拍无人机") == "drones"
    assert edited.categorise("Camera DRONE") == "drones"
    assert edited.categorise("航拍器", "", "8806210000") == "drones"
    assert edited.hazard_of("drone crash in a park") == "physical"
    assert edited.product_terms("UAV 4K") == ("无人机",)
    assert edited.categorise("儿童滑板车") is None  # not the bundled catalogue
