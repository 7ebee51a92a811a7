"""The labelled record of the evaluation set, its JSONL form and the counts worth reporting.

Kept apart from the generator: the evaluation (:mod:`lab.evaluate`) and the benchmarks only
read a written set, and need none of the vocabulary that builds one.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connectors.feeds.common import source_id
from detectors.dedup_eval import Label

__all__ = [
    "CALIBRATE_SHARE",
    "DUPLICATE_NOTES",
    "ID_FIELDS",
    "NOTES",
    "SPLITS",
    "EvalRecord",
    "read_jsonl",
    "summary",
    "write_jsonl",
]

DUPLICATE_NOTES = ("exact-resend", "cross-channel", "reworded", "follow-up", "relisted")
NOTES = (
    *DUPLICATE_NOTES,
    "unrelated",
    "same-entity-other-report",
    "independent-similar-text",
    "hard-negative-same-brand",
    "hard-negative-same-product-other-hazard",
    "hard-negative-same-category-other-brand",
    "declaration",
)
SPLITS = ("calibrate", "test")
CALIBRATE_SHARE = 0.4

ID_FIELDS = {
    "complaints": ("complaint_id",),
    "injuries": ("report_id",),
    "foodborne": ("report_id",),
    "listings": ("platform", "listing_id"),
    "declarations": ("declaration_id",),
}


@dataclass(frozen=True, slots=True)
class EvalRecord:
    """One raw feed record with its ground truth for duplicate detection and linkage."""

    record_id: str
    feed: str
    record: dict[str, Any] = field(hash=False)
    duplicate_of: str | None
    entity: str
    split: str
    note: str

    @property
    def signal_id(self) -> str:
        """The id :func:`connectors.ingest.ingest` gives the record's signal."""
        if self.feed == "declarations":
            line = int(self.record["line_no"])
            return f"declarations:{source_id(self.record, 'declaration_id')}-{line}"
        return f"{self.feed}:{source_id(self.record, *ID_FIELDS[self.feed])}"

    def raw(self) -> bytes:
        """The record as a feed delivers it: UTF-8 JSON."""
        return json.dumps(self.record, ensure_ascii=False).encode("utf-8")

    def label(self) -> Label:
        """The ground truth in the form :mod:`detectors.dedup_eval` scores against."""
        return Label(self.record_id, self.duplicate_of, self.entity, self.note, self.split)

    def to_json(self) -> dict[str, Any]:
        """One JSONL line's object, keys in a fixed order."""
        return {
            "record_id": self.record_id,
            "feed": self.feed,
            "split": self.split,
            "entity": self.entity,
            "duplicate_of": self.duplicate_of,
            "note": self.note,
            "record": self.record,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EvalRecord:
        """The inverse of :meth:`to_json`."""
        return cls(
            record_id=str(data["record_id"]),
            feed=str(data["feed"]),
            record=dict(data["record"]),
            duplicate_of=data.get("duplicate_of"),
            entity=str(data["entity"]),
            split=str(data["split"]),
            note=str(data["note"]),
        )


def write_jsonl(records: Iterable[EvalRecord], path: str | Path) -> None:
    """Write one compact JSON object per line (UTF-8, Chinese unescaped)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8", newline="\n") as out:
        for rec in records:
            out.write(json.dumps(rec.to_json(), ensure_ascii=False, separators=(",", ":")))
            out.write("\n")


def read_jsonl(path: str | Path) -> list[EvalRecord]:
    """Read a set written by :func:`write_jsonl`, in file (arrival) order."""
    with Path(path).open(encoding="utf-8") as src:
        return [EvalRecord.from_json(json.loads(line)) for line in src if line.strip()]


def summary(records: Sequence[EvalRecord]) -> dict[str, Any]:
    """Counts worth reporting: records, entities, duplicates by kind, feeds and splits."""
    entities = {r.entity for r in records}
    duplicates = [r for r in records if r.duplicate_of is not None]
    splits: dict[str, dict[str, int]] = {}
    for split in SPLITS:
        chosen = [r for r in records if r.split == split]
        splits[split] = {
            "records": len(chosen),
            "entities": len({r.entity for r in chosen}),
            "duplicates": sum(r.duplicate_of is not None for r in chosen),
        }
    return {
        "records": len(records),
        "entities": len(entities),
        "duplicates": len(duplicates),
        "duplicate_rate": round(len(duplicates) / len(records), 4) if records else 0.0,
        "duplicate_groups": len({r.duplicate_of for r in duplicates}),
        "by_feed": dict(sorted(Counter(r.feed for r in records).items())),
        "by_note": dict(sorted(Counter(r.note for r in records).items())),
        "splits": splits,
    }
