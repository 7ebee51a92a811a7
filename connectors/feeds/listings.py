"""E-commerce listings captured by online monitoring (suspected counterfeit or unsafe goods)."""

from __future__ import annotations

from typing import Any

from connectors.feeds.base import FeedAdapter, FeedContext, load_schema
from connectors.feeds.common import joined, source_id, strip_boilerplate
from connectors.normalize import country, currency, optional_text, timestamp, uscc
from detectors.text import clean, language_of
from schemas.records import Signal

__all__ = ["FEED"]


def to_signal(record: dict[str, Any], ctx: FeedContext) -> Signal:
    """Map a listing; the same listing captured again keeps its id (platform:listing)."""
    sid = source_id(record, "platform", "listing_id")
    title = clean(record["title"])
    text = joined(title, record.get("description"))
    flags = tuple(sorted({clean(f).casefold() for f in record.get("flags") or () if clean(f)}))
    return Signal(
        signal_id=f"listings:{sid}",
        feed="listings",
        source_id=sid,
        event_time=timestamp(record["captured_at"], "captured_at", ctx.tz),
        ingest_time=ctx.ingest_time,
        product_name=strip_boilerplate(title),
        text=text,
        brand=optional_text(record.get("brand")),
        model=optional_text(record.get("model")),
        enterprise_name=optional_text(record.get("seller_name")),
        enterprise_uscc=uscc(record.get("seller_uscc"), "seller_uscc"),
        origin_country=country(record.get("origin_country")),
        region=optional_text(record.get("region")),
        channel="ecommerce",
        platform=clean(record["platform"]),
        sales_count=record.get("sales_count"),
        value=record.get("price"),
        currency=currency(record.get("currency")),
        flags=flags,
        language=language_of(text),
    )


FEED = FeedAdapter(
    name="listings",
    schema=load_schema("listings"),
    to_signal=to_signal,
    description="E-commerce listings from online monitoring",
)
