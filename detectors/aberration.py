"""Aberration detection over a count series: is the latest count more than its history explains?

Urgency (DOMAIN.md §3) asks whether a cluster's risk signals are bursting. Public-health
surveillance has answered that question for decades, so these are its published methods, not
home-grown rules: their false-alarm behaviour is known from the literature.

* ``ears-c1``, ``ears-c2``, ``ears-c3``: CDC EARS (Hutwagner et al. 2003), as in R
  ``surveillance::earsC``. C1 compares y_t with the mean and sd of the 7 points t-7..t-1; C2 with
  t-9..t-3 (a 2-point guard band, so an outbreak's first days do not raise their own baseline);
  C3 = sum over t, t-1, t-2 of max(0, C2 - 1). Alarm when C1 or C2 > ``k`` = 3 or C3 > ``k`` = 2
  (the CDC's conventional limits; ``surveillance`` uses z(0.999) = 3.09 and z(0.975) = 1.96).
  The baseline sd is floored at ``min_sd`` = 0.5 (``surveillance``'s ``minSigma``; Burkom
  suggests 0.5 or 1 for sparse counts; its default 0 divides by zero on a constant baseline).
* ``cusum``: log-likelihood-ratio CUSUM for counts (Lucas 1985 Poisson; Hawkins & Olwell 1998
  negative binomial). S_t = max(0, S_{t-1} + log p1(y_t)/p0(y_t)), alarm when S_t > ``h``, then
  S restarts at 0. The in-control mean comes from a moving baseline behind a guard band;
  the out-of-control mean is ``shift`` in-control sds above it.
* ``farrington``: quasi-Poisson regression on the same season of past years (Farrington et al.
  1996) with the Noufaily et al. (2013) improvements available as parameters, following
  ``surveillance::farringtonFlexible``: reweighting of past outbreaks by Anscombe residuals
  above 2.58, trend kept only when significant, not extrapolating and fitted on 3+ years,
  threshold from the negative-binomial quantile (default) or Farrington's 2/3-power
  transformation; optional seasonal blocks over the whole year (``blocks=10``,
  ``skip_recent=26``: Noufaily's configuration).

Conventions shared by every method:

* A series is equally spaced non-negative finite counts (floats allowed), index t = 0..n-1.
  NaN, infinite or negative values raise ``ValueError`` naming the index: a hole in the data
  must be filled (with 0 if nothing was reported) before detection, not guessed here.
* Every function returns one ``DetectionPoint`` per input point, aligned by index. Until a
  method has its baseline the point is pending: expected, threshold, score and exceedance are
  None, alarm is False and baseline_n is 0 (``farrington`` may instead fall back to another
  method, recorded in ``method``).
* ``expected`` is the in-control mean, ``threshold`` the count above which the point alarms.
  ``exceedance`` puts every method on one scale, > 1 exactly when the method's statistic is
  beyond its limit: EARS C1/C2 (y - mean)/(threshold - mean) = C/k; C3 C3/k; CUSUM S_t/h;
  Farrington its exceedance score (y - mu0)/(U - mu0). Farrington also requires Farrington's
  "5 cases in the last 4 periods" before alarming, so there exceedance > 1 is necessary only.
* An all-zero baseline is read as half an event over the baseline (mean 0.5/n) where a model
  needs a positive mean (CUSUM, Farrington), so a first burst after silence can alarm.
* Late events only change past counts: the functions are pure, so the caller recomputes on the
  current window and the answer reflects everything known now. ``latest`` is the cheap form
  for a stream: only the last point (CUSUM, being a recursion, runs over the window given).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import special, stats

__all__ = [
    "METHODS",
    "DetectionPoint",
    "cusum",
    "detect",
    "ears_c1",
    "ears_c2",
    "ears_c3",
    "farrington",
    "latest",
]

METHODS = ("ears-c1", "ears-c2", "ears-c3", "cusum", "farrington")

_Array = npt.NDArray[np.float64]
Counts = Sequence[float] | npt.NDArray[Any]


@dataclass(frozen=True, slots=True)
class DetectionPoint:
    """One time point judged by one method; see the module docstring for the conventions."""

    index: int
    date: str | None
    method: str
    observed: float
    expected: float | None
    threshold: float | None
    score: float | None
    exceedance: float | None
    alarm: bool
    baseline_n: int

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON output."""
        return asdict(self)


