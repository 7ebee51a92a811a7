"""Stage logic shared by the Faust agents and the in-process runner.

Each function takes the stage's state as plain mappings of ``str -> bytes``. A Faust table is
such a mapping, and so is a dict: the agents pass their changelog-backed tables, the in-process
runner (:mod:`lab.offline`) passes dicts, and both run exactly this code. State is only
ever replaced (``table[key] = new``), never mutated in place, because only assignment reaches a
table's changelog.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, replace
from typing import Any

from detectors.catalogue import Catalogue
from detectors.grading import Hold, evolve, retire
from detectors.model import WarningScorer
from detectors.neardup import NearDupIndex, NearVerdict
from detectors.scoring import assess
from detectors.targeting import control_for
from schemas.codec import dumps, from_dict, loads
from schemas.records import (
    Assessment,
    Cluster,
    Control,
    Duplicate,
    Signal,
    Warning,
    WarningKind,
)

__all__ = [
    "NEAR_DUPLICATE",
    "escalate",
    "near_duplicate_verdict",
    "score",
]

NEAR_DUPLICATE = "near duplicate"

State = MutableMapping[str, bytes]


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
    if verdict.duplicate_of is None:
        return None, verdict
    return Duplicate(
        signal_id=signal.signal_id,
        duplicate_of=verdict.duplicate_of,
        feed=signal.feed,
        reason=NEAR_DUPLICATE,
        event_time=signal.event_time,
        score=round(verdict.best.score, 1) if verdict.best else None,
        explanation=verdict.explain() or {},
    ), verdict


def score(cluster: Cluster, catalogue: Catalogue, model: WarningScorer | None = None) -> Assessment:
    """Hazard x urgency x scope for a cluster as of its latest signal.

    With a trained ``model``, the explanation also carries its probability that the cluster
    deserves a warning and the features that drove it; grading still follows the rules.
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
    assessment = assess(cluster, catalogue)
    if model is None:
        return assessment
    _, why = model.score_cluster(cluster, assessment.as_of, catalogue)
    explained = {**assessment.explanation, "model": {"name": model.name, **why.to_dict()}}
    return replace(assessment, explanation=explained)


def escalate(
    assessment: Assessment, warnings: State, catalogue: Catalogue, position: str | None = None
) -> tuple[Warning | None, Control | None]:
    """The next warning version for a cluster, and the control it asks of customs, if any.

    When a warning stops being an alert notification, its earlier control is lifted. The
    warning of a cluster merged away is lifted as ``merged`` (:func:`detectors.grading.retire`),
    with its control: the survivor's own assessment carries the risk on.

    ``position`` is where the assessment was read (``topic:partition:offset``; a cluster's
    assessments all come from one partition, so offsets order them). After a crash the table can
    hold versions whose messages never reached the topic (the changelog is written at once,
    outputs when the offset is committed), and the inputs are read again. An input at or before
    the last position that decided a version is a re-read: it gets what it decided the first time
    (the last ``DECISIONS_KEPT`` decisions are kept), or nothing if it decided nothing; deciding
    anew against the newer version would publish versions that never were.
    """
    cluster = assessment.cluster
    stored = _StoredWarning.of(warnings.get(cluster.cluster_id))
    offset = _offset(position)
    if offset is not None and stored.last is not None and offset <= stored.last:
        return stored.decided.get(offset, (None, None))
    previous = stored.warning
    hold = stored.hold
    if cluster.merged_into is not None:
        warning = retire(previous, cluster) if previous else None
    else:
        step = evolve(previous, assessment, stored.hold)
        warning, hold = step.warning, step.hold
    if warning is None:
        if hold != stored.hold:  # the downgrade clock started, moved or stopped
            warnings[cluster.cluster_id] = dumps(
                {"warning": previous, "decided": stored.rows(), "hold": hold}
            )
        return None, None
    control = control_for(warning, cluster, catalogue)
    alert = WarningKind.ALERT_NOTIFICATION.value
    if control is None and previous and previous.kind == alert and previous.status == "active":
        was = replace(previous, status="lifted", version=warning.version)
        control = control_for(was, cluster, catalogue)
    decided = stored.rows()
    if offset is not None:
        decided = [*decided, [offset, warning, control]][-DECISIONS_KEPT:]
    # one value, so one changelog record: the version, the decisions that made it, the clock
    warnings[cluster.cluster_id] = dumps({"warning": warning, "decided": decided, "hold": hold})
    return warning, control


DECISIONS_KEPT = 16  # far more than one cluster's assessments between two commits


def _offset(position: str | None) -> int | None:
    """The offset in a ``topic:partition:offset`` position (or a bare offset)."""
    if position is None:
        return None
    return int(position.rsplit(":", 1)[-1])


@dataclass(frozen=True, slots=True)
class _StoredWarning:
    """A cluster's latest warning and the recent decisions that made versions, by offset."""

    warning: Warning | None
    decided: dict[int, tuple[Warning | None, Control | None]]
    hold: Hold | None = None

    def rows(self) -> list[list[Any]]:
        """The decisions as stored: ``[offset, warning, control]`` each."""
        return [[o, w, c] for o, (w, c) in self.decided.items()]

    @property
    def last(self) -> int | None:
        """The offset of the last decision noted."""
        return max(self.decided) if self.decided else None

    @classmethod
    def of(cls, raw: bytes | None) -> _StoredWarning:
        """Read a stored value (a bare Warning, as stored before decisions were noted, too)."""
        if not raw:
            return cls(None, {})
        value = loads(raw)
        if "warning" not in value:
            return cls(from_dict(Warning, value), {})
        decided = {
            int(o): (
                from_dict(Warning, w) if w else None,
                from_dict(Control, c) if c else None,
            )
            for o, w, c in value.get("decided", [])
        }
        hold = from_dict(Hold, value["hold"]) if value.get("hold") else None
        warning = from_dict(Warning, value["warning"]) if value["warning"] else None
        return cls(warning, decided, hold)
