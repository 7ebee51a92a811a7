"""Aberration detectors: hand-checked arithmetic, behaviour on simulated series, edge cases."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors import aberration
from detectors.aberration import (
    METHODS,
    DetectionPoint,
    cusum,
    detect,
    ears_c1,
    ears_c2,
    ears_c3,
    farrington,
    latest,
)

# Shared by the EARS checks: baseline 2, 4, 3, 5, 1, 3, 3 has
#   mean = 21 / 7 = 3, squared deviations 1+1+0+4+4+0+0 = 10,
#   sd = sqrt(10 / 6) = 1.2909944 (sample sd, n - 1 = 6).
BASE = [2, 4, 3, 5, 1, 3, 3]
SD_BASE = math.sqrt(10 / 6)


def test_ears_c1_by_hand() -> None:
    points = ears_c1([*BASE, 9])
    assert [p.expected for p in points[:7]] == [None] * 7  # no baseline before t = 7
    assert not any(p.alarm for p in points[:7])
    p = points[7]
    assert pytest.approx(1.2909944) == SD_BASE
    assert p.expected == pytest.approx(3.0)
    # C1 = (9 - 3) / 1.2909944 = 4.6475800; threshold = 3 + 3 * 1.2909944 = 6.8729833
    assert p.score == pytest.approx(4.6475800)
    assert p.threshold == pytest.approx(6.8729833)
    assert p.exceedance == pytest.approx(4.6475800 / 3)
    assert p.alarm is True
    assert p.baseline_n == 7
    assert p.method == "ears-c1"


def test_ears_c2_skips_the_two_point_guard_band() -> None:
    # t = 9: baseline t-9..t-3 = BASE again; the 8, 8 at t-2, t-1 are the guard band.
    p = ears_c2([*BASE, 8, 8, 9])[9]
    assert p.expected == pytest.approx(3.0)
    assert p.score == pytest.approx((9 - 3) / SD_BASE)  # = 4.6475800
    assert p.alarm is True
    # C1 at the same point sees the guard band: baseline 3,5,1,3,3,8,8, mean 31/7 = 4.4285714.
    c1 = ears_c1([*BASE, 8, 8, 9])[9]
    assert c1.expected == pytest.approx(31 / 7)
    assert all(p.expected is None for p in ears_c2([*BASE, 8, 8, 9])[:9])


def test_ears_c3_by_hand() -> None:
    y = [*BASE, 5, 1, 6, 7, 8]
    # C2(9):  baseline y0..y6 = BASE, mean 3, sd 1.2909944; C2 = (6 - 3)/1.2909944 = 2.3237900
    # C2(10): baseline 4,3,5,1,3,3,5, mean 24/7 = 3.4285714, squared deviations sum 82/7,
    #         sd = sqrt(82/42) = 1.3972763; C2 = (7 - 3.4285714)/1.3972763 = 2.5559932
    # C2(11): baseline 3,5,1,3,3,5,1, mean 3, squared deviations 16, sd = sqrt(16/6) = 1.6329932;
    #         C2 = (8 - 3)/1.6329932 = 3.0618622
    c2 = ears_c2(y)
    assert [c2[t].score for t in (9, 10, 11)] == pytest.approx([2.3237900, 2.5559932, 3.0618622])
    p = ears_c3(y)[11]
    # C3 = (2.3237900 - 1) + (2.5559932 - 1) + (3.0618622 - 1) = 4.9416453 > 2
    assert p.score == pytest.approx(4.9416453)
    assert p.exceedance == pytest.approx(4.9416453 / 2)
    assert p.alarm is True
    # Threshold: the count at t making C3 = 2: 3 + 1.6329932 * (1 + 2 - 2.8797832) = 3.1963133
    assert p.threshold == pytest.approx(3.1963133)
    assert p.expected == pytest.approx(3.0)
    assert p.baseline_n == 9  # t-11..t-3
    assert all(q.score is None for q in ears_c3(y)[:11])


def test_ears_constant_baseline_uses_min_sd() -> None:
    # sd of 7 threes is 0; floored at min_sd = 0.5, threshold = 3 + 3 * 0.5 = 4.5.
    quiet, burst = ears_c1([3] * 7 + [4]), ears_c1([3] * 7 + [5])
    assert quiet[7].threshold == pytest.approx(4.5)
    assert quiet[7].alarm is False
    assert burst[7].score == pytest.approx((5 - 3) / 0.5)
    assert burst[7].alarm is True
    assert ears_c1([3] * 7 + [5], min_sd=1.0)[7].alarm is False  # threshold 6


def test_ears_thresholds_are_parameters() -> None:
    y = [*BASE, 7]  # C1 = 4 / 1.2909944 = 3.0983867
    assert ears_c1(y)[7].alarm is True
    assert ears_c1(y, k=3.5)[7].alarm is False


def test_cusum_by_hand() -> None:
    # guard 1, baseline 7: at t = 8 and 9 the baseline is seven 4s, so mu0 = 4, sd0 = 2 and the
    # alternative mu1 = 4 + 2 * 2 = 8. Log-likelihood ratio of a count y: y ln 2 - 4.
    points = cusum([4] * 8 + [10, 10], guard=1, baseline=7, min_baseline=7)
    assert points[7].expected is None  # only 6 baseline points before the guard band
    first, second = points[8], points[9]
    assert first.expected == pytest.approx(4.0)
    assert first.score == pytest.approx(10 * math.log(2) - 4)  # 2.9314718
    assert first.alarm is False
    assert second.score == pytest.approx(2 * (10 * math.log(2) - 4))  # 5.8629436 > h = 5
    assert second.alarm is True
    assert second.exceedance == pytest.approx(5.8629436 / 5)
    # The count that would have crossed h: (5 - 2.9314718 + 4) / ln 2 = 8.7550355
    assert second.threshold == pytest.approx(8.7550355)


def test_cusum_restarts_after_an_alarm() -> None:
    points = cusum([4] * 8 + [10, 10, 4], guard=1, baseline=7, min_baseline=7)
    # After the alarm S restarts at 0, so a quiet 4 (LLR 4 ln 2 - 4 < 0) leaves it at 0.
    assert points[10].score == 0.0


def test_cusum_detects_a_step_change() -> None:
    rng = np.random.default_rng(20240601)
    y = np.concatenate([rng.poisson(3.0, 200), rng.poisson(9.0, 30)])
    points = cusum(y)
    first = next(p.index for p in points if p.alarm and p.index >= 200)
    assert first - 200 <= 3
    assert sum(p.alarm for p in points[200:207]) >= 3


def test_cusum_false_alarm_rate_on_stationary_poisson() -> None:
    rng = np.random.default_rng(11)
    rates = []
    for lam in (0.5, 5.0, 40.0):
        points = cusum(rng.poisson(lam, 3000))
        rates.append(sum(p.alarm for p in points) / len(points))
    assert max(rates) < 0.01, rates


def test_cusum_negbin_on_overdispersed_counts() -> None:
    rng = np.random.default_rng(5)
    size, mean = 2.0, 6.0
    quiet = rng.negative_binomial(size, size / (size + mean), 3000)
    nb = cusum(quiet, family="negbin")
    poisson = cusum(quiet)
    assert nb[100].method == "cusum-negbin"
    nb_rate = sum(p.alarm for p in nb) / len(nb)
    # The Poisson likelihood mistakes overdispersion for outbreaks; the NB one does not.
    assert nb_rate < 0.01
    assert sum(p.alarm for p in poisson) / len(poisson) > 3 * nb_rate
    burst = np.concatenate([quiet[:300], rng.negative_binomial(size, size / (size + 40.0), 10)])
    assert any(p.alarm for p in cusum(burst, family="negbin")[300:])


def _farrington_toy() -> list[int]:
    # period 10, w = 1, b = 2: at t = 25 the baseline is t-10 +- 1 and t-20 +- 1, i.e.
    # indices 14, 15, 16 and 4, 5, 6. Every other point is 50 and must be ignored.
    y = [50] * 26
    for i, v in zip((4, 5, 6, 14, 15, 16), (4, 6, 5, 5, 4, 6), strict=True):
        y[i] = v
    y[25] = 14
    return y


def test_farrington_by_hand_negbin_threshold() -> None:
    p = farrington(
        _farrington_toy(), period=10, w=1, b=2, trend=False, reweight=False, fallback=None
    )[25]
    # Intercept-only Poisson GLM: mu0 = mean(4, 6, 5, 5, 4, 6) = 5.
    # Pearson dispersion = (1+1+0+0+1+1) / 5 / (6 - 1) = 0.16, floored at phi = 1, so the
    # threshold is the Poisson 99% quantile: P(X <= 10 | 5) = 0.9863, P(X <= 11 | 5) = 0.9945.
    assert p.expected == pytest.approx(5.0)
    assert p.threshold == pytest.approx(11.0)
    assert p.score == pytest.approx((14 - 5) / (11 - 5))  # 1.5
    assert p.alarm is True
    assert p.baseline_n == 6
    assert p.method == "farrington"


def test_farrington_by_hand_power_threshold() -> None:
    p = farrington(
        _farrington_toy(),
        period=10,
        w=1,
        b=2,
        trend=False,
        reweight=False,
        threshold_method="power",
        fallback=None,
    )[25]
    # var(eta0) = dispersion / (n * mu0) = 0.16 / 30; tau = phi + mu0 * var(eta0) = 1.0266667;
    # se = sqrt(4/9 * 5^(1/3) * tau) = 0.8833062; z(0.99) = 2.3263479;
    # U = (5^(2/3) + 2.3263479 * 0.8833062)^(3/2) = (2.9240177 + 2.0548711)^1.5 = 11.1097410
    assert p.threshold == pytest.approx(11.1097410)
    assert p.score == pytest.approx(9 / (11.1097410 - 5))


def test_fit_matches_known_poisson_mle() -> None:
    # Intercept + slope through (0, 1), (1, 2), (2, 4): the Poisson MLE solves the score
    # equations sum(y - mu) = 0 and sum(x (y - mu)) = 0.
    x = np.column_stack([np.ones(3), np.arange(3.0)])
    y = np.array([1.0, 2.0, 4.0])
    fit = aberration._fit_quasipoisson(x, y, np.ones(3))
    assert fit is not None
    assert float(np.sum(y - fit.mu)) == pytest.approx(0.0, abs=1e-8)
    assert float(np.sum(np.arange(3.0) * (y - fit.mu))) == pytest.approx(0.0, abs=1e-8)
    # Here the fitted means are geometric with ratio 2 and sum 7: 1, 2, 4 exactly.
    assert fit.mu == pytest.approx([1.0, 2.0, 4.0])


def _seasonal_weekly(rng: np.random.Generator, years: int) -> np.ndarray:
    t = np.arange(52 * years)
    mean = np.exp(1.6 + 0.7 * np.sin(2 * np.pi * t / 52))
    return rng.negative_binomial(10, 10 / (10 + mean))


def test_farrington_alarms_at_an_outbreak_and_rarely_elsewhere() -> None:
    rng = np.random.default_rng(42)
    y = _seasonal_weekly(rng, 7)
    start = 52 * 6 + 20
    y[start : start + 3] += np.array([12, 20, 10])
    points = farrington(y)
    assert points[start].method == "farrington"
    assert points[start].baseline_n == 35  # 5 years x 7 weeks
    assert any(p.alarm for p in points[start : start + 3])
    last_two_years = [p for p in points[52 * 5 :] if not start <= p.index < start + 3]
    assert sum(p.alarm for p in last_two_years) <= 3


def test_farrington_reweighting_discounts_a_past_outbreak() -> None:
    rng = np.random.default_rng(3)
    y = _seasonal_weekly(rng, 6)
    t = 52 * 5 + 10
    y[t - 52] += 60  # last year's same week was an outbreak
    plain = latest(y[: t + 1], "farrington", reweight=False, trend=False)
    weighted = latest(y[: t + 1], "farrington", trend=False)
    assert plain.expected is not None and weighted.expected is not None
    assert weighted.expected < plain.expected - 1.0


def test_farrington_trend_is_kept_only_when_it_does_not_extrapolate() -> None:
    t = np.arange(52 * 6)
    falling = np.round(40 * np.exp(-0.004 * t)).astype(int)  # 40 down to about 11, smooth
    with_trend = latest(falling, "farrington")
    flat = latest(falling, "farrington", trend=False)
    assert with_trend.expected is not None and flat.expected is not None
    assert abs(with_trend.expected - falling[-1]) < 1.0 < abs(flat.expected - falling[-1])
    # A rising trend predicts above every baseline count, which Farrington's rule forbids.
    rising = falling[::-1].copy()
    assert latest(rising, "farrington") == latest(rising, "farrington", trend=False)


def test_farrington_noufaily_blocks_use_the_whole_year() -> None:
    rng = np.random.default_rng(8)
    y = _seasonal_weekly(rng, 6)
    p = farrington(y, blocks=10, skip_recent=26)[-1]
    # 5 years of 52 weeks plus one window tail, less the 26 + 1 most recent weeks.
    assert p.baseline_n == 5 * 52 + 3 + 1 - 27
    assert p.method == "farrington"


def test_farrington_short_series_falls_back_or_waits() -> None:
    y = [2, 3, 1, 4, 2, 3, 2, 1, 3, 2, 9, 2]
    fallen = farrington(y)
    assert {p.method for p in fallen} == {"ears-c2"}
    assert fallen[10] == ears_c2(y)[10]
    waiting = farrington(y, fallback=None)
    assert all(p.method == "farrington" and p.expected is None and not p.alarm for p in waiting)


def test_farrington_min_cases_rule() -> None:
    # Baseline all zero: mean read as 0.5/n = 0.5/14; its 99% Poisson quantile is 1
    # (P(0) = exp(-0.0357) = 0.965), so 2 reports exceed it, but Farrington wants 5 cases in
    # the last 4 periods before alarming.
    y = [0] * (52 * 2 + 10)
    lone = [*y[:-1], 2]
    burst = [*y[:-2], 3, 3]
    p = farrington(lone)[-1]
    assert p.expected == pytest.approx(0.5 / 14)  # 2 years x 7 weeks
    assert p.threshold == 1.0
    assert p.exceedance is not None and p.exceedance > 1
    assert p.alarm is False
    assert farrington(burst)[-1].alarm is True


def test_farrington_threshold_stays_above_a_tiny_mean() -> None:
    # Noufaily blocks on 6 silent years: 5 * 52 + 4 - 27 = 237 zero baseline weeks, mean read
    # as 0.5/237 = 0.0021, whose 99% Poisson quantile is 0 (P(0) = 0.998). A threshold of 0
    # would make (y - mu0)/(U - mu0) negative; it is raised to mu0 + 0.5 instead.
    y = [0] * (52 * 6) + [3, 3]
    p = farrington(y, blocks=10, skip_recent=26)[-1]
    assert p.expected == pytest.approx(0.5 / 237)
    assert p.threshold == pytest.approx(0.5 / 237 + 0.5)
    assert p.exceedance == pytest.approx((3 - 0.5 / 237) / 0.5)
    assert p.alarm is True


@pytest.mark.parametrize("method", METHODS)
def test_zero_series_never_alarms(method: str) -> None:
    points = detect([0] * 200, method)
    assert len(points) == 200
    assert not any(p.alarm for p in points)


def test_zero_baseline_then_burst() -> None:
    y = [0] * 30 + [3]
    ears = ears_c1(y)[-1]
    assert ears.expected == 0.0
    assert ears.threshold == pytest.approx(1.5)  # 3 * min_sd
    assert ears.alarm is True
    assert cusum([0] * 30 + [3, 3])[-1].alarm is True


@pytest.mark.parametrize("method", METHODS)
def test_short_series_is_pending(method: str) -> None:
    points = detect([1, 2, 3], method)
    assert [p.index for p in points] == [0, 1, 2]
    assert all(p.expected is None and p.score is None and not p.alarm for p in points)
    assert detect([], method) == []


@pytest.mark.parametrize(
    ("series", "match"),
    [
        ([1, float("nan"), 2], r"series\[1\]"),
        ([1, 2, -1], r"series\[2\].*non-negative"),
        ([1, float("inf")], r"finite"),
        ([[1, 2], [3, 4]], "one-dimensional"),
        (["a", "b"], "numbers"),
    ],
)
def test_bad_series_is_rejected(series: list[object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        detect(series, "ears-c1")  # type: ignore[arg-type]


def test_dispatcher_checks_method_dates_and_params() -> None:
    with pytest.raises(ValueError, match="unknown method"):
        detect([1, 2], "shewhart")
    with pytest.raises(ValueError, match="dates has 1"):
        detect([1, 2], "ears-c1", dates=["2024-01-01"])
    with pytest.raises(ValueError, match="min_sd"):
        detect([1, 2], "ears-c1", min_sd=0)
    with pytest.raises(ValueError, match="family"):
        detect([1, 2], "cusum", family="gaussian")
    with pytest.raises(ValueError, match="period"):
        detect([1, 2], "farrington", period=6, w=3)


def test_dispatcher_matches_the_named_functions_and_carries_dates() -> None:
    rng = np.random.default_rng(1)
    y = list(rng.poisson(4, 120))
    dates = [f"d{i}" for i in range(120)]
    assert detect(y, "ears-c1", k=2.5) == ears_c1(y, k=2.5)
    assert detect(y, "ears-c3") == ears_c3(y)
    assert detect(y, "cusum", family="negbin") == cusum(y, family="negbin")
    assert detect(y, "farrington", period=26, w=2) == farrington(y, period=26, w=2)
    assert [p.date for p in detect(y, "ears-c2", dates=dates)] == dates


@pytest.mark.parametrize("method", METHODS)
def test_latest_is_the_last_point(method: str) -> None:
    rng = np.random.default_rng(9)
    y = list(rng.poisson(3, 160))
    y[-1] += 12
    last = latest(y, method, date="2024-06-09")
    full = detect(y, method)[-1]
    assert last.date == "2024-06-09"
    assert last == DetectionPoint(**{**full.to_dict(), "date": "2024-06-09"})
    with pytest.raises(ValueError, match="empty"):
        latest([], method)


@settings(max_examples=60, deadline=None)
@given(
    series=st.lists(st.integers(min_value=0, max_value=40), max_size=70),
    method=st.sampled_from(METHODS),
)
def test_any_count_series_gives_one_consistent_point_each(series: list[int], method: str) -> None:
    params: dict[str, Any] = {"period": 12, "w": 1, "b": 2} if method == "farrington" else {}
    points = detect(series, method, **params)
    assert [p.index for p in points] == list(range(len(series)))
    for p, y in zip(points, series, strict=True):
        assert p.observed == y
        assert type(p.alarm) is bool
        if p.exceedance is None:
            assert not p.alarm
            continue
        assert p.expected is not None and p.threshold is not None
        assert all(math.isfinite(v) for v in (p.expected, p.threshold, p.exceedance))
        if p.method == "farrington":
            assert not p.alarm or p.exceedance > 1  # plus the 5-in-4 rule
        else:
            assert p.alarm == (p.exceedance > 1)


def test_simulation_study_runs_and_reports_rates() -> None:
    from lab import aberration_study as bench

    result = bench.evaluate(replicates=1, scenarios=bench.SCENARIOS[1:2])
    assert set(result["overall"]) == set(bench.DETECTORS)
    for metrics in result["overall"].values():
        assert 0.0 <= metrics["false_alarm_rate"] <= 1.0
        assert metrics["pod"] is None or 0.0 <= metrics["pod"] <= 1.0
    assert "overall" in bench.format_report(result)


@st.composite
def _hard_series(draw: st.DrawFn) -> list[int]:
    """Series that broke detectors on real surveillance data: long zero runs then a burst,
    sparse ones and zeros, a high early level, constants, counts near 10^9."""
    n = draw(st.sampled_from([0, 1, 2, 5, 40, 160, 320]))
    shape = draw(st.sampled_from(["zeros-burst", "sparse", "high-early", "constant", "huge"]))
    if shape == "zeros-burst":
        series = [0] * n
        for at in draw(st.lists(st.integers(0, max(n - 1, 0)), max_size=3)) if n else []:
            series[at] = draw(st.sampled_from([1, 5, 60, 10**6]))
        return series
    if shape == "sparse":
        return draw(st.lists(st.sampled_from([0] * 9 + [1]), min_size=n, max_size=n))
    if shape == "high-early":
        return [
            draw(st.integers(500, 5000)) if i < n // 3 else draw(st.integers(0, 3))
            for i in range(n)
        ]
    if shape == "constant":
        return [draw(st.sampled_from([0, 1, 7, 10**9]))] * n
    return draw(st.lists(st.integers(10**8, 10**9), min_size=n, max_size=n))


@settings(max_examples=80, deadline=None)
@given(
    series=_hard_series(),
    method=st.sampled_from(METHODS),
    params=st.sampled_from([{}, {"period": 52}, {"period": 12, "w": 1, "b": 2}]),
)
def test_every_method_is_total_on_hard_series(
    series: list[int], method: str, params: dict[str, Any]
) -> None:
    """Never an exception, a finite verdict or a pending point per input point (the Farrington
    fit that diverges on sparse counts falls back, method recorded)."""
    points = detect(series, method, **(params if method == "farrington" else {}))
    assert len(points) == len(series)
    for p in points:
        numbers = (p.expected, p.threshold, p.exceedance)
        assert all(v is None or math.isfinite(v) for v in numbers), p
        assert p.exceedance is not None or not p.alarm


def test_a_sparse_series_that_made_the_fit_diverge_falls_back() -> None:
    """A weekly series of isolated single cases over six years: IRLS drove the intercept past
    exp's range (OverflowError before); those points now come from the fallback."""
    import random

    rng = random.Random(0)  # raised OverflowError at math.exp(fit.beta[0]) before
    series = [1 if rng.random() < 0.1 else 0 for _ in range(300)]
    points = detect(series, "farrington", period=52)
    assert len(points) == 300
    assert {p.method for p in points} <= {"farrington", "ears-c2"}


