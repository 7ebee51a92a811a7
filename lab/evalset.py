"""A labelled evaluation set for duplicate detection and linkage (``riskwire eval dedup``).

Deterministic: one seed gives byte-identical records. Written apart from the demo's generator
(:mod:`lab.sample`), with its own brands, products, templates and wording, so that scores
are not measured on the demo's own distribution.

Every record is a raw feed record (valid against its schema, ingestible) with ground truth:

* ``entity`` - the product-hazard the record is about: one brand's product line (same model)
  and one specific hazard ("e-bike battery fire" and "e-bike brake failure" of the same model
  are two entities). Linkage should put an entity's records, and only them, in one cluster.
  Customs declaration lines of the goods (same HS code and consignor) belong to the entity;
  they are only generated for goods with a single hazard entity, so that their entity is
  decidable.
* ``duplicate_of`` - the earliest record reporting the same event (the same consumer's
  complaint filed twice, a hospital's injury report and the patient's complaint, a listing
  re-posted with a new title). Duplicates always point to that first record; it comes earlier in
  the set, which is in arrival order.
* ``split`` - ``calibrate`` (about 40% of entities) or ``test``, assigned by family (an entity
  with its hard negatives), so neither an entity nor a hard-negative pair crosses splits.
* ``note`` - the kind of case, one of :data:`NOTES`.

Kinds of case:

* ``exact-resend`` - the same payload under a new id (an upstream re-export);
* ``cross-channel`` - the same event by another channel: hotline vs web, app, letter or 12345
  transfer, a hospital's injury report vs the patient's complaint, a disease-surveillance
  report vs a complaint;
* ``reworded`` - the same channel, re-typed by another clerk or filed again;
* ``follow-up`` - an update of a hospital or surveillance report (outcome, case count);
* ``relisted`` - a listing re-posted by the same seller with a new title and price;
* ``unrelated`` - the first report of an entity that has no designed twin;
* ``same-entity-other-report`` - another consumer or patient, same product and hazard: not a
  duplicate, but a linkage positive;
* ``independent-similar-text`` - the same, written from the same template: a near duplicate in
  text that is not a duplicate;
* ``hard-negative-same-brand`` - same brand (maker, importer, sellers), another product;
* ``hard-negative-same-product-other-hazard`` - same brand and model, another hazard;
* ``hard-negative-same-category-other-brand`` - same product type (mostly the same hazard),
  another brand;
* ``declaration`` - a customs declaration line of the entity's goods.

Every report of an entity built as a hard negative of another carries its ``hard-negative-*``
note; duplicates and declarations carry their own kind whatever the entity.

Run ``python -m lab.evalset --out detectors/data/eval/dedup_eval.jsonl`` to write it.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from connectors.feeds.common import source_id
from connectors.normalize import uscc_check_char
from detectors.dedup_eval import Label

__all__ = [
    "DUPLICATE_NOTES",
    "NOTES",
    "SPLITS",
    "EvalRecord",
    "generate_evalset",
    "main",
    "read_jsonl",
    "summary",
    "write_jsonl",
]

DUPLICATE_NOTES = ("exact-resend", "cross-channel", "reworded", "follow-up", "relisted")
NOTES = (
    *DUPLICATE_NOTES,
    "unrelated",
    "same-entity-other-report",
    "independent-similar-text",
    "hard-negative-same-brand",
    "hard-negative-same-product-other-hazard",
    "hard-negative-same-category-other-brand",
    "declaration",
)
SPLITS = ("calibrate", "test")
CALIBRATE_SHARE = 0.4

_CST = ZoneInfo("Asia/Shanghai")
_ID_FIELDS = {
    "complaints": ("complaint_id",),
    "injuries": ("report_id",),
    "foodborne": ("report_id",),
    "listings": ("platform", "listing_id"),
    "declarations": ("declaration_id",),
}


# ============================================================================================
# The labelled record


@dataclass(frozen=True, slots=True)
class EvalRecord:
    """One raw feed record with its ground truth for duplicate detection and linkage."""

    record_id: str
    feed: str
    record: dict[str, Any] = field(hash=False)
    duplicate_of: str | None
    entity: str
    split: str
    note: str

    @property
    def signal_id(self) -> str:
        """The id :func:`connectors.ingest.ingest` gives the record's signal."""
        if self.feed == "declarations":
            line = int(self.record["line_no"])
            return f"declarations:{source_id(self.record, 'declaration_id')}-{line}"
        return f"{self.feed}:{source_id(self.record, *_ID_FIELDS[self.feed])}"

    def raw(self) -> bytes:
        """The record as a feed delivers it: UTF-8 JSON."""
        return json.dumps(self.record, ensure_ascii=False).encode("utf-8")

    def label(self) -> Label:
        """The ground truth in the form :mod:`detectors.dedup_eval` scores against."""
        return Label(self.record_id, self.duplicate_of, self.entity, self.note, self.split)

    def to_json(self) -> dict[str, Any]:
        """One JSONL line's object, keys in a fixed order."""
        return {
            "record_id": self.record_id,
            "feed": self.feed,
            "split": self.split,
            "entity": self.entity,
            "duplicate_of": self.duplicate_of,
            "note": self.note,
            "record": self.record,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EvalRecord:
        """The inverse of :meth:`to_json`."""
        return cls(
            record_id=str(data["record_id"]),
            feed=str(data["feed"]),
            record=dict(data["record"]),
            duplicate_of=data.get("duplicate_of"),
            entity=str(data["entity"]),
            split=str(data["split"]),
            note=str(data["note"]),
        )


def write_jsonl(records: Iterable[EvalRecord], path: str | Path) -> None:
    """Write one compact JSON object per line (UTF-8, Chinese unescaped)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8", newline="\n") as out:
        for rec in records:
            out.write(json.dumps(rec.to_json(), ensure_ascii=False, separators=(",", ":")))
            out.write("\n")


def read_jsonl(path: str | Path) -> list[EvalRecord]:
    """Read a set written by :func:`write_jsonl`, in file (arrival) order."""
    with Path(path).open(encoding="utf-8") as src:
        return [EvalRecord.from_json(json.loads(line)) for line in src if line.strip()]


def summary(records: Sequence[EvalRecord]) -> dict[str, Any]:
    """Counts worth reporting: records, entities, duplicates by kind, feeds and splits."""
    entities = {r.entity for r in records}
    duplicates = [r for r in records if r.duplicate_of is not None]
    splits: dict[str, dict[str, int]] = {}
    for split in SPLITS:
        chosen = [r for r in records if r.split == split]
        splits[split] = {
            "records": len(chosen),
            "entities": len({r.entity for r in chosen}),
            "duplicates": sum(r.duplicate_of is not None for r in chosen),
        }
    return {
        "records": len(records),
        "entities": len(entities),
        "duplicates": len(duplicates),
        "duplicate_rate": round(len(duplicates) / len(records), 4) if records else 0.0,
        "duplicate_groups": len({r.duplicate_of for r in duplicates}),
        "by_feed": dict(sorted(Counter(r.feed for r in records).items())),
        "by_note": dict(sorted(Counter(r.note for r in records).items())),
        "splits": splits,
    }


# ============================================================================================
# Vocabulary: products, hazards and how people describe them


_INJURY_ZH = {
    "burn": "烧伤",
    "scald": "烫伤",
    "laceration": "割伤",
    "fracture": "骨折",
    "crush": "夹伤",
    "contusion": "挫伤",
    "electric shock": "触电",
    "rash": "起了皮疹",
    "poisoning": "出现中毒症状",
    "infection": "感染",
    "strangulation": "勒伤",
}
_INJURY_EN = {
    "burn": "a burn",
    "scald": "a scald",
    "laceration": "a cut",
    "fracture": "a fracture",
    "crush": "a crush injury",
    "contusion": "bruising",
    "electric shock": "an electric shock",
    "rash": "a rash",
    "poisoning": "poisoning symptoms",
    "infection": "an infection",
    "strangulation": "a strangulation injury",
    "foreign body": "a swallowed part",
    "choking": "a choking episode",
    "smoke inhalation": "smoke inhalation",
}


@dataclass(frozen=True, slots=True)
class _Injury:
    """What happened to a person: the injuries feed's fields and a phrase in both languages."""

    kind: str
    body_zh: str
    body_en: str
    zh: str
    en: str


def _inj(kind: str, body_zh: str, body_en: str, zh: str = "", en: str = "") -> _Injury:
    return _Injury(
        kind,
        body_zh,
        body_en,
        zh or f"{body_zh}{_INJURY_ZH[kind]}",
        en or f"{_INJURY_EN[kind]} to the {body_en}",
    )


@dataclass(frozen=True, slots=True)
class _Hazard:
    """One specific hazard of a product type, with the words reporters use for it."""

    key: str
    hazard_class: str
    zh: tuple[str, ...]  # what happened, in a consumer's words, without a subject
    en: tuple[str, ...]
    clinical: tuple[str, ...] = ()  # hospital / surveillance narrative clause ({body}, {food})
    clinical_en: tuple[str, ...] = ()  # with {inj}
    injuries: tuple[_Injury, ...] = ()
    review: tuple[str, ...] = ()  # buyer reviews quoted by e-commerce monitoring
    flags: tuple[str, ...] = ("complaints",)
    outcomes: tuple[int, int, int, int] = (25, 40, 25, 10)  # none, minor, emergency, hosp.
    pathogen: str | None = None


@dataclass(frozen=True, slots=True)
class _Product:
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
    hazards: tuple[_Hazard, ...]
    places: tuple[str, ...] = ("家中",)
    food: bool = False
    industry: str = "电器"
    industry_en: str = "Home Appliances"


_FOOD_OUTCOMES = (0, 45, 35, 20)

_PRODUCTS: tuple[_Product, ...] = (
    _Product(
        "heater",
        "household_appliances",
        ("电暖器", "取暖器", "暖风机", "小太阳取暖器"),
        ("space heater", "electric heater", "fan heater"),
        "8516291000",
        "台",
        (89, 399),
        "any",
        ("家用节能速热", "静音恒温", "浴室防水", "办公室桌面"),
        ("fast heating", "quiet, thermostat", "energy saving"),
        (
            _Hazard(
                "overheat-fire",
                "physical",
                (
                    "开了大概{minutes}分钟，电源线和机身连接的地方开始冒烟，接着就烧起来了",
                    "使用中机身后部突然起火，火苗把旁边的窗帘引燃了",
                    "插头和插座连接处严重发热，插头的塑料都烧化了，差点起火",
                    "晚上开着睡觉，半夜闻到焦糊味，发现出风口烧黑冒烟",
                ),
                (
                    "after about {minutes} minutes the cord at the back started smoking and "
                    "then caught fire",
                    "the back of the unit burst into flames and set the curtain alight",
                    "the plug got so hot that the plastic melted",
                ),
                ("使用取暖器时机器起火致{body}烧伤", "取暖器过热起火，扑救时{body}烧伤"),
                ("{inj} when the space heater caught fire",),
                (_inj("burn", "手背", "hand"), _inj("burn", "前臂", "forearm")),
                ("用了两次插头就烧黑了", "开一会儿就有焦味还冒烟"),
                ("no_ccc_mark", "complaints"),
            ),
            _Hazard(
                "tipover-no-cutoff",
                "physical",
                (
                    "取暖器被碰倒以后根本不断电，倒在地上继续加热，把地板烤焦了",
                    "倾倒保护开关是坏的，倒地后还一直发热，把地毯烧出一个焦洞",
                    "孩子不小心碰倒了取暖器，机器没有自动断电，还在往外冒热气",
                ),
                (
                    "it tipped over and did not switch off, it kept heating on the floor",
                    "the tip-over switch does not work and it scorched the carpet",
                ),
                ("取暖器倾倒后未断电，接触发热面致{body}烫伤",),
                ("{inj} from a heater that kept running after it fell over",),
                (_inj("burn", "脚背", "foot"), _inj("burn", "小腿", "lower leg")),
                ("倒了也不断电，太危险", "倾倒开关是摆设"),
            ),
            _Hazard(
                "shell-leakage",
                "physical",
                (
                    "摸到金属外壳有明显的麻电感，用电笔一测外壳带电",
                    "手碰到取暖器外壳被电了一下，整个手臂都麻了",
                ),
                ("the metal casing is live, I got an electric shock touching it",),
                ("接触取暖器金属外壳时触电致{body}麻木",),
                ("{inj} from the heater's metal casing",),
                (_inj("electric shock", "手", "hand"),),
                ("外壳漏电，摸着麻手",),
                ("no_ccc_mark", "complaints"),
                (30, 45, 20, 5),
            ),
        ),
    ),
    _Product(
        "kettle",
        "household_appliances",
        ("电水壶", "电热水壶", "烧水壶"),
        ("electric kettle", "kettle"),
        "8516719000",
        "台",
        (39, 199),
        "any",
        ("304不锈钢 大容量", "恒温保温 1.7L", "自动断电"),
        ("1.7L stainless steel", "auto shut-off"),
        (
            _Hazard(
                "lid-scald",
                "physical",
                (
                    "水烧开后壶盖自己弹开，开水溅出来烫到了手",
                    "倒水的时候壶身和手柄连接处断开，一壶开水全洒在脚上",
                    "壶盖卡扣松动，倒水时整个盖子掉下来，开水溅到身上",
                ),
                (
                    "the lid flipped open when the water boiled and splashed boiling water",
                    "the handle came off while pouring and the boiling water spilled",
                ),
                ("电水壶开水溅出致{body}烫伤",),
                ("{inj} from boiling water when the kettle lid opened",),
                (_inj("scald", "手", "hand"), _inj("scald", "脚背", "foot")),
                ("壶盖一碰就弹开，被烫过一次", "手柄松动，倒水很危险"),
            ),
            _Hazard(
                "plastic-odour",
                "chemical",
                (
                    "烧出来的水有很重的塑料味，喝了以后嗓子不舒服",
                    "内胆的塑料件有刺鼻异味，烧了好几次都去不掉，怀疑不是食品级材料",
                ),
                ("the boiled water smells strongly of plastic",),
                ("饮用电水壶所烧的水后出现恶心、咽部不适",),
                ("nausea after drinking water boiled in a new kettle ({inj})",),
                (_inj("poisoning", "消化道", "digestive tract"),),
                ("烧的水一股塑料味", "异味很大，不敢用"),
                ("complaints",),
                (70, 25, 5, 0),
            ),
        ),
    ),
    _Product(
        "electric-blanket",
        "household_appliances",
        ("电热毯", "双人电热毯", "电褥子"),
        ("electric blanket", "heated blanket"),
        "6301100000",
        "条",
        (59, 259),
        "elderly",
        ("双人双控 除螨", "智能定时 加厚", "安全自动断电"),
        ("dual control", "auto off timer"),
        (
            _Hazard(
                "hotspot-burn",
                "physical",
                (
                    "开着睡了一晚，局部温度特别高，腿上烫出了水泡",
                    "温控器失灵，调到最低档还是越来越烫，床单都烤黄了",
                ),
                ("the thermostat failed and one spot got hot enough to blister the skin",),
                ("睡眠中电热毯局部过热致{body}低温烫伤",),
                ("{inj} from an overheating electric blanket during sleep",),
                (_inj("burn", "小腿", "lower leg"), _inj("burn", "背部", "back")),
                ("调最低档也烫得睡不着", "温控不准，局部很烫"),
            ),
            _Hazard(
                "wire-short",
                "physical",
                (
                    "电热毯里面的电热丝断了，接头处打火冒烟，被子烧了个洞",
                    "插上电没多久控制器就冒烟，毯子里有噼啪的短路声",
                ),
                ("the heating wire broke and sparked, it burned a hole in the quilt",),
                ("电热毯短路起火致{body}烧伤",),
                ("{inj} when the electric blanket short-circuited",),
                (_inj("burn", "手", "hand"),),
                ("控制器冒烟", "有短路的声音"),
                ("no_ccc_mark", "complaints"),
            ),
        ),
    ),
    _Product(
        "air-fryer",
        "household_appliances",
        ("空气炸锅", "可视空气炸锅", "大容量空气炸锅"),
        ("air fryer",),
        "8516609000",
        "台",
        (129, 499),
        "adult",
        ("家用大容量 5L", "可视窗口 无油", "智能触控"),
        ("5L large capacity", "oil-free"),
        (
            _Hazard(
                "coating-peel",
                "chemical",
                (
                    "炸篮的不粘涂层一片片往下掉，掉进食物里，孩子已经吃进去了",
                    "用了一个月内胆涂层起皮脱落，加热时还有刺鼻的气味",
                ),
                ("the non-stick coating flakes off into the food and smells when heated",),
                ("食用空气炸锅烹制食物后出现恶心呕吐",),
                ("{inj} after eating food with coating flakes",),
                (_inj("poisoning", "消化道", "digestive tract"),),
                ("涂层掉得厉害", "一加热就有怪味"),
                ("complaints",),
                (70, 25, 5, 0),
            ),
            _Hazard(
                "overheat-smoke",
                "physical",
                (
                    "加热时机身底部冒黑烟，家里跳闸了，拔掉插头后外壳都变形了",
                    "工作时突然砰的一声，后面的散热口喷出火花",
                ),
                ("black smoke came out of the base and the casing melted",),
                ("空气炸锅起火致{body}烧伤",),
                ("{inj} when the air fryer caught fire",),
                (_inj("burn", "手", "hand"),),
                ("用着用着冒黑烟", "散热口冒火花"),
            ),
        ),
    ),
    _Product(
        "humidifier",
        "household_appliances",
        ("加湿器", "超声波加湿器", "香薰加湿器"),
        ("humidifier", "ultrasonic humidifier"),
        "8509800000",
        "台",
        (49, 299),
        "infant",
        ("卧室静音 大雾量", "上加水 4L", "母婴可用"),
        ("quiet bedroom", "4L top fill"),
        (
            _Hazard(
                "tank-mould",
                "biological",
                (
                    "水箱内部结构没法清洗，用了半个月里面发霉长黑斑，孩子用后一直咳嗽发烧",
                    "喷出来的雾有霉味，全家人喉咙痛咳嗽，水箱里有一层滑腻的细菌膜",
                ),
                ("the tank grows mould that cannot be cleaned and my baby got a fever",),
                ("使用加湿器后出现发热、咳嗽，考虑与水箱细菌污染有关",),
                ("{inj} linked to a contaminated humidifier tank",),
                (_inj("infection", "呼吸道", "airway", "呼吸道感染", "a chest infection"),),
                ("水箱洗不到，发霉了", "用了以后孩子咳嗽"),
                ("complaints",),
                (15, 40, 30, 15),
            ),
            _Hazard(
                "base-leak-shock",
                "physical",
                (
                    "底座漏水渗到电源部分，手碰到开关被电了一下",
                    "水从底座漏出来，插头位置有打火的声音",
                ),
                ("water leaked into the base and I got a shock from the switch",),
                ("加湿器漏水漏电致触电",),
                ("{inj} from a leaking humidifier",),
                (_inj("electric shock", "手", "hand"),),
                ("底座漏水", "漏电，被电过"),
            ),
        ),
    ),
    _Product(
        "power-bank",
        "electrical_products",
        ("充电宝", "移动电源", "磁吸充电宝"),
        ("power bank", "portable charger"),
        "8507600090",
        "个",
        (59, 199),
        "adult",
        ("20000毫安 快充", "超薄便携 自带线", "磁吸无线"),
        ("20000mAh fast charge", "slim magnetic"),
        (
            _Hazard(
                "swell-fire",
                "physical",
                (
                    "放在包里给手机充电，突然鼓包冒烟，把包烧了个大洞",
                    "充电时发烫到拿不住，随后冒烟起火",
                    "没用多久外壳就鼓起来了，充电时噼啪响，吓得赶紧扔出去",
                ),
                (
                    "it swelled up and started smoking while charging my phone in my bag",
                    "it got too hot to hold and then caught fire",
                ),
                ("充电宝起火致{body}烧伤",),
                ("{inj} when a power bank caught fire",),
                (_inj("burn", "手", "hand"), _inj("burn", "大腿", "thigh")),
                ("用了一个月就鼓包", "充电烫得吓人"),
                ("no_ccc_mark", "complaints"),
            ),
        ),
        industry="电子科技",
        industry_en="Electronics",
    ),
    _Product(
        "charger",
        "electrical_products",
        ("手机充电器", "快充充电器", "充电头"),
        ("phone charger", "fast charger", "USB charger"),
        "8504403090",
        "个",
        (19, 129),
        "adult",
        ("65W氮化镓 快充", "双口 PD快充", "苹果安卓通用"),
        ("65W GaN", "dual port PD"),
        (
            _Hazard(
                "shock",
                "physical",
                (
                    "充电器外壳有缝隙，拔插头时手指碰到金属片被电了",
                    "插着充电器给手机充电时，摸手机被电得发麻",
                ),
                ("got an electric shock touching my phone while it was charging",),
                ("拔插充电器时触电",),
                ("{inj} while unplugging a phone charger",),
                (_inj("electric shock", "手指", "finger"),),
                ("充电时手机麻手", "漏电"),
                ("no_ccc_mark", "counterfeit"),
            ),
            _Hazard(
                "melt",
                "physical",
                (
                    "充电头插了一夜，早上发现插头都烧化了，插座也熏黑了",
                    "充电时充电头烫得厉害，外壳变形还有焦味",
                ),
                ("the charger melted overnight and blackened the socket",),
                ("充电器过热起火致{body}烧伤",),
                ("{inj} from an overheating charger",),
                (_inj("burn", "手指", "finger"),),
                ("充电头烧化了", "烫得不敢摸"),
            ),
        ),
        industry="电子科技",
        industry_en="Electronics",
    ),
    _Product(
        "power-strip",
        "electrical_products",
        ("插线板", "排插", "USB插线板", "接线板"),
        ("power strip", "extension socket"),
        "8536690000",
        "个",
        (29, 99),
        "any",
        ("3米 带USB", "独立开关 防过载", "新国标"),
        ("3m with USB", "surge protection"),
        (
            _Hazard(
                "spark-fire",
                "physical",
                (
                    "插头一插进去就噼里啪啦打火，插孔里面都烧黑了",
                    "插线板带着电暖器没多久就冒烟起火，外壳都烧化了",
                    "开关按下去后整个插线板发烫，有焦糊味，拆开看铜片很薄",
                ),
                (
                    "it sparks every time something is plugged in, the sockets are scorched",
                    "it caught fire after running a heater for a short time",
                ),
                ("插线板打火起火致{body}烧伤",),
                ("{inj} when a power strip caught fire",),
                (_inj("burn", "手", "hand"),),
                ("插头一插就打火", "铜片太薄，发烫"),
                ("no_ccc_mark", "counterfeit"),
            ),
        ),
        industry="电器",
        industry_en="Electrical",
    ),
    _Product(
        "earbuds",
        "electronics",
        ("蓝牙耳机", "无线耳机", "降噪耳机"),
        ("wireless earbuds", "bluetooth earphones"),
        "8518300000",
        "副",
        (59, 699),
        "adult",
        ("主动降噪 超长续航", "入耳式 运动", "半入耳 通话降噪"),
        ("ANC long battery", "sports in-ear"),
        (
            _Hazard(
                "battery-burn",
                "physical",
                (
                    "戴着耳机听歌时右耳的耳机突然发烫，把耳朵烫伤了",
                    "耳机在耳朵里越来越烫，摘下来发现外壳已经鼓起",
                ),
                ("the right earbud got very hot in my ear and burned it",),
                ("佩戴蓝牙耳机时耳机过热致{body}烫伤",),
                ("{inj} from an overheating earbud",),
                (_inj("burn", "外耳", "outer ear"),),
                ("戴着发烫", "电池鼓包"),
            ),
            _Hazard(
                "eartip-allergy",
                "chemical",
                (
                    "戴了几天耳朵里又红又痒，起了一片皮疹，换了别的耳机就好了",
                    "耳塞套有一股刺鼻的味道，戴久了耳道红肿过敏",
                ),
                ("the ear tips gave me an itchy allergic rash inside the ear",),
                ("佩戴耳机后外耳道接触性皮炎",),
                ("{inj} in the ear canal after using new earbuds",),
                (_inj("rash", "外耳道", "ear canal"),),
                ("戴了耳朵过敏", "耳套有怪味"),
                ("complaints",),
                (20, 60, 20, 0),
            ),
        ),
        industry="智能科技",
        industry_en="Audio",
    ),
    _Product(
        "kids-watch",
        "electronics",
        ("儿童电话手表", "儿童智能手表", "小学生手表"),
        ("kids smartwatch", "children's smart watch"),
        "8517629900",
        "只",
        (199, 699),
        "child",
        ("4G全网通 视频通话", "GPS定位 防水", "学生专用"),
        ("4G video call", "GPS waterproof"),
        (
            _Hazard(
                "watch-overheat",
                "physical",
                (
                    "孩子戴着手表上课，手表突然发烫，手腕被烫出一个水泡",
                    "手表充电时电池鼓包，后盖都被顶开了，还有焦味",
                ),
                ("my son's watch got so hot that it blistered his wrist",),
                ("儿童智能手表过热致{body}烫伤",),
                ("{inj} from an overheating kids smartwatch",),
                (_inj("burn", "手腕", "wrist"),),
                ("孩子说手表烫手", "充电鼓包"),
            ),
            _Hazard(
                "strap-rash",
                "chemical",
                (
                    "表带有一股刺鼻的味道，孩子戴了两天手腕一圈都是红疹",
                    "孩子戴了一周手腕皮肤过敏，又红又痒，怀疑表带材料有问题",
                ),
                ("the strap smells of chemicals and gave my daughter a rash",),
                ("佩戴手表后腕部接触性皮炎",),
                ("{inj} on the wrist from a watch strap",),
                (_inj("rash", "手腕", "wrist"),),
                ("表带有味道，孩子过敏",),
                ("complaints",),
                (20, 60, 20, 0),
            ),
        ),
        industry="智能科技",
        industry_en="Smart Devices",
    ),
    _Product(
        "kids-scooter",
        "childrens_products",
        ("儿童滑板车", "宝宝滑板车", "三轮闪光滑板车"),
        ("kids scooter", "kick scooter for children"),
        "9503001000",
        "台",
        (99, 399),
        "child",
        ("3-12岁 可折叠", "闪光轮 可升降", "宽踏板 静音轮"),
        ("foldable 3-12 years", "light-up wheels"),
        (
            _Hazard(
                "brake-failure",
                "physical",
                (
                    "下坡的时候后轮刹车踩下去完全没反应，孩子直接冲出去摔倒了",
                    "刹车片没用几次就磨没了，刹不住车，孩子摔破了下巴",
                ),
                ("the rear brake did nothing on a slope and my kid crashed",),
                ("骑滑板车时刹车失灵摔倒致{body}受伤",),
                ("{inj} after the scooter's brake failed",),
                (
                    _inj("fracture", "手腕", "wrist"),
                    _inj("laceration", "下巴", "chin"),
                    _inj("laceration", "膝盖", "knee"),
                ),
                ("刹车是摆设", "刹不住车"),
            ),
            _Hazard(
                "stem-break",
                "physical",
                (
                    "骑的时候车把立管突然断裂，孩子整个人扑倒在地，门牙磕断了",
                    "折叠扣自己弹开，车把一下子折下去，孩子摔倒了",
                ),
                ("the handlebar stem snapped while riding and my child fell",),
                ("滑板车车把断裂致摔伤，{body}受伤",),
                ("{inj} when the scooter handlebar broke",),
                (_inj("fracture", "门牙", "front teeth"), _inj("laceration", "额头", "forehead")),
                ("车把晃，折叠扣不牢", "立管断了"),
            ),
            _Hazard(
                "grip-phthalate",
                "chemical",
                (
                    "车把握套有很重的塑胶味，孩子玩完手上起红疹，送检说邻苯超标",
                    "握把和踏板胶垫气味刺鼻，孩子玩了以后手心发痒起疹子",
                ),
                ("the handle grips smell strongly of chemicals and gave my kid a rash",),
                ("接触滑板车握把后手部皮疹",),
                ("{inj} on the hands after using a scooter",),
                (_inj("rash", "手", "hand"),),
                ("握把味道很大",),
                ("complaints",),
                (40, 50, 10, 0),
            ),
        ),
        places=("小区内", "公园"),
        industry="童车",
        industry_en="Kids Products",
    ),
    _Product(
        "e-bike",
        "vehicles_parts",
        ("电动自行车", "电动车", "新国标电动车", "锂电电动车"),
        ("e-bike", "electric bicycle"),
        "8711600010",
        "辆",
        (1599, 3999),
        "adult",
        ("新国标 可上牌", "48V锂电 长续航", "轻便折叠"),
        ("48V lithium long range", "foldable"),
        (
            _Hazard(
                "battery-fire",
                "physical",
                (
                    "电池在楼道里充电时突然起火，火势很大，整辆车都烧没了",
                    "充电两个小时后电池箱冒白烟，随后爆燃",
                    "骑行中电池仓冒烟，下车后没几分钟就烧起来了",
                ),
                (
                    "the battery caught fire while charging in the hallway",
                    "white smoke came out of the battery box and then it burst into flames",
                ),
                ("电动自行车电池起火致{body}烧伤",),
                ("{inj} when an e-bike battery caught fire",),
                (_inj("burn", "手臂", "arm"), _inj("burn", "面部", "face")),
                ("电池充电很烫", "充电冒烟"),
                ("complaints", "no_ccc_mark"),
                (40, 20, 25, 15),
            ),
            _Hazard(
                "brake-failure",
                "physical",
                (
                    "下坡时前后刹车都失灵，撞上了路边护栏",
                    "刹车线卡扣断了，刹车捏到底也停不下来",
                ),
                ("both brakes failed going downhill and I hit the railing",),
                ("骑电动车时刹车失灵摔倒致{body}受伤",),
                ("{inj} after the e-bike's brakes failed",),
                (_inj("fracture", "锁骨", "collarbone"), _inj("laceration", "膝盖", "knee")),
                ("刹车不灵", "刹车线断过"),
            ),
            _Hazard(
                "frame-crack",
                "physical",
                (
                    "车架焊接处开裂，骑行中车头突然松动摔倒",
                    "才骑了三个月，车架前叉断裂，人从车上摔了下来",
                ),
                ("the frame cracked at the weld and the front end came loose",),
                ("电动车车架断裂致摔伤，{body}受伤",),
                ("{inj} when the e-bike frame broke",),
                (_inj("fracture", "手腕", "wrist"), _inj("contusion", "肩部", "shoulder")),
                ("车架焊点开裂",),
            ),
        ),
        places=("道路上", "小区内"),
        industry="车业",
        industry_en="Mobility",
    ),
    _Product(
        "stroller",
        "childrens_products",
        ("婴儿推车", "宝宝推车", "轻便折叠推车", "伞车"),
        ("baby stroller", "pushchair"),
        "8715000010",
        "台",
        (199, 1299),
        "infant",
        ("可坐可躺 一键收车", "高景观 双向", "轻便登机"),
        ("one-hand fold", "lightweight travel"),
        (
            _Hazard(
                "fold-collapse",
                "physical",
                (
                    "推着走的时候车架突然自己折叠，宝宝被夹在中间",
                    "锁扣没有二次保险，车子在路上塌了下来，夹到了宝宝的手指",
                ),
                ("the frame folded by itself while we were walking and trapped my baby",),
                ("婴儿推车意外折叠致{body}夹伤",),
                ("{inj} when a stroller folded unexpectedly",),
                (_inj("crush", "手指", "finger"), _inj("contusion", "头部", "head")),
                ("锁扣不牢，会自己收车", "推着推着塌了"),
            ),
            _Hazard(
                "brake-roll",
                "physical",
                (
                    "停在斜坡上踩了刹车，车子还是溜了出去翻倒，孩子磕破了头",
                    "刹车踩下去只能锁住一边，推车在坡道上滑走了",
                ),
                ("the parking brake did not hold on a slope and the stroller tipped over",),
                ("推车刹车失效溜车翻倒致{body}摔伤",),
                ("{inj} when a stroller rolled away and tipped over",),
                (_inj("contusion", "头部", "head"), _inj("laceration", "额头", "forehead")),
                ("刹车锁不住", "坡上会溜车"),
            ),
        ),
        places=("小区内", "商场"),
        industry="童车",
        industry_en="Baby Products",
    ),
    _Product(
        "blocks",
        "childrens_products",
        ("拼装积木", "大颗粒积木", "儿童积木"),
        ("building blocks", "construction bricks"),
        "9503003900",
        "盒",
        (39, 299),
        "child",
        ("益智拼插 3岁+", "城市系列 500片", "早教大颗粒"),
        ("500 pieces", "educational 3+"),
        (
            _Hazard(
                "small-parts",
                "physical",
                (
                    "小零件很容易脱落，两岁的孩子差点把一个小块吞下去，卡在了喉咙里",
                    "包装上写适合3岁以上，但很多零件比指甲还小，孩子吞食后去医院取出",
                ),
                ("tiny pieces come off easily and my toddler nearly choked on one",),
                ("误吞积木小零件，{body}异物",),
                ("{inj} from building blocks",),
                (
                    _inj("foreign body", "消化道", "stomach", "误吞了小零件", "a swallowed part"),
                    _inj("choking", "气道", "airway", "被小零件卡喉", "a choking episode"),
                ),
                ("零件太小，不适合小孩", "小块容易掉"),
                ("complaints", "missing_label"),
                (35, 20, 35, 10),
            ),
            _Hazard(
                "odour-chemical",
                "chemical",
                (
                    "打开包装一股刺鼻的塑料味，孩子玩了以后手上起了红疹",
                    "积木有很重的异味，放了一周都没散，担心增塑剂超标",
                ),
                ("strong chemical smell and my child's hands came out in a rash",),
                ("接触玩具后手部皮疹",),
                ("{inj} on the hands after playing with toy blocks",),
                (_inj("rash", "手", "hand"),),
                ("味道很大", "孩子玩了手痒"),
                ("complaints",),
                (50, 45, 5, 0),
            ),
        ),
        industry="玩具",
        industry_en="Toys",
    ),
    _Product(
        "magnet-toy",
        "childrens_products",
        ("磁力珠", "巴克球", "磁力棒玩具"),
        ("magnetic balls", "magnet toy"),
        "9503008900",
        "盒",
        (19, 89),
        "child",
        ("216颗 解压", "彩色益智", "磁力拼搭"),
        ("216 pcs", "stress relief"),
        (
            _Hazard(
                "magnet-ingestion",
                "physical",
                (
                    "孩子误吞了几颗磁力珠，在肠子里吸在一起，做了手术才取出来",
                    "磁力珠太小了，孩子当糖放进嘴里吞了下去，送医院拍片发现好几颗",
                ),
                ("my son swallowed several magnets that stuck together in his intestine",),
                ("误吞多枚磁力珠致肠穿孔",),
                ("{inj}: several magnets in the bowel",),
                (_inj("foreign body", "消化道", "bowel", "误吞磁力珠", "swallowed magnets"),),
                ("孩子差点吞了", "没有警示标识"),
                ("complaints", "missing_label"),
                (10, 10, 30, 50),
            ),
        ),
        industry="玩具",
        industry_en="Toys",
    ),
    _Product(
        "walker",
        "childrens_products",
        ("婴儿学步车", "宝宝学步车", "防侧翻学步车"),
        ("baby walker",),
        "9503001000",
        "台",
        (79, 299),
        "infant",
        ("多功能防O型腿", "可折叠 带音乐", "防侧翻"),
        ("foldable with music",),
        (
            _Hazard(
                "tipover-fall",
                "physical",
                (
                    "宝宝坐在学步车里在门槛边翻倒了，额头磕出一个大包",
                    "学步车轮子卡住以后整个翻了过去，孩子头先着地",
                ),
                ("the walker tipped over at the doorstep and my baby hit her head",),
                ("学步车翻倒致{body}摔伤",),
                ("{inj} when a baby walker tipped over",),
                (_inj("contusion", "头部", "head"), _inj("fracture", "锁骨", "collarbone")),
                ("容易翻", "轮子卡住会倒"),
            ),
        ),
        industry="童车",
        industry_en="Baby Products",
    ),
    _Product(
        "thermos",
        "food_contact",
        ("保温杯", "儿童保温杯", "不锈钢保温杯"),
        ("vacuum flask", "thermos", "insulated bottle"),
        "7323930000",
        "个",
        (39, 199),
        "any",
        ("316不锈钢 大容量", "带吸管 儿童", "长效保温"),
        ("316 stainless steel", "kids straw lid"),
        (
            _Hazard(
                "heavy-metal",
                "chemical",
                (
                    "杯子内胆标着304不锈钢，送检发现锰含量超标，重金属迁移量不合格",
                    "装热水放一晚上就有铁锈味，内胆有锈斑，担心有重金属",
                ),
                ("the inner wall is not the steel on the label and the water tastes metallic",),
                ("饮用保温杯存放的饮品后出现恶心呕吐",),
                ("{inj} after drinking from a rusting flask",),
                (_inj("poisoning", "消化道", "digestive tract"),),
                ("内胆生锈", "有金属味"),
                ("complaints", "counterfeit"),
                (70, 25, 5, 0),
            ),
            _Hazard(
                "lid-burst",
                "physical",
                (
                    "装了热水拧紧盖子，一打开盖子直接弹了出来，热水喷到孩子脸上",
                    "按下弹盖按钮时盖子猛地弹开，开水溅出来烫到了手",
                ),
                ("the lid shot off when opened and hot water sprayed out",),
                ("保温杯盖弹出热水溅出致{body}烫伤",),
                ("{inj} when a flask lid burst open",),
                (_inj("scald", "面部", "face"), _inj("scald", "手", "hand")),
                ("盖子会弹开", "装热水很危险"),
            ),
        ),
        industry="日用品",
        industry_en="Housewares",
    ),
    _Product(
        "baby-bottle",
        "food_contact",
        ("玻璃奶瓶", "PPSU奶瓶", "宽口径奶瓶"),
        ("baby bottle", "feeding bottle"),
        "3924100000",
        "个",
        (49, 189),
        "infant",
        ("新生儿 防胀气", "宽口径 240ml", "耐摔"),
        ("anti-colic 240ml",),
        (
            _Hazard(
                "odour-migration",
                "chemical",
                (
                    "奶瓶用开水消毒后有很重的塑料味，宝宝喝奶后吐了",
                    "奶瓶有刺鼻的异味，标称PPSU却一烫就发白变形",
                ),
                ("after sterilising, the bottle smells strongly of plastic",),
                ("使用新奶瓶喂奶后婴儿呕吐",),
                ("{inj} in an infant fed from a new bottle",),
                (_inj("poisoning", "消化道", "digestive tract"),),
                ("消毒后有怪味",),
                ("complaints", "counterfeit"),
                (55, 35, 10, 0),
            ),
            _Hazard(
                "glass-shatter",
                "physical",
                (
                    "倒入温水时玻璃奶瓶突然炸裂，碎玻璃划伤了手",
                    "奶瓶放进温奶器里自己裂开了，玻璃碎片掉了一地",
                ),
                ("the glass bottle shattered when I poured in warm water",),
                ("奶瓶炸裂致{body}割伤",),
                ("{inj} when a glass baby bottle shattered",),
                (_inj("laceration", "手", "hand"),),
                ("玻璃奶瓶炸了",),
            ),
        ),
        industry="母婴用品",
        industry_en="Baby Care",
    ),
    _Product(
        "nonstick-pan",
        "food_contact",
        ("不粘锅", "麦饭石不粘锅", "平底锅"),
        ("non-stick pan", "frying pan"),
        "7615109000",
        "口",
        (69, 299),
        "adult",
        ("少油烟 电磁炉通用", "28cm 家用", "麦饭石涂层"),
        ("28cm induction", "stone coating"),
        (
            _Hazard(
                "coating-flake",
                "chemical",
                (
                    "锅底涂层一块块掉进菜里，商家说无毒但拿不出检测报告",
                    "用了两个月涂层全掉光了，炒菜有股怪味",
                ),
                ("the coating flakes off into the food",),
                ("食用不粘锅烹制的菜后恶心不适",),
                ("{inj} after eating food with pan coating",),
                (_inj("poisoning", "消化道", "digestive tract"),),
                ("涂层掉得厉害",),
                ("complaints",),
                (75, 20, 5, 0),
            ),
            _Hazard(
                "handle-break",
                "physical",
                (
                    "端锅时锅柄突然断裂，一锅热油全泼在脚上",
                    "锅柄的螺丝松脱，翻炒的时候锅掉了下来，热油溅到手上",
                ),
                ("the handle snapped and hot oil spilled on my foot",),
                ("锅柄断裂热油溅出致{body}烫伤",),
                ("{inj} from hot oil when a pan handle broke",),
                (_inj("scald", "脚背", "foot"), _inj("scald", "手", "hand")),
                ("锅柄松动", "手柄断了"),
            ),
        ),
        industry="厨具",
        industry_en="Cookware",
    ),
    _Product(
        "dresser",
        "furniture",
        ("抽屉柜", "五斗柜", "儿童收纳柜"),
        ("chest of drawers", "dresser"),
        "9403609990",
        "件",
        (299, 1299),
        "child",
        ("实木 卧室", "五层 大容量", "北欧简约"),
        ("5 drawer", "solid wood"),
        (
            _Hazard(
                "tipover",
                "physical",
                (
                    "孩子拉开抽屉往上爬，整个柜子倒下来压在孩子身上",
                    "柜子没有配防倾倒固定件，抽屉全拉开后柜子往前翻倒",
                ),
                ("the dresser tipped over onto my son when he opened the drawers",),
                ("抽屉柜倾倒压伤{body}",),
                ("{inj} when a chest of drawers tipped over",),
                (
                    _inj("crush", "胸部", "chest"),
                    _inj("fracture", "小腿", "lower leg"),
                    _inj("contusion", "头部", "head"),
                ),
                ("没有防倒装置", "抽屉拉开就往前倒"),
                ("complaints", "missing_label"),
                (30, 25, 30, 15),
            ),
            _Hazard(
                "formaldehyde",
                "chemical",
                (
                    "柜子买回来放了一个月还有刺鼻的甲醛味，孩子房间检测甲醛超标三倍",
                    "柜门一打开就熏眼睛，自己检测甲醛严重超标",
                ),
                ("strong formaldehyde smell a month after assembly",),
                ("家具甲醛释放致眼部及呼吸道刺激",),
                ("{inj} from formaldehyde released by new furniture",),
                (
                    _inj(
                        "poisoning", "呼吸道", "airway", "咳嗽眼睛刺痛", "eye and airway irritation"
                    ),
                ),
                ("甲醛味大", "熏眼睛"),
                ("complaints",),
                (55, 40, 5, 0),
            ),
        ),
        industry="家具",
        industry_en="Furniture",
    ),
    _Product(
        "office-chair",
        "furniture",
        ("办公椅", "电脑椅", "人体工学椅", "电竞椅"),
        ("office chair", "gaming chair"),
        "9401309000",
        "把",
        (199, 1599),
        "adult",
        ("可躺 升降", "护腰 久坐不累", "网布透气"),
        ("ergonomic recline", "mesh lumbar"),
        (
            _Hazard(
                "gas-lift-burst",
                "physical",
                (
                    "坐下的时候椅子下面的气压杆突然爆开，人直接摔在地上",
                    "椅子底盘五星脚断裂，整个人往后翻倒，后脑勺着地",
                ),
                ("the gas cylinder burst when I sat down and I fell",),
                ("办公椅气压杆爆裂致摔伤，{body}受伤",),
                ("{inj} when an office chair's gas lift burst",),
                (_inj("fracture", "尾骨", "coccyx"), _inj("contusion", "头部", "head")),
                ("气压棒爆了", "椅脚断裂"),
            ),
        ),
        places=("办公室", "家中"),
        industry="家具",
        industry_en="Furniture",
    ),
    _Product(
        "mattress",
        "furniture",
        ("乳胶床垫", "弹簧床垫", "椰棕床垫"),
        ("mattress", "latex mattress"),
        "9404210000",
        "张",
        (599, 3999),
        "any",
        ("天然乳胶 护脊", "独立袋装弹簧", "1.8米双人"),
        ("natural latex", "pocket spring"),
        (
            _Hazard(
                "formaldehyde",
                "chemical",
                (
                    "新床垫拆封后味道刺鼻，睡了几天全家人喉咙痛、眼睛红，自测甲醛超标",
                    "床垫有很重的化学气味，孩子睡了以后身上起红疹",
                ),
                ("the new mattress gives off a strong chemical smell; our eyes hurt",),
                ("使用新床垫后咽痛、眼部刺激",),
                ("{inj} after sleeping on a new mattress",),
                (_inj("rash", "背部", "back"),),
                ("味道很大", "睡了过敏"),
                ("complaints",),
                (55, 40, 5, 0),
            ),
            _Hazard(
                "spring-poke",
                "physical",
                (
                    "床垫里的弹簧刺穿了面料，孩子的背被划伤了",
                    "睡了半年弹簧断了顶出来，晚上翻身被划破了腿",
                ),
                ("a broken spring came through the fabric and cut my child's back",),
                ("床垫弹簧外露致{body}划伤",),
                ("{inj} from a mattress spring",),
                (_inj("laceration", "背部", "back"), _inj("laceration", "大腿", "thigh")),
                ("弹簧顶出来了",),
            ),
        ),
        industry="家居",
        industry_en="Bedding",
    ),
    _Product(
        "face-cream",
        "cosmetics",
        ("保湿面霜", "修护面霜", "美白面霜"),
        ("moisturising cream", "face cream"),
        "3304990099",
        "瓶",
        (59, 499),
        "adult",
        ("补水保湿 50g", "敏感肌修护", "提亮焕白"),
        ("50g hydrating", "sensitive skin"),
        (
            _Hazard(
                "allergy",
                "chemical",
                (
                    "用了三天脸上红肿起皮疹，又痒又烫，去医院诊断是接触性皮炎",
                    "涂完脸颊刺痛，第二天整张脸过敏起红疹，怀疑添加了激素",
                ),
                ("my face swelled up with a rash after three days of use",),
                ("使用面霜后面部过敏性皮炎",),
                ("{inj} on the face after using a face cream",),
                (_inj("rash", "面部", "face"),),
                ("用了过敏烂脸", "刺痛发红"),
                ("complaints", "banned_ingredient"),
                (10, 55, 30, 5),
            ),
            _Hazard(
                "mercury",
                "chemical",
                (
                    "美白效果快得不正常，送检结果显示汞含量严重超标，用了两个月后头晕乏力",
                    "网上说这款美白霜有汞，拿去检测果然重金属超标",
                ),
                ("the whitening cream tested positive for mercury",),
                ("长期使用美白面霜后出现汞中毒症状",),
                ("{inj} after months of using a whitening cream",),
                (_inj("poisoning", "全身", "body", "出现头晕乏力等中毒症状", "mercury poisoning"),),
                ("白得太快了，怕有汞",),
                ("complaints", "banned_ingredient"),
                (40, 30, 20, 10),
            ),
        ),
        industry="生物科技",
        industry_en="Cosmetics",
    ),
    _Product(
        "sunscreen",
        "cosmetics",
        ("防晒霜", "儿童防晒乳", "防晒喷雾"),
        ("sunscreen", "sun cream"),
        "3304990099",
        "瓶",
        (49, 259),
        "child",
        ("SPF50+ 清爽", "儿童温和", "户外防水"),
        ("SPF50+ water resistant",),
        (
            _Hazard(
                "allergy",
                "chemical",
                (
                    "孩子涂了防晒乳后脸上起了一片红疹，还伴有刺痛",
                    "用完皮肤发红过敏，停用后才慢慢好",
                ),
                ("my daughter came out in a rash after applying it",),
                ("使用防晒乳后面部过敏",),
                ("{inj} after applying sunscreen",),
                (_inj("rash", "面部", "face"),),
                ("涂了过敏", "孩子用了脸红"),
                ("complaints",),
                (15, 65, 20, 0),
            ),
            _Hazard(
                "spray-flammable",
                "physical",
                (
                    "防晒喷雾在靠近烧烤炉的地方用，喷出的雾一下子着了火",
                    "喷完防晒喷雾去点蚊香，手臂上的喷雾一下烧起来了",
                ),
                ("the spray caught fire near the barbecue",),
                ("使用防晒喷雾时遇明火燃烧致{body}烧伤",),
                ("{inj} when sunscreen spray ignited",),
                (_inj("burn", "手臂", "arm"),),
                ("易燃没有提示",),
                ("complaints", "missing_label"),
            ),
        ),
        industry="生物科技",
        industry_en="Cosmetics",
    ),
    _Product(
        "pyjamas",
        "textiles_clothing",
        ("儿童睡衣", "童装睡衣套装", "婴儿连体睡衣"),
        ("children's pyjamas", "kids pajamas"),
        "6108320000",
        "套",
        (39, 199),
        "child",
        ("纯棉 春秋款", "家居服 两件套", "A类婴幼儿"),
        ("cotton 2-piece",),
        (
            _Hazard(
                "flammable",
                "physical",
                (
                    "睡衣面料遇火一下就烧起来了，孩子靠近蜡烛时袖子着了火",
                    "衣服碰到暖炉边缘就烧化了，面料燃烧特别快",
                ),
                ("the pyjama sleeve caught fire from a candle and burned fast",),
                ("睡衣着火致{body}烧伤",),
                ("{inj} when pyjamas caught fire",),
                (_inj("burn", "手臂", "arm"),),
                ("面料一点就着",),
                ("complaints",),
                (20, 30, 30, 20),
            ),
            _Hazard(
                "dye-rash",
                "chemical",
                (
                    "睡衣掉色严重，孩子穿了一晚身上起了红疹，衣服有股刺鼻味",
                    "洗了三次还是掉色，孩子穿后全身瘙痒起疹子",
                ),
                ("the dye runs and gave my child a rash",),
                ("穿着新睡衣后全身皮疹",),
                ("{inj} after wearing new pyjamas",),
                (_inj("rash", "躯干", "trunk"),),
                ("掉色严重", "穿了痒"),
                ("complaints",),
                (20, 70, 10, 0),
            ),
        ),
        industry="服饰",
        industry_en="Apparel",
    ),
    _Product(
        "hoodie",
        "textiles_clothing",
        ("儿童卫衣", "童装连帽外套", "儿童外套"),
        ("kids hoodie", "children's hooded jacket"),
        "6110300000",
        "件",
        (59, 259),
        "child",
        ("加绒 连帽", "春秋 休闲"),
        ("fleece hooded",),
        (
            _Hazard(
                "drawstring",
                "physical",
                (
                    "帽子上的抽绳太长，孩子玩滑梯时绳子卡住勒到了脖子",
                    "童装帽绳没有按标准去掉，孩子下车时绳子被车门夹住，差点被拖倒",
                ),
                ("the hood drawstring caught on a slide and choked my son",),
                ("衣物抽绳卡住致{body}勒伤",),
                ("{inj} when a hoodie drawstring caught",),
                (_inj("strangulation", "颈部", "neck"),),
                ("帽绳太长",),
                ("complaints", "missing_label"),
                (30, 35, 25, 10),
            ),
        ),
        places=("公园", "小区内", "学校"),
        industry="服饰",
        industry_en="Apparel",
    ),
    _Product(
        "tyre",
        "vehicles_parts",
        ("汽车轮胎", "轮胎", "防爆轮胎"),
        ("car tyre", "tire"),
        "4011100000",
        "条",
        (399, 1299),
        "adult",
        ("静音耐磨 205/55R16", "缺气保用", "SUV 225/65R17"),
        ("205/55R16 quiet", "run-flat"),
        (
            _Hazard(
                "tread-separation",
                "physical",
                (
                    "高速上开了不到一万公里，胎面突然脱层爆胎，差点翻车",
                    "轮胎侧壁鼓包，换上不到两个月就爆了",
                ),
                ("the tread separated at highway speed and the tyre blew out",),
                ("驾车时轮胎爆胎失控致{body}受伤",),
                ("{inj} in a crash after a tyre blow-out",),
                (_inj("fracture", "肋骨", "ribs"), _inj("contusion", "胸部", "chest")),
                ("跑了几千公里就鼓包",),
                ("complaints",),
                (50, 15, 20, 15),
            ),
        ),
        places=("高速公路上", "道路上"),
        industry="轮胎",
        industry_en="Tyre",
    ),
    _Product(
        "car-seat",
        "childrens_products",
        ("儿童安全座椅", "汽车安全座椅", "增高垫安全座椅"),
        ("child car seat", "booster seat"),
        "9401200000",
        "台",
        (399, 1999),
        "child",
        ("ISOFIX 0-12岁", "360度旋转", "便携增高垫"),
        ("ISOFIX 0-12 years", "360 swivel"),
        (
            _Hazard(
                "buckle-release",
                "physical",
                (
                    "急刹车时安全座椅的卡扣直接弹开，孩子往前冲撞到前排座椅",
                    "五点式安全带卡扣一拉就开，孩子自己就能解开，有次刹车孩子差点飞出去",
                ),
                ("the harness buckle released during hard braking",),
                ("乘车急刹时安全座椅卡扣脱开致{body}撞伤",),
                ("{inj} when a car seat buckle released",),
                (_inj("contusion", "头部", "head"), _inj("fracture", "锁骨", "collarbone")),
                ("卡扣不牢",),
                ("complaints", "no_ccc_mark"),
            ),
        ),
        places=("车内",),
        industry="童车",
        industry_en="Child Safety",
    ),
    _Product(
        "lighter",
        "dangerous_chemicals",
        ("一次性打火机", "防风打火机", "充气打火机"),
        ("disposable lighter", "windproof lighter"),
        "9613100000",
        "个",
        (2, 59),
        "adult",
        ("50只装", "金属防风"),
        ("pack of 50",),
        (
            _Hazard(
                "explode",
                "physical",
                (
                    "打火机放在口袋里突然爆炸，大腿被炸伤",
                    "打火时火焰突然窜得很高，烧到了眉毛和头发",
                ),
                ("the lighter exploded in my pocket",),
                ("打火机爆炸致{body}烧伤",),
                ("{inj} when a lighter exploded",),
                (_inj("burn", "大腿", "thigh"), _inj("burn", "面部", "face")),
                ("火苗忽大忽小", "会爆"),
                ("complaints", "no_ccc_mark"),
            ),
        ),
        industry="日化",
        industry_en="Lighters",
    ),
    _Product(
        "wheelchair",
        "elderly_goods",
        ("折叠轮椅", "老人轮椅", "电动轮椅"),
        ("folding wheelchair", "electric wheelchair"),
        "8713100000",
        "台",
        (399, 3999),
        "elderly",
        ("轻便折叠 老年人", "铝合金 可上飞机"),
        ("lightweight folding",),
        (
            _Hazard(
                "brake-fail",
                "physical",
                (
                    "轮椅刹车锁不住，老人停在坡道上轮椅往下溜，摔倒了",
                    "手刹扳下去也刹不住，轮椅自己往前滑，老人从椅子上摔了下来",
                ),
                ("the wheel lock doesn't hold and my mother rolled down a ramp and fell",),
                ("轮椅刹车失灵溜车摔倒致{body}骨折",),
                ("{inj} when a wheelchair's brake failed",),
                (_inj("fracture", "髋部", "hip"), _inj("fracture", "手腕", "wrist")),
                ("刹车不灵", "坡道会溜"),
                ("complaints",),
                (15, 20, 30, 35),
            ),
            _Hazard(
                "frame-fold",
                "physical",
                (
                    "老人坐着的时候轮椅突然折叠塌下来，手被夹伤了",
                    "轮椅的折叠锁扣松了，坐上去车架往里收，夹到了老人的手指",
                ),
                ("the wheelchair folded while my father was sitting in it",),
                ("轮椅意外折叠夹伤{body}",),
                ("{inj} when a wheelchair folded",),
                (_inj("crush", "手指", "finger"),),
                ("锁扣不牢",),
            ),
        ),
        places=("家中", "小区坡道"),
        industry="医疗器械",
        industry_en="Medical",
    ),
    _Product(
        "correction-fluid",
        "student_goods",
        ("修正液", "涂改液", "学生修正液"),
        ("correction fluid",),
        "3824999999",
        "支",
        (3, 19),
        "child",
        ("快干 学生用", "12支装"),
        ("quick dry",),
        (
            _Hazard(
                "solvent",
                "chemical",
                (
                    "修正液有很浓的刺鼻气味，孩子用了以后头晕恶心，怀疑含有苯类溶剂",
                    "在教室里用了几次，好几个同学说闻了头疼想吐",
                ),
                ("strong solvent smell, my child felt dizzy and sick after using it",),
                ("吸入修正液挥发气体后头晕恶心",),
                ("{inj} after inhaling correction fluid fumes",),
                (_inj("poisoning", "呼吸道", "airway", "头晕恶心", "dizziness and nausea"),),
                ("味道冲", "闻了头晕"),
                ("complaints", "banned_ingredient"),
                (40, 45, 15, 0),
            ),
        ),
        places=("学校", "家中"),
        industry="文具",
        industry_en="Stationery",
    ),
    _Product(
        "robot-vacuum",
        "smart_home",
        ("扫地机器人", "扫拖一体机器人"),
        ("robot vacuum",),
        "8508110000",
        "台",
        (999, 3999),
        "adult",
        ("激光导航 自动集尘", "扫拖一体 APP控制"),
        ("lidar self-empty",),
        (
            _Hazard(
                "battery-fire",
                "physical",
                (
                    "扫地机器人在充电座上充电时突然冒烟起火，烧坏了旁边的沙发",
                    "机器回充时电池仓冒烟，有很重的焦糊味",
                ),
                ("the robot vacuum caught fire on its charging dock",),
                ("扫地机器人起火致{body}烧伤",),
                ("{inj} when a robot vacuum caught fire",),
                (_inj("burn", "手", "hand"),),
                ("充电发烫冒烟",),
                ("complaints",),
                (65, 20, 10, 5),
            ),
        ),
        industry="智能科技",
        industry_en="Robotics",
    ),
    # ---- food: reports come from disease surveillance as well as complaints
    _Product(
        "infant-formula",
        "food",
        ("婴幼儿配方奶粉", "婴儿奶粉", "一段奶粉", "羊奶粉"),
        ("infant formula", "baby formula milk powder"),
        "1901101000",
        "罐",
        (198, 468),
        "infant",
        ("1段 800g", "进口奶源 3罐装"),
        ("stage 1 800g",),
        (
            _Hazard(
                "cronobacter",
                "biological",
                (
                    "宝宝喝了这罐奶粉后一直腹泻发烧，医院检查说是细菌感染",
                    "冲泡后发现奶粉结块有异味，孩子喝完就呕吐腹泻",
                ),
                ("my baby had diarrhoea and fever after drinking this formula",),
                ("腹泻、发热、呕吐",),
                ("diarrhoea and fever in infants fed the formula",),
                review=("宝宝喝了拉肚子", "结块有异味"),
                outcomes=_FOOD_OUTCOMES,
                pathogen="阪崎肠杆菌 Cronobacter sakazakii",
            ),
            _Hazard(
                "low-protein",
                "health",
                (
                    "孩子喝了半年这款奶粉，体检发现营养不良、头大身子小，送检蛋白质含量不达标",
                    "宝宝长期喝这个奶粉，体重一直不长，医生说营养不良，怀疑奶粉是假的",
                ),
                ("my baby became malnourished on this formula; it is low in protein",),
                ("营养不良、生长迟缓",),
                ("malnutrition in infants fed only this formula",),
                review=("孩子喝了不长肉", "怀疑是假货"),
                flags=("complaints", "counterfeit"),
                outcomes=(0, 40, 30, 30),
            ),
        ),
        food=True,
        industry="乳业",
        industry_en="Dairy",
    ),
    _Product(
        "frozen-shrimp",
        "food",
        ("冷冻虾仁", "速冻虾仁", "去壳虾仁"),
        ("frozen shrimp", "peeled shrimp"),
        "0306173000",
        "袋",
        (39, 129),
        "any",
        ("大号 500g", "鲜冻青虾仁"),
        ("500g large",),
        (
            _Hazard(
                "vibrio",
                "biological",
                (
                    "吃了超市买的冷冻虾仁后全家腹泻呕吐，肚子绞痛",
                    "虾仁解冻后有股臭味，炒着吃了以后上吐下泻，还发烧",
                ),
                ("the whole family got food poisoning after eating the frozen shrimp",),
                ("腹痛、腹泻、呕吐、发热",),
                ("vomiting and diarrhoea after eating frozen shrimp",),
                review=("吃了拉肚子", "解冻后发臭"),
                outcomes=_FOOD_OUTCOMES,
                pathogen="副溶血性弧菌",
            ),
            _Hazard(
                "formaldehyde-soak",
                "chemical",
                (
                    "虾仁吃起来有股药水味，送检说含有甲醛",
                    "虾仁泡过药水，个头大得不正常，有刺鼻的味道",
                ),
                ("the shrimp tested positive for formaldehyde",),
                ("口唇麻木、恶心",),
                ("nausea after eating shrimp with a chemical taste",),
                review=("有药水味",),
                outcomes=(0, 70, 25, 5),
            ),
        ),
        food=True,
        industry="水产食品",
        industry_en="Seafood",
    ),
    _Product(
        "cheese",
        "food",
        ("儿童奶酪棒", "再制奶酪", "马苏里拉奶酪"),
        ("cheese sticks", "mozzarella cheese"),
        "0406900000",
        "盒",
        (29, 99),
        "child",
        ("高钙 原味", "拉丝 烘焙用"),
        ("high calcium",),
        (
            _Hazard(
                "listeria",
                "biological",
                (
                    "吃了奶酪棒后孩子发烧呕吐，住院查出李斯特菌感染",
                    "奶酪还没过期，吃完第二天发烧腹泻，化验说是细菌感染",
                ),
                ("my child got a listeria infection after eating these cheese sticks",),
                ("发热、呕吐、腹泻",),
                ("fever and vomiting after eating cheese",),
                review=("孩子吃了发烧",),
                outcomes=(0, 30, 35, 35),
                pathogen="单核细胞增生李斯特菌",
            ),
        ),
        food=True,
        industry="乳业",
        industry_en="Dairy",
    ),
    _Product(
        "canned-peach",
        "food",
        ("黄桃罐头", "水果罐头", "糖水黄桃罐头"),
        ("canned peaches", "canned yellow peach"),
        "2008701000",
        "罐",
        (9, 39),
        "any",
        ("425g 整箱", "玻璃瓶装"),
        ("425g case",),
        (
            _Hazard(
                "spoiled-can",
                "biological",
                (
                    "罐头胀罐，打开有酸臭味，吃了几口后肚子疼腹泻",
                    "瓶盖鼓起来了，里面的黄桃发霉，孩子吃了以后呕吐",
                ),
                ("the can was bulging and we got diarrhoea after eating it",),
                ("腹痛、腹泻",),
                ("diarrhoea after eating canned fruit",),
                review=("胀罐", "有发霉的"),
                outcomes=_FOOD_OUTCOMES,
                pathogen="未明确",
            ),
        ),
        food=True,
        industry="食品",
        industry_en="Foods",
    ),
    _Product(
        "chicken-wings",
        "food",
        ("冷冻鸡翅", "鸡翅中", "奥尔良鸡翅"),
        ("frozen chicken wings",),
        "0207142200",
        "袋",
        (29, 89),
        "any",
        ("1kg 冷冻", "腌制 空气炸锅"),
        ("1kg frozen",),
        (
            _Hazard(
                "salmonella",
                "biological",
                (
                    "烤鸡翅吃完当晚全家发烧腹泻，医生说像沙门氏菌感染",
                    "鸡翅烤熟后吃的，半夜开始发烧呕吐，家里三个人都中招了",
                ),
                ("we all had fever and diarrhoea after eating the chicken wings",),
                ("发热、腹泻、腹痛",),
                ("fever and diarrhoea after eating chicken wings",),
                review=("吃了拉肚子发烧",),
                outcomes=_FOOD_OUTCOMES,
                pathogen="沙门氏菌",
            ),
        ),
        food=True,
        industry="食品",
        industry_en="Foods",
    ),
    _Product(
        "biscuit",
        "food",
        ("夹心饼干", "全麦饼干", "曲奇饼干"),
        ("sandwich biscuits", "cookies"),
        "1905310000",
        "盒",
        (12, 69),
        "child",
        ("独立小包装", "早餐代餐"),
        ("individually wrapped",),
        (
            _Hazard(
                "mould",
                "biological",
                (
                    "饼干还在保质期内，打开发现发霉长毛，孩子已经吃了几块，晚上拉肚子",
                    "整盒饼干有霉斑，吃了以后呕吐",
                ),
                ("the biscuits were mouldy inside the pack although in date",),
                ("腹泻、呕吐",),
                ("vomiting after eating mouldy biscuits",),
                review=("里面发霉了",),
                outcomes=(0, 70, 25, 5),
                pathogen="未明确",
            ),
            _Hazard(
                "undeclared-peanut",
                "chemical",
                (
                    "配料表没有标注含花生，对花生过敏的孩子吃了两块后嘴唇肿、全身起皮疹",
                    "包装上写不含坚果，孩子吃了过敏送急诊，医生说是花生过敏",
                ),
                ("contains peanuts not declared on the label; my child had an allergic reaction",),
                ("进食后口唇肿胀、全身皮疹等过敏反应",),
                ("allergic reaction to undeclared peanut",),
                review=("过敏，没标花生",),
                flags=("complaints", "missing_label"),
                outcomes=(0, 30, 50, 20),
            ),
        ),
        food=True,
        industry="食品",
        industry_en="Foods",
    ),
)

# -------------------------------------------------------------------------------------------
# People, places, platforms

_VICTIMS: dict[str, tuple[tuple[int, int], tuple[tuple[str, str, str], ...]]] = {
    "infant": (
        (0, 2),
        (
            ("宝宝", "其孩子", "my baby"),
            ("女儿", "其女儿", "my baby daughter"),
            ("儿子", "其儿子", "my baby son"),
        ),
    ),
    "child": (
        (3, 12),
        (
            ("孩子", "其孩子", "my child"),
            ("儿子", "其儿子", "my son"),
            ("女儿", "其女儿", "my daughter"),
        ),
    ),
    "adult": (
        (19, 58),
        (
            ("我", "消费者本人", "I"),
            ("我爱人", "其爱人", "my wife"),
            ("我丈夫", "其丈夫", "my husband"),
        ),
    ),
    "elderly": (
        (66, 91),
        (
            ("我母亲", "其母亲", "my mother"),
            ("我父亲", "其父亲", "my father"),
            ("家里老人", "其家中老人", "my grandfather"),
        ),
    ),
}


@dataclass(frozen=True, slots=True)
class _City:
    province: str
    city: str
    code: str

    @property
    def municipality(self) -> bool:
        return self.province == self.city


_CITIES = tuple(
    _City(p, c, code)
    for p, c, code in (
        ("广东", "广州", "440100"),
        ("广东", "深圳", "440300"),
        ("广东", "佛山", "440600"),
        ("广东", "东莞", "441900"),
        ("浙江", "杭州", "330100"),
        ("浙江", "宁波", "330200"),
        ("浙江", "温州", "330300"),
        ("浙江", "金华", "330700"),
        ("江苏", "南京", "320100"),
        ("江苏", "苏州", "320500"),
        ("江苏", "无锡", "320200"),
        ("上海", "上海", "310000"),
        ("北京", "北京", "110000"),
        ("天津", "天津", "120000"),
        ("重庆", "重庆", "500000"),
        ("山东", "青岛", "370200"),
        ("山东", "济南", "370100"),
        ("福建", "厦门", "350200"),
        ("福建", "福州", "350100"),
        ("四川", "成都", "510100"),
        ("湖北", "武汉", "420100"),
        ("河南", "郑州", "410100"),
        ("湖南", "长沙", "430100"),
        ("辽宁", "大连", "210200"),
        ("辽宁", "沈阳", "210100"),
        ("陕西", "西安", "610100"),
        ("安徽", "合肥", "340100"),
        ("江西", "南昌", "360100"),
        ("广西", "南宁", "450100"),
        ("云南", "昆明", "530100"),
        ("黑龙江", "哈尔滨", "230100"),
        ("河北", "石家庄", "130100"),
        ("山西", "太原", "140100"),
        ("贵州", "贵阳", "520100"),
        ("吉林", "长春", "220100"),
        ("甘肃", "兰州", "620100"),
        ("海南", "海口", "460100"),
        ("内蒙古", "呼和浩特", "150100"),
    )
)
_MAKER_CITIES = tuple(c for c in _CITIES if c.code[:2] in {"44", "33", "32", "35", "37", "31"})

_PLATFORMS = ("淘宝", "天猫", "京东", "拼多多", "抖音商城", "快手小店", "唯品会", "小红书")
_CROSS_BORDER = ("天猫国际", "京东国际", "考拉海购", "抖音全球购")
_PLATFORMS_EN = {
    "淘宝": "Taobao",
    "天猫": "Tmall",
    "京东": "JD.com",
    "拼多多": "Pinduoduo",
    "抖音商城": "Douyin",
    "快手小店": "Kuaishou",
    "唯品会": "Vipshop",
    "小红书": "Xiaohongshu",
    "天猫国际": "Tmall Global",
    "京东国际": "JD Worldwide",
    "考拉海购": "Kaola",
    "抖音全球购": "Douyin Global",
}
_URLS = {
    "淘宝": "https://item.taobao.com/item.htm?id={id}",
    "天猫": "https://detail.tmall.com/item.htm?id={id}",
    "天猫国际": "https://detail.tmall.hk/hk/item.htm?id={id}",
    "京东": "https://item.jd.com/{id}.html",
    "京东国际": "https://npcitem.jd.hk/{id}.html",
    "拼多多": "https://mobile.yangkeduo.com/goods.html?goods_id={id}",
    "抖音商城": "https://haohuo.jinritemai.com/views/product/item2?id={id}",
}
_STORES = ("沃尔玛", "永辉超市", "大润发", "盒马鲜生", "物美", "华润万家", "社区便利店")
_SHOPS = ("苏宁易购门店", "国美电器", "万达广场专柜", "家乐福", "百货大楼", "母婴店", "五金店")
_ORIGINS: dict[str, tuple[tuple[str, ...], str, str]] = {
    # code: (ways feeds write it, English name, customs currency)
    "VN": (("VN", "越南", "Viet Nam", "VNM"), "Vietnam", "USD"),
    "KR": (("KR", "韩国", "KOR", "Korea"), "Korea", "USD"),
    "JP": (("JP", "日本", "Japan", "JPN"), "Japan", "JPY"),
    "DE": (("DE", "德国", "Germany"), "Germany", "EUR"),
    "US": (("US", "美国", "USA"), "USA", "USD"),
    "TH": (("TH", "泰国", "Thailand"), "Thailand", "USD"),
    "MY": (("MY", "马来西亚", "Malaysia"), "Malaysia", "USD"),
    "IT": (("IT", "意大利", "Italy"), "Italy", "EUR"),
    "AU": (("AU", "澳大利亚", "Australia"), "Australia", "USD"),
    "NZ": (("NZ", "新西兰", "New Zealand"), "New Zealand", "USD"),
    "FR": (("FR", "法国", "France"), "France", "EUR"),
    "ES": (("ES", "西班牙", "Spain"), "Spain", "EUR"),
    "NL": (("NL", "荷兰", "Netherlands"), "Netherlands", "EUR"),
    "PL": (("PL", "波兰", "Poland"), "Poland", "EUR"),
    "ID": (("ID", "印度尼西亚", "Indonesia"), "Indonesia", "USD"),
    "IN": (("IN", "印度", "India"), "India", "USD"),
}
_FOOD_ORIGINS = ("NZ", "AU", "NL", "FR", "DE", "VN", "TH", "ES", "PL", "US")
_GOODS_ORIGINS = ("VN", "KR", "JP", "DE", "US", "TH", "MY", "IT", "ID", "IN", "PL")
_PORTS = (  # UN/LOCODE, customs district code used in declaration numbers
    ("CNSHA", "2248"),
    ("CNNGB", "3104"),
    ("CNSZX", "5316"),
    ("CNTAO", "4218"),
    ("CNXMN", "3714"),
    ("CNCAN", "5141"),
    ("CNTSN", "0202"),
    ("CNDLC", "0908"),
)

# Brand names: two Chinese syllables (romanised by pinyin) for domestic brands, Latin syllables
# with their usual transliteration for foreign ones. The third item is a common typo.
_SYLLABLES = (
    ("岚", "lan", "兰"),
    ("沃", "wo", "握"),
    ("贝", "bei", "呗"),
    ("瑞", "rui", "锐"),
    ("雅", "ya", "亚"),
    ("欣", "xin", "新"),
    ("诺", "nuo", "喏"),
    ("驰", "chi", "弛"),
    ("朗", "lang", "郎"),
    ("维", "wei", "唯"),
    ("宁", "ning", "凝"),
    ("迪", "di", "笛"),
    ("凯", "kai", "恺"),
    ("舒", "shu", "叔"),
    ("智", "zhi", "志"),
    ("睿", "rui", "锐"),
    ("韵", "yun", "运"),
    ("蓓", "bei", "倍"),
    ("琪", "qi", "棋"),
    ("拓", "tuo", "托"),
    ("峰", "feng", "锋"),
    ("晴", "qing", "情"),
    ("铂", "bo", "泊"),
    ("宸", "chen", "晨"),
    ("骏", "jun", "俊"),
    ("麦", "mai", "迈"),
    ("芯", "xin", "心"),
    ("鲸", "jing", "京"),
    ("橙", "cheng", "澄"),
    ("萌", "meng", "盟"),
    ("奥", "ao", "澳"),
    ("菲", "fei", "非"),
    ("暖", "nuan", "煖"),
    ("酷", "ku", "库"),
    ("童", "tong", "同"),
    ("禾", "he", "和"),
    ("森", "sen", "深"),
    ("澜", "lan", "蓝"),
    ("逸", "yi", "亿"),
    ("航", "hang", "杭"),
)
_ENGLISH_NAMES = (
    "Cozyfox",
    "Brightbee",
    "Nestly",
    "Tinyroo",
    "Mooka",
    "Kidlark",
    "Homewise",
    "Warmly",
    "Pebblo",
    "Snugi",
    "Volta",
    "Glowen",
)
_FOREIGN_HEADS = (
    ("Kin", "金"),
    ("Vel", "维"),
    ("Au", "奥"),
    ("Lu", "露"),
    ("Bel", "贝"),
    ("Tor", "托"),
    ("Hal", "哈"),
    ("Fre", "弗"),
    ("Mar", "玛"),
    ("Sol", "索"),
    ("Ni", "妮"),
    ("Gra", "格拉"),
    ("Pe", "佩"),
    ("Ori", "奥瑞"),
    ("Dal", "达"),
    ("Ever", "艾弗"),
)
_FOREIGN_TAILS = (
    ("dora", "朵拉"),
    ("mont", "蒙"),
    ("skin", "斯金"),
    ("mina", "米娜"),
    ("rosa", "罗莎"),
    ("vik", "维克"),
    ("den", "登"),
    ("ya", "雅"),
    ("ko", "可"),
    ("bera", "贝拉"),
    ("tani", "塔尼"),
    ("nova", "诺瓦"),
    ("lin", "林"),
    ("sen", "森"),
)
_FOOD_SERIES = ("经典装", "家庭装", "儿童款", "有机系列", "金装")
_SERIES = ("青春版", "Pro", "Max", "mini", "经典款", "二代", "升级款", "Plus", "S系列", "标准版")


# ============================================================================================
# Entities: a brand's product line and one hazard


@dataclass(frozen=True, slots=True)
class _Brand:
    zh: str
    en: str
    typo_zh: str
    typo_en: str
    foreign: bool


@dataclass(frozen=True, slots=True)
class _Seller:
    name: str
    platform: str
    city: _City
    uscc: str | None


@dataclass(frozen=True, slots=True)
class _Entity:
    id: str
    family: int
    kind: str  # "base" or a hard-negative note
    brand: _Brand
    product: _Product
    hazard: _Hazard
    model: str
    series: str
    maker: str
    maker_uscc: str
    maker_city: _City
    origin: str | None
    consignor: str | None
    importer: str | None
    importer_uscc: str | None
    port: tuple[str, str]
    start: datetime
    span_days: int
    sellers: tuple[_Seller, ...]
    en_share: float


def _uscc(rng: random.Random, division: str) -> str:
    """A valid GB 32100 unified social credit code for a company registered in ``division``."""
    body = (
        "91" + division + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    )
    return body + uscc_check_char(body)


class _Names:
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

    def brand(self, foreign: bool) -> _Brand:
        rng = self.rng
        while True:
            if foreign:
                (h_en, h_zh), (t_en, t_zh) = rng.choice(_FOREIGN_HEADS), rng.choice(_FOREIGN_TAILS)
                en, zh = h_en + t_en, h_zh + t_zh
                cut = rng.randrange(1, len(en) - 1)
                typo_en = en[:cut] + en[cut + 1 :]
                typo_zh = zh
            else:
                a, b = rng.sample(_SYLLABLES, 2)
                zh = a[0] + b[0]
                pinyin = (a[1] + b[1]).capitalize()
                en = pinyin if rng.random() < 0.75 else rng.choice(_ENGLISH_NAMES)
                typo_zh = (a[2] + b[0]) if rng.random() < 0.5 else (a[0] + b[2])
                typo_en = pinyin.upper() if en != pinyin else pinyin[:-1]
            if zh not in self.used and en not in self.used:
                self.used.update({zh, en})
                return _Brand(zh, en, typo_zh, typo_en, foreign)

    def model(self, brand: _Brand) -> str:
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
    names: _Names,
    index: int,
    family: int,
    kind: str,
    product: _Product,
    hazard: _Hazard,
    start: datetime,
    brand: _Brand | None = None,
    like: _Entity | None = None,
    same_model: bool = False,
) -> _Entity:
    """An entity; with ``like``, it shares the brand's maker, importer and sellers."""
    if brand is None:
        foreign = rng.random() < (0.5 if product.food else 0.3)
        brand = names.brand(foreign)
    if like is not None and same_model:
        model, series = like.model, like.series
    else:
        model = names.model(brand)
        series = rng.choice(_FOOD_SERIES if product.food else _SERIES)
    if like is not None and like.brand == brand:
        maker, maker_uscc, maker_city = like.maker, like.maker_uscc, like.maker_city
        origin, consignor = like.origin, like.consignor
        importer, importer_uscc, port = like.importer, like.importer_uscc, like.port
        shared_sellers = [s for s in like.sellers if s.name.startswith(brand.zh)]
    else:
        maker_city = rng.choice(_MAKER_CITIES)
        shared_sellers = []
        if brand.foreign:
            origin = rng.choice(_FOOD_ORIGINS if product.food else _GOODS_ORIGINS)
            country_en = _ORIGINS[origin][1]
            suffix = rng.choice(["Co., Ltd.", "GmbH" if origin == "DE" else "Ltd.", "Inc."])
            consignor = f"{brand.en} {product.industry_en} ({country_en}) {suffix}"
            importer = f"{maker_city.city}{brand.zh}贸易有限公司"
            importer_uscc = _uscc(rng, maker_city.code)
            maker, maker_uscc = importer, importer_uscc
        else:
            origin = consignor = importer = importer_uscc = None
            maker = f"{maker_city.city}市{brand.zh}{product.industry}有限公司"
            maker_uscc = _uscc(rng, maker_city.code)
        port = rng.choice(_PORTS)
    sellers = list(shared_sellers)
    while len(sellers) < rng.randint(2, 4):
        city = rng.choice(_CITIES)
        platform = rng.choice(_CROSS_BORDER if brand.foreign and rng.random() < 0.6 else _PLATFORMS)
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
        sellers.append(_Seller(name, platform, city, uscc))
    return _Entity(
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


def _entities(rng: random.Random, n: int, names: _Names) -> list[_Entity]:
    """``n`` entities: about 60% base entities, the rest hard negatives of one of them."""
    n_base = max(1, round(n * 0.6))
    n_brand = round(n * 0.14)
    n_hazard = round(n * 0.13)
    n_category = max(0, n - n_base - n_brand - n_hazard)
    products = list(_PRODUCTS)
    rng.shuffle(products)
    out: list[_Entity] = []
    taken: set[tuple[str, str, str]] = set()  # brand, product, hazard

    def add(entity: _Entity) -> None:
        out.append(entity)
        taken.add((entity.brand.zh, entity.product.key, entity.hazard.key))

    def start_near(base: _Entity | None) -> datetime:
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
        unused = [p for p in _PRODUCTS if p.hs not in codes]
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


# ============================================================================================
# Writing like the feeds: names, models, dates, texts


def _fullwidth(text: str) -> str:
    """ASCII letters, digits and punctuation as full-width forms, as some clerks' IMEs type."""
    return "".join(
        chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c) for c in text
    )


