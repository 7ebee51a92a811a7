"""Deterministic sample feeds: background noise, planted incidents, duplicates and bad records.

The generator stands in for the five real feeds in the demo and the tests. Everything is drawn
from one seeded ``random.Random``, so a seed always gives byte-identical records. Besides the
records it returns the ground truth: which signals belong to which planted incident, which are
noise, and the reference data (credit grades, blacklist, origin risk) targeting needs.

Planted incidents (each should end as a warning; noise should not):

* ``scooter`` - a children's folding scooter imported from Viet Nam pinches and cuts fingers:
  complaints, hospital injury reports and listings, with declarations of the same goods.
* ``enoki`` - a Listeria outbreak linked to enoki mushrooms imported from Korea: foodborne
  reports with hospitalisations and deaths among the elderly, a few complaints, declarations.
* ``heater`` - counterfeit electric heaters without CCC marks sold online overheat and catch
  fire: listings, complaints and burn injuries; domestic goods, no declarations.

``shapes`` varies how each incident unfolds (start, speed, size, reporting feeds, or whether it
happens at all), so that a model can be trained on more than three fixed courses; without it
the output is exactly the default course.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import orjson

from connectors.normalize import uscc_check_char

__all__ = [
    "INCIDENTS",
    "FeedRecord",
    "IncidentShape",
    "IncidentTruth",
    "ReferenceData",
    "Sample",
    "generate",
]

CST = ZoneInfo("Asia/Shanghai")
_USCC_BODY = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@dataclass(frozen=True, slots=True)
class FeedRecord:
    """One raw record as a feed would deliver it, with the generator's label for checking."""

    feed: str
    payload: bytes
    event_time: datetime
    label: str  # "noise", "incident:<name>", "duplicate", "malformed"
    signal_id: str | None  # the signal this record should become (None when malformed)
    key: bytes


@dataclass(frozen=True, slots=True)
class IncidentTruth:
    """What a planted incident is and which signals belong to it."""

    name: str
    description: str
    signal_ids: frozenset[str]
    imported: bool


@dataclass(frozen=True, slots=True)
class IncidentShape:
    """How one planted incident unfolds relative to its default course; the default changes nothing.

    ``shift`` moves the incident's start by that many days (negative: earlier); ``speed`` above 1
    makes it rise and fade faster, below 1 slower (its clock runs at ``speed`` days per day from
    its start); ``size`` scales every rate of its reports; ``feeds``, when given, keeps only the
    reports of those feeds; ``present=False`` leaves the incident out altogether. Customs
    declarations of the goods keep their own trade cadence, whatever the course.
    """

    shift: int = 0
    speed: float = 1.0
    size: float = 1.0
    feeds: frozenset[str] | None = None
    present: bool = True

    def __post_init__(self) -> None:
        if self.speed <= 0 or self.size < 0:
            raise ValueError(f"speed must be positive and size non-negative: {self}")

    def clock(self, day_index: int, anchor: int) -> float:
        """The day of the default course that ``day_index`` corresponds to (``anchor``: start)."""
        return anchor + (day_index - anchor - self.shift) * self.speed

    def reports(self, feed: str) -> bool:
        """Whether the incident is reported through ``feed``."""
        return self.feeds is None or feed in self.feeds


_AS_USUAL = IncidentShape()
INCIDENTS = ("scooter", "enoki", "heater")


@dataclass(frozen=True, slots=True)
class ReferenceData:
    """Enterprise credit grades, the blacklist and origin-country risk for the sample parties."""

    credit: dict[str, str]
    blacklist: frozenset[str]
    origin_risk: dict[str, float]


