"""Field normalisers every feed needs; pure functions that raise :class:`SchemaError`.

Each normaliser takes what a real feed sends (full-width digits, Chinese country names, dotted HS
codes, local timestamps in a dozen shapes) and returns one canonical form, or raises a
``SchemaError`` naming the field, which the caller turns into a dead letter. Tables come from
well-kept libraries where they exist: ISO 3166 and ISO 4217 (with their Chinese names) from
pycountry.
"""

from __future__ import annotations

import gettext
import re
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pycountry

from detectors.text import clean
from schemas.errors import SchemaError

__all__ = [
    "DEFAULT_TZ",
    "country",
    "currency",
    "hs_code",
    "optional_text",
    "timestamp",
    "unit",
    "uscc",
]

DEFAULT_TZ = ZoneInfo("Asia/Shanghai")

# GB 32100-2015: 18 characters from this alphabet (no I, O, S, V, Z); the last is a check digit.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def optional_text(value: object) -> str | None:
    """Cleaned text, or ``None`` for a missing or blank value."""
    if value is None:
        return None
    text = clean(str(value))
    return text or None


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a credit code."""
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def uscc(value: object, path: str = "enterprise_uscc") -> str | None:
    """A valid unified social credit code in upper case, ``None`` if blank; else SchemaError."""
    text = optional_text(value)
    if text is None:
        return None
    code = text.replace(" ", "").replace("-", "").upper()
    if len(code) != 18 or not _USCC_SHAPE.match(code):
        raise SchemaError(f"not a unified social credit code (18 characters): {text!r}", path)
    if uscc_check_char(code[:17]) != code[17]:
        raise SchemaError(f"unified social credit code check digit is wrong: {text!r}", path)
    return code


# HS chapters 01-97; chapter 77 is reserved and unused.
_HS_CHAPTERS = frozenset(f"{n:02d}" for n in range(1, 98) if n != 77)


def hs_code(value: object, path: str = "hs_code") -> str | None:
    """An HS code as 6-10 digits (dots and spaces removed) in a known chapter; else SchemaError."""
    text = optional_text(value)
    if text is None:
        return None
    digits = re.sub(r"[\s.\-]", "", text)
    if not digits.isdigit() or not 6 <= len(digits) <= 10:
        raise SchemaError(f"HS code must be 6-10 digits: {text!r}", path)
    if digits[:2] not in _HS_CHAPTERS:
        raise SchemaError(f"HS code chapter {digits[:2]} does not exist: {text!r}", path)
    return digits


# Names customs and complaint texts use that ISO 3166 spells otherwise.
_ALIASES = {
    "uk": "GB",
    "great britain": "GB",
    "england": "GB",
    "usa": "US",
    "america": "US",
    "united states of america": "US",
    "south korea": "KR",
    "korea": "KR",
    "republic of korea": "KR",
    "韩国": "KR",
    "north korea": "KP",
    "russia": "RU",
    "turkey": "TR",
    "holland": "NL",
    "vietnam": "VN",
    "taiwan": "TW",
    "台湾": "TW",
    "中国台湾": "TW",
    "hong kong": "HK",
    "香港": "HK",
    "中国香港": "HK",
    "macau": "MO",
    "macao": "MO",
    "澳门": "MO",
    "中国澳门": "MO",
    "iran": "IR",
    "laos": "LA",
    "syria": "SY",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "moldova": "MD",
}


@cache
def _country_names() -> dict[str, str]:
    """Every name we accept for a country (English, Chinese, codes), folded, to alpha-2."""
    names: dict[str, str] = {}
    try:
        zh = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"])
        translate = zh.gettext
    except OSError:  # pragma: no cover - pycountry always ships zh_CN

        def translate(message: str) -> str:
            return message

    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            name = getattr(c, attr, None)
            if name:
                names[name.casefold()] = c.alpha_2
                names[translate(name).casefold()] = c.alpha_2
        names[c.alpha_3.casefold()] = c.alpha_2
        names[c.alpha_2.casefold()] = c.alpha_2
    names.update(_ALIASES)
    return names


def country(value: object, path: str = "origin_country") -> str | None:
    """ISO 3166 alpha-2 from an alpha-2, alpha-3, English or Chinese name; else SchemaError."""
    text = optional_text(value)
    if text is None:
        return None
    code = _country_names().get(text.casefold())
    if code is None:
        raise SchemaError(f"unknown country: {text!r}", path)
    return code


def currency(value: object, path: str = "currency") -> str | None:
    """ISO 4217 alpha-3 code (upper case) from a code or an English name; else SchemaError."""
    text = optional_text(value)
    if text is None:
        return None
    aliases = {"RMB": "CNY", "人民币": "CNY", "美元": "USD", "欧元": "EUR", "日元": "JPY"}
    text = aliases.get(text.upper(), aliases.get(text, text))
    try:
        found = pycountry.currencies.lookup(text)
    except LookupError:
        raise SchemaError(f"unknown currency: {text!r}", path) from None
    return str(found.alpha_3)


_UNITS = {
    "pcs": ("pcs", 1.0),
    "pc": ("pcs", 1.0),
    "piece": ("pcs", 1.0),
    "pieces": ("pcs", 1.0),
    "个": ("pcs", 1.0),
    "件": ("pcs", 1.0),
    "台": ("pcs", 1.0),
    "只": ("pcs", 1.0),
    "套": ("sets", 1.0),
    "set": ("sets", 1.0),
    "sets": ("sets", 1.0),
    "kg": ("kg", 1.0),
    "千克": ("kg", 1.0),
    "公斤": ("kg", 1.0),
    "kgs": ("kg", 1.0),
    "g": ("kg", 0.001),
    "克": ("kg", 0.001),
    "t": ("kg", 1000.0),
    "吨": ("kg", 1000.0),
    "l": ("l", 1.0),
    "升": ("l", 1.0),
    "箱": ("cartons", 1.0),
    "carton": ("cartons", 1.0),
    "cartons": ("cartons", 1.0),
}


def unit(quantity: float, value: object, path: str = "unit") -> tuple[float, str | None]:
    """Quantity in a canonical unit (pcs, sets, kg, l, cartons); unknown units are an error."""
    text = optional_text(value)
    if text is None:
        return quantity, None
    found = _UNITS.get(text.casefold())
    if found is None:
        raise SchemaError(f"unknown unit: {text!r}", path)
    name, factor = found
    return quantity * factor, name


_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y%m%d%H%M%S",
    "%Y%m%d",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日%H:%M",
    "%Y年%m月%d日",
    "%d %b %Y %H:%M",
    "%d %b %Y",
)


def timestamp(value: object, path: str, tz: ZoneInfo = DEFAULT_TZ) -> datetime:
    """A UTC datetime from ISO 8601, common local formats or Unix seconds / milliseconds.

    A time without a zone is in ``tz`` (the feed's zone, Asia/Shanghai by default).
    """
    if isinstance(value, bool) or value is None:
        raise SchemaError(f"not a time: {value!r}", path)
    text = clean(str(value))
    if isinstance(value, str) and text.isdigit() and len(text) in (10, 13):
        value = int(text)  # Unix seconds or milliseconds sent as text
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 1e11 else value
        try:
            result = datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            raise SchemaError(f"Unix time out of range: {value!r}", path) from None
        return _plausible(result, text, path)
    parsed: datetime | None = None
    padded = _UNPADDED.sub(lambda m: f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}", text)
    try:
        parsed = datetime.fromisoformat(padded)
    except ValueError:
        for fmt in _FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        raise SchemaError(f"not a recognised time: {text!r}", path)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return _plausible(parsed.astimezone(UTC), text, path)


_UNPADDED = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?=$|[ T])")


def _plausible(result: datetime, text: str, path: str) -> datetime:
    """Reject times no report can have: before 1990 or more than 400 days ahead."""
    if not date(1990, 1, 1) <= result.date() <= date.today() + timedelta(days=400):
        raise SchemaError(f"time out of plausible range: {text!r}", path)
    return result
