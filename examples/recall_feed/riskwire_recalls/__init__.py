"""Recall notices as a riskwire feed: one module, one JSON Schema, one entry point."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from connectors.feeds.base import FeedAdapter, FeedContext, load_schema
from connectors.normalize import optional_text, timestamp, uscc
from detectors.text import clean, language_of
from schemas.records import Signal


def to_signal(record: dict[str, Any], ctx: FeedContext) -> Signal:
    """A recall is a confirmed defect: flag it, so scoring can count it as evidence."""
    rid = clean(record["recall_id"])
    text = clean(record["defect"])
    return Signal(
        signal_id=f"recalls:{rid}",
        feed="recalls",
        source_id=rid,
        event_time=timestamp(record["announced_at"], "announced_at", ctx.tz),
        ingest_time=ctx.ingest_time,
        product_name=clean(record["product_name"]),
        text=text,
        brand=optional_text(record.get("brand")),
        model=optional_text(record.get("model")),
        enterprise_name=optional_text(record.get("producer")),
        enterprise_uscc=uscc(record.get("producer_uscc"), "producer_uscc"),
        hazard_class=record.get("hazard_class"),
        region=optional_text(record.get("region")),
        channel="recall",
        flags=("recalled",),
        language=language_of(text),
    )


FEED = FeedAdapter(
    name="recalls",
    schema=load_schema(Path(__file__).with_name("recalls.schema.json")),
    to_signal=to_signal,
    description="Product recall notices (plugin example)",
)
