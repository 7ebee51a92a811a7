"""Regions as reports give them, reduced to (province, city) so they can be compared.

"辽宁省沈阳市", "沈阳市" and "辽宁 沈阳" name one place; "120000" is the administrative
division code (GB/T 2260) of Tianjin. Two regions *conflict* only when both name a province
(or both a city) and these differ; one being vaguer than the other is no conflict.
"""

from __future__ import annotations

import re

from detectors.text import match_key

__all__ = ["compatible", "region_key"]

# GB/T 2260 province-level codes (first two digits) and names without their suffix.
PROVINCES: dict[str, str] = {
    "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古", "21": "辽宁",
    "22": "吉林", "23": "黑龙江", "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽",
    "35": "福建", "36": "江西", "37": "山东", "41": "河南", "42": "湖北", "43": "湖南",
    "44": "广东", "45": "广西", "46": "海南", "50": "重庆", "51": "四川", "52": "贵州",
    "53": "云南", "54": "西藏", "61": "陕西", "62": "甘肃", "63": "青海", "64": "宁夏",
    "65": "新疆", "71": "台湾", "81": "香港", "82": "澳门",
}  # fmt: skip
_SUFFIX = re.compile(r"(省|市|自治区|特别行政区|壮族|回族|维吾尔)")
_CITY_END = re.compile(r"(市|地区)$")


def region_key(region: str | None) -> tuple[str, str]:
    """(province, city) with either part empty when the text does not say."""
    text = match_key(region)
    if not text:
        return "", ""
    if text.isdigit() and len(text) == 6:
        return PROVINCES.get(text[:2], ""), ""
    province = next((p for p in PROVINCES.values() if text.startswith(p)), "")
    rest = text[len(province) :]
    rest = _SUFFIX.sub("", rest, count=1) if rest.startswith(("省", "市", "自治区")) else rest
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
        return False
    if (pa and pa == pb) or (ca and ca == cb):
        return True
    return None  # one names only a province, the other only a city: cannot tell
