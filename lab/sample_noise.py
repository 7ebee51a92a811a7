"""Everything in a sample that is not a planted incident: background reports and broken records.

:func:`noise_day` draws a day of ordinary complaints, injuries, foodborne reports, listings and
declarations from the vocabulary (:mod:`lab.sample_vocabulary`); :func:`add_duplicates` and
:func:`add_malformed` then re-send and break some of the records, as real feeds do.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import orjson

from lab.sample_builder import RecordBuilder, feed_timestamp, moment_of, poisson
from lab.sample_types import FeedRecord
from lab.sample_vocabulary import (
    BRANDS,
    INJURY_TYPES,
    ORIGINS,
    PRODUCTS,
    QUALITY_COMPLAINTS,
    REGIONS,
)

__all__ = ["add_duplicates", "add_malformed", "noise_day"]

_FOOD_NAMES = next(p.names for p in PRODUCTS if p.category == "food")


def noise_day(b: RecordBuilder, day: date, scale: float, parties: list[tuple[str, str]]) -> None:
    """One day of background reports of all five feeds, at ``scale`` times the usual rates.

    ``parties`` are the (name, USCC) of the importers that declare the background goods.
    """
    rng = b.rng
    for _ in range(poisson(rng, 40 * scale)):
        _cat, names, _hs, hazards = rng.choice(PRODUCTS)
        brand = rng.choice(BRANDS)
        product = rng.choice(names)
        model = f"{brand[:1].upper() if brand.isascii() else 'X'}{rng.randint(100, 9999)}"
        if rng.random() < 0.25:
            hazard = rng.choice(list(hazards))
            text = rng.choice(hazards[hazard])
            outcome = rng.choice(["none", "none", "minor"])
        else:
            text, outcome = rng.choice(QUALITY_COMPLAINTS), "none"
        extra: dict[str, object] = {"brand": brand, "model": model, "outcome": outcome}
        b.complaint(moment_of(day, rng), f"{brand}{product}", text, "noise", **extra)
    for _ in range(poisson(rng, 8 * scale)):
        _cat, names, _hs, hazards = rng.choice(PRODUCTS)
        hazard = rng.choice([h for h in hazards if h])
        injury = rng.choice(INJURY_TYPES.get(hazard, (("other", "其他"),)))
        extra = {"patient_age": rng.randint(15, 60)}
        if rng.random() < 0.5:
            extra["brand"] = rng.choice(BRANDS)
        outcome = rng.choices(["minor", "emergency", "hospitalised"], [60, 35, 5])[0]
        b.injury(
            moment_of(day, rng),
            rng.choice(names),
            outcome,
            injury,
            rng.choice(hazards[hazard]),
            "noise",
            **extra,
        )
    for _ in range(poisson(rng, 1.5 * scale)):
        food = rng.choice(_FOOD_NAMES)
        body_extra: dict[str, object] = {
            "cases": rng.randint(1, 3),
            "hospitalised": 0,
            "region": rng.choice(REGIONS),
            "pathogen": rng.choice(["诺如病毒", "沙门氏菌", "未明确"]),
            "setting": rng.choice(["家庭", "餐馆", "单位食堂"]),
        }
        rid = b.next_id("FB")
        when = moment_of(day, rng)
        body: dict[str, object] = {
            "report_id": rid,
            "reported_at": feed_timestamp(rng, when),
            "food_name": food,
            **body_extra,
        }
        b.add("foodborne", body, when, f"foodborne:{rid}", "noise")
    for _ in range(poisson(rng, 12 * scale)):
        _cat, names, _hs, _hz = rng.choice(PRODUCTS)
        brand = rng.choice(BRANDS)
        title = f"【{rng.choice(['正品', '热卖', '新款'])}】{brand}{rng.choice(names)} 包邮"
        flags = rng.choice([[], [], ["price_anomaly"], ["complaints"]])
        b.listing(
            moment_of(day, rng),
            title,
            "noise",
            brand=brand,
            price=round(rng.uniform(9, 900), 2),
            currency="CNY",
            sales_count=rng.randint(0, 3000),
            flags=flags,
            seller_name=f"{brand}专营店",
        )
    for _ in range(poisson(rng, 30 * scale)):
        _cat, names, hs, _hz = rng.choice(PRODUCTS)
        consignee_name, consignee_uscc = rng.choice(parties)
        brand = rng.choice(BRANDS)
        b.declaration(
            moment_of(day, rng),
            f"{brand}{rng.choice(names)}",
            hs,
            rng.choice(ORIGINS),
            "noise",
            brand=brand,
            quantity=rng.randint(100, 20000),
            unit="pcs",
            value=round(rng.uniform(1_000, 200_000), 2),
            consignee=consignee_name,
            consignee_uscc=consignee_uscc,
            consignor=f"{rng.choice(BRANDS)} Trading Co.",
        )


def add_duplicates(b: RecordBuilder) -> None:
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


def add_malformed(b: RecordBuilder) -> None:
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
