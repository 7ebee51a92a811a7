"""The grading standard: every number and word of policy that grading applies, in one typed
value (DOMAIN.md sections 3-6).

What grades a warning (thresholds on hazard x urgency x scope), what a warning needs at all
(the evidence floor and the urgency gate), how grades move (hysteresis, growth that warrants a
new version, the quiet period before lifting), which kind of warning goes to whom and the
measures each kind and grade carries. This is policy, not deployment: it changes by decision,
carries a version, and each warning can say which version graded it. :data:`STANDARD` is the one
in force; :mod:`detectors.grading` applies it.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from schemas.errors import SchemaError
from schemas.records import Grade, WarningKind

__all__ = ["STANDARD", "GradingStandard", "standard_from_dict", "standard_to_dict"]


@dataclass(frozen=True, slots=True)
class GradingStandard:
    """One version of the grading standard."""

    version: str
    thresholds: Mapping[Grade, float]  # lowest score of each grade, highest grade first
    downgrade_hold: timedelta  # a downgrade needs the evidence below the grade this long
    update_growth: float  # an update needs the evidence grown by this factor
    quiet_period: timedelta  # no new signal for this long: the warning is lifted
    floor_signals: int  # risk signals a warning needs from several feeds...
    floor_feeds: int  # ...from at least this many feeds,
    floor_one_feed: int  # or this many from one feed (any death is enough)
    urgency_gate: int  # urgency (1-5) a warning needs, unless someone died
    home_country: str  # goods from elsewhere, or declared imports, cross the border
    alert_from: Grade  # lowest grade of an alert notification to customs (border goods)
    announcement_from: Grade  # lowest grade of a public announcement
    approval_from: Grade | None  # lowest grade that waits for an analyst's approval (None: none)
    authorities: Mapping[Grade, str]
    measures: Mapping[WarningKind, Mapping[Grade, tuple[str, ...]]]
    decision_limits: Mapping[Grade, timedelta]  # a candidate not decided by then is overdue
    evaluation_period: timedelta  # a quiet warning is under effect evaluation this long
    reply_window: timedelta  # producers may reply to a notice this long
    # The calibrated model's probability a first warning needs in place of the urgency gate
    # (None: the rules' gate; an assessment without a model's verdict also falls back to it).
    model_gate: float | None = None
    # Consecutive compliant inspections that relax a warning's port control (hold or inspect
    # becomes sampling), and that lift it (detectors.inspections).
    relax_after: int = 3
    lift_after: int = 5


_MEASURES: dict[WarningKind, dict[Grade, tuple[str, ...]]] = {
    WarningKind.ALERT_NOTIFICATION: {
        Grade.I: (
            "port targeting: hold all matching lines",
            "ban import",
            "return shipment or destroy",
            "trace investigation",
            "defect recall",
        ),
        Grade.II: (
            "port targeting: hold matching lines",
            "restrict import",
            "trace investigation",
            "defect recall",
        ),
        Grade.III: (
            "port targeting: inspect matching lines",
            "tightened supervision",
            "trace investigation",
        ),
        Grade.IV: ("port targeting: sample matching lines", "tightened supervision"),
    },
    WarningKind.WARNING_ANNOUNCEMENT: {
        Grade.I: (
            "suspend sales",
            "seal up and detain",
            "defect recall",
            "warn consumers",
            "lower credit grade",
        ),
        Grade.II: ("suspend sales", "defect recall", "warn consumers", "lower credit grade"),
        Grade.III: ("warn consumers", "tightened supervision"),
        Grade.IV: ("warn consumers",),
    },
    WarningKind.WARNING_NOTICE: {
        Grade.I: ("producers and operators to suspend sales", "trace investigation"),
        Grade.II: (
            "producers and operators to take risk-mitigation measures",
            "trace investigation",
        ),
        Grade.III: (
            "producers and operators to take risk-mitigation measures",
            "tightened supervision",
        ),
        Grade.IV: ("producers and operators to self-inspect", "tightened supervision"),
    },
}


STANDARD = GradingStandard(
    version="riskwire-grading-2026.12",
    thresholds={Grade.I: 80.0, Grade.II: 45.0, Grade.III: 24.0, Grade.IV: 12.0},
    downgrade_hold=timedelta(days=7),
    update_growth=1.5,
    quiet_period=timedelta(days=30),
    floor_signals=3,
    floor_feeds=2,
    floor_one_feed=5,
    urgency_gate=2,
    home_country="CN",
    alert_from=Grade.III,
    announcement_from=Grade.II,
    approval_from=None,
    authorities={
        Grade.I: "national authority empowered by the State Council",
        Grade.II: "competent quality-safety authority",
        Grade.III: "competent quality-safety authority",
        Grade.IV: "competent quality-safety authority",
    },
    measures=_MEASURES,
    decision_limits={
        Grade.I: timedelta(hours=24),
        Grade.II: timedelta(hours=48),
        Grade.III: timedelta(days=3),
        Grade.IV: timedelta(days=7),
    },
    evaluation_period=timedelta(days=7),
    reply_window=timedelta(days=15),
)


MAX_HOURS = 10 * 366 * 24  # a duration of policy is years at most, never millennia
MAX_SCORE = 125.0  # hazard x urgency x scope, each 1-5
_DURATIONS = ("downgrade_hold", "quiet_period", "evaluation_period", "reply_window")
_COUNTS = ("floor_signals", "floor_feeds", "floor_one_feed", "urgency_gate")


def standard_to_dict(std: GradingStandard) -> dict[str, Any]:
    """The standard as the JSON document published on ``riskwire.config`` (durations in hours)."""
    hours = 3600.0
    return {
        "version": std.version,
        "thresholds": {g.value: v for g, v in std.thresholds.items()},
        **{name: getattr(std, name).total_seconds() / hours for name in _DURATIONS},
        "update_growth": std.update_growth,
        **{name: getattr(std, name) for name in _COUNTS},
        "home_country": std.home_country,
        "alert_from": std.alert_from.value,
        "announcement_from": std.announcement_from.value,
        "approval_from": std.approval_from.value if std.approval_from else None,
        "authorities": {g.value: v for g, v in std.authorities.items()},
        "measures": {
            k.value: {g.value: list(m) for g, m in by_grade.items()}
            for k, by_grade in std.measures.items()
        },
        "decision_limits": {
            g.value: d.total_seconds() / hours for g, d in std.decision_limits.items()
        },
        "model_gate": std.model_gate,
        "relax_after": std.relax_after,
        "lift_after": std.lift_after,
    }


def standard_from_dict(doc: Any) -> GradingStandard:
    """A standard from its published document; :class:`SchemaError` names the first wrong field.

    Every field must be there (a standard is a whole policy, not a patch on another) but
    ``model_gate``, absent or null when the rules gate, and ``relax_after`` / ``lift_after``
    (3 / 5 when absent: they came later), grades are
    ``I``-``IV``, thresholds (at most 125) strictly fall from grade I to IV, durations are hours
    from 0 to :data:`MAX_HOURS` (ten years: no date a deadline makes can overflow).
    """
    if not isinstance(doc, dict):
        raise SchemaError("a grading standard is a JSON object", "$")

    def field_(name: str) -> Any:
        if name not in doc:
            raise SchemaError("missing", f"$.{name}")
        return doc[name]

    def number(value: Any, path: str, low: float = 0.0, high: float = 1e6) -> float:
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if not numeric or not low <= value <= high:
            raise SchemaError(f"must be a number from {low:g} to {high:g}", path)
        return float(value)

    def grade(value: Any, path: str) -> Grade:
        try:
            return Grade(value)
        except ValueError:
            raise SchemaError("must be one of I, II, III, IV", path) from None

    def per_grade(name: str, convert: Any) -> dict[Grade, Any]:
        value = field_(name)
        if not isinstance(value, dict) or sorted(value) != sorted(g.value for g in Grade):
            raise SchemaError("must give each grade I, II, III, IV", f"$.{name}")
        return {g: convert(value[g.value], f"$.{name}.{g.value}") for g in Grade}

    def text(value: Any, path: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise SchemaError("must be a non-empty string", path)
        return value

    def hours(value: Any, path: str) -> timedelta:
        return timedelta(hours=number(value, path, 0.0, MAX_HOURS))

    def score(value: Any, path: str) -> float:
        return number(value, path, 0.0, MAX_SCORE)

    version = text(field_("version"), "$.version")
    thresholds = per_grade("thresholds", score)
    ordered = [thresholds[g] for g in Grade]
    if any(a <= b for a, b in itertools.pairwise(ordered)) or ordered[-1] <= 0:
        raise SchemaError("must fall strictly from grade I to grade IV, all > 0", "$.thresholds")
    raw_measures = field_("measures")
    if not isinstance(raw_measures, dict) or sorted(raw_measures) != sorted(
        k.value for k in WarningKind
    ):
        raise SchemaError(
            f"must give each kind: {', '.join(k.value for k in WarningKind)}", "$.measures"
        )
    measures: dict[WarningKind, dict[Grade, tuple[str, ...]]] = {}
    for kind in WarningKind:
        by_grade = raw_measures[kind.value]
        path = f"$.measures.{kind.value}"
        if not isinstance(by_grade, dict) or sorted(by_grade) != sorted(g.value for g in Grade):
            raise SchemaError("must give each grade I, II, III, IV", path)
        measures[kind] = {}
        for g in Grade:
            items = by_grade[g.value]
            if not isinstance(items, list) or not items:
                raise SchemaError("must be a non-empty list of measures", f"{path}.{g.value}")
            measures[kind][g] = tuple(text(m, f"{path}.{g.value}") for m in items)
    counts = {}
    for name in _COUNTS:
        value = field_(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise SchemaError("must be a whole number >= 1", f"$.{name}")
        counts[name] = value
    approval = field_("approval_from")
    gate = doc.get("model_gate")
    model_gate = None if gate is None else number(gate, "$.model_gate", 0.0, 1.0)
    eased: dict[str, int] = {}
    for name, default in (("relax_after", 3), ("lift_after", 5)):  # optional: they came later
        value = doc.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
            raise SchemaError("must be a whole number from 1 to 1000", f"$.{name}")
        eased[name] = value
    if eased["lift_after"] < eased["relax_after"]:
        raise SchemaError("must be at least relax_after", "$.lift_after")
    durations = {name: hours(field_(name), f"$.{name}") for name in _DURATIONS}
    return GradingStandard(
        version=version,
        thresholds=thresholds,
        downgrade_hold=durations["downgrade_hold"],
        update_growth=number(field_("update_growth"), "$.update_growth", 1.0, 100.0),
        quiet_period=durations["quiet_period"],
        floor_signals=counts["floor_signals"],
        floor_feeds=counts["floor_feeds"],
        floor_one_feed=counts["floor_one_feed"],
        urgency_gate=counts["urgency_gate"],
        home_country=text(field_("home_country"), "$.home_country"),
        alert_from=grade(field_("alert_from"), "$.alert_from"),
        announcement_from=grade(field_("announcement_from"), "$.announcement_from"),
        approval_from=None if approval is None else grade(approval, "$.approval_from"),
        authorities=per_grade("authorities", text),
        measures=measures,
        decision_limits=per_grade("decision_limits", hours),
        evaluation_period=durations["evaluation_period"],
        reply_window=durations["reply_window"],
        model_gate=model_gate,
        relax_after=eased["relax_after"],
        lift_after=eased["lift_after"],
    )
