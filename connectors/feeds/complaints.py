"""Consumer complaints (12315 / 12365 hotlines, web, apps, letters)."""

from __future__ import annotations

from typing import Any

from connectors.feeds.base import FeedAdapter, FeedContext, load_schema
from connectors.feeds.common import source_id
from connectors.normalize import optional_text, timestamp, uscc
from detectors.text import clean, language_of
from schemas.records import Signal

__all__ = ["FEED"]


def to_signal(record: dict[str, Any], ctx: FeedContext) -> Signal:
    """Map a complaint; the victim's age marks a vulnerable group."""
    sid = source_id(record, "complaint_id")
    text = clean(record["description"])
    age = record.get("victim_age")
    groups = ctx.catalogue.vulnerable_groups("", age) if age is not None else ()
    return Signal(
        signal_id=f"complaints:{sid}",
        feed="complaints",
        source_id=sid,
        event_time=timestamp(record["received_at"], "received_at", ctx.tz),
        ingest_time=ctx.ingest_time,
        product_name=clean(record["product_name"]),
        text=text,
        brand=optional_text(record.get("brand")),
        model=optional_text(record.get("model")),
        enterprise_name=optional_text(record.get("enterprise_name")),
        enterprise_uscc=uscc(record.get("enterprise_uscc")),
        hazard_class=record.get("hazard_class"),
        outcome=record.get("outcome") or "none",
        vulnerable_groups=groups,
        region=optional_text(record.get("region")),
        channel=optional_text(record.get("channel")) or "unknown",
        platform=optional_text(record.get("platform")),
        language=language_of(text),
        person_age=int(age) if age is not None else None,
    )


FEED = FeedAdapter(
    name="complaints",
    schema=load_schema("complaints"),
    to_signal=to_signal,
    description="Consumer complaints from hotlines, web forms and apps",
)
