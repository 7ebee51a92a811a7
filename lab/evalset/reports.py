"""Reports of an event: consumer complaints, hospital injury reports and foodborne-disease reports.

Each builder renders :class:`~lab.evalset.events.Facts` as one feed's raw record, in that
channel's wording; ids are left empty for the builder to issue in arrival order.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from lab.evalset.events import DEMANDS, DEMANDS_EN, MERCHANTS, MERCHANTS_EN, OPENERS, Facts, Voice
from lab.evalset.tables import WORLD
from lab.evalset.world import Entity
from lab.evalset.writing import (
    CST,
    brand_as_written,
    en_date,
    model_as_written,
    product_name,
    region,
    time_of_day,
    timestamp,
    zh_date,
)

__all__ = [
    "CHANNELS",
    "complaint_record",
    "food_complaint_text",
    "foodborne_record",
    "hospital_of",
    "injury_record",
]


def _detail(e: Entity, f: Facts, lang: str) -> str:
    texts = e.hazard.en if lang == "en" else e.hazard.zh
    return texts[f.detail % len(texts)].format(minutes=f.minutes)


def _consequence(
    e: Entity, f: Facts, person: int, rng: random.Random, hospital: str | None = None
) -> str:
    """What happened to the person, first (``person=0``) or third (``person=1``) person."""
    v = f.victim[person]
    if e.product.food:
        if f.outcome == "hospitalised":
            return f"{v}住院治疗了{f.days}天" if f.cases == 1 else f"其中{f.hospitalised}人住院"
        if f.outcome == "emergency":
            return f"{v}去医院看了急诊" if not hospital else f"在{hospital}看了急诊"
        return rng.choice(["吃了药才慢慢好转", "难受了两三天"])
    if f.injury is None or f.outcome == "none":
        return rng.choice(
            ["好在没有人受伤", "幸好发现及时，没有造成人员伤害", "所幸没伤到人，但吓得不轻"]
        )
    p = f.injury.zh
    if f.outcome == "minor":
        return rng.choice([f"{v}{p}，在家简单处理了", f"{v}{p}，好在伤得不重"])
    if f.outcome == "emergency":
        if hospital:
            return f"{v}{p}，在{hospital}急诊处理"
        return rng.choice([f"{v}{p}，当天去医院看了急诊", f"{v}{p}，连夜送医院急诊处理"])
    if hospital:
        return f"{v}{p}，在{hospital}住院{f.days}天"
    return rng.choice([f"{v}{p}，住院治疗了{f.days}天", f"{v}因{p}住院，至今还在治疗"])


def _consequence_en(e: Entity, f: Facts) -> str:
    who = f.victim[2]
    subject = who[0].upper() + who[1:]
    if e.product.food:
        if f.outcome == "hospitalised":
            return f"{subject} spent {f.days} days in hospital."
        return f"{subject} needed to see a doctor."
    if f.injury is None or f.outcome == "none":
        return "Luckily nobody was hurt."
    if f.outcome == "minor":
        return f"{subject} got {f.injury.en}, not serious."
    if f.outcome == "emergency":
        return f"{subject} needed emergency treatment for {f.injury.en}."
    return f"{subject} was in hospital for {f.days} days with {f.injury.en}."


def _complaint_text(
    e: Entity, f: Facts, v: Voice, rng: random.Random, hospital: str | None = None
) -> str:
    pdate, idate = zh_date(f.purchased, rng), zh_date(f.incident.astimezone(CST).date(), rng)
    tod = time_of_day(f.incident)
    detail = _detail(e, f, "en" if v.style == "en" else "zh")
    model_part = ""
    if v.model and not v.names_model:
        model_part = rng.choice([f"（型号：{v.model}）", f"，型号{v.model}", ""])
    unit = e.product.unit
    verb = "食用" if e.product.food else "使用"
    where = f.platform if f.online else f"{f.city.city}{f.store}"
    if v.style == "en":
        pe = WORLD.platforms_en.get(f.platform, f.platform) if f.online else "a local shop"
        cons = _consequence_en(e, f)
        model_en = f" (model {v.model})" if v.model else ""
        if v.template == 0:
            return (
                f"I bought a {v.name}{model_en} from {pe} on {en_date(f.purchased)}. "
                f"On {en_date(f.incident.date())} {detail}. {cons} "
                f"The seller {MERCHANTS_EN[v.merchant % 3]}. Please investigate."
            )
        return (
            f"Complaint about {v.name} bought on {pe}: {detail}. {cons} "
            f"I want {DEMANDS_EN[v.demand % 3]}."
        )
    if v.style in ("hotline", "transfer"):
        cons = _consequence(e, f, 1, rng, hospital)
        if v.style == "transfer":
            return (
                f"12345热线转办件：市民反映{pdate}在{where}购买的{v.name}{model_part}，"
                f"{idate}{verb}时{detail}，{cons}。市民诉求：{DEMANDS[v.demand]}。请按规定处理并回复。"
            )
        if v.template == 0:
            return (
                f"消费者来电反映：其{pdate}在{where}购买了{v.name}{model_part}，价格{f.price}元。"
                f"{idate}{tod}{verb}时{detail}，{cons}。消费者要求{DEMANDS[v.demand]}。"
            )
        return (
            f"来电人称{pdate}通过{where}购买{v.name}一{unit}{model_part}，{idate}{verb}过程中"
            f"{detail}，{cons}。诉求：{DEMANDS[v.demand]}。"
        )
    cons = _consequence(e, f, 0, rng, hospital)
    if v.style == "letter":
        return (
            f"尊敬的市场监督管理局领导：您好！本人于{pdate}购买{v.name}{model_part}。{idate}"
            f"{detail}，{cons}。经与商家多次沟通，商家{MERCHANTS[v.merchant]}。"
            "特此来信投诉，恳请贵局依法查处。"
        )
    if v.style == "app":
        if v.template == 0:
            return (
                f"{v.name}存在严重安全隐患！{detail}，{cons}，商家{MERCHANTS[v.merchant]}，"
                "希望监管部门管一管！"
            )
        return f"在{where}买的{v.name}，{detail}，{cons}。要求{DEMANDS[v.demand]}。"
    opener = rng.choice(OPENERS)
    if v.template == 0:
        return (
            f"{opener}我{pdate}在{where}买了{v.name}{model_part}，{idate}{tod}{detail}，{cons}。"
            f"商家{MERCHANTS[v.merchant]}，请求{DEMANDS[v.demand]}。"
        )
    return (
        f"{opener}本人于{pdate}在{where}购买{v.name}{model_part}，{idate}{verb}时{detail}。"
        f"{cons}。联系商家后商家{MERCHANTS[v.merchant]}，请求贵局{DEMANDS[v.demand]}。"
    )


CHANNELS = {
    "hotline": ("hotline", "12315"),
    "web": ("web", "web"),
    "app": ("app", "wechat"),
    "letter": ("letter",),
    "transfer": ("12345",),
    "en": ("web", "app"),
}


def complaint_record(
    e: Entity,
    f: Facts,
    v: Voice,
    rng: random.Random,
    received: datetime,
    hospital: str | None = None,
) -> dict[str, Any]:
    text = _complaint_text(e, f, v, rng, hospital)
    record: dict[str, Any] = {
        "complaint_id": "",
        "received_at": timestamp(received, rng),
        "channel": rng.choice(CHANNELS[v.style]),
        "product_name": v.name,
    }
    if v.names_brand and rng.random() < 0.5:
        record["brand"] = None
    else:
        record["brand"] = brand_as_written(e, rng, "en" if v.style == "en" else "zh")
    record["model"] = (v.model or None) if rng.random() < 0.55 else None
    if rng.random() < 0.3:
        record["enterprise_name"] = e.maker
        if rng.random() < 0.5:
            record["enterprise_uscc"] = e.maker_uscc
    record["region"] = region(f.city, rng)
    record["description"] = text
    if v.style in ("hotline", "transfer") and rng.random() < 0.4:
        record["hazard_class"] = e.hazard.hazard_class
    record["outcome"] = f.outcome if rng.random() < 0.8 else None
    if rng.random() < 0.6:
        record["victim_age"] = f.age
    record["purchase_channel"] = rng.choice(["online", "网购"]) if f.online else "offline"
    record["platform"] = f.platform if f.online else None
    return record


_TREAT = {
    "minor": ("门诊处理后离院", "予以门诊处理"),
    "emergency": ("急诊处理后离院", "急诊清创包扎后离院", "急诊留观后离院"),
    "hospitalised": ("收入院进一步治疗", "收住院治疗"),
}
_TREAT_EN = {
    "minor": "Treated and discharged.",
    "emergency": "Treated in ED and discharged.",
    "hospitalised": "Admitted.",
}


def hospital_of(f: Facts, salt: int) -> tuple[str, str]:
    """The reporting hospital's id and name, fixed by the city and a salt."""
    n = 1 + salt % 6
    names = ("第一人民医院", "中心医院", "儿童医院", "中医院", "第二人民医院", "人民医院")
    return f"H{f.city.code}{n:02d}", f"{f.city.city}市{names[n - 1]}"


