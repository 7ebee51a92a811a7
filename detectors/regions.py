"""Regions as reports give them, reduced to (province, city) so they can be compared.

"辽宁省沈阳市", "沈阳市", "沈阳" and "辽宁 沈阳" name one place; "120000" is the administrative
division code (GB/T 2260) of Tianjin and "210100" that of Shenyang (a county's code, "210102",
counts as its prefecture's). Two regions *conflict* only when both name a province (or both a
city) and these differ; one being vaguer than the other is no conflict.

Cities are the prefecture-level divisions in ``detectors/data/regions_prefectures.json``; a city
is keyed by its name without the 市/地区/盟/自治州 suffix ("恩施土家族苗族自治州" -> "恩施"), and
a bare city name gets its province. A name that is both a province and a city ("吉林", "海南")
alone stays the province; "吉林市" is the city in 吉林省 and "海南州" the prefecture in 青海. The
municipalities (北京, 上海, 天津, 重庆) are a province and a city at once: any place in one,
its districts included, is keyed (municipality, municipality), so two reports from Shanghai
share a city as two from Suzhou do.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from detectors.text import match_key

__all__ = ["MUNICIPALITIES", "Division", "compatible", "divisions", "region_key"]

# GB/T 2260 province-level codes (first two digits) and names without their suffix.
PROVINCES: dict[str, str] = {
    "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古", "21": "辽宁",
    "22": "吉林", "23": "黑龙江", "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽",
    "35": "福建", "36": "江西", "37": "山东", "41": "河南", "42": "湖北", "43": "湖南",
    "44": "广东", "45": "广西", "46": "海南", "50": "重庆", "51": "四川", "52": "贵州",
    "53": "云南", "54": "西藏", "61": "陕西", "62": "甘肃", "63": "青海", "64": "宁夏",
    "65": "新疆", "71": "台湾", "81": "香港", "82": "澳门",
}  # fmt: skip
_PROVINCE_NAMES = frozenset(PROVINCES.values())
MUNICIPALITIES = frozenset({"北京", "天津", "上海", "重庆"})
# What may follow a province's name: "省", "市" (municipalities), "壮族自治区", "特别行政区"...
_PROVINCE_SUFFIX = re.compile(r"^(?:省|市|(?:壮族|回族|维吾尔)?自治区|特别行政区)")
_CITY_END = re.compile(r"(市|地区)$")
# After a bare short city name these make another place: "朝阳区" is in Beijing, not 朝阳市.
_NOT_A_CITY_AFTER = ("区", "县", "旗", "路", "街")

Key = tuple[str, str]
# Names by their first two characters, longest first: (name, key, is the bare short name).
_Heads = dict[str, tuple[tuple[str, Key, bool], ...]]


@dataclass(frozen=True, slots=True)
class Division:
    """One prefecture-level division (or a province-level one: municipality, HK, Macao, Taiwan)."""

    code: str  # GB/T 2260, six digits ending in "00"; "" when not known
    name: str  # full name: "温州市", "恩施土家族苗族自治州"
    short: str  # the city key: "温州", "恩施"
    province: str  # the province key, a value of PROVINCES
    level: str  # "prefecture" or "province"
    aliases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Table:
    by_code: dict[str, Key]
    anywhere: _Heads  # names a bare region may start with
    within: dict[str, _Heads]  # names that may follow each province's name


def _heads(entries: dict[str, tuple[Key, bool]]) -> _Heads:
    grouped: dict[str, list[tuple[str, Key, bool]]] = {}
    for name, (key, bare) in entries.items():
        grouped.setdefault(name[:2], []).append((name, key, bare))
    return {h: tuple(sorted(g, key=lambda e: -len(e[0]))) for h, g in grouped.items()}


@cache
def divisions() -> tuple[Division, ...]:
    """The bundled table of prefecture-level (and province-level) divisions."""
    raw = resources.files("detectors").joinpath("data/regions_prefectures.json").read_text("utf-8")
    data = json.loads(raw)
    return tuple(
        Division(
            code=str(d.get("code", "")),
            name=str(d["name"]),
            short=str(d["short"]),
            province=str(d["province"]),
            level=str(d["level"]),
            aliases=tuple(str(a) for a in d.get("aliases", ())),
        )
        for d in data["divisions"]
    )


@cache
def _table() -> _Table:
    by_code: dict[str, Key] = {f"{k}0000": (p, "") for k, p in PROVINCES.items()}
    anywhere: dict[str, tuple[Key, bool]] = {}
    within: dict[str, dict[str, tuple[Key, bool]]] = {p: {} for p in _PROVINCE_NAMES}
    for d in divisions():
        if d.level != "prefecture":
            continue  # a municipality is a province with no city
        key = (d.province, d.short)
        if d.code:
            by_code[d.code] = key
        names = {match_key(d.name): False, match_key(d.short): True}
        if d.name.endswith("自治州"):
            names[match_key(d.short) + "州"] = False  # "恩施州", "海南州"
        names.update((match_key(a), False) for a in d.aliases)
        for name, bare in names.items():
            within[d.province][name] = (key, bare)
            if name not in _PROVINCE_NAMES:  # "吉林" alone is the province
                anywhere[name] = (key, bare)
    return _Table(by_code, _heads(anywhere), {p: _heads(n) for p, n in within.items()})


def _city_at_start(text: str, heads: _Heads) -> tuple[str, Key, bool] | None:
    for entry in heads.get(text[:2], ()):
        if text.startswith(entry[0]):
            return entry
    return None


def region_key(region: str | None) -> tuple[str, str]:
    """(province, city) with either part empty when the text does not say."""
    province, city = _region_key(region)
    if province in MUNICIPALITIES:
        return province, province
    return province, city


def _region_key(region: str | None) -> tuple[str, str]:
    text = match_key(region)
    if not text:
        return "", ""
    table = _table()
    if text.isdigit() and len(text) == 6:
        key = table.by_code.get(text) or table.by_code.get(text[:4] + "00")
        return key or (PROVINCES.get(text[:2], ""), "")
    province = text[:3] if text[:3] in _PROVINCE_NAMES else text[:2]
    province = province if province in _PROVINCE_NAMES else ""
    found = _city_at_start(text, table.anywhere)
    if found is not None and len(found[0]) > len(province):  # "吉林市" outranks "吉林"
        name, key, bare = found
        if not (bare and text[len(name) :].startswith(_NOT_A_CITY_AFTER)):
            return key
    rest = _PROVINCE_SUFFIX.sub("", text[len(province) :], count=1)
    if province:
        found = _city_at_start(rest, table.within[province])
        if found is not None:
            return found[1]
    city = _CITY_END.sub("", rest)
    if province and city == province:  # "北京市" is a province-level city
        city = ""
    if not province and not city:
        return "", text
    return province, city


def compatible(a: str | None, b: str | None) -> bool | None:
    """Whether two regions can be the same place (``None`` when either is unknown)."""
    pa, ca = region_key(a)
    pb, cb = region_key(b)
    if not (pa or ca) or not (pb or cb):
        return None
    if pa and pb and pa != pb:
        return False
    if ca and cb and ca != cb:
        if not (pa and pb) and MUNICIPALITIES & {ca, cb}:
            return None  # "朝阳区" may be a district of the municipality
        return False
    if (pa and pa == pb) or (ca and ca == cb):
        return True
    return None  # one names only a province, the other only a city: cannot tell
