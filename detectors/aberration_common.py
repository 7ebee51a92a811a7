"""The result type and input checks that every aberration method shares.

A module of their own so the method modules (:mod:`detectors.ears`, :mod:`detectors.cusum`,
:mod:`detectors.farrington`) and the dispatcher (:mod:`detectors.aberration`) all use one
definition without importing each other. The conventions are in :mod:`detectors.aberration`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["METHODS", "Counts", "DetectionPoint", "ParameterError"]

METHODS = ("ears-c1", "ears-c2", "ears-c3", "cusum", "farrington", "farrington-window")

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
    except (TypeError, ValueError, OverflowError) as exc:
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


class ParameterError(ValueError):
    """A method's parameter is out of its range (the message says which and why)."""


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise ParameterError(message)
