"""EARS C1, C2 and C3 (Hutwagner et al. 2003): the short-baseline aberration methods.

Apart from the others because they need only a moving mean and sd of the last days; Farrington
falls back to them while a series is shorter than a year. :mod:`detectors.aberration`
describes the methods and dispatches to them by name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

from detectors.aberration_common import (
    Counts,
    DetectionPoint,
    _Array,
    _counts,
    _labels,
    _pending,
    _require,
)

__all__ = ["ears_c1", "ears_c2", "ears_c3"]


def _baseline_stats(
    y: _Array, t: int, lag: int, baseline: int, min_sd: float
) -> tuple[float, float] | None:
    """Mean and floored sample sd of the ``baseline`` points ending ``lag`` points before t."""
    end = t - lag
    start = end - baseline
    if start < 0:
        return None
    window = y[start:end]
    return float(window.mean()), max(float(window.std(ddof=1)), min_sd)


def _ears(
    y: _Array,
    labels: list[str | None],
    ts: Sequence[int],
    variant: Literal["c1", "c2", "c3"],
    k: float,
    baseline: int,
    min_sd: float,
    form: str = "hutwagner",
) -> list[DetectionPoint]:
    _require(k > 0, f"k must be positive, got {k}")
    _require(baseline >= 3, f"baseline must be at least 3 points, got {baseline}")
    _require(min_sd > 0, f"min_sd must be positive (a zero sd divides by zero), got {min_sd}")
    _require(form in _C3_FORMS, f"form must be one of {', '.join(_C3_FORMS)}, got {form!r}")
    name = f"ears-{variant}"
    lag = 0 if variant == "c1" else 2
    out: list[DetectionPoint] = []
    for t in ts:
        obs = float(y[t])
        now = _baseline_stats(y, t, lag, baseline, min_sd)
        if variant == "c3":
            before = [_baseline_stats(y, t - d, lag, baseline, min_sd) for d in (1, 2)]
            if now is None or before[0] is None or before[1] is None:
                out.append(_pending(t, labels[t], name, obs))
                continue
            carried = sum(
                max(0.0, (float(y[t - d]) - m) / s - 1.0)
                for d, (m, s) in zip((1, 2), (before[0], before[1]), strict=True)
            )
            mean, sd = now
            if form == "surveillance":
                out.append(_c3_surveillance(t, labels[t], obs, mean, sd, carried, k, baseline))
                continue
            c3 = max(0.0, (obs - mean) / sd - 1.0) + carried
            limit = max(0.0, mean + sd * (1.0 + k - carried))
            out.append(
                DetectionPoint(
                    t, labels[t], name, obs, mean, limit, c3, c3 / k, c3 > k, baseline + 2
                )
            )
            continue
        if now is None:
            out.append(_pending(t, labels[t], name, obs))
            continue
        mean, sd = now
        c = (obs - mean) / sd
        out.append(
            DetectionPoint(t, labels[t], name, obs, mean, mean + k * sd, c, c / k, c > k, baseline)
        )
    return out


_C3_FORMS = ("hutwagner", "surveillance")


def _c3_surveillance(
    t: int,
    label: str | None,
    obs: float,
    mean: float,
    sd: float,
    carried: float,
    k: float,
    baseline: int,
) -> DetectionPoint:
    """C3 as ``surveillance::earsC`` (1.20) computes it: upper bound y_t + sd (k - lagged terms).

    The bound puts the observed count where the baseline mean belongs and drops the "- 1" of
    today's term, so the alarm (y_t above the bound) holds exactly when the two earlier terms
    alone exceed k and y_t > 0: today's count does not move it. Kept to compare with R.
    """
    limit = max(0.0, obs + sd * (k - carried))
    alarm = obs > limit
    score = carried  # the part of C3 the bound depends on
    return DetectionPoint(
        t, label, "ears-c3", obs, mean, limit, score, score / k, alarm, baseline + 2
    )


def ears_c1(
    series: Counts,
    *,
    k: float = 3.0,
    baseline: int = 7,
    min_sd: float = 0.5,
    dates: Sequence[str] | None = None,
) -> list[DetectionPoint]:
    """EARS C1: y_t against the mean and sd of t-7..t-1; pending for t < 7."""
    y = _counts(series)
    return _ears(y, _labels(dates, len(y)), range(len(y)), "c1", k, baseline, min_sd)


def ears_c2(
    series: Counts,
    *,
    k: float = 3.0,
    baseline: int = 7,
    min_sd: float = 0.5,
    dates: Sequence[str] | None = None,
) -> list[DetectionPoint]:
    """EARS C2: as C1 on t-9..t-3, so the two latest points cannot mask a rise; pending t < 9."""
    y = _counts(series)
    return _ears(y, _labels(dates, len(y)), range(len(y)), "c2", k, baseline, min_sd)


def ears_c3(
    series: Counts,
    *,
    k: float = 2.0,
    baseline: int = 7,
    min_sd: float = 0.5,
    form: Literal["hutwagner", "surveillance"] = "hutwagner",
    dates: Sequence[str] | None = None,
) -> list[DetectionPoint]:
    """EARS C3: sum of max(0, C2 - 1) over t, t-1, t-2; catches a 3-point rise; pending t < 11.

    ``threshold`` is the count that alone would bring C3 to ``k`` given the two earlier points;
    when those already exceed ``k`` the alarm holds for any count and threshold is clipped at 0.
    The alarm follows Hutwagner's statistic (``form="hutwagner"``). ``form="surveillance"``
    reproduces ``surveillance::earsC``'s C3, whose upper bound y_t + sd (k - lagged terms)
    leaves today's own term out, so it alarms on the two earlier points alone; see
    :func:`_c3_surveillance`.
    """
    y = _counts(series)
    return _ears(y, _labels(dates, len(y)), range(len(y)), "c3", k, baseline, min_sd, form)


def _ears_runner(variant: Literal["c1", "c2", "c3"], default_k: float) -> Callable[..., Any]:
    def run(
        y: _Array,
        labels: list[str | None],
        ts: Sequence[int],
        k: float = default_k,
        baseline: int = 7,
        min_sd: float = 0.5,
        form: str = "hutwagner",
    ) -> list[DetectionPoint]:
        _require(variant == "c3" or form == "hutwagner", "form applies to ears-c3 only")
        return _ears(y, labels, ts, variant, k, baseline, min_sd, form)

    return run
