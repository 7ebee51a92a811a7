"""detectors.standard: the grading standard is one typed, versioned value that grading reads."""

from __future__ import annotations

from datetime import timedelta

from detectors import grading
from detectors.standard import STANDARD
from schemas.records import Grade, WarningKind


def test_the_standard_covers_every_grade_and_kind() -> None:
    assert STANDARD.version
    grades = list(STANDARD.thresholds)
    assert grades == [Grade.I, Grade.II, Grade.III, Grade.IV]  # highest first: grade_for scans
    values = list(STANDARD.thresholds.values())
    assert values == sorted(values, reverse=True)
    assert set(STANDARD.authorities) == set(Grade)
    for kind in WarningKind:
        assert set(STANDARD.measures[kind]) == set(Grade)
        assert all(STANDARD.measures[kind][g] for g in Grade)
    assert STANDARD.downgrade_hold > timedelta(0) and STANDARD.update_growth > 1


def test_grading_applies_the_standard_in_force() -> None:
    assert grading.THRESHOLDS is STANDARD.thresholds
    assert grading.QUIET_PERIOD is STANDARD.quiet_period
    for grade, threshold in STANDARD.thresholds.items():
        assert grading.grade_for(threshold) is grade
    assert grading.authority_for(Grade.I) == STANDARD.authorities[Grade.I]
    assert (
        grading.measures_for(Grade.II, WarningKind.ALERT_NOTIFICATION)
        == (STANDARD.measures[WarningKind.ALERT_NOTIFICATION][Grade.II])
    )
