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

The parts live in their own modules: the types (:mod:`lab.sample_types`), the vocabulary of the
background (:mod:`lab.sample_vocabulary`, data in ``lab/sampledata/``), record building
(:mod:`lab.sample_builder`), background noise and broken records (:mod:`lab.sample_noise`) and
the incidents (:mod:`lab.sample_incidents`); this module puts them together.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date, timedelta

from lab.sample_builder import RecordBuilder, make_uscc
from lab.sample_incidents import plant_enoki, plant_heater, plant_scooter
from lab.sample_noise import add_duplicates, add_malformed, noise_day
from lab.sample_types import CST as CST  # re-exported: importers take the time zone from here
from lab.sample_types import (
    INCIDENTS,
    FeedRecord,
    IncidentShape,
    IncidentTruth,
    ReferenceData,
    Sample,
)
from lab.sample_vocabulary import BRANDS, ORIGINS

__all__ = [
    "INCIDENTS",
    "FeedRecord",
    "IncidentShape",
    "IncidentTruth",
    "ReferenceData",
    "Sample",
    "generate",
]

_AS_USUAL = IncidentShape()


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
    b = RecordBuilder(rng)
    parties = [
        (
            f"{rng.choice(BRANDS)}进出口有限公司",
            make_uscc(rng, rng.choice(["310000", "440300", "330200", "370200", "120000"])),
        )
        for _ in range(40)
    ]
    scooter_importer = ("上海乐途贸易有限公司", make_uscc(rng, "310000"))
    enoki_importer = ("青岛鲜达进出口有限公司", make_uscc(rng, "370200"))
    for i in range(days):
        day = start + timedelta(days=i)
        noise_day(b, day, scale, parties)
        if scooter.present:
            plant_scooter(b, i, day, scooter_importer, scooter)
        if enoki.present:
            plant_enoki(b, i, day, enoki_importer, enoki)
        if heater.present:
            plant_heater(b, i, day, heater)
    add_duplicates(b)
    add_malformed(b)
    b.records.sort(key=lambda r: (r.event_time, r.feed, r.key))
    credit = {uscc: rng.choices("ABCD", [50, 35, 12, 3])[0] for _, uscc in parties}
    credit[scooter_importer[1]] = "B"
    credit[enoki_importer[1]] = "C"
    blacklist = frozenset(uscc for _, uscc in rng.sample(parties, k=2))
    origin_risk = {o: round(rng.uniform(0.05, 0.5), 2) for o in ORIGINS}
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
