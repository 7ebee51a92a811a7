"""``riskwire feeds validate``: every problem of every line of a feed file, before loading it.

The checks are exactly those of the pipeline's validate stage (:func:`connectors.ingest.ingest`),
so a file that validates clean is a file whose records all become signals.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson

from connectors.feeds.base import FeedAdapter
from connectors.ingest import MAX_RECORD_BYTES, SourceRef, ingest
from connectors.sources import read_records
from detectors.catalogue import Catalogue
from schemas.records import DeadLetter

__all__ = ["Problem", "problems_in_file"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one record: where (line, field path) and why."""

    line: int
    path: str
    reason: str


def _problems(line: int, raw: bytes, letter: DeadLetter, adapter: FeedAdapter) -> list[Problem]:
    try:
        record = orjson.loads(raw)
    except orjson.JSONDecodeError:
        record = None
    if isinstance(record, dict):
        schema = [Problem(line, e.path or "$", e.reason) for e in adapter.errors(record)]
        if schema:
            return schema
    return [Problem(line, letter.path, letter.reason)]


def problems_in_file(
    path: Path, adapter: FeedAdapter, catalogue: Catalogue, max_bytes: int = MAX_RECORD_BYTES
) -> Iterator[tuple[int, list[Problem]]]:
    """For each record of ``path``: its line and its problems (an empty list when it is fine)."""
    now = datetime.now(UTC)
    for rec in read_records(path, adapter):
        out = ingest(adapter.name, rec.raw, SourceRef(), now, catalogue, max_bytes)
        if isinstance(out, DeadLetter):
            yield rec.line, _problems(rec.line, rec.raw, out, adapter)
        else:
            yield rec.line, []