def injury_record(
    e: Entity, f: Facts, rng: random.Random, reported: datetime, hospital_id: str
) -> dict[str, Any]:
    assert f.injury is not None
    outcome = f.outcome if f.outcome != "none" else "minor"
    lang = "en" if f.lang == "en" and rng.random() < 0.6 else "zh"
    place = rng.choice(e.product.places)
    if rng.random() < 0.45:
        name = rng.choice(e.product.en if lang == "en" else e.product.zh)
        names_brand = False
    else:
        name, names_brand, _ = product_name(e, rng, lang)
    brand = brand_as_written(e, rng, lang) if rng.random() < 0.45 else None
    if lang == "en":
        sex = "male" if f.sex == "M" else "female"
        clause = rng.choice(e.hazard.clinical_en).format(inj=f.injury.en)
        age_en = f"{f.age}-year-old" if f.age else "Infant"
        narrative = f"{age_en} {sex}, {clause}. {_TREAT_EN[outcome]}"
        if not names_brand and brand is None:
            narrative += f" Product: {e.brand.en} {e.model}."
    else:
        sex = "男" if f.sex == "M" else "女"
        who = "患者" if f.age >= 14 else "患儿"
        age = f"{f.age}岁" if f.age else "不满1岁"
        clause = rng.choice(e.hazard.clinical).format(body=f.injury.body_zh)
        idate = zh_date(f.incident.astimezone(CST).date(), rng)
        narrative = (
            f"{who}{age}，{sex}。{idate}{time_of_day(f.incident)}在{place}使用{name}时"
            f"{clause}，{rng.choice(_TREAT[outcome])}。"
        )
        if not names_brand and brand is None and rng.random() < 0.85:
            narrative += f"（家属称产品为{e.brand.zh}牌，型号{model_as_written(e.model, rng)}）"
    injury_day = f.incident.astimezone(CST).date()
    return {
        "report_id": "",
        "reported_at": timestamp(reported, rng),
        "injury_date": injury_day.isoformat() if rng.random() < 0.7 else f"{injury_day:%Y/%m/%d}",
        "hospital_id": hospital_id,
        "product_name": name,
        "brand": brand,
        "model": model_as_written(e.model, rng) if rng.random() < 0.2 else None,
        "region": region(f.city, rng),
        "patient_age": f.age,
        "patient_sex": f.sex if rng.random() < 0.9 else "U",
        "injury_type": f.injury.kind,
        "body_part": f.injury.body_zh if lang == "zh" else f.injury.body_en,
        "outcome": outcome,
        "narrative": narrative,
    }