@dataclass(frozen=True, slots=True)
class Sample:
    """The generated feeds in event-time order, plus ground truth and reference data."""

    records: list[FeedRecord]
    incidents: dict[str, IncidentTruth]
    noise_signal_ids: frozenset[str]
    reference: ReferenceData
    start: date
    days: int
    counts: dict[str, int] = field(default_factory=dict)

    def by_day(self) -> Iterator[tuple[date, list[FeedRecord]]]:
        """Records grouped by event date (China time), in order: the unit of a demo replay."""
        day: date | None = None
        batch: list[FeedRecord] = []
        for rec in self.records:
            d = rec.event_time.astimezone(CST).date()
            if day is not None and d != day:
                yield day, batch
                batch = []
            day = d
            batch.append(rec)
        if day is not None:
            yield day, batch


# --------------------------------------------------------------------------------------------
# Vocabulary for background noise: product types by category with HS codes and what goes wrong.

_REGIONS = [
    "北京",
    "上海",
    "天津",
    "重庆",
    "河北",
    "山西",
    "辽宁",
    "吉林",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "广西",
    "海南",
    "四川",
    "贵州",
    "云南",
    "陕西",
    "甘肃",
    "宁夏",
    "新疆",
    "内蒙古",
    "黑龙江",
]
_BRANDS = [
    "星辰",
    "优家",
    "佳美",
    "安宝",
    "乐康",
    "福瑞",
    "云帆",
    "宜居",
    "康达",
    "华宇",
    "金鼎",
    "蓝海",
    "沐光",
    "青禾",
    "瑞丰",
    "恒泰",
    "悦达",
    "润和",
    "启明",
    "晨曦",
    "海纳",
    "嘉禾",
    "Nordlys",
    "Brightway",
    "Kiddo",
    "HomeMate",
    "Vantel",
    "Orbis",
    "Lumio",
    "Cresta",
    "Fenwick",
    "Aurora",
    "Pelican",
    "Zephyr",
    "Marlow",
    "Tidewell",
]
_PLATFORMS = ["淘宝", "京东", "拼多多", "抖音商城", "快手小店"]
_PORTS = ["CNSHA", "CNNGB", "CNSZX", "CNTAO", "CNTSN", "CNXMN", "CNCAN", "CNDLC"]
_ORIGINS = ["VN", "KR", "JP", "DE", "US", "TH", "MY", "IT", "FR", "AU", "NZ", "ID", "IN", "TR"]
# (category, product names, HS code, hazard -> complaint texts)
_PRODUCTS: list[tuple[str, list[str], str, dict[str | None, list[str]]]] = [
    (
        "childrens_products",
        ["积木玩具", "毛绒玩具", "儿童平衡车", "婴儿推车", "遥控汽车玩具", "儿童水杯"],
        "9503009000",
        {
            "physical": ["小零件脱落，孩子差点吞下", "边缘锋利划伤了孩子的手", "车架断裂孩子摔倒"],
            "chemical": ["有刺鼻异味，担心甲醛超标", "孩子玩后手上起皮疹"],
        },
    ),
    (
        "household_appliances",
        ["电水壶", "吹风机", "电饭煲", "空气炸锅", "加湿器", "电热毯"],
        "8516609000",
        {
            "physical": ["使用时外壳发烫烫伤手", "插头处发热冒烟", "底座漏电有触电感"],
        },
    ),
    (
        "electrical_products",
        ["插线板", "手机充电器", "充电宝", "LED台灯", "电源适配器"],
        "8504403000",
        {
            "physical": ["充电时发烫冒烟", "插孔松动打火", "外壳开裂有短路声"],
        },
    ),
    (
        "electronics",
        ["蓝牙耳机", "智能手表", "平板电脑", "蓝牙音箱"],
        "8518300000",
        {"physical": ["充电时电池鼓包发烫"], "health": ["音量过大无限制，担心伤害听力"]},
    ),
    (
        "food",
        ["苏打饼干", "冷冻虾仁", "黑巧克力", "橄榄油", "牛肉干", "奶酪", "即食燕麦"],
        "1905310000",
        {
            "biological": ["吃完后肚子疼腹泻", "打开发现有霉变", "食用后呕吐"],
            "chemical": ["吃出异味，怀疑变质"],
        },
    ),
    (
        "food_contact",
        ["保温杯", "塑料饭盒", "不粘锅", "陶瓷餐具", "硅胶奶瓶"],
        "7323930000",
        {"chemical": ["加热后有刺鼻异味", "涂层脱落混入食物"]},
    ),
    (
        "furniture",
        ["抽屉柜", "办公椅", "床垫", "儿童书桌"],
        "9403600000",
        {
            "physical": ["柜子未固定容易倾倒", "椅子气杆断裂摔倒"],
            "chemical": ["甲醛味很重，眼睛刺痛"],
        },
    ),
    (
        "cosmetics",
        ["保湿面霜", "洗发水", "防晒霜", "口红"],
        "3304990000",
        {"chemical": ["使用后脸上过敏起皮疹", "头皮刺痛发红"]},
    ),
    (
        "textiles_clothing",
        ["儿童睡衣", "运动鞋", "羽绒服", "校服"],
        "6108320000",
        {"physical": ["帽绳过长有勒颈风险"], "chemical": ["穿后皮肤瘙痒起疹子"]},
    ),
    (
        "vehicles_parts",
        ["电动自行车", "汽车轮胎", "电动车充电器"],
        "8711600000",
        {"physical": ["刹车失灵差点摔伤", "电池充电时起火"]},
    ),
]
_QUALITY_COMPLAINTS = [
    "质量太差，用了一周就坏了",
    "与商品描述不符，要求退货",
    "售后服务态度差，不给维修",
    "快递包装破损，商品有划痕",
    "价格欺诈，活动前先涨价",
    "发票一直不给开",
    "颜色和图片不一样",
    "尺码不准",
    "承诺的赠品没有收到",
    "说明书是外文看不懂",
]
_CHANNELS = ["hotline", "hotline", "web", "app", "wechat", "letter"]
_INJURY_TYPES = {
    "physical": [("laceration", "手"), ("fracture", "手臂"), ("burn", "手"), ("crush", "手指")],
    "chemical": [("rash", "皮肤"), ("poisoning", "消化道")],
    "biological": [("poisoning", "消化道")],
    "health": [("hearing", "耳")],
}


