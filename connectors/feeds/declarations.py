"""Customs declaration lines from the single window (imports and exports)."""

from __future__ import annotations

from typing import Any

from connectors.feeds.base import FeedAdapter, FeedContext, load_schema
from connectors.feeds.common import source_id
from connectors.normalize import country, currency, hs_code, optional_text, timestamp, unit, uscc
from detectors.text import clean, language_of
from schemas.records import FeedRole, Signal

__all__ = ["FEED"]


def to_signal(record: dict[str, Any], ctx: FeedContext) -> Signal:
    """Map one declaration line; its id is ``<declaration>-<line>``, also the instruction id."""
    line_id = f"{source_id(record, 'declaration_id')}-{int(record['line_no'])}"
    goods = clean(record["goods_description"])
    quantity, canonical_unit = unit(float(record["quantity"]), record.get("unit"))
    consignee_uscc = uscc(record.get("consignee_uscc"), "consignee_uscc")
    return Signal(
        signal_id=f"declarations:{line_id}",
        feed="declarations",
        source_id=line_id,
        event_time=timestamp(record["declared_at"], "declared_at", ctx.tz),
        ingest_time=ctx.ingest_time,
        product_name=goods,
        text=goods,
        brand=optional_text(record.get("brand")),
        model=optional_text(record.get("model")),
        enterprise_name=optional_text(record.get("consignee")),
        enterprise_uscc=consignee_uscc,
        hs_code=hs_code(record["hs_code"]),
        origin_country=country(record["origin_country"]),
        channel="single_window",
        language=language_of(goods),
        declaration_id=line_id,
        port=clean(record["port"]).upper(),
        direction=record.get("direction") or "import",
        consignor=optional_text(record.get("consignor")),
        consignee=consignee_uscc or optional_text(record.get("consignee")),
        quantity=quantity,
        unit=canonical_unit,
        value=float(record["value"]) if record.get("value") is not None else None,
        currency=currency(record.get("currency")),
    )


FEED = FeedAdapter(
    name="declarations",
    schema=load_schema("declarations"),
    to_signal=to_signal,
    description="Customs declaration lines from the single window",
    role=FeedRole.DECLARATION,
)
