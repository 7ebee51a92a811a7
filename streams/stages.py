"""Stage logic shared by the Faust agents and the in-process runner.

Each function takes the stage's state as plain mappings of ``str -> bytes``. A Faust table is
such a mapping, and so is a dict: the agents pass their changelog-backed tables, the in-process
runner (:mod:`lab.offline`) passes dicts, and both run exactly this code. State is only
ever replaced (``table[key] = new``), never mutated in place, because only assignment reaches a
table's changelog.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from detectors.catalogue import Catalogue
from detectors.grading import QUIET_PERIOD, Hold, evolve, lift, retire
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
    "Version",
    "escalate",
    "lift_if_quiet",
    "lift_quiet",
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


Version = tuple[Warning, Control | None]


def escalate(
    assessment: Assessment, warnings: State, catalogue: Catalogue, position: str | None = None
) -> list[Version]:
    """The warning versions an assessment makes, each with the control it asks of customs.

    Usually one version or none. When the cluster's warning has had no new signal for the quiet
    period (:data:`detectors.grading.QUIET_PERIOD`) before this assessment, it is lifted first
    (as of the end of its quiet period, whenever the lift is noticed), then the assessment is
    judged against the lifted warning. When a warning stops being an alert notification, its
    earlier control is lifted. The warning of a cluster merged away is lifted as ``merged``
    (:func:`detectors.grading.retire`), with its control.

    ``position`` is where the input was read (``topic:partition:offset``; a cluster's inputs all
    come from one partition of each topic, so offsets order them). After a crash the table can
    hold versions whose messages never reached the topic (the changelog is written at once,
    outputs when the offset is committed), and the inputs are read again. An input at or before
    the last position of its topic that decided something is a re-read: it gets what it decided
    the first time (the last ``DECISIONS_KEPT`` decisions are kept), or nothing; deciding anew
    against the newer version would publish versions that never were.
    """
    cluster = assessment.cluster
    stored = _StoredWarning.of(warnings.get(cluster.cluster_id))
    again = stored.decided_at(position)
    if again is not None:
        return again
    previous, hold = stored.warning, stored.hold
    versions: list[Version] = []
    quiet = _quiet_lift(previous, stored.seen, assessment.as_of, stored.control)
    if quiet is not None:
        versions.append(quiet)
        previous, hold = quiet[0], None
    if cluster.merged_into is not None:
        warning = retire(previous, cluster) if previous else None
    else:
        step = evolve(previous, assessment, hold)
        warning, hold = step.warning, step.hold
    if warning is not None:
        versions.append((warning, _control(warning, previous, cluster, catalogue)))
        previous = warning
    active = previous is not None and previous.status == "active"
    seen = max(stored.seen or assessment.as_of, assessment.as_of) if active else None
    if versions or hold != stored.hold or seen != stored.seen:
        stored.write(warnings, cluster.cluster_id, previous, hold, seen, position, versions)
    return versions


def lift_quiet(
    warnings: State, now: datetime, position: str, owns: Callable[[str], bool]
) -> list[Version]:
    """A clock tick at event time ``now``: lift every warning of the clusters ``owns`` selects
    (those of the tick's partition) that has had no new signal for the quiet period."""
    lifted: list[Version] = []
    for key in sorted(k for k in list(warnings.keys()) if owns(k)):
        lifted += lift_if_quiet(key, warnings, now, position)
    return lifted


def lift_if_quiet(cluster_id: str, warnings: State, now: datetime, position: str) -> list[Version]:
    """The lifted version of a cluster's warning if, by event time ``now`` (a clock tick), it
    has had no new signal for the quiet period; re-reads as in :func:`escalate`."""
    stored = _StoredWarning.of(warnings.get(cluster_id))
    again = stored.decided_at(position)
    if again is not None:
        return again
    quiet = _quiet_lift(stored.warning, stored.seen, now, stored.control)
    if quiet is None:
        return []
    stored.write(warnings, cluster_id, quiet[0], None, None, position, [quiet])
    return [quiet]


def _quiet_lift(
    previous: Warning | None, seen: datetime | None, now: datetime, control: Control | None
) -> Version | None:
    """The lift of a warning quiet since ``seen`` by ``now``, dated the end of its quiet period
    (so the same bytes whenever it is noticed), with its control withdrawn."""
    if previous is None or previous.status != "active" or seen is None:
        return None
    lifted = lift(previous, seen, now)
    if lifted is None:
        return None
    lifted = replace(lifted, updated_time=seen + QUIET_PERIOD)
    if control is None or control.status != "active":
        return lifted, None
    withdrawn = replace(
        control, version=lifted.version, status="lifted", valid_from=lifted.updated_time
    )
    return lifted, withdrawn


def _control(
    warning: Warning, previous: Warning | None, cluster: Cluster, catalogue: Catalogue
) -> Control | None:
    """The control ``warning`` asks; the lifting of ``previous``'s when it asks none any more."""
    control = control_for(warning, cluster, catalogue)
    alert = WarningKind.ALERT_NOTIFICATION.value
    if control is None and previous and previous.kind == alert and previous.status == "active":
        was = replace(previous, status="lifted", version=warning.version)
        control = control_for(was, cluster, catalogue)
    return control


DECISIONS_KEPT = 16  # far more than one cluster's inputs between two commits


def _where(position: str | None) -> tuple[str, int] | None:
    """The topic and offset of a ``topic:partition:offset`` position (or a bare offset)."""
    if position is None:
        return None
    topic, _, offset = position.rpartition(":")
    return topic.rsplit(":", 1)[0], int(offset)


@dataclass(frozen=True, slots=True)
class _StoredWarning:
    """A cluster's latest warning, the recent decisions that made versions (by input
    position), the downgrade clock and the time of its latest signal (for the quiet period)."""

    warning: Warning | None
    decided: dict[str, list[Version]]
    hold: Hold | None = None
    seen: datetime | None = None
    control: Control | None = None  # the latest control the warning asked

    def decided_at(self, position: str | None) -> list[Version] | None:
        """What an input read again decided the first time; ``None`` for a new input."""
        where = _where(position)
        if where is None:
            return None
        topic, offset = where
        offsets = [o for t, o in map(_where, self.decided) if t == topic]  # type: ignore[misc]
        if not offsets or offset > max(offsets):
            return None
        for earlier, versions in self.decided.items():
            if _where(earlier) == where:
                return versions
        return []

    def write(
        self,
        warnings: State,
        key: str,
        warning: Warning | None,
        hold: Hold | None,
        seen: datetime | None,
        position: str | None,
        versions: list[Version],
    ) -> None:
        """One value, so one changelog record: the version, the decisions, the clocks."""
        decided = [[p, [[w, c] for w, c in v]] for p, v in self.decided.items()]
        if versions and position is not None:
            decided = [*decided, [position, [[w, c] for w, c in versions]]][-DECISIONS_KEPT:]
        controls = [c for _, c in versions if c is not None]
        control = controls[-1] if controls else self.control
        value = {
            "warning": warning,
            "decided": decided,
            "hold": hold,
            "seen": seen,
            "control": control,
        }
        warnings[key] = dumps(value)

    @classmethod
    def of(cls, raw: bytes | None) -> _StoredWarning:
        """Read a stored value."""
        if not raw:
            return cls(None, {})
        value = loads(raw)
        if "warning_id" in value:  # a bare Warning, as stored before decisions were noted
            return cls(from_dict(Warning, value), {})
        decided = {
            str(p): [
                (from_dict(Warning, w), from_dict(Control, c) if c else None) for w, c in versions
            ]
            for p, versions in (row for row in value.get("decided", []) if len(row) == 2)
        }
        hold = from_dict(Hold, value["hold"]) if value.get("hold") else None
        warning = from_dict(Warning, value["warning"]) if value.get("warning") else None
        seen = datetime.fromisoformat(value["seen"]) if value.get("seen") else None
        control = from_dict(Control, value["control"]) if value.get("control") else None
        return cls(warning, decided, hold, seen, control)
