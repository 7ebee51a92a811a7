"""Entities of the evaluation set: a brand's product line and one of its hazards.

Brands, model codes, makers, importers and sellers are invented here, with the hard negatives
(same brand, same model with another hazard, same product type of another brand) that make
linkage hard. Everything is drawn from one ``random.Random``, in a fixed order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from connectors.normalize import uscc_check_char
from lab.evalset.tables import PRODUCTS, WORLD, City, Hazard, Product

__all__ = ["Brand", "Entity", "Names", "Seller", "make_entities"]


@dataclass(frozen=True, slots=True)
class Brand:
    zh: str
    en: str
    typo_zh: str
    typo_en: str
    foreign: bool


@dataclass(frozen=True, slots=True)
class Seller:
    name: str
    platform: str
    city: City
    uscc: str | None


@dataclass(frozen=True, slots=True)
class Entity:
    id: str
    family: int
    kind: str  # "base" or a hard-negative note
    brand: Brand
    product: Product
    hazard: Hazard
    model: str
    series: str
    maker: str
    maker_uscc: str
    maker_city: City
    origin: str | None
    consignor: str | None
    importer: str | None
    importer_uscc: str | None
    port: tuple[str, str]
    start: datetime
    span_days: int
    sellers: tuple[Seller, ...]
    en_share: float


def _uscc(rng: random.Random, division: str) -> str:
    """A valid GB 32100 unified social credit code for a company registered in ``division``."""
    body = (
        "91" + division + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    )
    return body + uscc_check_char(body)


class Names:
    """Hands out brand names and model codes, never the same twice."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()
        self.models: set[str] = set()
        # Names the demo generator uses are left out, so the two sets never share a brand.
        self.used.update(
            {"星辰", "优家", "佳美", "安宝", "乐康", "福瑞", "云帆", "宜居", "康达", "华宇"}
        )
        self.used.update({"乐途", "暖阳", "绿谷", "Kiddo", "Lumio", "Aurora", "Orbis", "Cresta"})

    def brand(self, foreign: bool) -> Brand:
        rng = self.rng
        while True:
            if foreign:
                h_en, h_zh = rng.choice(WORLD.foreign_heads)
                t_en, t_zh = rng.choice(WORLD.foreign_tails)
                en, zh = h_en + t_en, h_zh + t_zh
                cut = rng.randrange(1, len(en) - 1)
                typo_en = en[:cut] + en[cut + 1 :]
                typo_zh = zh
            else:
                a, b = rng.sample(WORLD.syllables, 2)
                zh = a[0] + b[0]
                pinyin = (a[1] + b[1]).capitalize()
                en = pinyin if rng.random() < 0.75 else rng.choice(WORLD.english_names)
                typo_zh = (a[2] + b[0]) if rng.random() < 0.5 else (a[0] + b[2])
                typo_en = pinyin.upper() if en != pinyin else pinyin[:-1]
            if zh not in self.used and en not in self.used:
                self.used.update({zh, en})
                return Brand(zh, en, typo_zh, typo_en, foreign)

    def model(self, brand: Brand) -> str:
        rng = self.rng
        letters = "".join(c for c in brand.en if c.isupper()) or brand.en[:1].upper()
        if len(letters) < 2:
            letters = brand.en[:2].upper()
        while True:
            shape = rng.randrange(5)
            if shape == 0:
                code = f"{letters}-{rng.randint(10, 99) * 100}"
            elif shape == 1:
                code = f"{letters}{rng.randint(100, 999)}{rng.choice('ABCEHS')}"
            elif shape == 2:
                code = f"{letters}-{rng.choice('ABCDSTX')}{rng.randint(1, 9)}"
            elif shape == 3:
                code = f"{letters}{rng.randint(1000, 9999)}"
            else:
                code = f"{letters}-{rng.randint(10, 99)}{rng.choice(['', 'A', 'L', 'Pro'])}"
            if code not in self.models:
                self.models.add(code)
                return code


