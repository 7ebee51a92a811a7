"""Scores for duplicate detection and linkage against a labelled evaluation set.

Pure functions over record ids, so that any detector can be scored: the caller maps its output
to one :class:`Prediction` per record and the set's ground truth to one :class:`Label` per
record (see :mod:`lab.evalset`). Only the records given as labels are scored; a
prediction that points outside them is wrong by construction.

Definitions
-----------
Duplicate groups
    The true ``duplicate_of`` links are edges between records; a *duplicate group* is a
    connected component of that graph (an original and all its re-sends, re-wordings and
    cross-channel copies). A group of ``n`` records holds ``n - 1`` duplicates: whichever record
    a detector keeps as the original, the other ``n - 1`` should be flagged.

Duplicate detection (pairwise over flagged records)
    A *flag* is a record with a predicted ``duplicate_of``. A flag is *correct* when the record
    and the record it points to are in the same true duplicate group, wherever in the group it
    points (to the original or to another copy). Per group, at most ``n - 1`` correct flags
    count as true positives: flagging all ``n`` members leaves no original, so the extra flag
    is a false positive.

    * precision = true positives / flags
    * recall    = true positives / true duplicates (sum of ``n - 1`` over groups)

Linkage, pairwise
    A pair of records is *linked* when the detector puts both in one cluster and *related*
    when both are about the same entity (product and hazard). A record without a cluster is a
    cluster of its own.

    * precision = pairs both linked and related / linked pairs
    * recall    = pairs both linked and related / related pairs

Linkage, B-cubed (Bagga and Baldwin, 1998)
    For each record ``r`` with predicted cluster ``C(r)`` and true entity ``E(r)``:
    ``P(r) = |C(r) ∩ E(r)| / |C(r)|`` and ``R(r) = |C(r) ∩ E(r)| / |E(r)|``. B-cubed precision
    and recall are the means over records; unlike pairwise scores, large clusters do not
    dominate.

F1 is the harmonic mean of precision and recall. By convention precision is 1.0 when nothing
is predicted (no false claims were made), recall is 1.0 when there is nothing to find, and F1
is 0.0 when both are 0.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

__all__ = [
    "BCubedScores",
    "DedupReport",
    "Label",
    "NoteStats",
    "PairScores",
    "Prediction",
    "bcubed_scores",
    "duplicate_groups",
    "duplicate_scores",
    "f1",
    "inherit_clusters",
    "pairwise_linkage_scores",
    "score_dedup",
]


@dataclass(frozen=True, slots=True)
class Label:
    """The ground truth for one record: what it duplicates, what it is about, what case it is."""

    record_id: str
    duplicate_of: str | None
    entity: str
    note: str = ""
    split: str = ""


@dataclass(frozen=True, slots=True)
class Prediction:
    """A detector's output for one record: the record it repeats and the cluster it joined."""

    record_id: str
    duplicate_of: str | None = None
    cluster: str | None = None


@dataclass(frozen=True, slots=True)
class PairScores:
    """Precision, recall and F1 with the counts they come from."""

    precision: float
    recall: float
    f1: float
    true_positives: int
    predicted: int
    actual: int

    def as_dict(self) -> dict[str, float | int]:
        """A JSON-ready mapping, scores rounded to four places."""
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "true_positives": self.true_positives,
            "predicted": self.predicted,
            "actual": self.actual,
        }


@dataclass(frozen=True, slots=True)
class BCubedScores:
    """B-cubed precision, recall and F1 over ``records`` records."""

    precision: float
    recall: float
    f1: float
    records: int

    def as_dict(self) -> dict[str, float | int]:
        """A JSON-ready mapping, scores rounded to four places."""
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "records": self.records,
        }


@dataclass(frozen=True, slots=True)
class NoteStats:
    """How the records of one kind of case fared.

    ``flagged`` records were predicted duplicates, ``correct`` of them in their true group; for
    a duplicate kind ``correct / records`` is its recall, for any other kind ``flagged -
    correct`` counts false alarms. ``bcubed_precision`` and ``bcubed_recall`` are the
    per-record B-cubed linkage scores averaged over the kind's records.
    """

    records: int
    true_duplicates: int
    flagged: int
    correct: int
    bcubed_precision: float
    bcubed_recall: float

    def as_dict(self) -> dict[str, float | int]:
        """A JSON-ready mapping, scores rounded to four places."""
        return {
            "records": self.records,
            "true_duplicates": self.true_duplicates,
            "flagged": self.flagged,
            "correct": self.correct,
            "bcubed_precision": round(self.bcubed_precision, 4),
            "bcubed_recall": round(self.bcubed_recall, 4),
        }


