"""The three planted incidents of a sample, day by day: ``scooter``, ``enoki`` and ``heater``.

Each function adds one day of an incident's reports (see :mod:`lab.sample` for the stories),
following its default course bent by an :class:`~lab.sample_types.IncidentShape`.
"""

from __future__ import annotations

from datetime import date, timedelta

from lab.sample_builder import RecordBuilder, feed_timestamp, moment_of, poisson, ramp
from lab.sample_types import CST, IncidentShape
from lab.sample_vocabulary import PLATFORMS

__all__ = ["plant_enoki", "plant_heater", "plant_scooter"]


def plant_scooter(
    b: RecordBuilder,
    day_index: int,
    day: date,
    importer: tuple[str, str],
    shape: IncidentShape,
) -> None:
    """Day ``day_index`` (``day``) of the scooter incident; ``importer`` declares the goods."""
    rng, label = b.rng, "incident:scooter"
    t = shape.clock(day_index, 6)
    product = rng.choice(["乐途儿童折叠滑板车", "乐途儿童滑板车", "LeTu kids folding scooter"])
    texts = [
        "孩子玩滑板车时折叠处夹到手指，流了很多血",
        "折叠关节没有防夹设计，孩子手指被夹伤缝了针",
        "滑板车折叠扣突然松开，夹断了孩子的指尖",
        "Child's finger was pinched in the folding hinge, deep cut",
    ]
    for _ in range(poisson(rng, shape.size * ramp(t, 6, 16, 30, 3.0))):
        if not shape.reports("complaints"):
            continue
        b.complaint(
            moment_of(day, rng),
            product,
            rng.choice(texts),
            label,
            brand="乐途",
            model="LT-S3",
            outcome=rng.choice(["minor", "emergency"]),
            victim_age=rng.randint(3, 10),
        )
    for _ in range(poisson(rng, shape.size * ramp(t, 7, 17, 30, 1.4))):
        if not shape.reports("injuries"):
            continue
        outcome = rng.choices(["minor", "emergency", "hospitalised"], [10, 65, 25])[0]
        extra: dict[str, object] = {"patient_age": rng.randint(3, 10)}
        if rng.random() < 0.6:
            extra.update(brand="乐途", model="LT-S3")
        b.injury(
            moment_of(day, rng),
            rng.choice(["儿童滑板车", "儿童折叠滑板车"]),
            outcome,
            ("crush", "手指"),
            "玩滑板车时手指被折叠铰链夹伤",
            label,
            **extra,
        )
    if 8 <= t <= 30 and rng.random() < 0.5 * shape.size and shape.reports("listings"):
        b.listing(
            moment_of(day, rng),
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
            moment_of(day, rng),
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


def plant_enoki(
    b: RecordBuilder,
    day_index: int,
    day: date,
    importer: tuple[str, str],
    shape: IncidentShape,
) -> None:
    """Day ``day_index`` (``day``) of the enoki outbreak; ``importer`` declares the goods."""
    rng, label = b.rng, "incident:enoki"
    t = shape.clock(day_index, 14)
    for _ in range(poisson(rng, shape.size * ramp(t, 14, 22, 32, 2.2))):
        if not shape.reports("foodborne"):
            continue
        cases = rng.randint(1, 6)
        hospitalised = rng.randint(0, cases)
        deaths = 1 if hospitalised and rng.random() < 0.12 else 0
        rid = b.next_id("FB")
        when = moment_of(day, rng)
        body = {
            "report_id": rid,
            "reported_at": feed_timestamp(rng, when + timedelta(days=rng.randint(1, 3))),
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
    for _ in range(poisson(rng, shape.size * ramp(t, 15, 22, 30, 0.6))):
        if not shape.reports("complaints"):
            continue
        b.complaint(
            moment_of(day, rng),
            "绿谷金针菇",
            "吃了超市买的金针菇后腹泻发烧，怀疑李斯特菌",
            label,
            brand="绿谷",
            outcome="minor",
        )
    if day_index % 4 == 2 and shape.reports("declarations"):
        b.declaration(
            moment_of(day, rng),
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


def plant_heater(b: RecordBuilder, day_index: int, day: date, shape: IncidentShape) -> None:
    """Day ``day_index`` (``day``) of the counterfeit heaters (domestic: no declarations)."""
    rng, label = b.rng, "incident:heater"
    t = shape.clock(day_index, 18)
    for _ in range(poisson(rng, shape.size * ramp(t, 18, 28, 40, 2.5))):
        if not shape.reports("listings"):
            continue
        b.listing(
            moment_of(day, rng),
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
    for _ in range(poisson(rng, shape.size * ramp(t, 20, 29, 40, 2.0))):
        if not shape.reports("complaints"):
            continue
        b.complaint(
            moment_of(day, rng),
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
            platform=rng.choice(PLATFORMS),
        )
    for _ in range(poisson(rng, shape.size * ramp(t, 22, 30, 40, 0.8))):
        if not shape.reports("injuries"):
            continue
        b.injury(
            moment_of(day, rng),
            "电暖器",
            rng.choices(["minor", "emergency", "hospitalised"], [30, 50, 20])[0],
            ("burn", "手臂"),
            "取暖器过热起火导致烧伤",
            label,
            brand="暖阳",
            patient_age=rng.randint(2, 80),
        )
