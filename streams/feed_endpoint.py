"""``POST /feeds/<name>`` on every worker: push records over HTTP instead of Kafka.

The body is one JSON object, a JSON array of objects, or JSON Lines. A batch is all or nothing:
every record is checked exactly as the validate stage would (:func:`connectors.ingest.ingest`);
if all pass, each is produced to the feed's raw topic and the answer is ``202`` with the count;
otherwise nothing is produced and the answer is ``400`` with every problem (record index, field
path, reason), so the sender can fix and resend the batch. A body over the size limit is ``413``,
an unknown feed ``404``, a content type other than JSON or JSON Lines ``415``
(:func:`content_type_problem`). A key repeated in any object of a record is a ``400`` error too
(:func:`duplicate_keys`): parsers disagree on which value wins, so the record means nothing for
sure. Nothing is lost: an accepted record is on the topic before ``202`` is sent, and a rejected
one was never accepted. Who may post is :mod:`streams.web`'s business.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from connectors.feeds.base import FeedAdapter
from connectors.ingest import SourceRef, ingest
from detectors.catalogue import Catalogue
from schemas.records import DeadLetter

__all__ = [
    "MEDIA_TYPES",
    "BatchCheck",
    "check_batch",
    "content_type_problem",
    "duplicate_keys",
    "split_body",
]

#: the content types a body may have: JSON (one object or an array) and JSON Lines
MEDIA_TYPES = frozenset(
    {"application/json", "application/x-ndjson", "application/jsonl", "application/json-lines"}
)


def content_type_problem(header: str | None) -> str | None:
    """Why a ``Content-Type`` header is refused (``415``), or ``None`` when it is accepted.

    The media type must be one of :data:`MEDIA_TYPES`; a ``charset`` parameter may be given and
    must then be UTF-8, the only encoding of JSON (RFC 8259).
    """
    accepted = ", ".join(sorted(MEDIA_TYPES))
    if not header or not header.strip():
        return f"no Content-Type: send one of {accepted}"
    media, *params = header.split(";")
    if media.strip().lower() not in MEDIA_TYPES:
        return f"Content-Type {media.strip()!r} is not accepted: send one of {accepted}"
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in (
            "utf-8",
            "utf8",
        ):
            return f"charset {value.strip()!r} is not accepted: JSON is UTF-8"
    return None


@dataclass(frozen=True, slots=True)
class BatchCheck:
    """The records of a request body and what is wrong with them (empty when all are good)."""

    records: list[bytes]
    errors: list[dict[str, Any]]


def _split(body: bytes) -> tuple[str, list[bytes]] | str:
    """The body's shape (``array``, ``one`` or ``lines``) and its raw records, or why the body
    cannot be split into records."""
    text = body.strip()
    if not text:
        return "empty body"
    try:
        whole = orjson.loads(text)
    except orjson.JSONDecodeError:
        whole = None
    else:
        if isinstance(whole, list):
            return "array", [orjson.dumps(item) for item in whole]
        return "one", [text]
    # Not one JSON document: JSON Lines, each line kept byte for byte.
    return "lines", [line.strip() for line in text.splitlines() if line.strip()]


def split_body(body: bytes) -> list[bytes] | str:
    """The raw records of a body, or why the body cannot be split into records."""
    split = _split(body)
    return split if isinstance(split, str) else split[1]


class _Repeated(dict[str, Any]):
    """An object in which some key occurs more than once (the last value kept, as orjson)."""

    repeated: list[str]


def _pairs_hook(found: list[bool]) -> Any:
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) == len(pairs):
            return obj
        found.append(True)
        marked = _Repeated(obj)
        counts = Counter(key for key, _ in pairs)
        marked.repeated = [key for key in obj if counts[key] > 1]
        return marked

    return hook


def _repeated_paths(value: Any) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(path, key) of every repeated key under ``value``, in document order (no recursion:
    a document may be nested as deep as the parser allows)."""
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), value)]
    while stack:
        path, node = stack.pop()
        children: list[tuple[tuple[str | int, ...], Any]]
        if isinstance(node, dict):
            if isinstance(node, _Repeated):
                for key in node.repeated:
                    yield path, key
            children = [((*path, key), item) for key, item in node.items()]
        elif isinstance(node, list):
            children = [((*path, index), item) for index, item in enumerate(node)]
        else:
            continue
        stack.extend(reversed(children))


def duplicate_keys(document: bytes) -> list[tuple[tuple[str | int, ...], str]]:
    """Every object of the JSON ``document`` that repeats a key, as (path of the object, key),
    in document order; empty when there is none or the text is not JSON the standard library
    reads (the checks after this one say what is wrong with it then).

    orjson keeps the last of repeated keys without a word; the standard library's parser hands
    every object's pairs to a hook, which is where repeats show. Slower than orjson, so it runs
    on request bodies only, and the walk that finds paths only when a repeat was seen.
    """
    found: list[bool] = []
    try:
        value = json.loads(document, object_pairs_hook=_pairs_hook(found))
    except (ValueError, RecursionError):
        return []
    return list(_repeated_paths(value)) if found else []


def _dotted(path: tuple[str | int, ...]) -> str:
    return ".".join(str(p) for p in path) or "$"


def _repeats_by_record(
    shape: str, body: bytes, records: list[bytes]
) -> dict[int, list[tuple[str, str]]]:
    """Record index -> (path, key) of each repeated key, for the records of a split body."""
    by_record: dict[int, list[tuple[str, str]]] = {}
    if shape == "lines":
        for index, raw in enumerate(records):
            for path, key in duplicate_keys(raw):
                by_record.setdefault(index, []).append((_dotted((*path, key)), key))
        return by_record
    for path, key in duplicate_keys(body):
        index = 0
        if shape == "array" and path and isinstance(path[0], int):
            index, path = path[0], path[1:]
        by_record.setdefault(index, []).append((_dotted((*path, key)), key))
    return by_record


def check_batch(
    adapter: FeedAdapter, body: bytes, catalogue: Catalogue, max_record_bytes: int
) -> BatchCheck:
    """Split ``body`` and check every record as the pipeline would, and for repeated keys."""
    split = _split(body)
    if isinstance(split, str):
        return BatchCheck([], [{"index": None, "path": "$", "reason": split}])
    shape, records = split
    repeats = _repeats_by_record(shape, body, records)
    now = datetime.now(UTC)
    errors: list[dict[str, Any]] = []
    for index, raw in enumerate(records):
        if index in repeats:  # which value counts is ambiguous: the record is not checked further
            errors.extend(
                {"index": index, "path": path, "reason": f"duplicate key {key!r}"}
                for path, key in repeats[index]
            )
            continue
        out = ingest(adapter.name, raw, SourceRef(), now, catalogue, max_record_bytes)
        if isinstance(out, DeadLetter):
            errors.append({"index": index, "path": out.path, "reason": out.reason})
    return BatchCheck(records, errors)
