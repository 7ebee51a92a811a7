"""The generator's vocabulary, read from ``lab/data/evalset_*.json`` into frozen dataclasses.

Product types (names, HS codes, hazards and the words people use for them) and the world the
reports come from (cities, platforms, origins, ports, brand-name parts) are data, kept out of the
code so that the set can grow without the modules growing. Loaded once, at import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

__all__ = ["PRODUCTS", "WORLD", "City", "Hazard", "Injury", "Product", "World"]


@dataclass(frozen=True, slots=True)
class Injury:
    """What happened to a person: the injuries feed's fields and a phrase in both languages."""

    kind: str
    body_zh: str
    body_en: str
    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class Hazard:
    """One specific hazard of a product type, with the words reporters use for it."""

    key: str
    hazard_class: str
    zh: tuple[str, ...]  # what happened, in a consumer's words, without a subject
    en: tuple[str, ...]
    clinical: tuple[str, ...]  # hospital / surveillance narrative clause ({body}, {food})
    clinical_en: tuple[str, ...]  # with {inj}
    injuries: tuple[Injury, ...]
    review: tuple[str, ...]  # buyer reviews quoted by e-commerce monitoring
    flags: tuple[str, ...]
    outcomes: tuple[int, int, int, int]  # weights of none, minor, emergency, hospitalised
    pathogen: str | None


@dataclass(frozen=True, slots=True)
class Product:
    """A product type: names, HS code, unit, price band, who gets hurt, and its hazards."""

    key: str
    category: str
    zh: tuple[str, ...]
    en: tuple[str, ...]
    hs: str
    unit: str
    price: tuple[int, int]
    victims: str  # infant, child, adult, elderly, any
    features: tuple[str, ...]
    features_en: tuple[str, ...]
    hazards: tuple[Hazard, ...]
    places: tuple[str, ...]
    food: bool
    industry: str
    industry_en: str


@dataclass(frozen=True, slots=True)
class City:
    province: str
    city: str
    code: str

    @property
    def municipality(self) -> bool:
        return self.province == self.city


@dataclass(frozen=True, slots=True)
class World:
    """People, places, platforms, trade routes and the parts brand names are made of."""

    victims: dict[str, tuple[tuple[int, int], tuple[tuple[str, str, str], ...]]]
    cities: tuple[City, ...]
    maker_cities: tuple[City, ...]  # where makers and importers are registered
    platforms: tuple[str, ...]
    cross_border: tuple[str, ...]
    platforms_en: dict[str, str]
    urls: dict[str, str]  # listing URL templates by platform, with {id}
    stores: tuple[str, ...]  # where food is bought offline
    shops: tuple[str, ...]  # where other goods are bought offline
    origins: dict[str, tuple[tuple[str, ...], str, str]]  # ways written, English, currency
    food_origins: tuple[str, ...]
    goods_origins: tuple[str, ...]
    ports: tuple[tuple[str, str], ...]  # UN/LOCODE, customs district code of declaration ids
    syllables: tuple[tuple[str, str, str], ...]  # Chinese, pinyin, a common typo
    english_names: tuple[str, ...]
    foreign_heads: tuple[tuple[str, str], ...]  # Latin syllable, its transliteration
    foreign_tails: tuple[tuple[str, str], ...]
    food_series: tuple[str, ...]
    series: tuple[str, ...]


def _load(name: str) -> Any:
    text = files("lab").joinpath("data", name).read_text(encoding="utf-8")
    return json.loads(text)


def _strings(items: list[str]) -> tuple[str, ...]:
    return tuple(str(s) for s in items)


def _hazard(d: dict[str, Any]) -> Hazard:
    unharmed, minor, emergency, hospitalised = (int(w) for w in d["outcomes"])
    return Hazard(
        key=d["key"],
        hazard_class=d["hazard_class"],
        zh=_strings(d["zh"]),
        en=_strings(d["en"]),
        clinical=_strings(d["clinical"]),
        clinical_en=_strings(d["clinical_en"]),
        injuries=tuple(Injury(**i) for i in d["injuries"]),
        review=_strings(d["review"]),
        flags=_strings(d["flags"]),
        outcomes=(unharmed, minor, emergency, hospitalised),
        pathogen=d["pathogen"],
    )


def _product(d: dict[str, Any]) -> Product:
    lo, hi = (int(p) for p in d["price"])
    return Product(
        key=d["key"],
        category=d["category"],
        zh=_strings(d["zh"]),
        en=_strings(d["en"]),
        hs=d["hs"],
        unit=d["unit"],
        price=(lo, hi),
        victims=d["victims"],
        features=_strings(d["features"]),
        features_en=_strings(d["features_en"]),
        hazards=tuple(_hazard(h) for h in d["hazards"]),
        places=_strings(d["places"]),
        food=bool(d["food"]),
        industry=d["industry"],
        industry_en=d["industry_en"],
    )


def _triple(items: list[str]) -> tuple[str, str, str]:
    a, b, c = items
    return a, b, c


def _world(d: dict[str, Any]) -> World:
    cities = tuple(City(**c) for c in d["cities"])
    makers = set(d["maker_provinces"])
    return World(
        victims={
            group: ((v["ages"][0], v["ages"][1]), tuple(_triple(f) for f in v["forms"]))
            for group, v in d["victims"].items()
        },
        cities=cities,
        maker_cities=tuple(c for c in cities if c.code[:2] in makers),
        platforms=_strings(d["platforms"]),
        cross_border=_strings(d["cross_border"]),
        platforms_en=dict(d["platforms_en"]),
        urls=dict(d["urls"]),
        stores=_strings(d["stores"]),
        shops=_strings(d["shops"]),
        origins={
            code: (_strings(o["written"]), o["en"], o["currency"])
            for code, o in d["origins"].items()
        },
        food_origins=_strings(d["food_origins"]),
        goods_origins=_strings(d["goods_origins"]),
        ports=tuple((p["locode"], p["customs"]) for p in d["ports"]),
        syllables=tuple((s["zh"], s["pinyin"], s["typo"]) for s in d["syllables"]),
        english_names=_strings(d["english_names"]),
        foreign_heads=tuple((h["en"], h["zh"]) for h in d["foreign_heads"]),
        foreign_tails=tuple((t["en"], t["zh"]) for t in d["foreign_tails"]),
        food_series=_strings(d["food_series"]),
        series=_strings(d["series"]),
    )


PRODUCTS: tuple[Product, ...] = tuple(
    _product(p) for p in _load("evalset_products.json")["products"]
)
WORLD: World = _world(_load("evalset_world.json"))
