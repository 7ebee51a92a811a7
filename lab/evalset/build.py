"""Building the set: events and duplicates per entity, ids in arrival order, and splits.

:func:`generate_evalset` is the one entry point; one seed gives byte-identical records.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from lab.evalset.events import Facts, Voice, draw_facts, draw_voice
from lab.evalset.records import CALIBRATE_SHARE, ID_FIELDS, EvalRecord
from lab.evalset.reports import (
    CHANNELS,
    complaint_record,
    food_complaint_text,
    foodborne_record,
    hospital_of,
    injury_record,
)
from lab.evalset.tables import WORLD
from lab.evalset.trade import (
    declaration_record,
    listing_description,
    listing_record,
    listing_template,
    listing_title,
)
from lab.evalset.world import Entity, Names, make_entities
from lab.evalset.writing import CST, timestamp

__all__ = ["generate_evalset"]


@dataclass
class Draft:
    """A record before ids are given: its content, arrival time and ground truth."""

    seq: int
    feed: str
    record: dict[str, Any]
    arrival: datetime
    entity: Entity
    note: str
    root: Draft | None = None
    style: str = ""
    record_id: str = ""


class Builder:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.drafts: list[Draft] = []
        self.voices: dict[int, Voice] = {}  # how each complaint draft was written

    def add(
        self,
        feed: str,
        record: dict[str, Any],
        arrival: datetime,
        entity: Entity,
        note: str,
        root: Draft | None = None,
        style: str = "",
    ) -> Draft:
        draft = Draft(len(self.drafts), feed, record, arrival, entity, note, root, style)
        self.drafts.append(draft)
        return draft

    # ---------------------------------------------------------------------------- reports

    def complaint(self, e: Entity, f: Facts, note: str, voice: Voice | None = None) -> Draft:
        rng = self.rng
        if voice is None:
            style = (
                "en"
                if f.lang == "en"
                else rng.choices(
                    ["hotline", "web", "app", "letter", "transfer"], [40, 30, 18, 4, 8]
                )[0]
            )
            voice = draw_voice(e, rng, style)
        received = f.incident + timedelta(minutes=rng.randint(30, 5 * 24 * 60))
        record = self._complaint_as_filed(e, f, voice, received)
        draft = self.add("complaints", record, received, e, note, style=voice.style)
        self.voices[draft.seq] = voice
        return draft

    def _complaint_as_filed(
        self, e: Entity, f: Facts, v: Voice, received: datetime, hospital: str | None = None
    ) -> dict[str, Any]:
        record = complaint_record(e, f, v, self.rng, received, hospital)
        if e.product.food:
            record["description"] = (
                food_complaint_text(e, f, v, self.rng) if v.style != "en" else record["description"]
            )
        return record

    def report(self, e: Entity, f: Facts, note: str) -> Draft:
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
            hospital_id, _ = hospital_of(f, rng.randrange(6))
            record = injury_record(e, f, rng, reported, hospital_id)
            return self.add("injuries", record, reported, e, note)
        reported = f.incident + timedelta(minutes=rng.randint(24 * 60, 4 * 24 * 60))
        return self.add("foodborne", foodborne_record(e, f, rng, reported), reported, e, note)

    def listing(self, e: Entity, when: datetime, note: str) -> Draft:
        rng = self.rng
        seller = rng.choice(e.sellers)
        lang = "en" if rng.random() < e.en_share else "zh"
        record = listing_record(e, seller, rng, when, lang, listing_template(e, rng, lang))
        return self.add("listings", record, when, e, note, style=lang)

    def declaration(self, e: Entity, when: datetime) -> Draft:
        return self.add(
            "declarations", declaration_record(e, self.rng, when), when, e, "declaration"
        )

    # ------------------------------------------------------------------------- duplicates

    def duplicate(self, root: Draft, f: Facts | None) -> Draft | None:
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
                    if s != old.style and channel not in CHANNELS[s]
                ]
                style = rng.choices(
                    choices, [3 if s in ("hotline", "web") else 1 for s in choices]
                )[0]
            else:
                style = old.style
            voice = draw_voice(e, rng, style)
            if kind == "reworded":
                voice = replace(voice, template=1 - old.template)
            record = self._complaint_as_filed(e, f, voice, later)
            if kind == "reworded":
                record["channel"] = root.record["channel"]
            draft = self.add("complaints", record, later, e, kind, root, voice.style)
            self.voices[draft.seq] = voice
            return draft
        if root.feed == "injuries":
            if kind == "cross-channel":
                later = root.arrival + timedelta(minutes=rng.randint(24 * 60, 10 * 24 * 60))
                _, hospital = hospital_of(f, int(root.record["hospital_id"][-2:]) - 1)
                style = rng.choice(["hotline", "web", "web", "app"])
                voice = draw_voice(e, rng, style)
                record = self._complaint_as_filed(e, f, voice, later, hospital)
                record["victim_age"] = f.age
                draft = self.add("complaints", record, later, e, kind, root, style)
                self.voices[draft.seq] = voice
                return draft
            record = injury_record(e, f, rng, later, root.record["hospital_id"])
            record["injury_date"] = root.record["injury_date"]
            record["patient_sex"] = root.record["patient_sex"]
            if kind == "follow-up":
                record = {**root.record, "reported_at": timestamp(later, rng)}
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
            voice = draw_voice(e, rng, style)
            record = self._complaint_as_filed(e, f, voice, later)
            draft = self.add("complaints", record, later, e, kind, root, style)
            self.voices[draft.seq] = voice
            return draft
        later = root.arrival + timedelta(minutes=rng.randint(24 * 60, 6 * 24 * 60))
        extra = rng.randint(1, 4)
        record = {
            **root.record,
            "reported_at": timestamp(later, rng),
            "cases": int(root.record["cases"]) + extra,
            "hospitalised": int(root.record["hospitalised"] or 0) + rng.randint(0, 1),
            "narrative": f"{root.record['narrative']}续报：新增病例{extra}例，均有共同进食史。",
        }
        return self.add("foodborne", record, later, e, "follow-up", root)

    def _relisted(self, root: Draft) -> Draft:
        rng, e = self.rng, root.entity
        later = root.arrival + timedelta(minutes=rng.randint(24 * 60, 14 * 24 * 60))
        record = {**root.record}
        template = listing_template(e, rng, root.style)
        title = listing_title(e, rng, template)
        for _ in range(5):
            if title != root.record["title"]:
                break
            title = listing_title(e, rng, listing_template(e, rng, root.style))
        price = float(record["price"]) * rng.uniform(0.7, 1.2)
        record.update(
            captured_at=timestamp(later, rng),
            title=title,
            price=round(max(round(price) - 0.1, 0.9), 2),
            sales_count=rng.randint(0, 50),
        )
        if rng.random() < 0.4:
            record["description"] = listing_description(e, rng, list(record["flags"]), root.style)
        return self.add("listings", record, later, e, "relisted", root, root.style)


_EVENT_SIZES = (1, 2, 3, 4, 5, 6, 8, 10, 14, 20, 30)
_EVENT_WEIGHTS = (10, 12, 12, 10, 9, 8, 8, 7, 6, 4, 2)
_DUPLICATE_CHANCE = {"complaints": 0.2, "injuries": 0.3, "foodborne": 0.3, "listings": 0.2}


def _build_entity(b: Builder, e: Entity, declarable: bool) -> None:
    rng = b.rng
    n_events = rng.choices(_EVENT_SIZES, _EVENT_WEIGHTS)[0]
    span = timedelta(days=e.span_days)
    complaints: list[tuple[Draft, Facts]] = []
    for i in range(n_events):
        when = e.start + span * rng.random() + timedelta(hours=rng.randint(7, 22))
        listing_share = 0.15 if e.product.food else 0.25
        if i > 0 and rng.random() < listing_share:
            root = b.listing(e, when, "report")
            facts: Facts | None = None
        else:
            facts = draw_facts(e, rng, when)
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


def _assign_ids(drafts: list[Draft], rng: random.Random) -> None:
    """Ids as each source system would issue them, in arrival order."""
    counters = Counter({feed: rng.randint(1000, 9000) for feed in ID_FIELDS})
    used: set[str] = set()
    for d in drafts:
        counters[d.feed] += rng.randint(1, 37)
        n = counters[d.feed]
        local = d.arrival.astimezone(CST)
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
            template = WORLD.urls.get(d.record["platform"])
            d.record["url"] = template.format(id=rid) if template else None
        else:
            customs = d.entity.port[1]
            rid = f"{customs}{local:%Y}1{n:09d}"
            d.record["declaration_id"] = rid
        if rid in used:  # pragma: no cover - counters only grow
            raise AssertionError(f"record id {rid} issued twice")
        used.add(rid)
        d.record_id = rid


def _splits(entities: list[Entity], rng: random.Random) -> dict[int, str]:
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
    names = Names(rng)
    entities = make_entities(rng, n_entities, names)
    goods = Counter((e.brand.zh, e.product.key) for e in entities)
    builder = Builder(rng)
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
