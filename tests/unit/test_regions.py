"""Regions: the prefecture table, bare city names, GB/T 2260 codes and comparing regions."""

from __future__ import annotations

from collections import Counter

import pytest

from detectors.regions import PROVINCES, compatible, divisions, region_key

PROVINCE_CODES = {name: code for code, name in PROVINCES.items()}


def test_table_lists_every_prefecture_and_the_province_level_cities() -> None:
    table = divisions()
    levels = Counter(d.level for d in table)
    assert levels == {"prefecture": 333, "province": 7}
    assert {d.short for d in table if d.level == "province"} == {
        "北京", "天津", "上海", "重庆", "香港", "澳门", "台湾",
    }  # fmt: skip
    assert all(d.province in PROVINCE_CODES for d in table)


def test_codes_are_six_digits_ending_in_00_and_start_with_their_provinces_code() -> None:
    coded = [d for d in divisions() if d.code]
    assert len(coded) == len(divisions())  # no code was left out
    for d in coded:
        assert len(d.code) == 6 and d.code.isdigit() and d.code.endswith("00"), d
        assert d.code[:2] == PROVINCE_CODES[d.province], d
    assert len({d.code for d in coded}) == len(coded)


def test_names_are_unique_within_each_province() -> None:
    for field in ("name", "short"):
        seen = Counter((d.province, getattr(d, field)) for d in divisions())
        assert [k for k, n in seen.items() if n > 1] == [], field


@pytest.mark.parametrize(
    ("code", "name", "province"),
    [
        ("430100", "长沙市", "湖南"),
        ("330300", "温州市", "浙江"),
        ("320200", "无锡市", "江苏"),
        ("320500", "苏州市", "江苏"),
        ("440300", "深圳市", "广东"),
        ("441900", "东莞市", "广东"),
        ("230100", "哈尔滨市", "黑龙江"),
        ("450100", "南宁市", "广西"),
        ("130100", "石家庄市", "河北"),
        ("610100", "西安市", "陕西"),
        ("340100", "合肥市", "安徽"),
        ("350200", "厦门市", "福建"),
        ("350100", "福州市", "福建"),
        ("422800", "恩施土家族苗族自治州", "湖北"),
        ("152200", "兴安盟", "内蒙古"),
        ("232700", "大兴安岭地区", "黑龙江"),
        ("460400", "儋州市", "海南"),
    ],
)
def test_known_codes(code: str, name: str, province: str) -> None:
    by_code = {d.code: d for d in divisions()}
    assert (by_code[code].name, by_code[code].province) == (name, province)


@pytest.mark.parametrize(
    ("region", "key"),
    [
        # bare city names, with or without their suffix
        ("无锡市", ("江苏", "无锡")),
        ("长沙", ("湖南", "长沙")),
        ("温州", ("浙江", "温州")),
        ("深圳市", ("广东", "深圳")),
        ("恩施土家族苗族自治州", ("湖北", "恩施")),
        ("恩施州", ("湖北", "恩施")),
        ("恩施", ("湖北", "恩施")),
        ("阿克苏地区", ("新疆", "阿克苏")),
        ("锡林郭勒盟", ("内蒙古", "锡林郭勒")),
        ("温州市鹿城区", ("浙江", "温州")),  # a district after its city
        # with their province, in the forms reports use
        ("浙江省温州市", ("浙江", "温州")),
        ("浙江 温州", ("浙江", "温州")),
        ("湖南省长沙市岳麓区", ("湖南", "长沙")),
        ("湖北省恩施土家族苗族自治州", ("湖北", "恩施")),
        ("内蒙古自治区呼和浩特市", ("内蒙古", "呼和浩特")),
        ("广西壮族自治区南宁市", ("广西", "南宁")),
        ("新疆维吾尔自治区乌鲁木齐市", ("新疆", "乌鲁木齐")),
        ("宁夏回族自治区银川市", ("宁夏", "银川")),
        ("香港特别行政区", ("香港", "")),
        # GB/T 2260 codes: province, prefecture, county (resolved to its prefecture)
        ("330000", ("浙江", "")),
        ("430100", ("湖南", "长沙")),
        ("330300", ("浙江", "温州")),
        ("330302", ("浙江", "温州")),
        ("441900", ("广东", "东莞")),
        ("120000", ("天津", "天津")),
        ("110105", ("北京", "北京")),  # a district of Beijing: the municipality
        ("429004", ("湖北", "")),  # 仙桃, directly under the province
        ("999999", ("", "")),
        # municipalities are a province and a city at once, their districts included
        ("北京", ("北京", "北京")),
        ("上海市", ("上海", "上海")),
        ("重庆", ("重庆", "重庆")),
        ("北京市朝阳区", ("北京", "北京")),
        ("上海市浦东新区", ("上海", "上海")),
        # names that are a province and a city
        ("吉林", ("吉林", "")),
        ("吉林省", ("吉林", "")),
        ("吉林市", ("吉林", "吉林")),
        ("吉林省吉林市", ("吉林", "吉林")),
        ("吉林省长春市", ("吉林", "长春")),
        ("海南", ("海南", "")),
        ("海南省海口市", ("海南", "海口")),
        ("海南藏族自治州", ("青海", "海南")),
        ("海南州", ("青海", "海南")),
        ("青海 海南", ("青海", "海南")),
        # a short city name followed by 区/县 is another place: left as it was
        ("朝阳", ("辽宁", "朝阳")),
        ("朝阳区", ("", "朝阳区")),
        ("中山区", ("", "中山区")),
        # what the table does not know keeps its old reading
        ("广东 东莞", ("广东", "东莞")),
        ("仙桃市", ("", "仙桃")),
        ("", ("", "")),
        (None, ("", "")),
    ],
)
def test_region_key(region: str | None, key: tuple[str, str]) -> None:
    assert region_key(region) == key


def test_every_prefecture_resolves_by_name_short_name_and_code() -> None:
    for d in divisions():
        if d.level != "prefecture":
            continue
        key = (d.province, d.short)
        assert region_key(d.name) == key, d
        assert region_key(d.code) == key, d
        assert region_key(d.province + d.name) == key, d
        assert region_key(d.province + d.short) == key, d
        if d.short not in PROVINCE_CODES:  # "吉林", "海南" alone are provinces
            assert region_key(d.short) == key, d


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("无锡市", "江苏省无锡市", True),
        ("无锡", "苏州", False),
        ("430100", "湖南省长沙市", True),
        ("430100", "湖南 株洲", False),
        ("330302", "温州", True),
        ("江苏", "无锡", True),  # province only vs a city in it
        ("湖南", "430100", True),
        ("江苏", "温州市", False),  # a city in another province
        ("吉林", "吉林市", True),
        ("海南", "海南州", False),  # 海南州 is in Qinghai
        ("浙江省温州市鹿城区", "浙江 温州", True),
        ("北京", "110105", True),
        ("上海", "北京市", False),
        ("上海市浦东新区", "上海市徐汇区", True),  # one city: the municipality
        ("上海", "苏州", False),
        ("朝阳区", "北京", None),  # unknown district without a province: cannot tell
        (None, "长沙", None),
    ],
)
def test_compatible(a: str | None, b: str | None, same: bool | None) -> None:
    assert compatible(a, b) is same
