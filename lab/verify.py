"""The verifier: what a pipeline run wrote, in canonical form, compared with another run.

A run is read back from offset 0 of every output topic. Each message becomes a canonical body:
its JSON with keys sorted and the wall-clock fields dropped (:data:`WALL_CLOCK`: when a record
was ingested or dead-lettered says when the worker ran, not what it decided). Bodies are grouped
under the id a consumer keys them by (:data:`IDS`): a warning or control by id and version, an
instruction by declaration line, a signal, duplicate verdict or cluster by its id.

At-least-once delivery may write the same body twice under one id; that is a repeat, harmless
to a compacted topic and to an idempotent consumer. What the verifier counts:

* **lost** - inputs that became neither a signal nor a dead letter (by the signal id the input
  should become, as a multiset, and by the dead letter's source offset), and signals that got
  no deduplication verdict;
* **duplicate effects** - one id carrying two different bodies (a warning version issued twice
  with different content, a second duplicate verdict), or a cluster counting a report twice;
* **differences** - warnings, controls and instructions whose bodies differ from the reference
  run's, or that only one of the two runs wrote.
"""

from __future__ import annotations

import base64
import contextlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from lab.offline import OfflineRun
from lab.topic_dump import read_topic
from schemas.codec import encode

__all__ = [
    "IDS",
    "WALL_CLOCK",
    "Expected",
    "Report",
    "RunOutputs",
    "compare",
    "offline_outputs",
    "read_run",
]

# topic suffix -> fields naming the id a consumer keys the message by
IDS: dict[str, tuple[str, ...]] = {
    "signals": ("signal_id",),
    "signals.unique": ("signal_id",),
    "duplicates": ("signal_id",),
    "deadletter": ("dead_letter_id",),
    "clusters": ("cluster_id",),
    "warnings": ("warning_id", "version"),
    "warnings.history": ("warning_id", "version"),
    "controls": ("control_id", "version"),
    "instructions": ("instruction_id",),
}
# validated signals: reports on signals, declaration lines on declarations (the port stage's)
SIGNAL_TOPICS = ("signals", "declarations")
# fields that say when a worker ran, not what it decided; left out of canonical bodies
WALL_CLOCK: dict[str, tuple[str, ...]] = {
    "signals": ("ingest_time",),
    "signals.unique": ("ingest_time",),
    "deadletter": ("received_at",),
}
COMPARED = ("warnings", "warnings.history", "controls", "instructions")
# what a port system or an analyst acts on: the decision fields of each compared topic
DECISIONS: dict[str, tuple[str, ...]] = {
    "warnings": ("status", "change", "grade", "kind", "cluster_id", "superseded_by"),
    "warnings.history": ("status", "change", "grade", "kind", "cluster_id", "superseded_by"),
    "controls": ("status", "action", "grade", "warning_id"),
    "instructions": ("action", "control_ids"),
}


def canonical(topic: str, value: bytes) -> tuple[str, bytes]:
    """The id and canonical body of one message of ``topic``."""
    obj: dict[str, Any] = orjson.loads(value)
    for name in WALL_CLOCK.get(topic, ()):
        obj.pop(name, None)
    ident = "/".join(str(obj.get(name)) for name in IDS[topic])
    return ident, orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)


@dataclass
class RunOutputs:
    """Every output topic of one run: for each id, how often it came and its distinct bodies."""

    bodies: dict[str, dict[str, set[bytes]]] = field(default_factory=dict)
    counts: dict[str, Counter[str]] = field(default_factory=dict)

    def ids(self, topic: str) -> dict[str, set[bytes]]:
        """Bodies by id on ``topic``."""
        return self.bodies.get(topic, {})

    def add(self, topic: str, values: Iterable[bytes | None]) -> None:
        """Add the messages of one topic."""
        bodies: dict[str, set[bytes]] = defaultdict(set)
        counts: Counter[str] = Counter()
        for value in values:
            if value is None:
                continue
            ident, body = canonical(topic, value)
            bodies[ident].add(body)
            counts[ident] += 1
        self.bodies[topic] = dict(bodies)
        self.counts[topic] = counts


