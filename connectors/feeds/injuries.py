"""Product-injury reports from hospital surveillance and injury databases."""

from __future__ import annotations

from typing import Any

from connectors.feeds.base import FeedAdapter, FeedContext, load_schema
from connectors.feeds.common import joined, source_id
from connectors.normalize import optional_text, timestamp, uscc
from detectors.text import clean, language_of
from schemas.records import Signal

__all__ = ["FEED"]


def to_signal(record: dict[str, Any], ctx: FeedContext) -> Signal:
    """Map an injury report; the injury date is the event time when the hospital gives one."""
    sid = source_id(record, "report_id")
    text = joined(record.get("injury_type"), record.get("body_part"), record.get("narrative"))
    when = record.get("injury_date") or record["reported_at"]
    path = "injury_date" if record.get("injury_date") else "reported_at"
    age = record.get("patient_age")
    event_time = timestamp(when, path, ctx.tz)
    return Signal(
        signal_id=f"injuries:{sid}",
        feed="injuries",
        source_id=sid,
        event_time=event_time,
        ingest_time=ctx.ingest_time,
        product_name=clean(record["product_name"]),
        text=text,
        brand=optional_text(record.get("brand")),
        model=optional_text(record.get("model")),
        enterprise_name=optional_text(record.get("enterprise_name")),
        enterprise_uscc=uscc(record.get("enterprise_uscc")),
        outcome=record["outcome"],
        cases=1,
        hospitalised=int(record["outcome"] == "hospitalised"),
        deaths=int(record["outcome"] == "death"),
        vulnerable_groups=ctx.catalogue.vulnerable_groups("", age) if age is not None else (),
        region=optional_text(record.get("region")),
        channel=(optional_text(record.get("hospital_id")) and "hospital") or "injury_database",
        language=language_of(text or record["product_name"]),
        person_age=int(age) if age is not None else None,
        incident_date=event_time.astimezone(ctx.tz).date().isoformat()
        if record.get("injury_date")
        else None,
    )


FEED = FeedAdapter(
    name="injuries",
    schema=load_schema("injuries"),
    to_signal=to_signal,
    description="Product-related injuries reported by hospitals",
)
