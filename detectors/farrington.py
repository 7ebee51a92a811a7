"""Farrington/Noufaily seasonal aberration detection and the quasi-Poisson GLM it fits.

Apart from the other methods because it is the one that fits a model (IRLS, Anscombe
reweighting, trend test, count quantiles) on the same season of past years, and the one whose
fits will change; it falls back to EARS or CUSUM while the history is short.
:mod:`detectors.aberration` describes it and dispatches to it by name.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy import special, stats

from detectors.aberration_common import (
    Counts,
    DetectionPoint,
    _Array,
    _counts,
    _labels,
    _pending,
    _require,
)
from detectors.cusum import _cusum
from detectors.ears import _ears_runner

__all__ = ["WINDOW_DEFAULTS", "farrington"]


MAX_ETA = 700.0  # log of the largest expected count a fit may give (exp(709) overflows)


@dataclass(frozen=True, slots=True)
class _GlmFit:
    beta: _Array
    mu: _Array
    cov_unscaled: _Array
    hat: _Array
    dispersion: float
    df_resid: int
    working_dispersion: float  # sum(prior (y - mu)^2 / mu^2) / df: see ``se_dispersion``


def _fit_quasipoisson(
    x: _Array, y: _Array, prior: _Array, max_iter: int = 50, tol: float = 1e-8
) -> _GlmFit | None:
    """Log-link Poisson GLM by IRLS (as R's glm.fit), with the Pearson dispersion estimate.

    None when it does not converge or leaves no residual degrees of freedom.
    """
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is checked after
        return _irls(x, y, prior, max_iter, tol)


def _irls(x: _Array, y: _Array, prior: _Array, max_iter: int, tol: float) -> _GlmFit | None:
    mu = y + 0.1
    eta = np.log(mu)
    dev_old = math.inf
    beta = np.zeros(x.shape[1])
    for _ in range(max_iter):
        w = prior * mu
        z = eta + (y - mu) / mu
        sw = np.sqrt(w)
        xw = x * sw[:, None]
        try:  # normal equations: p is at most a dozen columns, so this is well conditioned
            beta = np.linalg.solve(xw.T @ xw, xw.T @ (z * sw)).astype(np.float64)
        except np.linalg.LinAlgError:
            beta = np.linalg.lstsq(xw, z * sw, rcond=None)[0].astype(np.float64)
        eta = x @ beta
        mu = np.maximum(np.exp(np.minimum(eta, 700.0)), np.finfo(np.float64).eps)
        ylogy = np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0) / mu), 0.0)
        dev = float(2.0 * np.sum(prior * (ylogy - (y - mu))))
        if abs(dev - dev_old) / (abs(dev) + 0.1) < tol:
            break
        dev_old = dev
    else:
        return None
    if not np.all(np.isfinite(beta)) or float(np.max(x @ beta)) > MAX_ETA:
        return None  # diverged (sparse counts can drive IRLS off to infinity): no fit
    df_resid = int(np.count_nonzero(prior > 0)) - int(np.linalg.matrix_rank(x))
    if df_resid <= 0:
        return None
    w = prior * mu
    xtwx = x.T @ (x * w[:, None])
    try:
        cov = np.linalg.inv(xtwx).astype(np.float64)
    except np.linalg.LinAlgError:
        cov = np.linalg.pinv(xtwx).astype(np.float64)
    hat = w * np.sum((x @ cov) * x, axis=1)
    dispersion = float(np.sum(prior * (y - mu) ** 2 / mu)) / df_resid
    working = float(np.sum(prior * ((y - mu) / mu) ** 2)) / df_resid
    return _GlmFit(beta, mu, cov, hat, dispersion, df_resid, working)


def _anscombe(y: _Array, mu: _Array, hat: _Array, phi: float) -> _Array:
    """Standardised Anscombe residuals of a (quasi-)Poisson fit (Farrington et al. 1996)."""
    raw = 1.5 * (np.cbrt(y) ** 2 * mu ** (-1.0 / 6.0) - np.sqrt(mu))
    room = 1.0 - hat
    # A point that alone determines its parameter (hat 1) cannot be judged an outlier.
    safe = np.where(room > 1e-10, room, 1.0)
    return np.where(room > 1e-10, raw / np.sqrt(phi * safe), 0.0)


def _outbreak_weights(s: _Array, limit: float) -> _Array:
    """Weights s^-2 for residuals above ``limit``, 1 otherwise, rescaled to sum to n."""
    raw = np.where(s > limit, 1.0 / np.maximum(s, 1e-12) ** 2, 1.0)
    return raw * (s.size / float(raw.sum()))


@dataclass(frozen=True, slots=True)
class _FarringtonConfig:
    period: int
    b: int
    w: int
    alpha: float
    reweight: bool
    reweight_threshold: float
    trend: bool
    trend_p: float
    threshold_method: str
    blocks: int
    skip_recent: int
    min_cases: int
    min_cases_window: int
    min_years: int
    se_dispersion: str
    window: int


def _se_dispersion(fit: _GlmFit, cfg: _FarringtonConfig) -> float:
    """The dispersion that scales the trend test and the prediction's standard error.

    ``surveillance::farringtonFlexible`` (1.20) stores the reweighting weights in the fitted
    glm's ``weights`` slot, where ``summary.glm`` expects the working weights; its dispersion
    then comes out as sum(w (y - mu)^2 / mu^2) / df, about phi / mu. ``"surveillance"``
    reproduces that (after reweighting only, as there); ``"pearson"`` is the textbook estimate.
    """
    if cfg.se_dispersion == "surveillance" and cfg.reweight:
        return fit.working_dispersion
    return fit.dispersion


def _reference_points(t: int, years: int, cfg: _FarringtonConfig) -> tuple[_Array, _Array]:
    """Baseline indices and their seasonal block (0 = the windows around this time of year)."""
    p, w = cfg.period, cfg.w
    start = t - years * p - w
    level = np.full(t - start + 1, -1, dtype=np.int64)
    for i in range(1, years + 1):
        ref = t - i * p
        level[ref - w - start : ref + w + 1 - start] = 0
        if cfg.blocks > 1:
            # Noufaily's blocks: the gap up to the next window, split into blocks - 1 parts.
            pos, gap = ref + w + 1, p - 2 * w - 1
            base, extra = divmod(gap, cfg.blocks - 1)
            for j in range(1, cfg.blocks):
                length = base + (1 if j <= extra else 0)
                level[pos - start : pos + length - start] = j
                pos += length
    idx = np.arange(start, t + 1)
    keep = (level >= 0) & (idx < t - cfg.skip_recent)
    return idx[keep].astype(np.float64), level[keep].astype(np.float64)


def _design(idx: _Array, level: _Array, t: int, with_trend: bool, blocks: int) -> _Array:
    cols = [np.ones_like(idx)]
    if with_trend:
        cols.append(idx - t)  # centred on t, so the prediction is the intercept
    cols.extend((level == j).astype(np.float64) for j in range(1, blocks) if np.any(level == j))
    return np.column_stack(cols)


def _farrington_fit(x: _Array, yb: _Array, cfg: _FarringtonConfig) -> tuple[_GlmFit, float] | None:
    fit = _fit_quasipoisson(x, yb, np.ones_like(yb))
    if fit is None:
        return None
    phi = max(fit.dispersion, 1.0)
    if cfg.reweight:
        s = _anscombe(yb, fit.mu, fit.hat, phi)
        fit = _fit_quasipoisson(x, yb, _outbreak_weights(s, cfg.reweight_threshold))
        if fit is None:
            return None
        phi = max(fit.dispersion, 1.0)
    return fit, phi


def _farrington_at(
    y: _Array, t: int, label: str | None, cfg: _FarringtonConfig
) -> DetectionPoint | None:
    """Farrington at t, or None when the history is too short or the GLM does not converge."""
    years = min(cfg.b, (t - cfg.w) // cfg.period) if t >= cfg.w else 0
    if years < cfg.min_years:
        return None
    idx, level = _reference_points(t, years, cfg)
    yb = y[idx.astype(np.int64)]
    n = yb.size
    if float(yb.sum()) == 0.0:
        # Nothing in any reference period: half an event over the baseline, Poisson.
        mu0, var_eta, phi = 0.5 / n, 2.0, 1.0  # var(eta0) = 1/(n * mu0)
    else:
        chosen: tuple[_GlmFit, float] | None = None
        if cfg.trend and years >= 3:
            with_trend = _farrington_fit(_design(idx, level, t, True, cfg.blocks), yb, cfg)
            if with_trend is not None:
                fit, _ = with_trend
                # trend kept only when it does not extrapolate beyond the data and is
                # significant; a fit whose trend variance is not positive (IRLS ended with
                # means at machine epsilon) is no evidence of a trend
                variance = _se_dispersion(fit, cfg) * float(fit.cov_unscaled[1, 1])
                inside = float(fit.beta[0]) <= math.log(float(yb.max()))
                if inside and math.isfinite(variance) and variance > 0:
                    z = float(fit.beta[1]) / math.sqrt(variance)
                    p_value = float(2.0 * special.stdtr(fit.df_resid, -abs(z)))
                    if p_value < cfg.trend_p:
                        chosen = with_trend
        if chosen is None:
            chosen = _farrington_fit(_design(idx, level, t, False, cfg.blocks), yb, cfg)
        if chosen is None:
            return None
        fit, phi = chosen
        if float(fit.beta[0]) > MAX_ETA:
            return None  # a prediction no count could reach: treated as no fit
        mu0 = math.exp(float(fit.beta[0]))
        # surveillance's predict.glm(se.fit=TRUE) scales by the unfloored dispersion.
        var_eta = _se_dispersion(fit, cfg) * float(fit.cov_unscaled[0, 0])
        if not (math.isfinite(mu0) and math.isfinite(var_eta)) or var_eta < 0:
            return None  # a degenerate fit: the point falls back (or is pending)
    alpha = cfg.alpha / cfg.window  # each window length gets its share of the error rate
    if cfg.threshold_method == "power":
        z_alpha = float(special.ndtri(1.0 - alpha))
        tau = phi + mu0 * var_eta  # phi + var(mu0_hat)/mu0 with var(mu0_hat) = mu0^2 var(eta0)
        se = math.sqrt(4.0 / 9.0 * mu0 ** (1.0 / 3.0) * tau)
        upper = max((mu0 ** (2.0 / 3.0) + z_alpha * se) ** 1.5, mu0 + 0.5)
    else:
        upper = _count_quantile(mu0, phi, alpha)
    obs = float(y[t])
    score = (obs - mu0) / (upper - mu0)
    threshold = upper
    for length in range(2, min(cfg.window, t + 1) + 1):
        # The last ``length`` periods together: under the baseline their sum is negative
        # binomial with mean length * mu0 and the same dispersion (a sum of NB with one p).
        before = float(y[t - length + 1 : t].sum())
        bound = _count_quantile(length * mu0, phi, alpha)
        score = max(score, (before + obs - length * mu0) / (bound - length * mu0))
        threshold = min(threshold, max(0.0, bound - before))  # the count at t that alarms
    recent = float(y[max(0, t - cfg.min_cases_window + 1) : t + 1].sum())
    alarm = score > 1.0 and obs > 0 and recent >= cfg.min_cases
    name = "farrington" if cfg.window == 1 else "farrington-window"
    return DetectionPoint(t, label, name, obs, mu0, threshold, score, score, alarm, n)


def _count_quantile(mean: float, phi: float, alpha: float) -> float:
    """The 1 - alpha quantile of a count with this mean and variance phi * mean (Noufaily).

    At least half a count above the mean: a quantile of 0 under a tiny mean would make the
    exceedance meaningless, and the floor leaves the alarms of integer counts unchanged.
    """
    if mean > _NORMAL_FROM:
        upper = math.nan  # scipy's quantiles can hang or abort this far out
    elif phi > 1.0:
        upper = float(stats.nbinom.ppf(1.0 - alpha, mean / (phi - 1.0), 1.0 / phi))
    else:
        upper = float(stats.poisson.ppf(1.0 - alpha, mean))
    if not math.isfinite(upper):
        # the normal approximation, exact to well under a count at these means
        z = float(special.ndtri(1.0 - alpha))
        upper = math.ceil(mean + z * math.sqrt(max(phi, 1.0) * mean))
    return max(upper, mean + 0.5)


_NORMAL_FROM = 1e7  # mean count above which count quantiles come from the normal approximation


# What a point without enough history falls back to: any method but Farrington itself,
# with its default parameters (the dispatcher in detectors.aberration adds Farrington).
_FALLBACKS: dict[str, Callable[..., list[DetectionPoint]]] = {
    "ears-c1": _ears_runner("c1", 3.0),
    "ears-c2": _ears_runner("c2", 3.0),
    "ears-c3": _ears_runner("c3", 2.0),
    "cusum": _cusum,
}


def _farrington(
    y: _Array,
    labels: list[str | None],
    ts: Sequence[int],
    period: int = 52,
    b: int = 5,
    w: int = 3,
    alpha: float = 0.01,
    reweight: bool = True,
    reweight_threshold: float = 2.58,
    trend: bool = True,
    trend_p: float = 0.05,
    threshold_method: Literal["negbin", "power"] = "negbin",
    blocks: int = 1,
    skip_recent: int | None = None,
    min_cases: int = 5,
    min_cases_window: int = 4,
    min_years: int = 1,
    fallback: str | None = "ears-c2",
    se_dispersion: Literal["pearson", "surveillance"] = "pearson",
    window: int = 1,
) -> list[DetectionPoint]:
    skip = w if skip_recent is None else skip_recent
    _require(b >= 1 and w >= 0, f"need b >= 1 and w >= 0, got b={b}, w={w}")
    _require(period >= 2 * w + 2, f"period {period} too short for windows of +-{w}")
    _require(0 < alpha < 0.5, f"alpha must be in (0, 0.5), got {alpha}")
    _require(
        threshold_method in ("negbin", "power"),
        f"threshold_method must be negbin or power, got {threshold_method!r}",
    )
    _require(
        1 <= blocks <= period - 2 * w,
        f"blocks must be in 1..{period - 2 * w} for period {period}, got {blocks}",
    )
    _require(w <= skip < period - w, f"skip_recent must be in {w}..{period - w - 1}, got {skip}")
    _require(1 <= min_years <= b, f"min_years must be in 1..b, got {min_years}")
    _require(min_cases_window >= 1, f"min_cases_window must be >= 1, got {min_cases_window}")
    _require(
        fallback is None or fallback in _FALLBACKS,
        f"fallback must be None or one of ears-c1, ears-c2, ears-c3, cusum, got {fallback!r}",
    )
    _require(
        se_dispersion in ("pearson", "surveillance"),
        f"se_dispersion must be pearson or surveillance, got {se_dispersion!r}",
    )
    _require(1 <= window <= 8, f"window must be in 1..8 periods, got {window}")
    _require(
        window == 1 or threshold_method == "negbin",
        "window > 1 needs threshold_method negbin (sums of counts have no 2/3-power form here)",
    )
    cfg = _FarringtonConfig(
        period,
        b,
        w,
        alpha,
        reweight,
        reweight_threshold,
        trend,
        trend_p,
        threshold_method,
        blocks,
        skip,
        min_cases,
        min_cases_window,
        min_years,
        se_dispersion,
        window,
    )
    found = {t: _farrington_at(y, t, labels[t], cfg) for t in ts}
    missing = [t for t, point in found.items() if point is None]
    if missing and fallback is not None:
        found.update(zip(missing, _FALLBACKS[fallback](y, labels, missing), strict=True))
    return [found[t] or _pending(t, labels[t], "farrington", float(y[t])) for t in ts]


# farrington-window's defaults: Noufaily's configuration, the sum of the last two periods
# tested beside the last one, and the alpha that keeps its false-alarm rate at or below
# farringtonFlexible's in the simulation study (lab/aberration_study.py, fixed_budget).
WINDOW_DEFAULTS: dict[str, Any] = {
    "threshold_method": "negbin",
    "blocks": 10,
    "skip_recent": 26,
    "window": 2,
    "alpha": 0.008,
}


def _farrington_window(
    y: _Array, labels: list[str | None], ts: Sequence[int], **params: Any
) -> list[DetectionPoint]:
    return _farrington(y, labels, ts, **(WINDOW_DEFAULTS | params))


def farrington(
    series: Counts,
    *,
    period: int = 52,
    b: int = 5,
    w: int = 3,
    alpha: float = 0.01,
    reweight: bool = True,
    reweight_threshold: float = 2.58,
    trend: bool = True,
    trend_p: float = 0.05,
    threshold_method: Literal["negbin", "power"] = "negbin",
    blocks: int = 1,
    skip_recent: int | None = None,
    min_cases: int = 5,
    min_cases_window: int = 4,
    min_years: int = 1,
    fallback: str | None = "ears-c2",
    se_dispersion: Literal["pearson", "surveillance"] = "pearson",
    window: int = 1,
    dates: Sequence[str] | None = None,
) -> list[DetectionPoint]:
    """Farrington/Noufaily quasi-Poisson threshold from the same season in past years.

    The baseline at t is the windows t - i*period +- ``w`` for i = 1..``b`` (fewer years while
    the history is shorter, down to ``min_years``; ``period`` 52 for weekly, 365 for daily
    series); with ``blocks`` > 1 the rest of each year enters too, as ``blocks - 1`` seasonal
    factor levels (Noufaily et al. 2013 use 10). The latest ``skip_recent`` (default ``w``)
    points before t are never used, so an emerging outbreak cannot raise its own threshold.
    A log-linear quasi-Poisson GLM is fitted by IRLS; past outbreaks are downweighted by their
    Anscombe residuals above ``reweight_threshold`` and the model refitted; a linear trend is
    kept only if its p-value < ``trend_p``, the baseline spans 3+ years and the prediction does
    not exceed the largest baseline count. The upper limit U is the 1 - ``alpha`` quantile
    (one-sided; default 0.01, z = 2.33) of a negative binomial with mean mu0 and variance
    phi * mu0 (Noufaily's ``nbPlugin``), or Farrington's 2/3-power normal approximation with
    ``threshold_method="power"``. score = exceedance = (y - mu0)/(U - mu0); alarm when it
    exceeds 1 and the last ``min_cases_window`` periods (t included) hold at least
    ``min_cases`` counts. Where the history is too short, or the GLM does not converge, the
    point comes from ``fallback`` (default ``ears-c2``, recorded in ``method``) or is pending
    when ``fallback`` is None.
    """
    y = _counts(series)
    return _farrington(
        y,
        _labels(dates, len(y)),
        range(len(y)),
        period,
        b,
        w,
        alpha,
        reweight,
        reweight_threshold,
        trend,
        trend_p,
        threshold_method,
        blocks,
        skip_recent,
        min_cases,
        min_cases_window,
        min_years,
        fallback,
        se_dispersion,
        window,
    )