def offline_outputs(run: OfflineRun) -> RunOutputs:
    """The outputs of the in-memory runner (:func:`lab.offline.run_offline`), in the same
    canonical form as a worker's, for the same-input comparison of the two runners."""
    outputs = RunOutputs()
    outputs.add("signals", (encode(s) for s in run.signals))
    outputs.add("duplicates", (encode(d) for d in run.duplicates))
    repeats = {d.signal_id for d in run.duplicates if d.duplicate_of != d.signal_id}
    outputs.add("signals.unique", (encode(s) for s in run.signals if s.signal_id not in repeats))
    outputs.add("warnings", (encode(w) for w in run.warnings))
    outputs.add("warnings.history", (encode(w) for w in run.warnings))
    outputs.add("controls", (encode(c) for c in run.controls))
    outputs.add("instructions", (encode(i) for i in run.instructions))
    return outputs


def read_run(bootstrap: str | list[str], namespace: str) -> RunOutputs:
    """Read every output topic of the pipeline ``namespace`` from offset 0."""
    run = RunOutputs()
    for topic in IDS:
        names = SIGNAL_TOPICS if topic == "signals" else (topic,)
        run.add(
            topic,
            (r.value for name in names for r in read_topic(bootstrap, f"{namespace}.{name}")),
        )
    return run


@dataclass(frozen=True, slots=True)
class Expected:
    """What the inputs of a run should become: signal ids (with how many inputs each) and the
    source positions of inputs that must be dead-lettered."""

    signals: Counter[str]
    dead_letters: frozenset[tuple[str, int, int]]


@dataclass
class Report:
    """One scenario's line of the fault table, with the details behind its numbers."""

    scenario: str
    records_in: int
    signals: int
    dead_letters: int
    lost: int
    duplicate_effects: int
    differences: int
    decision_differences: int = 0
    details: dict[str, list[str]] = field(default_factory=dict)

    def row(self) -> tuple[str, int, int, int, int, int, int, int]:
        """The figures as a table row."""
        return (
            self.scenario,
            self.records_in,
            self.signals,
            self.dead_letters,
            self.lost,
            self.duplicate_effects,
            self.differences,
            self.decision_differences,
        )


def _positions(run: RunOutputs) -> set[tuple[str, int, int]]:
    found = set()
    for bodies in run.ids("deadletter").values():
        for body in bodies:
            letter = orjson.loads(body)
            if letter.get("source_topic") is not None and letter.get("source_offset") is not None:
                found.add(
                    (letter["source_topic"], letter["source_partition"], letter["source_offset"])
                )
    return found


def _failed_signals(run: RunOutputs) -> set[str]:
    """Signals that a stage after validation dead-lettered (their outcome is that letter)."""
    failed = set()
    for bodies in run.ids("deadletter").values():
        for body in bodies:
            letter = orjson.loads(body)
            if str(letter.get("source_topic", "")).endswith(".signals"):
                with contextlib.suppress(ValueError, KeyError, TypeError):
                    failed.add(orjson.loads(base64.b64decode(letter["raw"]))["signal_id"])
    return failed


def _lost(run: RunOutputs, expected: Expected) -> list[str]:
    lost = []
    seen = run.counts.get("signals", Counter())
    for signal_id, inputs in expected.signals.items():
        if seen[signal_id] < inputs:
            lost.append(f"input -> {signal_id}: {seen[signal_id]} of {inputs} signals")
    positions = _positions(run)
    lost += [f"input at {p} not dead-lettered" for p in sorted(expected.dead_letters - positions)]
    verdicts = set(run.ids("duplicates")) | set(run.ids("signals.unique")) | _failed_signals(run)
    lost += [f"signal {s}: no deduplication verdict" for s in sorted(set(seen) - verdicts)]
    return lost


