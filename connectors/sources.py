"""Reading raw feed records from files, one at a time, whatever the file's size.

JSON Lines and CSV (optionally gzip-compressed) become a stream of :class:`RawRecord`: the
bytes a feed topic carries (a JSON object), with the line they came from, so that validation
reports and dead letters point at the place to fix. A CSV row is turned into a JSON object
with each cell typed by the feed's JSON Schema (``"3"`` becomes ``3`` where the schema wants an
integer, an empty cell becomes absent), since CSV itself has no types.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from connectors.feeds.base import FeedAdapter
from schemas.errors import ConfigError

__all__ = ["RawRecord", "file_format", "read_records"]


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record as read: its 1-based line number and the bytes to put on the feed topic."""

    line: int
    raw: bytes


def file_format(path: Path) -> str:
    """``jsonl`` or ``csv``, from the file name (``.gz`` allowed after either)."""
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    last = suffixes[-1] if suffixes else ""
    if last in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if last in (".csv", ".tsv"):
        return "csv"
    raise ConfigError(f"{path}: cannot tell the format; name it .jsonl or .csv (optionally .gz)")


def _open(path: Path) -> IO[bytes]:
    if not path.exists():
        raise ConfigError(f"{path}: no such file")
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]  # GzipFile is a binary IO
    return path.open("rb")


def _jsonl(handle: IO[bytes]) -> Iterator[RawRecord]:
    for number, line in enumerate(handle, start=1):
        stripped = line.strip()
        if stripped:
            yield RawRecord(number, stripped)


def _types(schema: dict[str, Any], field: str) -> list[str]:
    spec = schema.get("properties", {}).get(field, {})
    kinds = spec.get("type", [])
    return [kinds] if isinstance(kinds, str) else list(kinds)


def _cell(value: str, kinds: list[str]) -> Any:
    """A CSV cell typed by the schema; a cell that fits no type stays text for the validator."""
    if "integer" in kinds:
        try:
            return int(value)
        except ValueError:
            pass
    if "number" in kinds:
        try:
            return float(value)
        except ValueError:
            pass
    if "boolean" in kinds and value.lower() in ("true", "false", "1", "0", "yes", "no"):
        return value.lower() in ("true", "1", "yes")
    if "array" in kinds and "string" not in kinds:
        return [part.strip() for part in value.split(";") if part.strip()]
    return value


def _csv(handle: IO[bytes], adapter: FeedAdapter, delimiter: str) -> Iterator[RawRecord]:
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
    reader = csv.DictReader(text, delimiter=delimiter)
    if not reader.fieldnames:
        return
    kinds = {name: _types(adapter.schema, name) for name in reader.fieldnames if name}
    for row in reader:
        record: dict[str, Any] = {}
        for name, value in row.items():
            if name is None:  # more cells than header names: keep them for the validator
                record["_extra_cells"] = value
            elif value is not None and value.strip() != "":
                record[name] = _cell(value.strip(), kinds.get(name, []))
        yield RawRecord(reader.line_num, orjson.dumps(record))


def read_records(path: Path, adapter: FeedAdapter) -> Iterator[RawRecord]:
    """Stream the records of ``path`` (JSON Lines or CSV, plain or gzip) for ``adapter``'s feed."""
    fmt = file_format(path)
    handle = _open(path)
    try:
        if fmt == "jsonl":
            yield from _jsonl(handle)
        else:
            delimiter = "\t" if ".tsv" in [s.lower() for s in path.suffixes] else ","
            yield from _csv(handle, adapter, delimiter)
    finally:
        handle.close()
