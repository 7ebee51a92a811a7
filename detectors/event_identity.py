"""What tells one event from another event of the same kind: dates, person, place, codes.

Two consumers hurt by the same heater model write nearly the same words; one consumer who calls
the hotline and then files online writes different words about the same day, the same child of
the same age, the same shop. Duplicate detection therefore needs, besides text similarity, the
identifying details each report quotes, in whatever language and spelling:

* :func:`event_dates` - month-day of every date a report states (purchase, injury, onset), from
  "2月15日", "2.15", "2026-02-15", "15 February 2026" or "February 15", plus the incident date
  a structured field gives;
* :func:`ages` - the harmed person's age, from a field or "患者37岁", "29-year-old", "aged 7";
* :func:`sexes` - the harmed person's sex, from "患者51岁，女", "male", "儿子", "my daughter";
* :func:`places` - where it was bought: shopping platforms and shop chains named in Chinese or
  English, canonicalised ("Tmall" and "天猫" are one place);
* :func:`quotes` - what the report quotes (buyer reviews of a listing), whitespace-folded;
* :func:`model_codes` - product model codes ("TO-X9", "NU-S1型", "AU741A") from the model field,
  the product name and the text, with separators, case and a trailing 型 dropped.

All are pure functions of text; each returns a frozenset so that "both silent", "agree" and
"disagree" can be told apart by the caller (:func:`agreement`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from detectors.text import clean

__all__ = [
    "MISREAD",
    "ages",
    "agreement",
    "codes_agree",
    "event_dates",
    "model_codes",
    "overlap",
    "places",
    "quotes",
    "sexes",
]

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH_NAME = "|".join(sorted(_MONTHS, key=len, reverse=True))
_CN_DATE = re.compile(r"(?:\d{4}\s*[年/.-]\s*)?(\d{1,2})\s*(?:月|/|\.(?=\d))\s*(\d{1,2})(?!\d)")
_ISO_DATE = re.compile(r"(?<!\d)\d{4}-(\d{1,2})-(\d{1,2})(?!\d)")
_EN_DAY_MONTH = re.compile(rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_NAME})\b", re.I)
_EN_MONTH_DAY = re.compile(rf"\b({_MONTH_NAME})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?!\d)", re.I)


def _month_day(month: int, day: int) -> str | None:
    return f"{month}-{day}" if 1 <= month <= 12 and 1 <= day <= 31 else None


def event_dates(text: str | None, incident_date: str | None = None) -> frozenset[str]:
    """Every date the report states, as ``"month-day"`` (years are often left out)."""
    cleaned = clean(text)
    found: set[str | None] = set()
    found.update(_month_day(int(m[1]), int(m[2])) for m in _ISO_DATE.finditer(cleaned))
    rest = _ISO_DATE.sub(" ", cleaned)
    found.update(_month_day(int(m[1]), int(m[2])) for m in _CN_DATE.finditer(rest))
    found.update(_month_day(_MONTHS[m[2].lower()], int(m[1])) for m in _EN_DAY_MONTH.finditer(rest))
    found.update(_month_day(_MONTHS[m[1].lower()], int(m[2])) for m in _EN_MONTH_DAY.finditer(rest))
    if incident_date:
        found.update(_month_day(int(m[1]), int(m[2])) for m in _ISO_DATE.finditer(incident_date))
    return frozenset(d for d in found if d)


_AGE = re.compile(
    r"(?<!\d)(\d{1,3})\s*(?:周岁|岁)|(?<!\d)(\d{1,3})[- ]years?[- ]old|\baged?\s+(\d{1,3})\b",
    re.I,
)


def ages(text: str | None, age: int | None = None) -> frozenset[int]:
    """The ages a report gives (the structured one first), plausible ones only."""
    found = {int(next(g for g in m.groups() if g)) for m in _AGE.finditer(clean(text))}
    if age is not None:
        found.add(int(age))
    return frozenset(a for a in found if 0 <= a <= 110)


_SEX_WORDS = (
    (
        "M",
        r"儿子|丈夫|老公|父亲|爸爸|男孩|男童|男性|患儿?\d*岁?[，,、]?男|岁[，,、]?男|\bmale\b|\bboy\b|\bson\b|\bhusband\b|\bfather\b|\bman\b",
    ),
    (
        "F",
        r"女儿|妻子|老婆|我爱人|母亲|妈妈|女孩|女童|女性|患儿?\d*岁?[，,、]?女|岁[，,、]?女|\bfemale\b|\bgirl\b|\bdaughter\b|\bwife\b|\bmother\b|\bwoman\b",
    ),
)
_SEX = [(sex, re.compile(pattern, re.I)) for sex, pattern in _SEX_WORDS]


def sexes(text: str | None, sex: str | None = None) -> frozenset[str]:
    """The sex of the person harmed, as far as the report tells (``M``, ``F``)."""
    cleaned = clean(text)
    found = {code for code, pattern in _SEX if pattern.search(cleaned)}
    if sex and sex.upper()[:1] in {"M", "F"}:
        found.add(sex.upper()[:1])
    return frozenset(found)


_PLACES = {
    "天猫": ("天猫", "tmall"),
    "淘宝": ("淘宝", "taobao"),
    "京东": ("京东", "jd.com", "jingdong", r"\bjd\b"),
    "拼多多": ("拼多多", "pinduoduo", r"\bpdd\b"),
    "抖音": ("抖音", "douyin", "tiktok"),
    "快手": ("快手", "kuaishou"),
    "小红书": ("小红书", "xiaohongshu", "rednote"),
    "考拉海购": ("考拉", "kaola"),
    "唯品会": ("唯品会", "vipshop"),
    "苏宁": ("苏宁", "suning"),
    "盒马": ("盒马", "hema", "freshippo"),
    "沃尔玛": ("沃尔玛", "walmart"),
    "家乐福": ("家乐福", "carrefour"),
    "永辉": ("永辉", "yonghui"),
    "物美": ("物美", "wumart"),
    "大润发": ("大润发", "rt-mart"),
    "华润万家": ("华润万家", "vanguard"),
    "山姆": ("山姆", "sam's club", "sams club"),
    "美团": ("美团", "meituan"),
    "饿了么": ("饿了么", "ele.me"),
    "亚马逊": ("亚马逊", "amazon"),
}
_PLACE = [
    (
        place,
        re.compile("|".join(p if p.startswith(r"\b") else re.escape(p) for p in spellings), re.I),
    )
    for place, spellings in _PLACES.items()
]


def places(*texts: str | None) -> frozenset[str]:
    """The platforms and shop chains named in ``texts`` (fields or free text), canonicalised."""
    joined = " ".join(clean(t) for t in texts if t)
    return frozenset(place for place, pattern in _PLACE if pattern.search(joined))


_QUOTE = re.compile(r"[“\"「『]([^”\"」』]{2,80})[”\"」』]")


def quotes(text: str | None) -> frozenset[str]:
    """The passages a report quotes (buyer reviews), with spacing and case folded."""
    return frozenset(
        re.sub(r"\W+", "", q).lower() for q in _QUOTE.findall(clean(text)) if q.strip()
    )


_CODE = re.compile(
    r"(?<![A-Za-z0-9])"
    r"([A-Za-z]{1,4}(?:[-_]?[A-Za-z]{1,2})?[-_]?\d[A-Za-z0-9]{0,6}"  # TO-X9, NU-S1, LA2416
    r"|[A-Z]{1,3} [A-Z]\d{1,3}"  # TO X9
    r"|\d{2,5}[A-Za-z]{1,2})"  # 871S
    r"(?:型)?(?![A-Za-z0-9])"
)
_UNIT = re.compile(r"^\d+(?:ML|L|G|KG|W|V|MAH|CM|MM|M|PCS|S|H|MIN|A|KW|P)$")
_NOT_CODE = {"COVID19", "H1N1"}


def _code_key(raw: str) -> str:
    key = re.sub(r"[-_\s]", "", raw).upper().removesuffix("型")
    return key


def model_codes(model: str | None, *texts: str | None) -> frozenset[str]:
    """Model codes from the model field and from ``texts`` (product name, narrative)."""
    found: set[str] = set()
    if model:
        key = _code_key(clean(model).removeprefix("型号").strip(":： "))
        if key:
            found.add(key)
    for text in texts:
        for raw in _CODE.findall(clean(text)):
            key = _code_key(raw)
            has_digit = any(c.isdigit() for c in key)
            has_alpha = any(c.isalpha() for c in key)
            plausible = has_digit and has_alpha and 3 <= len(key) <= 12
            if plausible and not _UNIT.match(key) and key not in _NOT_CODE:
                found.add(key)
    return frozenset(found)


MISREAD = str.maketrans({"L": "1", "I": "1", "O": "0"})


def codes_agree(a: frozenset[str], b: frozenset[str]) -> bool | None:
    """Model codes: ``True`` when one matches, reading l/I as 1 and O as 0 (AU74lA is AU741A);
    ``False`` when both give codes and none match; ``None`` when one gives none."""
    if not a or not b:
        return None
    if a & b:
        return True
    return bool({x.translate(MISREAD) for x in a} & {y.translate(MISREAD) for y in b})


def agreement(a: Iterable[object], b: Iterable[object]) -> float:
    """+1 when the two sets share an element, -1 when both are non-empty and share none, else 0."""
    sa, sb = set(a), set(b)
    if not sa or not sb:
        return 0.0
    return 1.0 if sa & sb else -1.0


def overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Shared share of the smaller set (0 when either is empty)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))