def _duplicate_effects(run: RunOutputs) -> list[str]:
    found = []
    for topic in ("duplicates", "warnings", "warnings.history", "controls", "instructions"):
        for ident, bodies in run.ids(topic).items():
            if len(bodies) > 1:
                found.append(f"{topic} {ident}: {len(bodies)} different bodies")
    resent = {  # a re-sent record has its own id as original: the first copy stays unique
        ident
        for ident, bodies in run.ids("duplicates").items()
        if all(orjson.loads(b).get("duplicate_of") == ident for b in bodies)
    }
    both = (set(run.ids("duplicates")) - resent) & set(run.ids("signals.unique"))
    found += [f"signal {s}: both a duplicate and unique" for s in sorted(both)]
    for ident, bodies in run.ids("clusters").items():
        for body in bodies:
            cluster = orjson.loads(body)
            members = cluster.get("member_ids", [])
            if len(members) != len(set(members)) or cluster.get("signal_count") != len(members):
                found.append(f"cluster {ident}: a member counted twice")
                break
    return found


def _differences(run: RunOutputs, reference: RunOutputs) -> list[str]:
    found = []
    for topic in COMPARED:
        mine, theirs = run.ids(topic), reference.ids(topic)
        for ident in sorted(set(mine) | set(theirs)):
            if ident not in theirs:
                found.append(f"{topic} {ident}: only in this run")
            elif ident not in mine:
                found.append(f"{topic} {ident}: missing from this run")
            elif mine[ident] != theirs[ident]:
                fields = ", ".join(_fields_differing(mine[ident], theirs[ident]))
                found.append(f"{topic} {ident}: content differs ({fields})")
    return found


def _fields_differing(mine: set[bytes], theirs: set[bytes]) -> list[str]:
    """The top-level fields whose values differ between two sets of bodies of one id."""
    a = [orjson.loads(b) for b in sorted(mine)]
    b = [orjson.loads(b) for b in sorted(theirs)]
    keys = {k for body in a + b for k in body}
    return sorted(
        k
        for k in keys
        if sorted(map(repr, (x.get(k) for x in a))) != sorted(map(repr, (x.get(k) for x in b)))
    )


def _decisions(topic: str, bodies: set[bytes]) -> set[tuple[str, ...]]:
    fields = DECISIONS[topic]
    return {tuple(str(orjson.loads(b).get(f)) for f in fields) for b in bodies}


def _decision_differences(run: RunOutputs, reference: RunOutputs) -> list[str]:
    found = []
    for topic in COMPARED:
        mine, theirs = run.ids(topic), reference.ids(topic)
        for ident in sorted(set(mine) | set(theirs)):
            a = _decisions(topic, mine.get(ident, set()))
            b = _decisions(topic, theirs.get(ident, set()))
            if a != b:
                found.append(f"{topic} {ident}: {sorted(a)} vs {sorted(b)}")
    return found


def compare(
    scenario: str,
    run: RunOutputs,
    expected: Expected,
    records_in: int,
    reference: RunOutputs | None = None,
) -> Report:
    """The fault-table line of ``run`` against what its inputs should give and a reference."""
    lost = _lost(run, expected)
    dup = _duplicate_effects(run)
    diff = _differences(run, reference) if reference is not None else []
    decided = _decision_differences(run, reference) if reference is not None else []
    return Report(
        scenario=scenario,
        records_in=records_in,
        signals=len(run.ids("signals")),
        dead_letters=len(run.ids("deadletter")),
        lost=len(lost),
        duplicate_effects=len(dup),
        differences=len(diff),
        decision_differences=len(decided),
        details={
            "lost": lost,
            "duplicate effects": dup,
            "differences": diff,
            "decision differences": decided,
        },
    )


def format_table(reports: Iterable[Report]) -> str:
    """The fault table, one line per scenario."""
    head = (
        "scenario",
        "records in",
        "signals",
        "dead letters",
        "lost",
        "duplicate effects",
        "differences",
        "decision differences",
    )
    rows = [head, *(tuple(str(x) for x in r.row()) for r in reports)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)
