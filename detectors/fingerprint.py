"""Content fingerprints: the same report re-typed or re-sent hashes to the same value."""

from __future__ import annotations

import hashlib

from detectors.text import match_key
from schemas.records import Signal

__all__ = ["content_fingerprint"]


def content_fingerprint(signal: Signal) -> str:
    """A hash of what a signal says, blind to ids, channel, ingest time, spacing and case.

    Two complaints about the same product with the same text, outcome and counts on the same
    day, from the same feed, share a fingerprint even when one came by hotline and one by web
    form.
    """
    parts = (
        signal.feed,
        match_key(signal.product_name),
        match_key(signal.brand),
        match_key(signal.model),
        match_key(signal.text),
        match_key(signal.region),
        signal.declaration_id or "",
        # two reports of one food on one day differ when their counts differ
        signal.outcome,
        str(signal.cases),
        str(signal.hospitalised),
        str(signal.deaths),
        signal.event_time.date().isoformat(),
    )
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=12).hexdigest()
