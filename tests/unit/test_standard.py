"""detectors.standard: the grading standard is one typed, versioned value that grading reads."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from detectors import grading
from detectors.standard import STANDARD, standard_from_dict, standard_to_dict
from schemas.errors import SchemaError
from schemas.records import Assessment, Cluster, Grade, WarningKind

T0 = datetime(2026, 9, 20, 12, tzinfo=UTC)


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


def _assessment(urgency: int, probability: float | None, deaths: int = 0) -> Assessment:
    cluster = Cluster(
        cluster_id="K-000000000001",
        block_key="heaters",
        product="暖阳电暖器",
        category="heaters",
        first_seen=T0,
        last_seen=T0,
        risk_counts={"complaints": 4, "injuries": 2},  # over the evidence floor
        hazard_class="electrical",
        signal_count=6,
        deaths=deaths,
    )
    model: dict[str, object] = {"name": None, "note": "no model"}
    if probability is not None:
        model = {"name": "m", "probability": probability, "threshold": 0.05, "drivers": []}
    return Assessment(
        cluster=cluster,
        as_of=T0,
        hazard=4,
        urgency=urgency,
        scope=3,
        score=4.0 * urgency * 3,
        explanation={"model": model},
    )


def test_a_model_gate_puts_the_models_probability_in_place_of_the_urgency_gate() -> None:
    gated = replace(STANDARD, version="with-model-gate", model_gate=0.3)
    quiet_but_likely = _assessment(urgency=1, probability=0.8)
    urgent_but_unlikely = _assessment(urgency=4, probability=0.1)
    # the rules' standard ignores the model; the gated one follows it, both ways
    assert not grading.warrants_warning(quiet_but_likely, STANDARD)
    assert grading.warrants_warning(quiet_but_likely, gated)
    assert grading.warrants_warning(urgent_but_unlikely, STANDARD)
    assert not grading.warrants_warning(urgent_but_unlikely, gated)
    # no model verdict (no model file): the urgency gate, under either standard
    assert grading.warrants_warning(_assessment(urgency=3, probability=None), gated)
    assert not grading.warrants_warning(_assessment(urgency=1, probability=None), gated)
    # a death is enough whatever the model says; the evidence floor is always needed
    assert grading.warrants_warning(_assessment(urgency=1, probability=0.0, deaths=1), gated)
    thin = replace(
        quiet_but_likely, cluster=replace(quiet_but_likely.cluster, risk_counts={"complaints": 1})
    )
    assert not grading.warrants_warning(thin, gated)


def test_the_issuing_reason_names_the_model_gate() -> None:
    gated = replace(STANDARD, version="with-model-gate", model_gate=0.3)
    step = grading.evolve(None, _assessment(urgency=2, probability=0.62), None, gated)
    assert step.warning is not None
    assert "model probability 0.62 >= gate 0.3" in step.warning.reason
    ruled = grading.evolve(None, _assessment(urgency=2, probability=0.62), None, STANDARD)
    assert ruled.warning is not None and "floor and gate met" in ruled.warning.reason


def test_the_model_gate_is_published_and_read_back_checked() -> None:
    gated = replace(STANDARD, version="with-model-gate", model_gate=0.25)
    document = standard_to_dict(gated)
    assert document["model_gate"] == 0.25
    assert standard_from_dict(document) == gated
    del document["model_gate"]  # standards published before the gate existed still read
    assert standard_from_dict(document).model_gate is None
    for bad in (1.5, -0.1, "high", True):
        with pytest.raises(SchemaError, match=r"\$\.model_gate"):
            standard_from_dict({**document, "model_gate": bad})
