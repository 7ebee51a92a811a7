"""Operating points of a warning score: the false-alarm budget, thresholds, recall and delay.

**False-alarm budget.** A noise cluster *alarms* when any of its snapshots reaches the threshold.
Its exposure is the days it was watched (first signal to last snapshot, at least 1). The warning
threshold is the lowest that keeps alarmed noise clusters at or under ``budget`` per 1000 noise
cluster-days. The default, ``FALSE_ALARM_BUDGET`` = 0.1, is about one false alarm per 42-day
sample: noise clusters live long, so a sample has some 14 000 noise cluster-days, and 1 per 1000
would allow a dozen false warnings a run where the rules raise none.

Split out of :mod:`lab.model_cli` (which re-exports the public names) so that the measures
:func:`lab.model_training.train` and :func:`lab.model_training.evaluate` report are in one
place.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.metrics import average_precision_score

from lab.model_dataset import Dataset, FloatArray

__all__ = ["FALSE_ALARM_BUDGET", "choose_threshold", "dataset_summary", "operating_point", "pr_auc"]

FALSE_ALARM_BUDGET = 0.1  # alarmed noise clusters per 1000 noise cluster-days


def _noise_exposure(data: Dataset) -> tuple[list[str], FloatArray, float]:
    """Noise clusters, the days each was watched, and their total (the exposure)."""
    last: dict[str, float] = {}
    first: dict[str, float] = {}
    for i in np.flatnonzero(data.y == 0):
        c = data.cluster[i]
        last[c] = max(last.get(c, -math.inf), float(data.as_of[i]))
        first[c] = min(first.get(c, math.inf), float(data.first_seen[i]))
    names = sorted(last)
    spans = np.asarray([math.floor(last[c] - first[c]) + 1 for c in names], dtype=np.float64)
    return names, spans, float(spans.sum())


def _cluster_max(p: FloatArray, data: Dataset, positive: bool) -> dict[str, float]:
    best: dict[str, float] = {}
    for i in np.flatnonzero(data.y == int(positive)):
        c = data.cluster[i]
        best[c] = max(best.get(c, -math.inf), float(p[i]))
    return best


def choose_threshold(p: FloatArray, data: Dataset, budget: float = FALSE_ALARM_BUDGET) -> float:
    """The lowest threshold with at most ``budget`` alarmed noise clusters per 1000 cluster-days."""
    _, _, exposure = _noise_exposure(data)
    allowed = math.floor(budget * exposure / 1000.0 + 1e-9)
    peaks = sorted(_cluster_max(p, data, positive=False).values(), reverse=True)
    if allowed >= len(peaks):
        return 0.0
    # Just above the highest noise peak that would exceed the allowance.
    return float(np.nextafter(peaks[allowed], math.inf))


def operating_point(
    p: FloatArray, data: Dataset, threshold: float, gate: npt.NDArray[np.bool_] | None = None
) -> dict[str, Any]:
    """False alarms, recall and detection delay of scores ``p`` at ``threshold``.

    With ``gate``, a snapshot alarms only where the gate is also true (e.g. the evidence floor).
    """
    if gate is not None:
        p = np.where(gate, p, -np.inf)
    names, _, exposure = _noise_exposure(data)
    noise_peaks = _cluster_max(p, data, positive=False)
    alarmed = sum(noise_peaks[c] >= threshold for c in names)
    over = p >= threshold
    positives = data.y == 1
    first_alarm: dict[str, float] = {}
    for i in np.flatnonzero(over & positives):
        key = data.incident[i]
        first_alarm[key] = min(first_alarm.get(key, math.inf), float(data.as_of[i]))
    incidents = sorted(data.incident_start)
    delays = [first_alarm[k] - data.incident_start[k] for k in incidents if k in first_alarm]
    n_pos = int(positives.sum())
    return {
        "threshold": round(threshold, 6),
        "false_alarm_clusters": int(alarmed),
        "false_alarms_per_1000_cluster_days": round(1000.0 * alarmed / exposure, 3)
        if exposure
        else 0.0,
        "incident_recall": round(len(delays) / len(incidents), 4) if incidents else None,
        "snapshot_recall": round(float((over & positives).sum()) / n_pos, 4) if n_pos else None,
        "median_delay_days": round(float(np.median(delays)), 2) if delays else None,
        "missed_incidents": [k for k in incidents if k not in first_alarm],
    }


def pr_auc(y: npt.NDArray[np.int64], p: FloatArray) -> float | None:
    """Average precision of ``p`` for labels ``y`` (None when ``y`` has one class only)."""
    if len(set(y.tolist())) < 2:
        return None
    return round(float(average_precision_score(y, p)), 4)


def dataset_summary(data: Dataset) -> dict[str, Any]:
    """Seeds, snapshots, incidents and noise exposure of ``data``, for a report."""
    names, _, exposure = _noise_exposure(data)
    return {
        "seeds": sorted({int(s) for s in data.seed.tolist()}),
        "snapshots": len(data),
        "positive_snapshots": int(data.y.sum()),
        "incidents": len(data.incident_start),
        "noise_clusters": len(names),
        "noise_cluster_days": int(exposure),
    }
