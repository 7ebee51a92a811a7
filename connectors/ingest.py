"""From raw bytes to a :class:`Signal` or a :class:`DeadLetter`: the two outputs of every feed.

:func:`ingest` never raises. Every input ends up as exactly one signal or exactly one dead
letter carrying the reason, the field path and the original bytes (base64), so that nothing is
lost and a fixed record can be replayed byte for byte.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, replace
from datetime import datetime

from connectors.feeds.base import FeedContext
from connectors.registry import get_feed
from detectors.brands import brand_named
from detectors.catalogue import Catalogue
from detectors.fingerprint import content_fingerprint
from schemas.codec import loads
from schemas.errors import SchemaError
from schemas.records import DEAD_LETTER_RAW_MAX, DeadLetter, FeedRole, Signal

__all__ = ["MAX_RECORD_BYTES", "SourceRef", "dead_letter", "enrich", "ingest"]

MAX_RECORD_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a raw record was read from (topic, partition and offset, or file and line)."""

    topic: str | None = None
    partition: int | None = None
    offset: int | None = None


def dead_letter(
    feed: str | None,
    raw: bytes,
    reason: str,
    path: str,
    source: SourceRef,
    now: datetime,
    error: str = "SchemaError",
) -> DeadLetter:
    """A dead letter with a deterministic id, so that re-reading a record cannot double it.

    A payload over :data:`DEAD_LETTER_RAW_MAX` keeps that prefix, its size and its SHA-256
    (and says so): a dead letter must always fit in a produce request, or the record would have
    no outcome at all.
    """
    if source.topic is not None and source.offset is not None:
        ident = f"{source.topic}:{source.partition}:{source.offset}"
    else:
        ident = hashlib.blake2b(raw, digest_size=12).hexdigest()
    truncated = len(raw) > DEAD_LETTER_RAW_MAX
    kept = raw[:DEAD_LETTER_RAW_MAX]
    return DeadLetter(
        dead_letter_id=f"DL-{ident}",
        feed=feed,
        reason=reason[:2000],
        path=path[:500],
        raw=base64.b64encode(kept).decode("ascii"),
        raw_size=len(raw),
        raw_sha256=hashlib.sha256(raw).hexdigest(),
        raw_truncated=truncated,
        source_topic=source.topic,
        source_partition=source.partition,
        source_offset=source.offset,
        error=error,
        received_at=now,
    )


def _without_name(text: str, name: str) -> str:
    """``text`` with the first mention of each word of the product name taken out.

    Failure modes are read from the narrative, not the name: names carry features ("折叠滑板车",
    "防漏电插座"), not failures, and a listing's text starts with its title.
    """
    for word in name.split():
        if len(word) >= 2:
            text = text.replace(word, " ", 1)
    return text


def enrich(signal: Signal, catalogue: Catalogue, role: str | None = None) -> Signal:
    """Fill what every feed derives the same way: category, hazard, vulnerable groups, hash
    (and the feed's ``role``, when given), and the brand a report names only in its text
    (:func:`detectors.brands.brand_named`). One copy of the record: a copy of a Signal is a
    fifth of a declaration line's validation."""
    about = f"{signal.product_name} {signal.text}"
    category = signal.category or catalogue.categorise(
        signal.product_name, signal.text, signal.hs_code
    )
    groups = {*signal.vulnerable_groups, *catalogue.vulnerable_groups(about)}
    role = role or signal.role
    declaration = role == FeedRole.DECLARATION if role else signal.is_declaration
    return replace(
        signal,
        role=role,
        category=category,
        brand=signal.brand or brand_named(about, category),
        hazard_class=signal.hazard_class or (None if declaration else catalogue.hazard_of(about)),
        vulnerable_groups=tuple(sorted(groups)),
        product_terms=catalogue.product_terms(signal.product_name),
        hazard_modes=()
        if declaration
        else catalogue.hazard_modes(_without_name(signal.text, signal.product_name)),
        fingerprint=content_fingerprint(signal),  # of what the record says: enrichment aside
    )


def ingest(
    feed: str | None,
    raw: bytes,
    source: SourceRef,
    now: datetime,
    catalogue: Catalogue,
    max_bytes: int = MAX_RECORD_BYTES,
) -> Signal | DeadLetter:
    """Validate and normalise one raw record of ``feed``."""

    def reject(reason: str, path: str = "$", error: str = "SchemaError") -> DeadLetter:
        return dead_letter(feed, raw, reason, path, source, now, error)

    if len(raw) > max_bytes:
        return reject(f"record is {len(raw)} bytes, over the {max_bytes}-byte limit")
    adapter = get_feed(feed) if feed else None
    if adapter is None:
        return reject(f"unknown feed: {feed!r}", "feed")
    try:
        record = loads(raw)
        if not isinstance(record, dict):
            return reject(f"expected a JSON object, got {type(record).__name__}")
        problems = list(adapter.errors(record))
        if problems:
            first = problems[0]
            reason = "; ".join(f"{p.path}: {p.reason}" for p in problems[:10])
            return reject(reason, first.path)
        signal = adapter.to_signal(record, FeedContext(now, catalogue))
        return enrich(signal, catalogue, adapter.role.value)
    except SchemaError as exc:
        return reject(exc.reason, exc.path or "$")
    except Exception as exc:  # a bug must not lose the record: dead-letter it for replay
        return reject(f"internal error: {exc!r}", "$", type(exc).__name__)
