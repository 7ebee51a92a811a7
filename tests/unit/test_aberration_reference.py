"""riskwire's aberration methods against R ``surveillance`` 1.20.3 on real series it ships.

The expected values are R's own output (``lab/reference/make_fixtures.R``, run with Debian's
r-cran-surveillance): fourteen weekly RKI SurvStat series with expert outbreak labels, plus
salmonella.agona and campyDE (GPL-2, from the package). Where riskwire departs from R on
purpose (EARS C3's bound, the dispersion in Farrington's standard error) the R behaviour is a
parameter, and these tests hold riskwire to it with that parameter set.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from scipy.stats import norm

from detectors.aberration import DetectionPoint, detect

FIXTURE = Path(__file__).resolve().parents[2] / "lab" / "data" / "surveillance_reference.json"


@cache
def _reference() -> dict[str, Any]:
    return dict(json.loads(FIXTURE.read_text())["series"])


def _cases(prefix: tuple[str, ...]) -> list[tuple[str, str]]:
    return [
        (name, run)
        for name, series in _reference().items()
        for run in series["runs"]
        if run.startswith(prefix) and "error" not in series["runs"][run]
    ]


def _ours_ears(series: dict[str, Any], run: dict[str, Any], name: str) -> list[DetectionPoint]:
    variant = name[:2].lower()
    params: dict[str, Any] = {"k": float(-norm.ppf(run["alpha"])), "min_sd": run["min_sigma"]}
    if variant == "c3":
        params["form"] = "surveillance"
    return detect(series["observed"], f"ears-{variant}", **params)


def _ours_farrington(series: dict[str, Any], run: dict[str, Any]) -> list[DetectionPoint]:
    return detect(
        series["observed"],
        "farrington",
        period=series["freq"],
        b=run["b"],
        w=run["w"],
        alpha=run["alpha"],
        threshold_method="power" if run["threshold_method"] == "delta" else "negbin",
        reweight_threshold=run["weights_threshold"],
        blocks=run["no_periods"],
        skip_recent=run["past_weeks_not_included"],
        min_years=run["b"],
        se_dispersion="surveillance",
        fallback=None,
    )


def test_the_fixture_covers_every_labelled_series_and_method() -> None:
    reference = _reference()
    assert len(reference) == 16
    assert sum(1 for s in reference.values() if sum(s["state"]) > 0) == 14  # RKI: expert labels
    runs = {run for s in reference.values() for run in s["runs"]}
    assert {"C1-k3-min0.5", "C2-k3-min0.5", "C3-k2-min0.5", "noufaily-b3", "farrington-b3"} <= runs


@pytest.mark.parametrize(("series_name", "run_name"), _cases(("C1-k3", "C2-k3", "C3-k2")))
def test_ears_equals_surveillance_earsC(series_name: str, run_name: str) -> None:
    series = _reference()[series_name]
    run = series["runs"][run_name]
    ours = _ours_ears(series, run, run_name)
    first = run["first"]
    assert all(p.threshold is None for p in ours[:first])  # the same points are pending
    for i, (bound, alarm) in enumerate(zip(run["upperbound"], run["alarm"], strict=True)):
        point = ours[first + i]
        assert point.threshold == pytest.approx(bound, rel=1e-9, abs=1e-9), (first + i, point)
        assert point.alarm is bool(alarm), (first + i, point)


@pytest.mark.parametrize(
    ("series_name", "run_name"), _cases(("farrington-", "nbplugin-", "noufaily-"))
)
def test_farrington_equals_surveillance_farringtonFlexible(series_name: str, run_name: str) -> None:
    series = _reference()[series_name]
    run = series["runs"][run_name]
    ours = _ours_farrington(series, run)
    first = run["first"]
    compared = 0
    for i, (bound, alarm) in enumerate(zip(run["upperbound"], run["alarm"], strict=True)):
        point = ours[first + i]
        assert point.alarm is bool(alarm), (first + i, point, bound)
        if bound is None or not math.isfinite(bound):
            continue  # R gives no bound where the last 4 weeks hold < 5 cases
        assert point.expected is not None and point.threshold is not None
        # riskwire keeps a bound at least half a count above the mean (same integer alarms)
        expected_bound = max(bound, point.expected + 0.5)
        assert point.threshold == pytest.approx(expected_bound, rel=1e-3), (first + i, point)
        compared += 1
    assert compared > 0 or not any(run["alarm"])