def _uscc(rng: random.Random, region_code: str) -> str:
    body = "91" + region_code + "".join(rng.choice(_USCC_BODY) for _ in range(9))
    return body + uscc_check_char(body)


def _ts(rng: random.Random, when: datetime) -> str | int:
    """Timestamps in the shapes real feeds use: ISO with offset, naive local, epoch ms."""
    local = when.astimezone(CST)
    style = rng.random()
    if style < 0.5:
        return local.isoformat(timespec="seconds")
    if style < 0.85:
        return local.strftime("%Y-%m-%d %H:%M:%S")
    return int(when.timestamp() * 1000)


class _Builder:
    """Accumulates records and truth while the generator walks through the days."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.records: list[FeedRecord] = []
        self.truth: dict[str, set[str]] = {}
        self.noise: set[str] = set()
        self.seq = 0

    def next_id(self, prefix: str) -> str:
        self.seq += 1
        return f"{prefix}{self.seq:07d}"

    def add(
        self, feed: str, body: Mapping[str, object], when: datetime, signal_id: str, label: str
    ) -> None:
        payload = orjson.dumps(body)
        key = signal_id.split(":", 1)[1].encode()
        self.records.append(FeedRecord(feed, payload, when, label, signal_id, key))
        if label == "noise":
            self.noise.add(signal_id)
        elif label.startswith("incident:"):
            self.truth.setdefault(label.removeprefix("incident:"), set()).add(signal_id)

    def complaint(
        self, when: datetime, product: str, text: str, label: str, **extra: object
    ) -> None:
        cid = self.next_id("CP")
        body: dict[str, object] = {
            "complaint_id": cid,
            "received_at": _ts(self.rng, when),
            "channel": self.rng.choice(_CHANNELS),
            "product_name": product,
            "description": text,
            "region": self.rng.choice(_REGIONS),
            **extra,
        }
        self.add("complaints", body, when, f"complaints:{cid}", label)

    def injury(
        self,
        when: datetime,
        product: str,
        outcome: str,
        injury: tuple[str, str],
        narrative: str,
        label: str,
        **extra: object,
    ) -> None:
        rid = self.next_id("IR")
        body: dict[str, object] = {
            "report_id": rid,
            "reported_at": _ts(self.rng, when + timedelta(hours=self.rng.randint(2, 30))),
            "injury_date": when.astimezone(CST).strftime("%Y-%m-%d"),
            "hospital_id": f"H{self.rng.randint(100, 999)}",
            "product_name": product,
            "outcome": outcome,
            "injury_type": injury[0],
            "body_part": injury[1],
            "narrative": narrative,
            "region": self.rng.choice(_REGIONS),
            **extra,
        }
        self.add("injuries", body, when, f"injuries:{rid}", label)

    def listing(self, when: datetime, title: str, label: str, **extra: object) -> None:
        platform = self.rng.choice(_PLATFORMS)
        lid = self.next_id("L")
        body: dict[str, object] = {
            "listing_id": lid,
            "platform": platform,
            "captured_at": _ts(self.rng, when),
            "title": title,
            "url": f"https://{lid.lower()}.example.com/item",
            "region": self.rng.choice(_REGIONS),
            **extra,
        }
        self.add("listings", body, when, f"listings:{platform}:{lid}", label)

    def declaration(
        self, when: datetime, goods: str, hs: str, origin: str, label: str, **extra: object
    ) -> None:
        did = self.next_id("D")
        body: dict[str, object] = {
            "declaration_id": did,
            "line_no": 1,
            "declared_at": _ts(self.rng, when),
            "port": self.rng.choice(_PORTS),
            "direction": "import",
            "hs_code": hs,
            "goods_description": goods,
            "origin_country": origin,
            "currency": "USD",
            **extra,
        }
        self.add("declarations", body, when, f"declarations:{did}-1", label)


def _at(day: date, rng: random.Random) -> datetime:
    """A random moment of a China-time day, as UTC."""
    local = datetime(day.year, day.month, day.day, tzinfo=CST) + timedelta(
        seconds=rng.randint(7 * 3600, 22 * 3600)
    )
    return local.astimezone(UTC)


def _poisson(rng: random.Random, lam: float) -> int:
    """A Poisson draw (Knuth's method is fine for the small rates used here)."""
    if lam <= 0:
        return 0
    threshold, k, p = pow(2.718281828459045, -lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= threshold:
            return k
        k += 1


def _ramp(day_index: float, start: int, peak: int, end: int, top: float) -> float:
    """A triangular intensity: 0 before ``start``, rising to ``top`` at ``peak``, 0 at ``end``."""
    if day_index < start or day_index > end:
        return 0.0
    if day_index <= peak:
        return top * (day_index - start + 1) / (peak - start + 1)
    return top * (end - day_index) / (end - peak)


# --------------------------------------------------------------------------------------------


def _noise_day(b: _Builder, day: date, scale: float, parties: list[tuple[str, str]]) -> None:
    rng = b.rng
    for _ in range(_poisson(rng, 40 * scale)):
        _cat, names, _hs, hazards = rng.choice(_PRODUCTS)
        brand = rng.choice(_BRANDS)
        product = rng.choice(names)
        model = f"{brand[:1].upper() if brand.isascii() else 'X'}{rng.randint(100, 9999)}"
        if rng.random() < 0.25:
            hazard = rng.choice(list(hazards))
            text = rng.choice(hazards[hazard])
            outcome = rng.choice(["none", "none", "minor"])
        else:
            text, outcome = rng.choice(_QUALITY_COMPLAINTS), "none"
        extra: dict[str, object] = {"brand": brand, "model": model, "outcome": outcome}
        b.complaint(_at(day, rng), f"{brand}{product}", text, "noise", **extra)
    for _ in range(_poisson(rng, 8 * scale)):
        _cat, names, _hs, hazards = rng.choice(_PRODUCTS)
        hazard = rng.choice([h for h in hazards if h])
        injury = rng.choice(_INJURY_TYPES.get(hazard, [("other", "其他")]))
        extra = {"patient_age": rng.randint(15, 60)}
        if rng.random() < 0.5:
            extra["brand"] = rng.choice(_BRANDS)
        outcome = rng.choices(["minor", "emergency", "hospitalised"], [60, 35, 5])[0]
        b.injury(
            _at(day, rng),
            rng.choice(names),
            outcome,
            injury,
            rng.choice(hazards[hazard]),
            "noise",
            **extra,
        )
    for _ in range(_poisson(rng, 1.5 * scale)):
        food = rng.choice(_PRODUCTS[4][1])
        body_extra: dict[str, object] = {
            "cases": rng.randint(1, 3),
            "hospitalised": 0,
            "region": rng.choice(_REGIONS),
            "pathogen": rng.choice(["诺如病毒", "沙门氏菌", "未明确"]),
            "setting": rng.choice(["家庭", "餐馆", "单位食堂"]),
        }
        rid = b.next_id("FB")
        when = _at(day, rng)
        body: dict[str, object] = {
            "report_id": rid,
            "reported_at": _ts(rng, when),
            "food_name": food,
            **body_extra,
        }
        b.add("foodborne", body, when, f"foodborne:{rid}", "noise")
    for _ in range(_poisson(rng, 12 * scale)):
        _cat, names, _hs, _hz = rng.choice(_PRODUCTS)
        brand = rng.choice(_BRANDS)
        title = f"【{rng.choice(['正品', '热卖', '新款'])}】{brand}{rng.choice(names)} 包邮"
        flags = rng.choice([[], [], ["price_anomaly"], ["complaints"]])
        b.listing(
            _at(day, rng),
            title,
            "noise",
            brand=brand,
            price=round(rng.uniform(9, 900), 2),
            currency="CNY",
            sales_count=rng.randint(0, 3000),
            flags=flags,
            seller_name=f"{brand}专营店",
        )
    for _ in range(_poisson(rng, 30 * scale)):
        _cat, names, hs, _hz = rng.choice(_PRODUCTS)
        consignee_name, consignee_uscc = rng.choice(parties)
        brand = rng.choice(_BRANDS)
        b.declaration(
            _at(day, rng),
            f"{brand}{rng.choice(names)}",
            hs,
            rng.choice(_ORIGINS),
            "noise",
            brand=brand,
            quantity=rng.randint(100, 20000),
            unit="pcs",
            value=round(rng.uniform(1_000, 200_000), 2),
            consignee=consignee_name,
            consignee_uscc=consignee_uscc,
            consignor=f"{rng.choice(_BRANDS)} Trading Co.",
        )


def _scooter(
    b: _Builder,
    day_index: int,
    day: date,
    importer: tuple[str, str],
    shape: IncidentShape = _AS_USUAL,
) -> None:
    rng, label = b.rng, "incident:scooter"
    t = shape.clock(day_index, 6)
    product = rng.choice(["乐途儿童折叠滑板车", "乐途儿童滑板车", "LeTu kids folding scooter"])
    texts = [
        "孩子玩滑板车时折叠处夹到手指，流了很多血",
        "折叠关节没有防夹设计，孩子手指被夹伤缝了针",
        "滑板车折叠扣突然松开，夹断了孩子的指尖",
        "Child's finger was pinched in the folding hinge, deep cut",
    ]
    for _ in range(_poisson(rng, shape.size * _ramp(t, 6, 16, 30, 3.0))):
        if not shape.reports("complaints"):
            continue
        b.complaint(
            _at(day, rng),
            product,
            rng.choice(texts),
            label,
            brand="乐途",
            model="LT-S3",
            outcome=rng.choice(["minor", "emergency"]),
            victim_age=rng.randint(3, 10),
        )
    for _ in range(_poisson(rng, shape.size * _ramp(t, 7, 17, 30, 1.4))):
        if not shape.reports("injuries"):
            continue
        outcome = rng.choices(["minor", "emergency", "hospitalised"], [10, 65, 25])[0]
        extra: dict[str, object] = {"patient_age": rng.randint(3, 10)}
        if rng.random() < 0.6:
            extra.update(brand="乐途", model="LT-S3")
        b.injury(
            _at(day, rng),
            rng.choice(["儿童滑板车", "儿童折叠滑板车"]),
            outcome,
            ("crush", "手指"),
            "玩滑板车时手指被折叠铰链夹伤",
            label,
            **extra,
        )
    if 8 <= t <= 30 and rng.random() < 0.5 * shape.size and shape.reports("listings"):
        b.listing(
            _at(day, rng),
            "【热卖】乐途儿童折叠滑板车3-8岁宝宝闪光轮 LT-S3 包邮",
            label,
            brand="乐途",
            model="LT-S3",
            price=199.0,
            currency="CNY",
            sales_count=rng.randint(800, 6000),
            flags=["complaints"],
            seller_name="乐途官方旗舰店",
            origin_country="VN",
        )
    if day_index % 2 == 1 and shape.reports("declarations"):
        b.declaration(
            _at(day, rng),
            "儿童折叠滑板车 乐途 LT-S3",
            "9503001000",
            "VN",
            label,
            brand="乐途",
            model="LT-S3",
            quantity=rng.randint(2000, 8000),
            unit="pcs",
            value=round(rng.uniform(20_000, 80_000), 2),
            consignee=importer[0],
            consignee_uscc=importer[1],
            consignor="LeTu Vietnam Manufacturing Co.",
        )


def _enoki(
    b: _Builder,
    day_index: int,
    day: date,
    importer: tuple[str, str],
    shape: IncidentShape = _AS_USUAL,
) -> None:
    rng, label = b.rng, "incident:enoki"
    t = shape.clock(day_index, 14)
    for _ in range(_poisson(rng, shape.size * _ramp(t, 14, 22, 32, 2.2))):
        if not shape.reports("foodborne"):
            continue
        cases = rng.randint(1, 6)
        hospitalised = rng.randint(0, cases)
        deaths = 1 if hospitalised and rng.random() < 0.12 else 0
        rid = b.next_id("FB")
        when = _at(day, rng)
        body = {
            "report_id": rid,
            "reported_at": _ts(rng, when + timedelta(days=rng.randint(1, 3))),
            "onset_date": when.astimezone(CST).strftime("%Y/%m/%d"),
            "region": rng.choice(["山东", "江苏", "上海", "北京", "辽宁", "浙江"]),
            "food_name": rng.choice(["韩国进口金针菇", "金针菇", "Enoki mushroom"]),
            "brand": "绿谷",
            "origin_country": rng.choice(["韩国", "KOR", "Korea, Republic of"]),
            "pathogen": "单核细胞增生李斯特菌 Listeria monocytogenes",
            "cases": cases,
            "hospitalised": hospitalised,
            "deaths": deaths,
            "setting": "家庭",
            "narrative": "食用凉拌金针菇后发热、腹泻，老人症状较重",
        }
        b.add("foodborne", body, when, f"foodborne:{rid}", label)
    for _ in range(_poisson(rng, shape.size * _ramp(t, 15, 22, 30, 0.6))):
        if not shape.reports("complaints"):
            continue
        b.complaint(
            _at(day, rng),
            "绿谷金针菇",
            "吃了超市买的金针菇后腹泻发烧，怀疑李斯特菌",
            label,
            brand="绿谷",
            outcome="minor",
        )
    if day_index % 4 == 2 and shape.reports("declarations"):
        b.declaration(
            _at(day, rng),
            "鲜金针菇 绿谷 Green Valley enoki",
            "0709591000",
            "KR",
            label,
            brand="绿谷",
            quantity=rng.randint(5, 40),
            unit="吨",
            value=round(rng.uniform(30_000, 120_000), 2),
            consignee=importer[0],
            consignee_uscc=importer[1],
            consignor="Green Valley Farm Co., Ltd.",
        )


def _heater(b: _Builder, day_index: int, day: date, shape: IncidentShape = _AS_USUAL) -> None:
    rng, label = b.rng, "incident:heater"
    t = shape.clock(day_index, 18)
    for _ in range(_poisson(rng, shape.size * _ramp(t, 18, 28, 40, 2.5))):
        if not shape.reports("listings"):
            continue
        b.listing(
            _at(day, rng),
            f"【特价】暖阳取暖器家用节能电暖器 NY-2000 {rng.choice(['小太阳', '速热'])}",
            label,
            brand="暖阳",
            model="NY-2000",
            price=round(rng.uniform(39, 69), 2),
            currency="CNY",
            sales_count=rng.randint(300, 4000),
            flags=["counterfeit", "no_ccc_mark"],
            seller_name=f"暖阳{rng.randint(1, 20)}号店",
            description="无3C认证，疑似仿冒暖阳品牌",
        )
    for _ in range(_poisson(rng, shape.size * _ramp(t, 20, 29, 40, 2.0))):
        if not shape.reports("complaints"):
            continue
        b.complaint(
            _at(day, rng),
            "暖阳电暖器",
            rng.choice(
                [
                    "网购的暖阳电暖器使用半小时插头处冒烟起火",
                    "取暖器外壳发烫，孩子碰到被烫伤",
                    "电暖器倾倒后不断电，地毯被烧焦",
                ]
            ),
            label,
            brand="暖阳",
            model="NY-2000",
            outcome=rng.choice(["none", "minor"]),
            purchase_channel="online",
            platform=rng.choice(_PLATFORMS),
        )
    for _ in range(_poisson(rng, shape.size * _ramp(t, 22, 30, 40, 0.8))):
        if not shape.reports("injuries"):
            continue
        b.injury(
            _at(day, rng),
            "电暖器",
            rng.choices(["minor", "emergency", "hospitalised"], [30, 50, 20])[0],
            ("burn", "手臂"),
            "取暖器过热起火导致烧伤",
            label,
            brand="暖阳",
            patient_age=rng.randint(2, 80),
        )


def _duplicates(b: _Builder) -> None:
    """Re-sent records (same bytes, a few hours later) and cross-channel re-submissions."""
    rng = b.rng
    originals = [r for r in b.records if r.label != "malformed"]
    for rec in rng.sample(originals, k=len(originals) * 3 // 100):
        later = rec.event_time + timedelta(hours=rng.randint(1, 6))
        b.records.append(
            FeedRecord(rec.feed, rec.payload, later, "duplicate", rec.signal_id, rec.key)
        )
    complaints = [r for r in originals if r.feed == "complaints"]
    for rec in rng.sample(complaints, k=len(complaints) * 2 // 100):
        body = orjson.loads(rec.payload)
        body["complaint_id"] = b.next_id("CP")
        body["channel"] = "web" if body.get("channel") != "web" else "hotline"
        sid = f"complaints:{body['complaint_id']}"
        b.records.append(
            FeedRecord(
                "complaints",
                orjson.dumps(body),
                rec.event_time + timedelta(minutes=rng.randint(5, 90)),
                "duplicate",
                sid,
                body["complaint_id"].encode(),
            )
        )


def _malformed(b: _Builder) -> None:
    """About one record in a hundred is broken, in the ways real feeds break."""
    rng = b.rng
    victims = rng.sample(b.records, k=max(6, len(b.records) // 100))

    def drop_name(p: bytes) -> bytes:
        names = ("product_name", "title", "food_name", "goods_description")
        return orjson.dumps({k: v for k, v in orjson.loads(p).items() if k not in names})

    def wrong_type(p: bytes) -> bytes:
        body = orjson.loads(p)
        if "cases" in body:
            return orjson.dumps({**body, "cases": "三"})
        if "line_no" in body:
            return orjson.dumps({**body, "line_no": "first"})
        return orjson.dumps([body])  # an array where an object belongs

    breakers: list[Callable[[bytes], bytes]] = [
        lambda p: p[: len(p) // 2],  # truncated JSON
        lambda p: b"\xff\xfe" + p[2:],  # not UTF-8
        drop_name,
        wrong_type,
        lambda p: p.replace(b'"origin_country":"', b'"origin_country":"Atlantis'),
    ]
    for i, rec in enumerate(victims):
        broken = breakers[i % len(breakers)](rec.payload)
        if broken == rec.payload:  # the origin breaker found no origin: truncate instead
            broken = rec.payload[:-3]
        b.records.append(
            FeedRecord(
                rec.feed,
                broken,
                rec.event_time + timedelta(minutes=1),
                "malformed",
                None,
                rec.key + b"-bad",
            )
        )


def generate(
    seed: int = 7,
    days: int = 42,
    start: date = date(2026, 9, 1),
    scale: float = 1.0,
    shapes: Mapping[str, IncidentShape] | None = None,
) -> Sample:
    """Generate ``days`` days of the five feeds from ``start``; same seed, same bytes.

    ``shapes`` maps an incident name (``INCIDENTS``) to how it unfolds; incidents not named
    follow their default course, and an incident left out (``present=False``) is not in
    ``Sample.incidents``.
    """
    shapes = shapes or {}
    unknown = sorted(set(shapes) - set(INCIDENTS))
    if unknown:
        raise ValueError(f"unknown incidents {unknown}; expected some of {list(INCIDENTS)}")
    scooter = shapes.get("scooter", _AS_USUAL)
    enoki = shapes.get("enoki", _AS_USUAL)
    heater = shapes.get("heater", _AS_USUAL)
    rng = random.Random(seed)
    b = _Builder(rng)
    parties = [
        (
            f"{rng.choice(_BRANDS)}进出口有限公司",
            _uscc(rng, rng.choice(["310000", "440300", "330200", "370200", "120000"])),
        )
        for _ in range(40)
    ]
    scooter_importer = ("上海乐途贸易有限公司", _uscc(rng, "310000"))
    enoki_importer = ("青岛鲜达进出口有限公司", _uscc(rng, "370200"))
    for i in range(days):
        day = start + timedelta(days=i)
        _noise_day(b, day, scale, parties)
        if scooter.present:
            _scooter(b, i, day, scooter_importer, scooter)
        if enoki.present:
            _enoki(b, i, day, enoki_importer, enoki)
        if heater.present:
            _heater(b, i, day, heater)
    _duplicates(b)
    _malformed(b)
    b.records.sort(key=lambda r: (r.event_time, r.feed, r.key))
    credit = {uscc: rng.choices("ABCD", [50, 35, 12, 3])[0] for _, uscc in parties}
    credit[scooter_importer[1]] = "B"
    credit[enoki_importer[1]] = "C"
    blacklist = frozenset(uscc for _, uscc in rng.sample(parties, k=2))
    origin_risk = {o: round(rng.uniform(0.05, 0.5), 2) for o in _ORIGINS}
    origin_risk["IN"] = 0.75
    every = {
        "scooter": IncidentTruth(
            "scooter",
            "children's folding scooter pinches fingers (VN)",
            frozenset(b.truth.get("scooter", ())),
            True,
        ),
        "enoki": IncidentTruth(
            "enoki",
            "Listeria in enoki mushrooms imported from KR",
            frozenset(b.truth.get("enoki", ())),
            True,
        ),
        "heater": IncidentTruth(
            "heater",
            "counterfeit electric heaters sold online catch fire",
            frozenset(b.truth.get("heater", ())),
            False,
        ),
    }
    incidents = {n: t for n, t in every.items() if shapes.get(n, _AS_USUAL).present}
    counts: dict[str, int] = {}
    for r in b.records:
        kind = r.label.split(":")[0]
        counts[kind] = counts.get(kind, 0) + 1
    return Sample(
        records=b.records,
        incidents=incidents,
        noise_signal_ids=frozenset(b.noise),
        reference=ReferenceData(credit, blacklist, origin_risk),
        start=start,
        days=days,
        counts=counts,
    )