@dataclass(frozen=True, slots=True)
class DedupReport:
    """Every score of one evaluation: duplicates, pairwise and B-cubed linkage, per kind."""

    records: int
    duplicates: PairScores
    linkage_pairwise: PairScores
    linkage_bcubed: BCubedScores
    by_note: dict[str, NoteStats] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready mapping (what ``riskwire eval dedup --json`` prints)."""
        return {
            "records": self.records,
            "duplicates": self.duplicates.as_dict(),
            "linkage_pairwise": self.linkage_pairwise.as_dict(),
            "linkage_bcubed": self.linkage_bcubed.as_dict(),
            "by_note": {k: v.as_dict() for k, v in sorted(self.by_note.items())},
        }


def f1(precision: float, recall: float) -> float:
    """The harmonic mean of precision and recall; 0.0 when both are 0."""
    total = precision + recall
    return 2 * precision * recall / total if total else 0.0


def _scores(true_positives: int, predicted: int, actual: int) -> PairScores:
    precision = true_positives / predicted if predicted else 1.0
    recall = true_positives / actual if actual else 1.0
    return PairScores(precision, recall, f1(precision, recall), true_positives, predicted, actual)


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def duplicate_groups(duplicate_of: Mapping[str, str | None]) -> dict[str, str]:
    """Each record's duplicate group, named by the group's smallest record id.

    Every target of a link must itself be a key: a label set cut to a split must keep whole
    groups (the evaluation set's splits do).
    """
    parent = {r: r for r in duplicate_of}

    def find(r: str) -> str:
        while parent[r] != r:
            parent[r] = parent[parent[r]]
            r = parent[r]
        return r

    for record, target in duplicate_of.items():
        if target is None:
            continue
        if target not in parent:
            raise ValueError(f"{record} is labelled a duplicate of {target}, which is not labelled")
        a, b = find(record), find(target)
        if a != b:
            parent[max(a, b)] = min(a, b)
    return {r: find(r) for r in duplicate_of}


def _correct_flags(
    truth: Mapping[str, str | None], predicted: Mapping[str, str | None]
) -> tuple[dict[str, str], list[str], set[str]]:
    """Groups, flagged records, and the flags that count as true positives (capped per group)."""
    groups = duplicate_groups(truth)
    flagged = [r for r in truth if predicted.get(r) not in (None, r)]
    room = Counter(groups.values())  # a group of n records has n - 1 duplicates to find
    for g in room:
        room[g] -= 1
    correct: set[str] = set()
    for record in sorted(flagged):
        target = predicted[record]
        group = groups[record]
        if target is not None and groups.get(target) == group and room[group] > 0:
            room[group] -= 1
            correct.add(record)
    return groups, flagged, correct


def duplicate_scores(
    truth: Mapping[str, str | None], predicted: Mapping[str, str | None]
) -> PairScores:
    """Duplicate-detection precision, recall and F1 (see the module docstring).

    ``truth`` maps every scored record to its true ``duplicate_of`` (or ``None``); ``predicted``
    maps records to the detector's ``duplicate_of``, a missing record meaning "not a duplicate".
    """
    groups, flagged, correct = _correct_flags(truth, predicted)
    sizes = Counter(groups.values())
    actual = sum(n - 1 for n in sizes.values())
    return _scores(len(correct), len(flagged), actual)


def _cluster_keys(
    entities: Mapping[str, str], clusters: Mapping[str, str | None]
) -> dict[str, tuple[str, str]]:
    """A cluster key per scored record; a record without a cluster is alone in its own."""
    keys: dict[str, tuple[str, str]] = {}
    for record in entities:
        cluster = clusters.get(record)
        keys[record] = ("cluster", cluster) if cluster is not None else ("alone", record)
    return keys


def pairwise_linkage_scores(
    entities: Mapping[str, str], clusters: Mapping[str, str | None]
) -> PairScores:
    """Pairwise linkage precision, recall and F1 over same-cluster and same-entity pairs.

    Counted from the cluster-by-entity contingency table, so pairs are never enumerated.
    """
    keys = _cluster_keys(entities, clusters)
    cluster_sizes = Counter(keys.values())
    entity_sizes = Counter(entities.values())
    joint = Counter((keys[r], entities[r]) for r in entities)
    linked = sum(_pairs(n) for n in cluster_sizes.values())
    related = sum(_pairs(n) for n in entity_sizes.values())
    both = sum(_pairs(n) for n in joint.values())
    return _scores(both, linked, related)


def _bcubed_per_record(
    entities: Mapping[str, str], clusters: Mapping[str, str | None]
) -> dict[str, tuple[float, float]]:
    keys = _cluster_keys(entities, clusters)
    cluster_sizes = Counter(keys.values())
    entity_sizes = Counter(entities.values())
    joint = Counter((keys[r], entities[r]) for r in entities)
    out: dict[str, tuple[float, float]] = {}
    for record, entity in entities.items():
        shared = joint[(keys[record], entity)]
        out[record] = (shared / cluster_sizes[keys[record]], shared / entity_sizes[entity])
    return out


def bcubed_scores(entities: Mapping[str, str], clusters: Mapping[str, str | None]) -> BCubedScores:
    """B-cubed linkage precision, recall and F1 (see the module docstring)."""
    per_record = _bcubed_per_record(entities, clusters)
    n = len(per_record)
    if not n:
        return BCubedScores(1.0, 1.0, 1.0, 0)
    precision = sum(p for p, _ in per_record.values()) / n
    recall = sum(r for _, r in per_record.values()) / n
    return BCubedScores(precision, recall, f1(precision, recall), n)


def inherit_clusters(predictions: Iterable[Prediction]) -> dict[str, str | None]:
    """Each record's cluster, a duplicate without one taking that of the record it repeats.

    A pipeline drops duplicates before linkage, so a flagged record has no cluster of its own;
    for linkage it belongs where its original went. Chains are followed; cycles end in ``None``.
    """
    by_id = {p.record_id: p for p in predictions}
    out: dict[str, str | None] = {}
    for record, prediction in by_id.items():
        seen = {record}
        current = prediction
        while current.cluster is None and current.duplicate_of is not None:
            target = by_id.get(current.duplicate_of)
            if target is None or target.record_id in seen:
                break
            seen.add(target.record_id)
            current = target
        out[record] = current.cluster
    return out


@dataclass(slots=True)
class _Tally:
    records: int = 0
    true_duplicates: int = 0
    flagged: int = 0
    correct: int = 0
    precision_sum: float = 0.0
    recall_sum: float = 0.0

    def stats(self) -> NoteStats:
        return NoteStats(
            records=self.records,
            true_duplicates=self.true_duplicates,
            flagged=self.flagged,
            correct=self.correct,
            bcubed_precision=self.precision_sum / self.records,
            bcubed_recall=self.recall_sum / self.records,
        )


def score_dedup(
    labels: Iterable[Label], predictions: Iterable[Prediction], split: str | None = None
) -> DedupReport:
    """Score predictions against labels (only those of ``split`` when given).

    Records the detector said nothing about count as "not a duplicate, alone in a cluster".
    Clusters are taken through :func:`inherit_clusters`, so a duplicate is linked with its
    original.
    """
    chosen = [label for label in labels if split is None or label.split == split]
    predicted_list = list(predictions)
    by_id = {p.record_id: p for p in predicted_list}
    truth = {label.record_id: label.duplicate_of for label in chosen}
    entities = {label.record_id: label.entity for label in chosen}
    predicted_dups = {r: p.duplicate_of for r, p in by_id.items()}
    clusters = inherit_clusters(predicted_list)

    _, flagged, correct = _correct_flags(truth, predicted_dups)
    per_record = _bcubed_per_record(entities, clusters)
    flagged_set = set(flagged)

    tallies: dict[str, _Tally] = defaultdict(_Tally)
    for label in chosen:
        tally = tallies[label.note]
        tally.records += 1
        tally.true_duplicates += label.duplicate_of is not None
        tally.flagged += label.record_id in flagged_set
        tally.correct += label.record_id in correct
        tally.precision_sum += per_record[label.record_id][0]
        tally.recall_sum += per_record[label.record_id][1]
    by_note = {note: tally.stats() for note, tally in tallies.items()}
    return DedupReport(
        records=len(chosen),
        duplicates=duplicate_scores(truth, predicted_dups),
        linkage_pairwise=pairwise_linkage_scores(entities, clusters),
        linkage_bcubed=bcubed_scores(entities, clusters),
        by_note=by_note,
    )