def test_farrington_window_tests_the_sum_of_the_last_periods() -> None:
    # A steady Poisson-like baseline around 10 a week; the last two weeks are each a little
    # high, neither alone beyond its bound, but together well beyond the bound of a 2-week sum.
    rng = np.random.default_rng(5)
    base = [int(v) for v in rng.poisson(10.0, 52 * 3 + 10)]
    y = [*base[:-2], 18, 18]
    single = farrington(y, alpha=0.01)[-1]
    window = farrington(y, alpha=0.01, window=2)[-1]
    assert single.threshold is not None and single.expected is not None
    assert single.alarm is False and single.threshold >= 18
    # The same fit (mean); an alarm from the sum: 36 over two weeks against a bound for
    # 2 * mean, so the count this week needed (the threshold) is that bound less last week's.
    assert window.expected == pytest.approx(single.expected)
    assert window.alarm is True and window.method == "farrington-window"
    assert window.exceedance is not None and window.exceedance > 1
    assert window.threshold is not None and window.threshold < 18 < single.threshold + 1
    quiet_week = farrington([*base[:-2], 18, int(window.threshold)], alpha=0.01, window=2)
    assert quiet_week[-1].alarm is False  # at the threshold exactly: no alarm
    # A zero week never alarms, whatever the weeks before it held.
    assert farrington([*base[:-2], 40, 0], window=2)[-1].alarm is False


def test_farrington_window_needs_counts_quantiles() -> None:
    with pytest.raises(ValueError, match="window > 1 needs threshold_method negbin"):
        farrington([1] * 60, window=2, threshold_method="power")
    with pytest.raises(ValueError, match=r"window must be in 1\.\.8"):
        farrington([1] * 60, window=0)


@pytest.mark.parametrize("method", METHODS)
def test_series_that_once_broke_a_fit_or_a_quantile_get_a_verdict_per_point(method: str) -> None:
    spikes = np.zeros(218)
    spikes[93], spikes[143] = 728, 109  # IRLS to machine epsilon: a negative trend variance
    lone = np.zeros(293)
    lone[196] = 8
    rng = np.random.default_rng(1)
    huge = np.round(rng.normal(1e16, 1.3e8, 200))  # scipy's quantiles hang or abort here
    for series in (spikes, lone, huge, np.full(120, 1e30)):
        points = detect(series, method)
        assert len(points) == len(series)
        for p in points:
            assert p.threshold is None or math.isfinite(p.threshold)