# --- input ------------------------------------------------------------------------------------


def _counts(series: Counts) -> _Array:
    """The series as a float array, or ValueError saying which point is not a count."""
    try:
        y = np.asarray(series, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"series must be a sequence of numbers: {exc}") from None
    if y.ndim != 1:
        raise ValueError(f"series must be one-dimensional, got shape {y.shape}")
    bad = np.flatnonzero(~np.isfinite(y) | (y < 0))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"series[{i}] = {y[i]!r}: counts must be finite and non-negative")
    return y


def _labels(dates: Sequence[str] | None, n: int) -> list[str | None]:
    if dates is None:
        return [None] * n
    if len(dates) != n:
        raise ValueError(f"dates has {len(dates)} entries but the series has {n}")
    return list(dates)


def _pending(t: int, label: str | None, method: str, observed: float) -> DetectionPoint:
    return DetectionPoint(t, label, method, observed, None, None, None, None, False, 0)


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise ValueError(message)


# --- EARS -------------------------------------------------------------------------------------


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
) -> list[DetectionPoint]:
    _require(k > 0, f"k must be positive, got {k}")
    _require(baseline >= 3, f"baseline must be at least 3 points, got {baseline}")
    _require(min_sd > 0, f"min_sd must be positive (a zero sd divides by zero), got {min_sd}")
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
    dates: Sequence[str] | None = None,
) -> list[DetectionPoint]:
    """EARS C3: sum of max(0, C2 - 1) over t, t-1, t-2; catches a 3-point rise; pending t < 11.

    ``threshold`` is the count that alone would bring C3 to ``k`` given the two earlier points;
    when those already exceed ``k`` the alarm holds for any count and threshold is clipped at 0.
    The alarm follows Hutwagner's statistic; ``surveillance::earsC``'s C3 upper bound
    (y_t + sd * (z - lagged terms)) leaves out today's own term, so its alarms can differ.
    """
    y = _counts(series)
    return _ears(y, _labels(dates, len(y)), range(len(y)), "c3", k, baseline, min_sd)


# --- CUSUM ------------------------------------------------------------------------------------


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


# --- Farrington -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _GlmFit:
    beta: _Array
    mu: _Array
    cov_unscaled: _Array
    hat: _Array
    dispersion: float
    df_resid: int