def _model_as_written(model: str, rng: random.Random) -> str:
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


def _brand_as_written(e: _Entity, rng: random.Random, lang: str) -> str:
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


def _product_name(e: _Entity, rng: random.Random, lang: str) -> tuple[str, bool, bool]:
    """A product name as a reporter writes it, and whether it names the brand and the model."""
    p = e.product
    brand = _brand_as_written(e, rng, lang)
    # foods have no model code; people name the line or pack size instead
    model = rng.choice(p.features).split()[0] if p.food else _model_as_written(e.model, rng)
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


def _zh_date(d: date, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.55:
        return f"{d.month}月{d.day}日"
    if roll < 0.85:
        return f"{d.year}年{d.month}月{d.day}日"
    return f"{d.month}.{d.day}"


def _en_date(d: date) -> str:
    return d.strftime("%d %B %Y").lstrip("0")


def _time_of_day(when: datetime) -> str:
    hour = when.astimezone(_CST).hour
    if hour < 6:
        return "凌晨"
    if hour < 11:
        return "上午"
    if hour < 13:
        return "中午"
    return "下午" if hour < 18 else "晚上"


def _timestamp(when: datetime, rng: random.Random) -> str | int:
    """A time in one of the shapes real feeds send."""
    local = when.astimezone(_CST)
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


def _region(city: _City, rng: random.Random) -> str:
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


# -------------------------------------------------------------------------------------------
# Facts of one reported event, rendered differently by each channel


@dataclass(frozen=True, slots=True)
class _Facts:
    city: _City
    platform: str
    purchased: date
    incident: datetime
    victim: tuple[str, str, str]
    age: int
    sex: str
    outcome: str
    injury: _Injury | None
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
class _Voice:
    """How a complaint is written: channel style, template and how the product is named."""

    style: str  # hotline, web, app, letter, transfer, en
    template: int
    name: str
    names_brand: bool
    names_model: bool
    model: str
    demand: int
    merchant: int


_DEMANDS = (
    "退货退款并赔偿医药费",
    "商家赔偿损失并召回同批次产品",
    "相关部门对该产品进行抽检",
    "按照消费者权益保护法给予三倍赔偿",
    "查处销售不合格产品的商家",
)
_MERCHANTS = ("拒绝退货", "至今未回复", "只同意退一半货款", "推给厂家处理", "说是使用不当造成的")
_DEMANDS_EN = ("a full refund and compensation", "a recall of this product", "an official test")
_MERCHANTS_EN = ("refused a refund", "has not replied", "says it was my fault")
_OPENERS = ("您好，我要投诉。", "您好，我要投诉！", "你好，投诉一个产品质量问题。", "【投诉】", "")


def _facts(e: _Entity, rng: random.Random, when: datetime) -> _Facts:
    victims = e.product.victims
    if victims == "any":
        victims = rng.choices(["child", "adult", "elderly"], [30, 50, 20])[0]
    (lo, hi), forms = _VICTIMS[victims]
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
    return _Facts(
        city=rng.choice(_CITIES),
        platform=rng.choice(
            _CROSS_BORDER if e.brand.foreign and rng.random() < 0.5 else _PLATFORMS
        ),
        purchased=(when - timedelta(days=rng.randint(2, 90))).astimezone(_CST).date(),
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
        demand=rng.randrange(len(_DEMANDS)),
        merchant=rng.randrange(len(_MERCHANTS)),
        lang="en" if rng.random() < e.en_share else "zh",
        cases=cases,
        hospitalised=hospitalised,
        deaths=deaths,
        setting=setting,
        store=rng.choice(_STORES if e.product.food else _SHOPS),
        online=rng.random() < (0.5 if e.product.food else 0.85),
    )


def _voice(e: _Entity, rng: random.Random, style: str) -> _Voice:
    lang = "en" if style == "en" else "zh"
    name, names_brand, names_model = _product_name(e, rng, lang)
    return _Voice(
        style=style,
        template=rng.randrange(2),
        name=name,
        names_brand=names_brand,
        names_model=names_model,
        model="" if e.product.food else _model_as_written(e.model, rng),
        demand=rng.randrange(len(_DEMANDS)),
        merchant=rng.randrange(len(_MERCHANTS)),
    )


def _detail(e: _Entity, f: _Facts, lang: str) -> str:
    texts = e.hazard.en if lang == "en" else e.hazard.zh
    return texts[f.detail % len(texts)].format(minutes=f.minutes)


def _consequence(
    e: _Entity, f: _Facts, person: int, rng: random.Random, hospital: str | None = None
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


def _consequence_en(e: _Entity, f: _Facts) -> str:
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
    e: _Entity, f: _Facts, v: _Voice, rng: random.Random, hospital: str | None = None
) -> str:
    pdate, idate = _zh_date(f.purchased, rng), _zh_date(f.incident.astimezone(_CST).date(), rng)
    tod = _time_of_day(f.incident)
    detail = _detail(e, f, "en" if v.style == "en" else "zh")
    model_part = ""
    if v.model and not v.names_model:
        model_part = rng.choice([f"（型号：{v.model}）", f"，型号{v.model}", ""])
    unit = e.product.unit
    verb = "食用" if e.product.food else "使用"
    where = f.platform if f.online else f"{f.city.city}{f.store}"
    if v.style == "en":
        pe = _PLATFORMS_EN.get(f.platform, f.platform) if f.online else "a local shop"
        cons = _consequence_en(e, f)
        model_en = f" (model {v.model})" if v.model else ""
        if v.template == 0:
            return (
                f"I bought a {v.name}{model_en} from {pe} on {_en_date(f.purchased)}. "
                f"On {_en_date(f.incident.date())} {detail}. {cons} "
                f"The seller {_MERCHANTS_EN[v.merchant % 3]}. Please investigate."
            )
        return (
            f"Complaint about {v.name} bought on {pe}: {detail}. {cons} "
            f"I want {_DEMANDS_EN[v.demand % 3]}."
        )
    if v.style in ("hotline", "transfer"):
        cons = _consequence(e, f, 1, rng, hospital)
        if v.style == "transfer":
            return (
                f"12345热线转办件：市民反映{pdate}在{where}购买的{v.name}{model_part}，"
                f"{idate}{verb}时{detail}，{cons}。市民诉求：{_DEMANDS[v.demand]}。请按规定处理并回复。"
            )
        if v.template == 0:
            return (
                f"消费者来电反映：其{pdate}在{where}购买了{v.name}{model_part}，价格{f.price}元。"
                f"{idate}{tod}{verb}时{detail}，{cons}。消费者要求{_DEMANDS[v.demand]}。"
            )
        return (
            f"来电人称{pdate}通过{where}购买{v.name}一{unit}{model_part}，{idate}{verb}过程中"
            f"{detail}，{cons}。诉求：{_DEMANDS[v.demand]}。"
        )
    cons = _consequence(e, f, 0, rng, hospital)
    if v.style == "letter":
        return (
            f"尊敬的市场监督管理局领导：您好！本人于{pdate}购买{v.name}{model_part}。{idate}"
            f"{detail}，{cons}。经与商家多次沟通，商家{_MERCHANTS[v.merchant]}。"
            "特此来信投诉，恳请贵局依法查处。"
        )
    if v.style == "app":
        if v.template == 0:
            return (
                f"{v.name}存在严重安全隐患！{detail}，{cons}，商家{_MERCHANTS[v.merchant]}，"
                "希望监管部门管一管！"
            )
        return f"在{where}买的{v.name}，{detail}，{cons}。要求{_DEMANDS[v.demand]}。"
    opener = rng.choice(_OPENERS)
    if v.template == 0:
        return (
            f"{opener}我{pdate}在{where}买了{v.name}{model_part}，{idate}{tod}{detail}，{cons}。"
            f"商家{_MERCHANTS[v.merchant]}，请求{_DEMANDS[v.demand]}。"
        )
    return (
        f"{opener}本人于{pdate}在{where}购买{v.name}{model_part}，{idate}{verb}时{detail}。"
        f"{cons}。联系商家后商家{_MERCHANTS[v.merchant]}，请求贵局{_DEMANDS[v.demand]}。"
    )


_CHANNELS = {
    "hotline": ("hotline", "12315"),
    "web": ("web", "web"),
    "app": ("app", "wechat"),
    "letter": ("letter",),
    "transfer": ("12345",),
    "en": ("web", "app"),
}


def _complaint(
    e: _Entity,
    f: _Facts,
    v: _Voice,
    rng: random.Random,
    received: datetime,
    hospital: str | None = None,
) -> dict[str, Any]:
    text = _complaint_text(e, f, v, rng, hospital)
    record: dict[str, Any] = {
        "complaint_id": "",
        "received_at": _timestamp(received, rng),
        "channel": rng.choice(_CHANNELS[v.style]),
        "product_name": v.name,
    }
    if v.names_brand and rng.random() < 0.5:
        record["brand"] = None
    else:
        record["brand"] = _brand_as_written(e, rng, "en" if v.style == "en" else "zh")
    record["model"] = (v.model or None) if rng.random() < 0.55 else None
    if rng.random() < 0.3:
        record["enterprise_name"] = e.maker
        if rng.random() < 0.5:
            record["enterprise_uscc"] = e.maker_uscc
    record["region"] = _region(f.city, rng)
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


def _hospital(f: _Facts, salt: int) -> tuple[str, str]:
    """The reporting hospital's id and name, fixed by the city and a salt."""
    n = 1 + salt % 6
    names = ("第一人民医院", "中心医院", "儿童医院", "中医院", "第二人民医院", "人民医院")
    return f"H{f.city.code}{n:02d}", f"{f.city.city}市{names[n - 1]}"


def _injury(
    e: _Entity, f: _Facts, rng: random.Random, reported: datetime, hospital_id: str
) -> dict[str, Any]:
    assert f.injury is not None
    outcome = f.outcome if f.outcome != "none" else "minor"
    lang = "en" if f.lang == "en" and rng.random() < 0.6 else "zh"
    place = rng.choice(e.product.places)
    if rng.random() < 0.45:
        name = rng.choice(e.product.en if lang == "en" else e.product.zh)
        names_brand = False
    else:
        name, names_brand, _ = _product_name(e, rng, lang)
    brand = _brand_as_written(e, rng, lang) if rng.random() < 0.45 else None
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
        idate = _zh_date(f.incident.astimezone(_CST).date(), rng)
        narrative = (
            f"{who}{age}，{sex}。{idate}{_time_of_day(f.incident)}在{place}使用{name}时"
            f"{clause}，{rng.choice(_TREAT[outcome])}。"
        )
        if not names_brand and brand is None and rng.random() < 0.85:
            narrative += f"（家属称产品为{e.brand.zh}牌，型号{_model_as_written(e.model, rng)}）"
    injury_day = f.incident.astimezone(_CST).date()
    return {
        "report_id": "",
        "reported_at": _timestamp(reported, rng),
        "injury_date": injury_day.isoformat() if rng.random() < 0.7 else f"{injury_day:%Y/%m/%d}",
        "hospital_id": hospital_id,
        "product_name": name,
        "brand": brand,
        "model": _model_as_written(e.model, rng) if rng.random() < 0.2 else None,
        "region": _region(f.city, rng),
        "patient_age": f.age,
        "patient_sex": f.sex if rng.random() < 0.9 else "U",
        "injury_type": f.injury.kind,
        "body_part": f.injury.body_zh if lang == "zh" else f.injury.body_en,
        "outcome": outcome,
        "narrative": narrative,
    }


def _food_name(e: _Entity, rng: random.Random, lang: str) -> str:
    if rng.random() < 0.35:
        return rng.choice(e.product.en if lang == "en" else e.product.zh)
    return _product_name(e, rng, lang)[0]


def _foodborne(e: _Entity, f: _Facts, rng: random.Random, reported: datetime) -> dict[str, Any]:
    food = _food_name(e, rng, "zh")
    onset = f.incident.astimezone(_CST).date()
    place = f"{f.city.city}{f.store}" if not f.online else f"{f.platform}网店"
    bought = f"在{place}购买的{food}" if not f.online else f"通过{f.platform}网购的{food}"
    symptoms = rng.choice(e.hazard.clinical)
    if f.cases > 1:
        who = f"{f.setting}共{f.cases}人"
        hosp = f"{f.hospitalised}人住院" if f.hospitalised else "均门诊就诊，无住院病例"
    else:
        who = f"{f.setting}就餐者1人" if f.setting != "家庭" else "患者1人"
        hosp = "已住院治疗" if f.hospitalised else "门诊就诊后回家"
    narrative = f"{who}于{_zh_date(onset, rng)}食用{bought}后出现{symptoms}等症状，{hosp}。"
    if f.deaths:
        narrative += f"死亡{f.deaths}例。"
    if e.brand.zh not in food and e.brand.en not in food and rng.random() < 0.7:
        narrative += f"剩余食品包装标示品牌为{e.brand.zh}，生产商{e.maker}。"
    record: dict[str, Any] = {
        "report_id": "",
        "reported_at": _timestamp(reported, rng),
        "onset_date": onset.isoformat() if rng.random() < 0.5 else f"{onset:%Y/%m/%d}",
        "region": _region(f.city, rng),
        "food_name": food,
        "brand": _brand_as_written(e, rng, "zh") if rng.random() < 0.7 else None,
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
        record["origin_country"] = rng.choice(_ORIGINS[e.origin][0])
        record["hs_code"] = e.product.hs if rng.random() < 0.5 else None
    return record


def _food_complaint_text(e: _Entity, f: _Facts, v: _Voice, rng: random.Random) -> str:
    onset = _zh_date(f.incident.astimezone(_CST).date(), rng)
    who = f"我们家{f.cases}口人" if f.setting == "家庭" and f.cases > 1 else f.victim[0]
    where = f"{f.city.city}{f.store}" if not f.online else f.platform
    cons = _consequence(e, f, 0, rng)
    detail = _detail(e, f, "zh")
    opener = rng.choice(_OPENERS)
    if v.template == 0:
        return (
            f"{opener}{who}{onset}吃了在{where}买的{v.name}，{detail}，{cons}。"
            f"要求{_DEMANDS[v.demand]}。"
        )
    return f"{opener}在{where}购买的{v.name}有问题：{detail}。{cons}，请监管部门彻查这批产品。"


# -------------------------------------------------------------------------------------------
# Listings and declarations


def _listing_title(e: _Entity, rng: random.Random, template: int) -> str:
    p, b = e.product, e.brand
    pz, feat = rng.choice(p.zh), rng.choice(p.features)
    model = "" if p.food else _model_as_written(e.model, rng)
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


def _listing_template(e: _Entity, rng: random.Random, lang: str) -> int:
    if lang == "en":
        return 5
    return rng.choice([0, 1, 2, 3, 4] if e.brand.foreign else [0, 1, 2, 3])


def _listing_description(e: _Entity, rng: random.Random, flags: list[str], lang: str) -> str:
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


def _listing(
    e: _Entity, seller: _Seller, rng: random.Random, when: datetime, lang: str, template: int
) -> dict[str, Any]:
    flags = [fl for fl in e.hazard.flags if rng.random() < 0.7]
    return {
        "listing_id": "",
        "platform": seller.platform,
        "captured_at": _timestamp(when, rng),
        "url": None,
        "title": _listing_title(e, rng, template),
        "price": float(rng.randint(*e.product.price)) - rng.choice([0.0, 0.1, 0.01]),
        "currency": "CNY" if rng.random() < 0.9 else "RMB",
        "seller_name": seller.name,
        "seller_uscc": seller.uscc,
        "brand": _brand_as_written(e, rng, lang) if rng.random() < 0.8 else None,
        "model": e.model if not e.product.food and rng.random() < 0.5 else None,
        "sales_count": rng.choice([0, rng.randint(1, 200), rng.randint(200, 20000)]),
        "region": _region(seller.city, rng),
        "origin_country": rng.choice(_ORIGINS[e.origin][0]) if e.origin else None,
        "flags": flags,
        "description": _listing_description(e, rng, flags, lang),
    }


def _declaration(e: _Entity, rng: random.Random, declared: datetime) -> dict[str, Any]:
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
    currency = _ORIGINS[e.origin][2]
    return {
        "declaration_id": "",
        "line_no": rng.choices([1, 2, 3, 4], [70, 15, 10, 5])[0],
        "declared_at": _timestamp(declared, rng),
        "port": e.port[0],
        "direction": "import",
        "hs_code": hs_text,
        "goods_description": goods,
        "brand": b.en if rng.random() < 0.8 else None,
        "model": e.model if not p.food and rng.random() < 0.6 else None,
        "origin_country": rng.choice(_ORIGINS[e.origin][0]),
        "consignor": e.consignor,
        "consignee": e.importer,
        "consignee_uscc": e.importer_uscc,
        "quantity": quantity,
        "unit": unit,
        "value": round(quantity * per_unit * scale / (7.1 if currency != "CNY" else 1), 2),
        "currency": currency,
    }


# ============================================================================================
# Building the set


@dataclass
class _Draft:
    """A record before ids are given: its content, arrival time and ground truth."""

    seq: int
    feed: str
    record: dict[str, Any]
    arrival: datetime
    entity: _Entity
    note: str
    root: _Draft | None = None
    style: str = ""
    record_id: str = ""


class _Builder:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.drafts: list[_Draft] = []
        self.voices: dict[int, _Voice] = {}  # how each complaint draft was written

    def add(
        self,
        feed: str,
        record: dict[str, Any],
        arrival: datetime,
        entity: _Entity,
        note: str,
        root: _Draft | None = None,
        style: str = "",
    ) -> _Draft:
        draft = _Draft(len(self.drafts), feed, record, arrival, entity, note, root, style)
        self.drafts.append(draft)
        return draft

    # ---------------------------------------------------------------------------- reports

    def complaint(self, e: _Entity, f: _Facts, note: str, voice: _Voice | None = None) -> _Draft:
        rng = self.rng
        if voice is None:
            style = (
                "en"
                if f.lang == "en"
                else rng.choices(
                    ["hotline", "web", "app", "letter", "transfer"], [40, 30, 18, 4, 8]
                )[0]
            )
            voice = _voice(e, rng, style)
        received = f.incident + timedelta(minutes=rng.randint(30, 5 * 24 * 60))
        record = self._complaint_record(e, f, voice, received)
        draft = self.add("complaints", record, received, e, note, style=voice.style)
        self.voices[draft.seq] = voice
        return draft

    def _complaint_record(
        self, e: _Entity, f: _Facts, v: _Voice, received: datetime, hospital: str | None = None
    ) -> dict[str, Any]:
        record = _complaint(e, f, v, self.rng, received, hospital)
        if e.product.food:
            record["description"] = (
                _food_complaint_text(e, f, v, self.rng)
                if v.style != "en"
                else record["description"]
            )
        return record

    def report(self, e: _Entity, f: _Facts, note: str) -> _Draft:
        """The first record of an event, in the feed that fits the product."""
        rng = self.rng
        if e.product.food:
            feed = rng.choices(["foodborne", "complaints"], [55, 45])[0]
        else:
            feed = rng.choices(["complaints", "injuries"], [75, 25 if f.injury else 0])[0]
        if feed == "complaints":
            return self.complaint(e, f, note)
        if feed == "injuries":
            reported = f.incident + timedelta(minutes=rng.randint(60, 3 * 24 * 60))
            hospital_id, _ = _hospital(f, rng.randrange(6))
            record = _injury(e, f, rng, reported, hospital_id)
            return self.add("injuries", record, reported, e, note)
        reported = f.incident + timedelta(minutes=rng.randint(24 * 60, 4 * 24 * 60))
        return self.add("foodborne", _foodborne(e, f, rng, reported), reported, e, note)

    def listing(self, e: _Entity, when: datetime, note: str) -> _Draft:
        rng = self.rng
        seller = rng.choice(e.sellers)
        lang = "en" if rng.random() < e.en_share else "zh"
        record = _listing(e, seller, rng, when, lang, _listing_template(e, rng, lang))
        return self.add("listings", record, when, e, note, style=lang)

    def declaration(self, e: _Entity, when: datetime) -> _Draft:
        return self.add("declarations", _declaration(e, self.rng, when), when, e, "declaration")

    # ------------------------------------------------------------------------- duplicates

    def duplicate(self, root: _Draft, f: _Facts | None) -> _Draft | None:
        """One duplicate of ``root`` of a kind that fits its feed, or ``None``."""
        rng, e = self.rng, root.entity
        later = root.arrival + timedelta(minutes=rng.randint(20, 3 * 24 * 60))
        if root.feed == "listings":
            return self._relisted(root)
        if root.feed == "declarations" or f is None:
            return None
        kinds = {
            "complaints": (["exact-resend", "cross-channel", "reworded"], [25, 45, 30]),
            "injuries": (
                ["cross-channel", "exact-resend", "follow-up", "reworded"],
                [50, 15, 20, 15],
            ),
            "foodborne": (["cross-channel", "follow-up", "exact-resend"], [45, 35, 20]),
        }[root.feed]
        kind = rng.choices(*kinds)[0]
        if kind == "exact-resend":
            record = {**root.record}
            # the same payload re-exported later; the time fields are the original ones
            return self.add(root.feed, record, root.arrival, e, kind, root, root.style)
        if root.feed == "complaints":
            old = self.voices[root.seq]
            if kind == "cross-channel":
                channel = root.record["channel"]
                choices = [
                    s
                    for s in ("hotline", "web", "app", "letter", "transfer")
                    if s != old.style and channel not in _CHANNELS[s]
                ]
                style = rng.choices(
                    choices, [3 if s in ("hotline", "web") else 1 for s in choices]
                )[0]
            else:
                style = old.style
            voice = _voice(e, rng, style)
            if kind == "reworded":
                voice = replace(voice, template=1 - old.template)
            record = self._complaint_record(e, f, voice, later)
            if kind == "reworded":
                record["channel"] = root.record["channel"]
            draft = self.add("complaints", record, later, e, kind, root, voice.style)
            self.voices[draft.seq] = voice
            return draft
        if root.feed == "injuries":
            if kind == "cross-channel":
                later = root.arrival + timedelta(minutes=rng.randint(24 * 60, 10 * 24 * 60))
                _, hospital = _hospital(f, int(root.record["hospital_id"][-2:]) - 1)
                style = rng.choice(["hotline", "web", "web", "app"])
                voice = _voice(e, rng, style)
                record = self._complaint_record(e, f, voice, later, hospital)
                record["victim_age"] = f.age
                draft = self.add("complaints", record, later, e, kind, root, style)
                self.voices[draft.seq] = voice
                return draft
            record = _injury(e, f, rng, later, root.record["hospital_id"])
            record["injury_date"] = root.record["injury_date"]
            record["patient_sex"] = root.record["patient_sex"]
            if kind == "follow-up":
                record = {**root.record, "reported_at": _timestamp(later, rng)}
                if record["outcome"] == "minor":
                    record["outcome"] = "emergency"
                    record["narrative"] = f"{record['narrative']}【续报】复诊后急诊清创处理。"
                else:
                    record["outcome"] = "hospitalised"
                    record["narrative"] = f"{record['narrative']}【续报】病情加重，已收住院治疗。"
            return self.add("injuries", record, later, e, kind, root)
        # foodborne
        if kind == "cross-channel":
            style = rng.choice(["hotline", "web", "app"])
            voice = _voice(e, rng, style)
            record = self._complaint_record(e, f, voice, later)
            draft = self.add("complaints", record, later, e, kind, root, style)
            self.voices[draft.seq] = voice
            return draft
        later = root.arrival + timedelta(minutes=rng.randint(24 * 60, 6 * 24 * 60))
        extra = rng.randint(1, 4)
        record = {
            **root.record,
            "reported_at": _timestamp(later, rng),
            "cases": int(root.record["cases"]) + extra,
            "hospitalised": int(root.record["hospitalised"] or 0) + rng.randint(0, 1),
            "narrative": f"{root.record['narrative']}续报：新增病例{extra}例，均有共同进食史。",
        }
        return self.add("foodborne", record, later, e, "follow-up", root)

    def _relisted(self, root: _Draft) -> _Draft:
        rng, e = self.rng, root.entity
        later = root.arrival + timedelta(minutes=rng.randint(24 * 60, 14 * 24 * 60))
        record = {**root.record}
        template = _listing_template(e, rng, root.style)
        title = _listing_title(e, rng, template)
        for _ in range(5):
            if title != root.record["title"]:
                break
            title = _listing_title(e, rng, _listing_template(e, rng, root.style))
        price = float(record["price"]) * rng.uniform(0.7, 1.2)
        record.update(
            captured_at=_timestamp(later, rng),
            title=title,
            price=round(max(round(price) - 0.1, 0.9), 2),
            sales_count=rng.randint(0, 50),
        )
        if rng.random() < 0.4:
            record["description"] = _listing_description(e, rng, list(record["flags"]), root.style)
        return self.add("listings", record, later, e, "relisted", root, root.style)


_EVENT_SIZES = (1, 2, 3, 4, 5, 6, 8, 10, 14, 20, 30)
_EVENT_WEIGHTS = (10, 12, 12, 10, 9, 8, 8, 7, 6, 4, 2)
_DUPLICATE_CHANCE = {"complaints": 0.2, "injuries": 0.3, "foodborne": 0.3, "listings": 0.2}


def _build_entity(b: _Builder, e: _Entity, declarable: bool) -> None:
    rng = b.rng
    n_events = rng.choices(_EVENT_SIZES, _EVENT_WEIGHTS)[0]
    span = timedelta(days=e.span_days)
    complaints: list[tuple[_Draft, _Facts]] = []
    for i in range(n_events):
        when = e.start + span * rng.random() + timedelta(hours=rng.randint(7, 22))
        listing_share = 0.15 if e.product.food else 0.25
        if i > 0 and rng.random() < listing_share:
            root = b.listing(e, when, "report")
            facts: _Facts | None = None
        else:
            facts = _facts(e, rng, when)
            similar = e.kind == "base" and complaints and rng.random() < 0.12
            if similar:
                model_draft, model_facts = rng.choice(complaints)
                facts = replace(
                    facts,
                    detail=model_facts.detail,
                    lang=model_facts.lang,
                    victim=model_facts.victim,
                )
                voice = b.voices[model_draft.seq]
                root = b.complaint(e, facts, "independent-similar-text", voice)
            else:
                root = b.report(e, facts, "report")
            if root.feed == "complaints":
                complaints.append((root, facts))
        if rng.random() < _DUPLICATE_CHANCE[root.feed]:
            for _ in range(1 if rng.random() < 0.8 else 2):
                b.duplicate(root, facts)
    if declarable:
        for _ in range(rng.randint(1, 5)):
            when = e.start + timedelta(days=rng.randint(-40, e.span_days), hours=rng.randint(1, 23))
            b.declaration(e, when)


def _assign_ids(drafts: list[_Draft], rng: random.Random) -> None:
    """Ids as each source system would issue them, in arrival order."""
    counters = Counter({feed: rng.randint(1000, 9000) for feed in _ID_FIELDS})
    used: set[str] = set()
    for d in drafts:
        counters[d.feed] += rng.randint(1, 37)
        n = counters[d.feed]
        local = d.arrival.astimezone(_CST)
        if d.feed == "complaints":
            if d.style == "letter":
                rid = f"XF{local:%Y}{n:06d}"
            elif d.style == "transfer":
                rid = f"ZB{local:%Y%m%d}{n:05d}"
            else:
                rid = f"TS{local:%Y%m%d}{n:06d}"
            d.record["complaint_id"] = rid
        elif d.feed == "injuries":
            rid = f"NISS-{d.record['hospital_id']}-{local:%Y}{n:05d}"
            d.record["report_id"] = rid
        elif d.feed == "foodborne":
            rid = f"FDS{local:%Y}{n:06d}"
            d.record["report_id"] = rid
        elif d.feed == "listings":
            while True:
                rid = str(rng.randint(10**11, 10**13 - 1))
                if rid not in used:
                    break
            d.record["listing_id"] = rid
            template = _URLS.get(d.record["platform"])
            d.record["url"] = template.format(id=rid) if template else None
        else:
            customs = d.entity.port[1]
            rid = f"{customs}{local:%Y}1{n:09d}"
            d.record["declaration_id"] = rid
        if rid in used:  # pragma: no cover - counters only grow
            raise AssertionError(f"record id {rid} issued twice")
        used.add(rid)
        d.record_id = rid


def _splits(entities: list[_Entity], rng: random.Random) -> dict[int, str]:
    """Families (an entity and its hard negatives) to splits, about 40% of entities calibrate."""
    sizes = Counter(e.family for e in entities)
    families = sorted(sizes)
    rng.shuffle(families)
    target = CALIBRATE_SHARE * len(entities)
    out: dict[int, str] = {}
    taken = 0
    for family in families:
        if taken < target and taken + sizes[family] <= target + 2:
            out[family] = "calibrate"
            taken += sizes[family]
        else:
            out[family] = "test"
    return out


def generate_evalset(seed: int = 2026, n_entities: int = 220) -> list[EvalRecord]:
    """The labelled set for ``seed``: about nine records per entity, in arrival order."""
    if n_entities < 1:
        raise ValueError("n_entities must be at least 1")
    rng = random.Random(seed)
    names = _Names(rng)
    entities = _entities(rng, n_entities, names)
    goods = Counter((e.brand.zh, e.product.key) for e in entities)
    builder = _Builder(rng)
    for e in entities:
        declarable = e.brand.foreign and goods[(e.brand.zh, e.product.key)] == 1
        _build_entity(builder, e, declarable)
    drafts = sorted(builder.drafts, key=lambda d: (d.arrival, d.seq))
    _assign_ids(drafts, rng)
    split_of = _splits(entities, rng)
    seen_entities: set[str] = set()
    records: list[EvalRecord] = []
    for d in drafts:
        note = d.note
        if note == "report":
            if d.entity.kind != "base":
                note = d.entity.kind
            elif d.entity.id not in seen_entities:
                note = "unrelated"
            else:
                note = "same-entity-other-report"
        if d.root is None and d.feed != "declarations":
            seen_entities.add(d.entity.id)
        records.append(
            EvalRecord(
                record_id=d.record_id,
                feed=d.feed,
                record=d.record,
                duplicate_of=d.root.record_id if d.root else None,
                entity=d.entity.id,
                split=split_of[d.entity.family],
                note=note,
            )
        )
    return records


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m lab.evalset --out PATH``: write the set and print its counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", required=True, help="JSONL file to write")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--entities", type=int, default=220)
    args = parser.parse_args(argv)
    records = generate_evalset(args.seed, args.entities)
    write_jsonl(records, args.out)
    json.dump(summary(records), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
