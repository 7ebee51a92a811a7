"""Stage logic shared by the Faust agents and the in-process runner: near duplicates and
scoring (linking is :mod:`streams.linking`, escalation :mod:`streams.escalation`).

Each function takes the stage's state as plain mappings of ``str -> bytes``. A Faust table is
such a mapping, and so is a dict: the agents pass their changelog-backed tables, the in-process
runner (:mod:`lab.offline`) passes dicts, and both run exactly this code. State is only
ever replaced (``table[key] = new``), never mutated in place, because only assignment reaches a
table's changelog.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import replace
from typing import Any

from detectors.catalogue import Catalogue
from detectors.dedup import Verdict
from detectors.model import WarningScorer
from detectors.neardup import NearDupIndex, NearVerdict
from detectors.scoring import GUARD, AlarmGuard, assess
from schemas.records import (
    Assessment,
    Cluster,
    Duplicate,
    Signal,
)

__all__ = [
    "NEAR_DUPLICATE",
    "NO_MODEL",
    "exact_duplicate",
    "near_duplicate",
    "near_duplicate_verdict",
    "score",
]

NEAR_DUPLICATE = "near duplicate"

State = MutableMapping[str, bytes]


def exact_duplicate(signal: Signal, exact: Verdict) -> Duplicate:
    """The duplicate record of a signal the exact index recognised."""
    assert exact.duplicate_of is not None
    return Duplicate(
        signal_id=signal.signal_id,
        duplicate_of=exact.duplicate_of,
        feed=signal.feed,
        reason=exact.reason,
        event_time=signal.event_time,
    )


def near_duplicate_verdict(
    signal: Signal, index: NearDupIndex
) -> tuple[Duplicate | None, NearVerdict | None]:
    """The near-duplicate verdict on a signal that is not an exact repeat: a Duplicate when it
    repeats an earlier report, and the index's verdict (None when no check ran).

    A customs declaration line is a trade record with its own id: only an exact repeat
    duplicates it, so it is neither compared nor filed.
    """
    if signal.is_declaration:
        return None, None
    verdict = index.check(signal)
    return near_duplicate(signal, verdict), verdict


def near_duplicate(signal: Signal, verdict: NearVerdict) -> Duplicate | None:
    """The duplicate record of a near-duplicate verdict (``None`` when it found no original)."""
    if verdict.duplicate_of is None:
        return None
    return Duplicate(
        signal_id=signal.signal_id,
        duplicate_of=verdict.duplicate_of,
        feed=signal.feed,
        reason=NEAR_DUPLICATE,
        event_time=signal.event_time,
        score=round(verdict.best.score, 1) if verdict.best else None,
        explanation=verdict.explain() or {},
    )


NO_MODEL = "no model loaded: grading by the rules (urgency gate)"


def score(
    cluster: Cluster,
    catalogue: Catalogue,
    model: WarningScorer | None = None,
    guard: AlarmGuard = GUARD,
) -> Assessment:
    """Hazard x urgency x scope for a cluster as of its latest signal (``guard``: when the
    detectors in its explanation alarm, :class:`detectors.scoring.AlarmGuard`).

    With a trained ``model``, the explanation also carries its probability that the cluster
    deserves a warning and the features that drove it, which a grading standard with a
    ``model_gate`` grades by; without one it says so, and grading follows the rules.
    """
    if cluster.merged_into is not None:  # nothing to score: it lives on in the survivor
        explanation: dict[str, Any] = {"merged_into": cluster.merged_into}
        return Assessment(
            cluster=cluster,
            as_of=cluster.last_seen,
            hazard=0,
            urgency=0,
            scope=0,
            score=0.0,
            explanation=explanation,
        )
    assessment = assess(cluster, catalogue, guard=guard)
    if model is None:
        explained = {**assessment.explanation, "model": {"name": None, "note": NO_MODEL}}
        return replace(assessment, explanation=explained)
    _, why = model.score_cluster(cluster, assessment.as_of, catalogue)
    explained = {**assessment.explanation, "model": {"name": model.name, **why.to_dict()}}
    return replace(assessment, explanation=explained)
