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

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from schemas.records import Grade, WarningKind

__all__ = ["STANDARD", "GradingStandard"]


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
)