def _fit_quasipoisson(
    x: _Array, y: _Array, prior: _Array, max_iter: int = 50, tol: float = 1e-8
) -> _GlmFit | None:
    """Log-link Poisson GLM by IRLS (as R's glm.fit), with the Pearson dispersion estimate.

    None when it does not converge or leaves no residual degrees of freedom.
    """
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
    return _GlmFit(beta, mu, cov, hat, dispersion, df_resid)


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
                z = fit.beta[1] / math.sqrt(fit.dispersion * fit.cov_unscaled[1, 1] + 1e-300)
                p_value = float(2.0 * special.stdtr(fit.df_resid, -abs(z)))
                if p_value < cfg.trend_p and math.exp(fit.beta[0]) <= float(yb.max()):
                    chosen = with_trend
        if chosen is None:
            chosen = _farrington_fit(_design(idx, level, t, False, cfg.blocks), yb, cfg)
        if chosen is None:
            return None
        fit, phi = chosen
        mu0 = math.exp(float(fit.beta[0]))
        # surveillance's predict.glm(se.fit=TRUE) scales by the unfloored dispersion.
        var_eta = fit.dispersion * float(fit.cov_unscaled[0, 0])
    z_alpha = float(special.ndtri(1.0 - cfg.alpha))
    if cfg.threshold_method == "power":
        tau = phi + mu0 * var_eta  # phi + var(mu0_hat)/mu0 with var(mu0_hat) = mu0^2 var(eta0)
        se = math.sqrt(4.0 / 9.0 * mu0 ** (1.0 / 3.0) * tau)
        upper = (mu0 ** (2.0 / 3.0) + z_alpha * se) ** 1.5
    elif phi > 1.0:
        upper = float(stats.nbinom.ppf(1.0 - cfg.alpha, mu0 / (phi - 1.0), 1.0 / phi))
    else:
        upper = float(stats.poisson.ppf(1.0 - cfg.alpha, mu0))
    # A count quantile of 0 under a tiny mean would make the exceedance meaningless; half a
    # count above the mean leaves the alarm set for integer counts unchanged.
    upper = max(upper, mu0 + 0.5)
    obs = float(y[t])
    score = (obs - mu0) / (upper - mu0)
    recent = float(y[max(0, t - cfg.min_cases_window + 1) : t + 1].sum())
    alarm = score > 1.0 and recent >= cfg.min_cases
    return DetectionPoint(t, label, "farrington", obs, mu0, upper, score, score, alarm, n)


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
        fallback is None or (fallback in METHODS and fallback != "farrington"),
        f"fallback must be None or one of ears-c1, ears-c2, ears-c3, cusum, got {fallback!r}",
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
    )
    found = {t: _farrington_at(y, t, labels[t], cfg) for t in ts}
    missing = [t for t, point in found.items() if point is None]
    if missing and fallback is not None:
        found.update(zip(missing, _evaluate(fallback, y, labels, missing, {}), strict=True))
    return [found[t] or _pending(t, labels[t], "farrington", float(y[t])) for t in ts]


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
    )


# --- dispatch ---------------------------------------------------------------------------------


def _ears_runner(variant: Literal["c1", "c2", "c3"], default_k: float) -> Callable[..., Any]:
    def run(
        y: _Array,
        labels: list[str | None],
        ts: Sequence[int],
        k: float = default_k,
        baseline: int = 7,
        min_sd: float = 0.5,
    ) -> list[DetectionPoint]:
        return _ears(y, labels, ts, variant, k, baseline, min_sd)

    return run


_RUNNERS: dict[str, Callable[..., list[DetectionPoint]]] = {
    "ears-c1": _ears_runner("c1", 3.0),
    "ears-c2": _ears_runner("c2", 3.0),
    "ears-c3": _ears_runner("c3", 2.0),
    "cusum": _cusum,
    "farrington": _farrington,
}


def _evaluate(
    method: str, y: _Array, labels: list[str | None], ts: Sequence[int], params: dict[str, Any]
) -> list[DetectionPoint]:
    runner = _RUNNERS.get(method)
    if runner is None:
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    return runner(y, labels, ts, **params)


def detect(
    series: Counts, method: str, dates: Sequence[str] | None = None, **params: Any
) -> list[DetectionPoint]:
    """Run one named method (``METHODS``) over the whole series; ``params`` go to the method."""
    y = _counts(series)
    return _evaluate(method, y, _labels(dates, len(y)), range(len(y)), params)


def latest(series: Counts, method: str, date: str | None = None, **params: Any) -> DetectionPoint:
    """The last point of ``detect(series, method)``, computing only what that point needs.

    For a stream: call it with a cluster's current window of counts each time a signal
    arrives. EARS and Farrington evaluate the last point alone; CUSUM is a recursion, so it
    runs over the window given, starting from S = 0 at its first point.
    """
    y = _counts(series)
    if y.size == 0:
        raise ValueError("series is empty: there is no latest point")
    labels: list[str | None] = [None] * y.size
    labels[-1] = date
    return _evaluate(method, y, labels, [y.size - 1], params)[0]
