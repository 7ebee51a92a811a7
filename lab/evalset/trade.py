"""Trade records of an entity's goods: e-commerce listings and customs declaration lines.

Ids and listing URLs are left empty for the builder to issue in arrival order.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from lab.evalset.tables import WORLD
from lab.evalset.world import Entity, Seller
from lab.evalset.writing import brand_as_written, model_as_written, region, timestamp

__all__ = [
    "declaration_record",
    "listing_description",
    "listing_record",
    "listing_template",
    "listing_title",
]


def listing_title(e: Entity, rng: random.Random, template: int) -> str:
    p, b = e.product, e.brand
    pz, feat = rng.choice(p.zh), rng.choice(p.features)
    model = "" if p.food else model_as_written(e.model, rng)
    bz = b.en if b.foreign and rng.random() < 0.5 else b.zh
    shapes = (
        f"【官方正品】{bz}{pz}{e.series} {model} {feat} 包邮",
        f"{bz} {model} {pz} {feat}【限时秒杀】",
        f"2026新款 {bz}{pz} {feat} 正品保障 顺丰包邮",
        f"{bz}{pz}{feat}家用{model}【店长推荐】",
        f"【保税直发】{b.en} {b.zh} {pz} {model} {feat}",
        f"{b.en} {rng.choice(p.en)} {model} {rng.choice(p.features_en)} - Free Shipping",
    )
    return " ".join(shapes[template % len(shapes)].split())


def listing_template(e: Entity, rng: random.Random, lang: str) -> int:
    if lang == "en":
        return 5
    return rng.choice([0, 1, 2, 3, 4] if e.brand.foreign else [0, 1, 2, 3])


def listing_description(e: Entity, rng: random.Random, flags: list[str], lang: str) -> str:
    if lang == "en":
        review_en = rng.choice(e.hazard.en).format(minutes=20)
        return f'Buyer reviews: "{review_en}"'
    pool = e.hazard.review or e.hazard.zh
    review, second = rng.sample(pool, 2) if len(pool) > 1 else (pool[0], "")
    shape = rng.randrange(3)
    if shape == 0:
        return f"监测发现该商品评价区有{rng.randint(3, 60)}条差评反映“{review}”。"
    if shape == 1 or "no_ccc_mark" not in flags:
        return f"买家评价：“{review}”；“{second}”" if second else f"买家评价：“{review}”"
    return f"店铺页面未展示CCC认证标志。买家反映{review}。"


def listing_record(
    e: Entity, seller: Seller, rng: random.Random, when: datetime, lang: str, template: int
) -> dict[str, Any]:
    flags = [fl for fl in e.hazard.flags if rng.random() < 0.7]
    return {
        "listing_id": "",
        "platform": seller.platform,
        "captured_at": timestamp(when, rng),
        "url": None,
        "title": listing_title(e, rng, template),
        "price": float(rng.randint(*e.product.price)) - rng.choice([0.0, 0.1, 0.01]),
        "currency": "CNY" if rng.random() < 0.9 else "RMB",
        "seller_name": seller.name,
        "seller_uscc": seller.uscc,
        "brand": brand_as_written(e, rng, lang) if rng.random() < 0.8 else None,
        "model": e.model if not e.product.food and rng.random() < 0.5 else None,
        "sales_count": rng.choice([0, rng.randint(1, 200), rng.randint(200, 20000)]),
        "region": region(seller.city, rng),
        "origin_country": rng.choice(WORLD.origins[e.origin][0]) if e.origin else None,
        "flags": flags,
        "description": listing_description(e, rng, flags, lang),
    }


def declaration_record(e: Entity, rng: random.Random, declared: datetime) -> dict[str, Any]:
    assert e.origin and e.consignor
    p, b = e.product, e.brand
    pz, pe = rng.choice(p.zh), rng.choice(p.en)
    model = rng.choice(p.features) if p.food else e.model
    shape = rng.randrange(4)
    if shape == 0:
        goods = f"{pz} {b.zh}牌 {'规格' if p.food else '型号'}{model}"
    elif shape == 1:
        goods = f"{pe}, brand: {b.en}, {'spec' if p.food else 'model'}: {model}"
    elif shape == 2:
        goods = f"{pz}（品牌：{b.en}/{b.zh}，{'规格' if p.food else '型号'}：{model}）"
    else:
        goods = f"{pe.upper()} {b.en.upper()} {'' if p.food else model}".strip()
    hs = p.hs
    hs_shape = rng.randrange(3)
    hs_text = (
        hs
        if hs_shape == 0
        else (f"{hs[:4]}.{hs[4:6]}.{hs[6:8]}.{hs[8:]}" if hs_shape == 1 else hs[:8])
    )
    if p.food:
        unit = rng.choice(["kg", "千克", "吨", "箱"])
        quantity = float(rng.randint(2, 40) if unit == "吨" else rng.randint(500, 20000))
    else:
        unit = rng.choice(["pcs", "个", "台", "件", "套"])
        quantity = float(rng.randint(200, 12000))
    per_unit = rng.uniform(0.3, 0.6) * sum(p.price) / 2
    scale = 1000 if unit == "吨" else 1
    currency = WORLD.origins[e.origin][2]
    return {
        "declaration_id": "",
        "line_no": rng.choices([1, 2, 3, 4], [70, 15, 10, 5])[0],
        "declared_at": timestamp(declared, rng),
        "port": e.port[0],
        "direction": "import",
        "hs_code": hs_text,
        "goods_description": goods,
        "brand": b.en if rng.random() < 0.8 else None,
        "model": e.model if not p.food and rng.random() < 0.6 else None,
        "origin_country": rng.choice(WORLD.origins[e.origin][0]),
        "consignor": e.consignor,
        "consignee": e.importer,
        "consignee_uscc": e.importer_uscc,
        "quantity": quantity,
        "unit": unit,
        "value": round(quantity * per_unit * scale / (7.1 if currency != "CNY" else 1), 2),
        "currency": currency,
    }
