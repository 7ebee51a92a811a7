"""The facts of one reported event, and the voice of one complaint about it.

An event (who was hurt, where, when, how badly) is drawn once and then rendered by each channel
that reports it, so that a duplicate tells the same story in other words.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from lab.evalset.tables import WORLD, City, Injury
from lab.evalset.world import Entity
from lab.evalset.writing import CST, model_as_written, product_name

__all__ = [
    "DEMANDS",
    "DEMANDS_EN",
    "MERCHANTS",
    "MERCHANTS_EN",
    "OPENERS",
    "Facts",
    "Voice",
    "draw_facts",
    "draw_voice",
]


@dataclass(frozen=True, slots=True)
class Facts:
    city: City
    platform: str
    purchased: date
    incident: datetime
    victim: tuple[str, str, str]
    age: int
    sex: str
    outcome: str
    injury: Injury | None
    detail: int
    minutes: int
    price: int
    days: int
    demand: int
    merchant: int
    lang: str
    cases: int = 1
    hospitalised: int = 0
    deaths: int = 0
    setting: str = "家庭"
    store: str = ""
    online: bool = True


@dataclass(frozen=True, slots=True)
class Voice:
    """How a complaint is written: channel style, template and how the product is named."""

    style: str  # hotline, web, app, letter, transfer, en
    template: int
    name: str
    names_brand: bool
    names_model: bool
    model: str
    demand: int
    merchant: int


DEMANDS = (
    "退货退款并赔偿医药费",
    "商家赔偿损失并召回同批次产品",
    "相关部门对该产品进行抽检",
    "按照消费者权益保护法给予三倍赔偿",
    "查处销售不合格产品的商家",
)
MERCHANTS = ("拒绝退货", "至今未回复", "只同意退一半货款", "推给厂家处理", "说是使用不当造成的")
DEMANDS_EN = ("a full refund and compensation", "a recall of this product", "an official test")
MERCHANTS_EN = ("refused a refund", "has not replied", "says it was my fault")
OPENERS = ("您好，我要投诉。", "您好，我要投诉！", "你好，投诉一个产品质量问题。", "【投诉】", "")


def draw_facts(e: Entity, rng: random.Random, when: datetime) -> Facts:
    victims = e.product.victims
    if victims == "any":
        victims = rng.choices(["child", "adult", "elderly"], [30, 50, 20])[0]
    (lo, hi), forms = WORLD.victims[victims]
    outcome = rng.choices(["none", "minor", "emergency", "hospitalised"], e.hazard.outcomes)[0]
    injury = rng.choice(e.hazard.injuries) if e.hazard.injuries and outcome != "none" else None
    if injury is None and not e.product.food:
        outcome = "none"
    price = rng.randint(*e.product.price)
    cases = 1
    hospitalised = deaths = 0
    setting = "家庭"
    if e.product.food:
        setting = rng.choices(
            ["家庭", "学校食堂", "单位食堂", "餐馆", "聚餐"], [60, 10, 10, 12, 8]
        )[0]
        cases = rng.randint(1, 5) if setting == "家庭" else rng.randint(4, 30)
        if outcome == "hospitalised":
            hospitalised = rng.randint(1, max(1, cases // 2))
        if e.hazard.key == "listeria" and hospitalised and rng.random() < 0.1:
            deaths = 1
    return Facts(
        city=rng.choice(WORLD.cities),
        platform=rng.choice(
            WORLD.cross_border if e.brand.foreign and rng.random() < 0.5 else WORLD.platforms
        ),
        purchased=(when - timedelta(days=rng.randint(2, 90))).astimezone(CST).date(),
        incident=when,
        victim=rng.choice(forms),
        age=rng.randint(lo, hi),
        sex=rng.choice("MF"),
        outcome=outcome,
        injury=injury,
        detail=rng.randrange(len(e.hazard.zh)),
        minutes=rng.choice([10, 15, 20, 30, 40, 60]),
        price=price,
        days=rng.randint(2, 12),
        demand=rng.randrange(len(DEMANDS)),
        merchant=rng.randrange(len(MERCHANTS)),
        lang="en" if rng.random() < e.en_share else "zh",
        cases=cases,
        hospitalised=hospitalised,
        deaths=deaths,
        setting=setting,
        store=rng.choice(WORLD.stores if e.product.food else WORLD.shops),
        online=rng.random() < (0.5 if e.product.food else 0.85),
    )


def draw_voice(e: Entity, rng: random.Random, style: str) -> Voice:
    lang = "en" if style == "en" else "zh"
    name, names_brand, names_model = product_name(e, rng, lang)
    return Voice(
        style=style,
        template=rng.randrange(2),
        name=name,
        names_brand=names_brand,
        names_model=names_model,
        model="" if e.product.food else model_as_written(e.model, rng),
        demand=rng.randrange(len(DEMANDS)),
        merchant=rng.randrange(len(MERCHANTS)),
    )
