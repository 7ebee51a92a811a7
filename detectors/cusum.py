"""The log-likelihood-ratio CUSUM for counts (Lucas 1985; Hawkins & Olwell 1998).

Apart from the other aberration methods because it is a recursion over the whole window with
its own robust in-control fit (Poisson or negative binomial tails); :mod:`detectors.aberration`
describes it and dispatches to it by name.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
from scipy import special

from detectors.aberration_common import (
    Counts,
    DetectionPoint,
    _Array,
    _counts,
    _labels,
    _pending,
    _require,
)

__all__ = ["cusum"]


def _tail_from(y: _Array, mu: float, size: float | None) -> _Array:
    """P(Y >= y) under Poisson(mu), or NB(mean mu, size) when ``size`` is given, elementwise.

    Regularised incomplete gamma / beta functions: the same numbers as scipy.stats' sf, at
    ufunc speed, since the CUSUM asks this for every baseline window.
    """
    a = np.maximum(np.ceil(y), 1.0)  # P(Y >= y) = P(Y > ceil(y) - 1)
    tail = special.gammainc(a, mu) if size is None else special.betainc(a, size, mu / (size + mu))
    return np.where(y > 0, tail, 1.0).astype(np.float64)


def _moment_size(window: _Array, mu: float) -> float | None:
    """Negative-binomial size r from var = mu + mu^2/r; None (Poisson) when not overdispersed."""
    if window.size < 2 or mu <= 0:
        return None
    var = float(window.var(ddof=1))
    return mu * mu / (var - mu) if var > mu else None


def _in_control(window: _Array, family: str, size: float | None) -> tuple[float, float | None]:
    """Robust in-control mean (and NB size) of a baseline window.

    Points above the fitted 99.9% quantile, i.e. with P(Y >= y) <= 0.001 (a past burst), are
    dropped and the fit redone, up to three times, so one earlier outbreak does not raise the
    bar for the next.
    """
    kept = window
    for _ in range(3):
        mu = float(kept.mean())
        if mu <= 0:
            break
        r = (size if size is not None else _moment_size(kept, mu)) if family == "negbin" else None
        again = window[_tail_from(window, mu, r) > 0.001]
        if again.size == kept.size or again.size == 0:
            break
        kept = again
    mu = max(float(kept.mean()), 0.5 / window.size)
    r = (size if size is not None else _moment_size(kept, mu)) if family == "negbin" else None
    return mu, r


def _cusum(
    y: _Array,
    labels: list[str | None],
    ts: Sequence[int],
    family: Literal["poisson", "negbin"] = "poisson",
    h: float = 5.0,
    shift: float = 2.0,
    baseline: int = 28,
    guard: int = 7,
    min_baseline: int = 7,
    size: float | None = None,
) -> list[DetectionPoint]:
    _require(family in ("poisson", "negbin"), f"family must be poisson or negbin, got {family!r}")
    _require(h > 0, f"h must be positive, got {h}")
    _require(shift > 0, f"shift must be positive, got {shift}")
    _require(guard >= 0, f"guard must be >= 0, got {guard}")
    _require(
        2 <= min_baseline <= baseline,
        f"need 2 <= min_baseline <= baseline, got {min_baseline}, {baseline}",
    )
    _require(size is None or size > 0, f"size must be positive, got {size}")
    name = "cusum" if family == "poisson" else "cusum-negbin"
    wanted = set(ts)
    by_t: dict[int, DetectionPoint] = {}
    s_prev = 0.0
    for t in range(max(ts, default=-1) + 1):
        obs = float(y[t])
        end = t - guard
        start = max(0, end - baseline)
        if end - start < min_baseline:
            if t in wanted:
                by_t[t] = _pending(t, labels[t], name, obs)
            continue
        mu0, r = _in_control(y[start:end], family, size)
        sd0 = math.sqrt(mu0 + (mu0 * mu0 / r if r is not None else 0.0))
        mu1 = mu0 + shift * sd0
        # log p1(y)/p0(y) = slope * y + offset, for a mean shift at fixed NB size r.
        if r is None:
            slope, offset = math.log(mu1 / mu0), mu0 - mu1
        else:
            slope = math.log(mu1 * (r + mu0) / (mu0 * (r + mu1)))
            offset = r * math.log((r + mu0) / (r + mu1))
        s = max(0.0, s_prev + slope * obs + offset)
        alarm = s > h
        if t in wanted:
            limit = (h - s_prev - offset) / slope
            by_t[t] = DetectionPoint(
                t, labels[t], name, obs, mu0, limit, s, s / h, alarm, end - start
            )
        s_prev = 0.0 if alarm else s
    return [by_t[t] for t in ts]


def cusum(
    series: Counts,
    *,
    family: Literal["poisson", "negbin"] = "poisson",
    h: float = 5.0,
    shift: float = 2.0,
    baseline: int = 28,
    guard: int = 7,
    min_baseline: int = 7,
    size: float | None = None,
    dates: Sequence[str] | None = None,
) -> list[DetectionPoint]:
    """Likelihood-ratio CUSUM for a rise of ``shift`` in-control sds; restarts after each alarm.

    At each t the in-control mean mu0 is the robust mean of up to ``baseline`` points ending
    ``guard`` points before t (the guard keeps an outbreak's first days out of its own
    baseline; pending until ``min_baseline`` points exist). The alternative is
    mu1 = mu0 + shift * sd0, so the reference value k = (mu1 - mu0)/ln(mu1/mu0) of Lucas (1985)
    is implicit in the log-likelihood ratio, and ``h`` is in log-likelihood units (ARL0 >= e^h,
    Lorden's bound). ``family="negbin"`` uses the NB likelihood with size r from the baseline's
    moments (or ``size``), falling back to the Poisson limit when the baseline is not
    overdispersed. ``threshold`` is the count that would take S_t above ``h``.
    """
    y = _counts(series)
    return _cusum(
        y,
        _labels(dates, len(y)),
        range(len(y)),
        family,
        h,
        shift,
        baseline,
        guard,
        min_baseline,
        size,
    )
