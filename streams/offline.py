"""The whole pipeline in one process, without a broker: for evaluation, training and checks.

It runs the same stage functions as the Faust agents (:mod:`streams.stages`), in event-time
order, with dicts for tables and an in-memory exact-duplicate index for Redis. Results match a
streaming run up to the order in which parallel partitions interleave.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from connectors.ingest import SourceRef, ingest
from connectors.sample import FeedRecord
from detectors.catalogue import Catalogue
from detectors.dedup import MemoryExactIndex
from detectors.neardup import NearDupIndex
from detectors.targeting import Reference, instruct
from schemas.records import (
    Assessment,
    Cluster,
    Control,
    DeadLetter,
    Duplicate,
    Instruction,
    Signal,
    Warning,
)
from streams.stages import escalate, link_signal, near_duplicate, score

__all__ = ["OfflineRun", "run_offline"]


@dataclass
class OfflineRun:
    """Everything a run produced, in the order it was produced."""

    signals: list[Signal] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    clusters: dict[str, Cluster] = field(default_factory=dict)
    assessments: list[Assessment] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)
    controls: list[Control] = field(default_factory=list)
    instructions: list[Instruction] = field(default_factory=list)


def run_offline(
    records: Iterable[FeedRecord], catalogue: Catalogue, reference: Reference
) -> OfflineRun:
    """Push ``records`` through validate, dedup, link, score, escalate and targeting."""
    run = OfflineRun()
    index = MemoryExactIndex()
    clusters: dict[str, bytes] = {}
    blocks: dict[str, bytes] = {}
    areas: dict[str, bytes] = {}
    near = NearDupIndex(store={})
    warnings: dict[str, bytes] = {}
    active: dict[str, Control] = {}
    now = datetime.now(UTC)
    for offset, rec in enumerate(records):
        source = SourceRef(f"feed.{rec.feed}", 0, offset)
        out = ingest(rec.feed, rec.payload, source, now, catalogue)
        if isinstance(out, DeadLetter):
            run.dead_letters.append(out)
            continue
        run.signals.append(out)
        verdict = index.check(out, f"{offset}")
        if verdict.duplicate_of:
            run.duplicates.append(
                Duplicate(
                    signal_id=out.signal_id,
                    duplicate_of=verdict.duplicate_of,
                    feed=out.feed,
                    reason=verdict.reason,
                    event_time=out.event_time,
                )
            )
            continue
        duplicate = near_duplicate(out, near)
        if duplicate is not None:
            run.duplicates.append(duplicate)
            continue
        if out.feed == "declarations":
            run.instructions.append(instruct(out, active.values(), reference))
        retired: list[Cluster] = []
        cluster, _ = link_signal(out, clusters, blocks, areas=areas, retired=retired)
        if cluster is None:
            continue
        for changed in (cluster, *retired):  # a cluster merged away: its last version
            run.clusters[changed.cluster_id] = changed
            assessment = score(changed, catalogue)
            run.assessments.append(assessment)
            warning, control = escalate(assessment, warnings, catalogue)
            if warning:
                run.warnings.append(warning)
            if control:
                run.controls.append(control)
                if control.status == "active":
                    active[control.control_id] = control
                else:
                    active.pop(control.control_id, None)
    return run