def _new_entity(
    rng: random.Random,
    names: Names,
    index: int,
    family: int,
    kind: str,
    product: Product,
    hazard: Hazard,
    start: datetime,
    brand: Brand | None = None,
    like: Entity | None = None,
    same_model: bool = False,
) -> Entity:
    """An entity; with ``like``, it shares the brand's maker, importer and sellers."""
    if brand is None:
        foreign = rng.random() < (0.5 if product.food else 0.3)
        brand = names.brand(foreign)
    if like is not None and same_model:
        model, series = like.model, like.series
    else:
        model = names.model(brand)
        series = rng.choice(WORLD.food_series if product.food else WORLD.series)
    if like is not None and like.brand == brand:
        maker, maker_uscc, maker_city = like.maker, like.maker_uscc, like.maker_city
        origin, consignor = like.origin, like.consignor
        importer, importer_uscc, port = like.importer, like.importer_uscc, like.port
        shared_sellers = [s for s in like.sellers if s.name.startswith(brand.zh)]
    else:
        maker_city = rng.choice(WORLD.maker_cities)
        shared_sellers = []
        if brand.foreign:
            origin = rng.choice(WORLD.food_origins if product.food else WORLD.goods_origins)
            country_en = WORLD.origins[origin][1]
            suffix = rng.choice(["Co., Ltd.", "GmbH" if origin == "DE" else "Ltd.", "Inc."])
            consignor = f"{brand.en} {product.industry_en} ({country_en}) {suffix}"
            importer = f"{maker_city.city}{brand.zh}贸易有限公司"
            importer_uscc = _uscc(rng, maker_city.code)
            maker, maker_uscc = importer, importer_uscc
        else:
            origin = consignor = importer = importer_uscc = None
            maker = f"{maker_city.city}市{brand.zh}{product.industry}有限公司"
            maker_uscc = _uscc(rng, maker_city.code)
        port = rng.choice(WORLD.ports)
    sellers = list(shared_sellers)
    while len(sellers) < rng.randint(2, 4):
        city = rng.choice(WORLD.cities)
        platform = rng.choice(
            WORLD.cross_border if brand.foreign and rng.random() < 0.6 else WORLD.platforms
        )
        style = rng.randrange(5)
        if style == 0:
            name = f"{brand.zh}官方旗舰店"
        elif style == 1:
            name = f"{brand.zh}{product.zh[0]}专卖店"
        elif style == 2:
            name = (
                f"{city.city}{rng.choice(['优选', '好物', '居家', '惠民'])}{product.industry}专营店"
            )
        elif style == 3:
            name = f"{brand.en} Official Store"
        else:
            name = f"{brand.zh}海外旗舰店" if brand.foreign else f"{brand.zh}工厂店"
        if any(s.name == name and s.platform == platform for s in sellers):
            continue
        uscc = _uscc(rng, city.code) if rng.random() < 0.4 else None
        sellers.append(Seller(name, platform, city, uscc))
    return Entity(
        id=f"E{index:03d}-{product.key}-{hazard.key}",
        family=family,
        kind=kind,
        brand=brand,
        product=product,
        hazard=hazard,
        model=model,
        series=series,
        maker=maker,
        maker_uscc=maker_uscc,
        maker_city=maker_city,
        origin=origin,
        consignor=consignor,
        importer=importer,
        importer_uscc=importer_uscc,
        port=port,
        start=start,
        span_days=rng.randint(7, 55),
        sellers=tuple(sellers),
        en_share=0.3 if brand.foreign else 0.05,
    )


_FIRST_DAY = datetime(2026, 2, 1, tzinfo=UTC)
_LAST_START_DAY = 200  # entities start by mid-August, so every record is before November


def make_entities(rng: random.Random, n: int, names: Names) -> list[Entity]:
    """``n`` entities: about 60% base entities, the rest hard negatives of one of them."""
    n_base = max(1, round(n * 0.6))
    n_brand = round(n * 0.14)
    n_hazard = round(n * 0.13)
    n_category = max(0, n - n_base - n_brand - n_hazard)
    products = list(PRODUCTS)
    rng.shuffle(products)
    out: list[Entity] = []
    taken: set[tuple[str, str, str]] = set()  # brand, product, hazard

    def add(entity: Entity) -> None:
        out.append(entity)
        taken.add((entity.brand.zh, entity.product.key, entity.hazard.key))

    def start_near(base: Entity | None) -> datetime:
        if base is None:
            return _FIRST_DAY + timedelta(days=rng.randint(0, _LAST_START_DAY))
        day = (base.start - _FIRST_DAY).days + rng.randint(-15, 15)
        return _FIRST_DAY + timedelta(days=min(max(day, 0), _LAST_START_DAY))

    for i in range(n_base):
        product = products[i % len(products)]
        entity = _new_entity(
            rng, names, len(out), i, "base", product, rng.choice(product.hazards), start_near(None)
        )
        add(entity)
    bases = list(out)

    for _ in range(n_hazard):
        candidates = [
            b
            for b in bases
            if any((b.brand.zh, b.product.key, h.key) not in taken for h in b.product.hazards)
        ]
        if not candidates:
            break
        base = rng.choice(candidates)
        hazard = rng.choice(
            [
                h
                for h in base.product.hazards
                if (base.brand.zh, base.product.key, h.key) not in taken
            ]
        )
        kind = "hard-negative-same-product-other-hazard"
        add(
            _new_entity(
                rng, names, len(out), base.family, kind, base.product, hazard,
                start_near(base), base.brand, base, same_model=True,
            )
        )  # fmt: skip
    for _ in range(n_brand):
        base = rng.choice(bases)
        # another product of the brand, never one declared under an HS code the brand already
        # uses: declarations with the same HS code and consignor must be one entity's goods
        codes = {e.product.hs for e in out if e.brand == base.brand}
        unused = [p for p in PRODUCTS if p.hs not in codes]
        same_category = [p for p in unused if p.category == base.product.category]
        others = same_category or unused
        product = rng.choice(others)
        hazard = rng.choice(product.hazards)
        if (base.brand.zh, product.key, hazard.key) in taken:
            continue
        kind = "hard-negative-same-brand"
        add(
            _new_entity(
                rng, names, len(out), base.family, kind, product, hazard,
                start_near(base), base.brand, base,
            )
        )  # fmt: skip
    for _ in range(n_category):
        base = rng.choice(bases)
        hazard = base.hazard if rng.random() < 0.7 else rng.choice(base.product.hazards)
        kind = "hard-negative-same-category-other-brand"
        add(
            _new_entity(
                rng, names, len(out), base.family, kind, base.product, hazard, start_near(base)
            )
        )
    return out
