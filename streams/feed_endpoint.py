"""``POST /feeds/<name>`` on every worker: push records over HTTP instead of Kafka.

The body is one JSON object, a JSON array of objects, or JSON Lines. A batch is all or nothing:
every record is checked exactly as the validate stage would (:func:`connectors.ingest.ingest`);
if all pass, each is produced to the feed's raw topic and the answer is ``202`` with the count;
otherwise nothing is produced and the answer is ``400`` with every problem (record index, field
path, reason), so the sender can fix and resend the batch. A body over the size limit is ``413``,
an unknown feed ``404``. Nothing is lost: an accepted record is on the topic before ``202``
is sent, and a rejected one was never accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from connectors.feeds.base import FeedAdapter
from connectors.ingest import SourceRef, ingest
from detectors.catalogue import Catalogue
from schemas.records import DeadLetter

__all__ = ["BatchCheck", "check_batch", "split_body"]


@dataclass(frozen=True, slots=True)
class BatchCheck:
    """The records of a request body and what is wrong with them (empty when all are good)."""

    records: list[bytes]
    errors: list[dict[str, Any]]


def split_body(body: bytes) -> list[bytes] | str:
    """The raw records of a body, or why the body cannot be split into records."""
    text = body.strip()
    if not text:
        return "empty body"
    try:
        whole = orjson.loads(text)
    except orjson.JSONDecodeError:
        whole = None
    else:
        if isinstance(whole, list):
            return [orjson.dumps(item) for item in whole]
        return [text]
    # Not one JSON document: JSON Lines, each line kept byte for byte.
    return [line.strip() for line in text.splitlines() if line.strip()]


def check_batch(
    adapter: FeedAdapter, body: bytes, catalogue: Catalogue, max_record_bytes: int
) -> BatchCheck:
    """Split ``body`` and check every record as the pipeline would."""
    records = split_body(body)
    if isinstance(records, str):
        return BatchCheck([], [{"index": None, "path": "$", "reason": records}])
    now = datetime.now(UTC)
    errors: list[dict[str, Any]] = []
    for index, raw in enumerate(records):
        out = ingest(adapter.name, raw, SourceRef(), now, catalogue, max_record_bytes)
        if isinstance(out, DeadLetter):
            errors.append({"index": index, "path": out.path, "reason": out.reason})
    return BatchCheck(records, errors)
