"""Foodborne-disease surveillance reports: a case cluster linked to a food."""

from __future__ import annotations

from typing import Any

from connectors.feeds.base import FeedAdapter, FeedContext, load_schema
from connectors.feeds.common import joined, source_id
from connectors.normalize import country, hs_code, optional_text, timestamp, uscc
from detectors.text import clean, language_of
from schemas.records import HazardClass, Signal

__all__ = ["FEED"]


def _outcome(cases: int, hospitalised: int, deaths: int) -> str:
    if deaths:
        return "death"
    if hospitalised:
        return "hospitalised"
    return "emergency" if cases >= 5 else "minor"


def to_signal(record: dict[str, Any], ctx: FeedContext) -> Signal:
    """Map a foodborne report; illness from food is a biological hazard unless text says else."""
    sid = source_id(record, "report_id")
    text = joined(record.get("pathogen"), record.get("setting"), record.get("narrative"))
    when = record.get("onset_date") or record["reported_at"]
    path = "onset_date" if record.get("onset_date") else "reported_at"
    cases = int(record["cases"])
    hospitalised = int(record.get("hospitalised") or 0)
    deaths = int(record.get("deaths") or 0)
    hazard = ctx.catalogue.hazard_of(text) or HazardClass.BIOLOGICAL.value
    event_time = timestamp(when, path, ctx.tz)
    return Signal(
        signal_id=f"foodborne:{sid}",
        feed="foodborne",
        source_id=sid,
        event_time=event_time,
        ingest_time=ctx.ingest_time,
        product_name=clean(record["food_name"]),
        text=text,
        brand=optional_text(record.get("brand")),
        enterprise_name=optional_text(record.get("enterprise_name")),
        enterprise_uscc=uscc(record.get("enterprise_uscc")),
        hs_code=hs_code(record.get("hs_code")),
        origin_country=country(record.get("origin_country")),
        hazard_class=hazard,
        outcome=_outcome(cases, hospitalised, deaths),
        cases=cases,
        hospitalised=hospitalised,
        deaths=deaths,
        region=optional_text(record.get("region")),
        channel="disease_surveillance",
        language=language_of(text or record["food_name"]),
        incident_date=event_time.astimezone(ctx.tz).date().isoformat()
        if record.get("onset_date")
        else None,
    )


FEED = FeedAdapter(
    name="foodborne",
    schema=load_schema("foodborne"),
    to_signal=to_signal,
    description="Foodborne-disease case clusters from disease surveillance",
)
