"""The duplicate and linkage decisions of the pipeline, in one process, on any records.

``riskwire dedup FILE`` and ``riskwire eval dedup`` use :class:`Matcher`, which runs the
worker's own steps (:mod:`streams.flow`): validate, deduplicate (exact repeats from an in-memory
:class:`detectors.dedup.MemoryExactIndex` instead of Redis, then near duplicates) and link, with
the same state the worker keeps (area series included). Each record gets its earlier duplicate
(or none), its cluster, and the explanation of both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.ingest import SourceRef, ingest
from detectors.catalogue import Catalogue
from detectors.dedup import MemoryExactIndex
from detectors.neardup import NearDupIndex, matcher_config
from schemas.records import DeadLetter, Signal
from streams import flow
from streams.linking import reason_ids

__all__ = ["MatchResult", "Matcher"]


@dataclass(frozen=True, slots=True)
class MatchResult:
    """What the matcher decided about one record."""

    id: str | None
    signal_id: str | None
    duplicate_of: str | None = None
    reason: str | None = None
    cluster: str | None = None
    explanation: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The JSON form printed by ``riskwire dedup``."""
        return {
            "id": self.id,
            "duplicate_of": self.duplicate_of,
            "reason": self.reason,
            "cluster": self.cluster,
            "explanation": self.explanation,
            **({"error": self.error} if self.error else {}),
        }


class Matcher:
    """Duplicate detection and linkage over a stream of signals, in arrival order."""

    def __init__(
        self,
        catalogue: Catalogue,
        duplicate_threshold: float | None = None,
        link_threshold: float | None = None,
        window: timedelta = timedelta(days=7),
    ) -> None:
        config = matcher_config()
        self.catalogue = catalogue
        self.link_threshold = (
            float(config["link_threshold"]) if link_threshold is None else link_threshold
        )
        self.exact = MemoryExactIndex(window)
        # the worker's near-duplicate index keeps its blocks in a table: here a dict
        self.state = flow.FlowState(near=NearDupIndex(duplicate_threshold, store={}))
        self._source_of: dict[str, str] = {}
        self._cluster_of: dict[str, str | None] = {}
        self._merged_into: dict[str, str] = {}
        self._position = 0

    def ingest(self, feed: str | None, raw: bytes) -> Signal | DeadLetter:
        """Validate one raw record as the pipeline would."""
        self._position += 1
        source = SourceRef("file", 0, self._position)
        return ingest(feed, raw, source, datetime.now(UTC), self.catalogue)

    def add_raw(self, feed: str | None, raw: bytes) -> MatchResult:
        """Validate and match one raw record."""
        out = self.ingest(feed, raw)
        if isinstance(out, DeadLetter):
            return MatchResult(None, None, error=f"{out.path}: {out.reason}")
        return self.add(out)

    def add(self, signal: Signal) -> MatchResult:
        """Match one validated signal against everything added before it."""
        self._position += 1
        sid = signal.signal_id
        self._source_of.setdefault(sid, signal.source_id)
        deduplicated = flow.deduplicate(
            signal, self.exact.check(signal, str(self._position)), self.state.near
        )
        duplicate, near = deduplicated.duplicate, deduplicated.near
        if duplicate is not None:
            why = duplicate.explanation or {"rule": duplicate.reason}
            return self._duplicate(signal, duplicate.duplicate_of, duplicate.reason, why)
        linked = flow.link(
            signal, self.state, position=self._position, threshold=self.link_threshold
        )
        cluster_id = linked.cluster.cluster_id if linked.cluster else None
        self._cluster_of[sid] = cluster_id
        for merged in reason_ids(linked.decision, "merged"):
            self._merged_into[merged] = cluster_id or merged
        for adopted in reason_ids(linked.decision, "adopted"):
            self._cluster_of[adopted] = cluster_id
        explanation: dict[str, Any] = {"link": {"score": round(linked.decision.score, 1)}}
        explanation["link"].update(linked.decision.reasons)
        if near is not None and near.best is not None:
            explanation["nearest"] = near.explain()
        return MatchResult(signal.source_id, sid, None, None, cluster_id, explanation)

    def final_cluster(self, signal_id: str) -> str | None:
        """The cluster a signal is in now: where a later merge or adoption put it.

        ``add`` answers at arrival; a declaration adopted later, or a cluster merged into an
        older one, ends elsewhere. A duplicate is in its original's cluster.
        """
        cluster = self._cluster_of.get(signal_id)
        seen: set[str] = set()
        while cluster is not None and cluster in self._merged_into and cluster not in seen:
            seen.add(cluster)
            cluster = self._merged_into[cluster]
        return cluster

    def _duplicate(
        self, signal: Signal, original: str, reason: str, explanation: dict[str, Any]
    ) -> MatchResult:
        cluster = self._cluster_of.get(original)
        self._cluster_of.setdefault(signal.signal_id, cluster)
        return MatchResult(
            signal.source_id,
            signal.signal_id,
            self._source_of.get(original, original),
            reason,
            cluster,
            explanation,
        )
