"""How feeds write things: brand names, model codes, product names, dates, times and regions.

The same fact comes in many surface forms (full-width letters, typos, pinyin, seven timestamp
shapes); these helpers pick one, so that duplicates and linkage are not found by string equality.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from lab.evalset.tables import City
from lab.evalset.world import Entity

__all__ = [
    "CST",
    "brand_as_written",
    "en_date",
    "model_as_written",
    "product_name",
    "region",
    "time_of_day",
    "timestamp",
    "zh_date",
]

CST = ZoneInfo("Asia/Shanghai")


def _fullwidth(text: str) -> str:
    """ASCII letters, digits and punctuation as full-width forms, as some clerks' IMEs type."""
    return "".join(
        chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c) for c in text
    )


def model_as_written(model: str, rng: random.Random) -> str:
    """The model code the way a person writes it: spacing, case, full width, typos."""
    roll = rng.random()
    if roll < 0.45:
        return model
    if roll < 0.6:
        return model.replace("-", "")
    if roll < 0.68:
        return model.lower()
    if roll < 0.76:
        return model.replace("-", " ")
    if roll < 0.84:
        return _fullwidth(model)
    if roll < 0.92:
        return f"{model}型"
    swapped = model.replace("0", "O", 1) if "0" in model else model.replace("1", "l", 1)
    return swapped if swapped != model else model.replace("-", "_")


def brand_as_written(e: Entity, rng: random.Random, lang: str) -> str:
    b = e.brand
    roll = rng.random()
    if lang == "en":
        if roll < 0.7:
            return b.en
        return b.en.upper() if roll < 0.85 else b.typo_en
    if b.foreign and roll < 0.45:
        return b.en if roll < 0.35 else _fullwidth(b.en.upper())
    if roll < 0.08:
        return b.typo_zh
    if roll < 0.16:
        return f"{b.zh}（{b.en}）"
    return b.zh


def product_name(e: Entity, rng: random.Random, lang: str) -> tuple[str, bool, bool]:
    """A product name as a reporter writes it, and whether it names the brand and the model."""
    p = e.product
    brand = brand_as_written(e, rng, lang)
    # foods have no model code; people name the line or pack size instead
    model = rng.choice(p.features).split()[0] if p.food else model_as_written(e.model, rng)
    coded = not p.food
    if lang == "en":
        pe = rng.choice(p.en)
        shape = rng.randrange(5)
        if shape == 0:
            return f"{brand} {pe}", True, False
        if shape == 1:
            return f"{brand} {pe} {model}", True, coded
        if shape == 2:
            return f"{brand.upper()} {model} {pe}", True, coded
        if shape == 3:
            return f"{pe} ({brand})", True, False
        return pe, False, False
    pz = rng.choice(p.zh)
    shape = rng.choices(range(7), [24, 12, 10, 16, 8, 10, 6])[0]
    if shape == 0:
        return f"{brand}{pz}", True, False
    if shape == 1:
        return f"{brand}牌{pz}", True, False
    if shape == 2:
        return f"{brand}{e.series}{pz}", True, False
    if shape == 3:
        return f"{brand} {model} {pz}", True, coded
    if shape == 4:
        return f"{pz}（{brand}）", True, False
    if shape == 5:
        return f"{pz}{model}", False, coded
    return pz, False, False


def zh_date(d: date, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.55:
        return f"{d.month}月{d.day}日"
    if roll < 0.85:
        return f"{d.year}年{d.month}月{d.day}日"
    return f"{d.month}.{d.day}"


def en_date(d: date) -> str:
    return d.strftime("%d %B %Y").lstrip("0")


def time_of_day(when: datetime) -> str:
    hour = when.astimezone(CST).hour
    if hour < 6:
        return "凌晨"
    if hour < 11:
        return "上午"
    if hour < 13:
        return "中午"
    return "下午" if hour < 18 else "晚上"


def timestamp(when: datetime, rng: random.Random) -> str | int:
    """A time in one of the shapes real feeds send."""
    local = when.astimezone(CST)
    shape = rng.randrange(7)
    if shape == 0:
        return local.strftime("%Y-%m-%d %H:%M:%S")
    if shape == 1:
        return local.isoformat(timespec="seconds")
    if shape == 2:
        return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if shape == 3:
        return local.strftime("%Y/%m/%d %H:%M")
    if shape == 4:
        return f"{local.year}年{local.month:02d}月{local.day:02d}日 {local:%H:%M}"
    if shape == 5:
        return int(when.timestamp())
    return local.strftime("%Y%m%d%H%M%S")


def region(city: City, rng: random.Random) -> str:
    roll = rng.random()
    if city.municipality:
        return f"{city.city}市" if roll < 0.6 else (city.code if roll < 0.75 else city.city)
    if roll < 0.35:
        return (
            f"{city.province}省{city.city}市" if city.province != "内蒙古" else f"内蒙古{city.city}"
        )
    if roll < 0.6:
        return f"{city.province} {city.city}"
    if roll < 0.8:
        return f"{city.city}市"
    return city.code if roll < 0.9 else city.province
