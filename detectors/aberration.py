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
* ``farrington-window``: Noufaily's configuration that also tests the sum of the last
  ``window`` = 2 periods against the count quantile of ``window`` x mu0 (each length at
  alpha / window): an outbreak whose cases spread over two periods shows in their sum before
  either period alone is beyond its bound. Its alpha (0.008) keeps the false-alarm rate at or
  below farringtonFlexible's in the simulation study (``lab.aberration_study.fixed_budget``).

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

The methods live in :mod:`detectors.ears`, :mod:`detectors.cusum` and
:mod:`detectors.farrington`, with the shared :class:`DetectionPoint` and input checks in
:mod:`detectors.aberration_common`; this module re-exports them and dispatches by name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from detectors.aberration_common import METHODS, Counts, DetectionPoint, _Array, _counts, _labels
from detectors.cusum import cusum
from detectors.ears import ears_c1, ears_c2, ears_c3
from detectors.farrington import _FALLBACKS, _farrington, _farrington_window, farrington
from detectors.farrington import _fit_quasipoisson as _fit_quasipoisson  # unit tests use it

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


# --- dispatch ---------------------------------------------------------------------------------


_RUNNERS: dict[str, Callable[..., list[DetectionPoint]]] = {
    **_FALLBACKS,
    "farrington": _farrington,
    "farrington-window": _farrington_window,
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