def _food_name(e: Entity, rng: random.Random, lang: str) -> str:
    if rng.random() < 0.35:
        return rng.choice(e.product.en if lang == "en" else e.product.zh)
    return product_name(e, rng, lang)[0]


def foodborne_record(e: Entity, f: Facts, rng: random.Random, reported: datetime) -> dict[str, Any]:
    food = _food_name(e, rng, "zh")
    onset = f.incident.astimezone(CST).date()
    place = f"{f.city.city}{f.store}" if not f.online else f"{f.platform}网店"
    bought = f"在{place}购买的{food}" if not f.online else f"通过{f.platform}网购的{food}"
    symptoms = rng.choice(e.hazard.clinical)
    if f.cases > 1:
        who = f"{f.setting}共{f.cases}人"
        hosp = f"{f.hospitalised}人住院" if f.hospitalised else "均门诊就诊，无住院病例"
    else:
        who = f"{f.setting}就餐者1人" if f.setting != "家庭" else "患者1人"
        hosp = "已住院治疗" if f.hospitalised else "门诊就诊后回家"
    narrative = f"{who}于{zh_date(onset, rng)}食用{bought}后出现{symptoms}等症状，{hosp}。"
    if f.deaths:
        narrative += f"死亡{f.deaths}例。"
    if e.brand.zh not in food and e.brand.en not in food and rng.random() < 0.7:
        narrative += f"剩余食品包装标示品牌为{e.brand.zh}，生产商{e.maker}。"
    record: dict[str, Any] = {
        "report_id": "",
        "reported_at": timestamp(reported, rng),
        "onset_date": onset.isoformat() if rng.random() < 0.5 else f"{onset:%Y/%m/%d}",
        "region": region(f.city, rng),
        "food_name": food,
        "brand": brand_as_written(e, rng, "zh") if rng.random() < 0.7 else None,
        "enterprise_name": e.maker if rng.random() < 0.5 else None,
        "pathogen": e.hazard.pathogen if e.hazard.pathogen and rng.random() < 0.75 else None,
        "cases": f.cases,
        "hospitalised": f.hospitalised,
        "deaths": f.deaths,
        "setting": f.setting,
        "purchase_place": place,
        "narrative": narrative,
    }
    if e.origin and rng.random() < 0.7:
        record["origin_country"] = rng.choice(WORLD.origins[e.origin][0])
        record["hs_code"] = e.product.hs if rng.random() < 0.5 else None
    return record


def food_complaint_text(e: Entity, f: Facts, v: Voice, rng: random.Random) -> str:
    onset = zh_date(f.incident.astimezone(CST).date(), rng)
    who = f"我们家{f.cases}口人" if f.setting == "家庭" and f.cases > 1 else f.victim[0]
    where = f"{f.city.city}{f.store}" if not f.online else f.platform
    cons = _consequence(e, f, 0, rng)
    detail = _detail(e, f, "zh")
    opener = rng.choice(OPENERS)
    if v.template == 0:
        return (
            f"{opener}{who}{onset}吃了在{where}买的{v.name}，{detail}，{cons}。"
            f"要求{DEMANDS[v.demand]}。"
        )
    return f"{opener}在{where}购买的{v.name}有问题：{detail}。{cons}，请监管部门彻查这批产品。"
