"""The sample generator's background vocabulary, read from ``lab/sampledata/vocabulary.json``.

Regions, brands, platforms, ports, origins, product types (category, names, HS code and the
complaint texts per hazard), quality complaints, complaint channels and injury types are data,
not code: they live in the JSON file and are loaded once here. The generator draws from these
sequences by position, so their order is part of what a seed means.
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any, NamedTuple

__all__ = [
    "BRANDS",
    "CHANNELS",
    "INJURY_TYPES",
    "ORIGINS",
    "PLATFORMS",
    "PORTS",
    "PRODUCTS",
    "QUALITY_COMPLAINTS",
    "REGIONS",
    "Product",
]


class Product(NamedTuple):
    """A product type of the background: what can go wrong with it, and how people say so."""

    category: str
    names: tuple[str, ...]
    hs_code: str
    hazards: dict[str, tuple[str, ...]]  # hazard -> complaint texts


def _load() -> dict[str, Any]:
    text = files("lab").joinpath("sampledata", "vocabulary.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _strings(items: list[str]) -> tuple[str, ...]:
    return tuple(str(s) for s in items)


_DATA = _load()
REGIONS = _strings(_DATA["regions"])
BRANDS = _strings(_DATA["brands"])
PLATFORMS = _strings(_DATA["platforms"])
PORTS = _strings(_DATA["ports"])
ORIGINS = _strings(_DATA["origins"])
PRODUCTS = tuple(
    Product(
        category=p["category"],
        names=_strings(p["names"]),
        hs_code=p["hs_code"],
        hazards={h: _strings(texts) for h, texts in p["hazards"].items()},
    )
    for p in _DATA["products"]
)
QUALITY_COMPLAINTS = _strings(_DATA["quality_complaints"])
CHANNELS = _strings(_DATA["channels"])
# hazard -> (injury type, body part) pairs an injury report of that hazard can show
INJURY_TYPES: dict[str, tuple[tuple[str, str], ...]] = {
    hazard: tuple((str(kind), str(part)) for kind, part in pairs)
    for hazard, pairs in _DATA["injury_types"].items()
}
del _DATA
