"""Grading by the rules against grading by the model, measured on the warnings the flow issues.

Why: a model that ranks snapshots well (:func:`lab.model_training.evaluate`) is only worth
deploying if *grading with it* warns earlier and more often on incidents without warning on
noise. So this runs each held-out seed through :func:`lab.offline.run_offline` (the worker's
flow) twice: once with no model (the urgency gate), once with the model loaded and a grading
standard whose ``model_gate`` is the model's trained threshold, published on the partition before
the first record as the worker would adopt it. What it reads is what an analyst would see: the
warnings.

Per run: incidents warned (a warning version whose evidence lists one of the incident's
reports; declarations show trade, not risk), the median delay from the incident's first report
to the first such version, and false alarms (warnings none of whose versions lists an incident
report) per 1,000 noise cluster-days (a noise cluster holds no incident report; it is watched
from its first signal to its last assessment, at least a day).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path
from typing import Any

from detectors.catalogue import load_catalogue
from detectors.model import WarningModel
from detectors.standard import STANDARD, standard_to_dict
from detectors.targeting import Reference
from lab.model_dataset import Shapes, shapes_for
from lab.offline import run_offline
from lab.sample import generate
from schemas.records import StandardChange

__all__ = ["GradingTally", "compare_grading", "grade_seed"]


@dataclass
class GradingTally:
    """What one grading did over some seeds."""

    incident_start: dict[str, float] = field(default_factory=dict)  # <seed>/<name> -> day
    first_warning: dict[str, float] = field(default_factory=dict)  # <seed>/<name> -> day
    noise_days: float = 0.0
    noise_warned: list[str] = field(default_factory=list)  # <seed>/<warning id>

    def add(self, other: GradingTally) -> None:
        """Fold another seed's tally into this one."""
        self.incident_start.update(other.incident_start)
        self.first_warning.update(other.first_warning)
        self.noise_days += other.noise_days
        self.noise_warned += other.noise_warned

    def summary(self) -> dict[str, Any]:
        """Incidents warned, median delay in days, noise warnings per 1,000 cluster-days."""
        delays = sorted(
            self.first_warning[k] - self.incident_start[k]
            for k in self.incident_start
            if k in self.first_warning
        )
        n = len(self.incident_start)
        median = None
        if delays:
            mid = len(delays) // 2
            median = delays[mid] if len(delays) % 2 else (delays[mid - 1] + delays[mid]) / 2
        per_1000 = 1000.0 * len(self.noise_warned) / self.noise_days if self.noise_days else 0.0
        return {
            "incidents": n,
            "incidents_warned": len(delays),
            "incident_recall": round(len(delays) / n, 4) if n else None,
            "median_delay_days": round(median, 2) if median is not None else None,
            "noise_clusters_warned": len(self.noise_warned),
            "noise_cluster_days": round(self.noise_days, 1),
            "false_alarms_per_1000_cluster_days": round(per_1000, 3),
            "missed_incidents": sorted(
                k for k in self.incident_start if k not in self.first_warning
            ),
        }


def _days(ts: float) -> float:
    return ts / 86400.0


def grade_seed(
    seed: int, days: int, shapes: Shapes, model_path: str | None, gate: float | None
) -> GradingTally:
    """One seed through the flow: with ``model_path`` and ``gate``, grading by the model."""
    scale, shape_map = shapes_for(seed, shapes)
    sample = generate(seed=seed, days=days, scale=scale, shapes=shape_map)
    ref = sample.reference
    reference = Reference(ref.credit, frozenset(ref.blacklist), ref.origin_risk)
    model = WarningModel.load(model_path) if model_path else None
    records: list[Any] = list(sample.records)
    if model is not None and gate is not None:
        version = f"{STANDARD.version}+model-gate-{gate:g}"
        std = replace(STANDARD, version=version, model_gate=gate)
        records.insert(0, StandardChange(standard=standard_to_dict(std)))
    run = run_offline(records, load_catalogue(), reference, model=model)
    incident_of = {
        sid: f"{seed}/{name}"
        for name, truth in sample.incidents.items()
        for sid in truth.signal_ids
        if not sid.startswith("declarations:")
    }
    tally = GradingTally()
    for rec in sample.records:
        if rec.label.startswith("incident:") and rec.feed != "declarations":
            key = f"{seed}/{rec.label.removeprefix('incident:')}"
            day = _days(rec.event_time.timestamp())
            tally.incident_start[key] = min(tally.incident_start.get(key, math.inf), day)
    # Noise exposure: clusters that never held an incident report, watched from their first
    # signal to their last assessment.
    incidents_of: dict[str, set[str]] = {}
    watched: dict[str, tuple[float, float]] = {}
    for a in run.assessments:
        c = a.cluster
        found = incidents_of.setdefault(c.cluster_id, set())
        found.update(incident_of[m] for m in c.member_ids if m in incident_of)
        first, last = watched.get(c.cluster_id, (math.inf, -math.inf))
        watched[c.cluster_id] = (
            min(first, _days(c.first_seen.timestamp())),
            max(last, _days(a.as_of.timestamp())),
        )
    noise = {c for c, found in incidents_of.items() if not found}
    tally.noise_days = float(sum(math.floor(watched[c][1] - watched[c][0]) + 1 for c in noise))
    # What a warning is about is the evidence its version lists (the cluster's reports then):
    # an incident is warned from the first version listing one of its reports; a warning none
    # of whose versions lists one is a false alarm.
    about_incident: set[str] = set()
    for w in run.warnings:
        day = _days(w.updated_time.timestamp())
        for key in {incident_of[m] for m in w.evidence if m in incident_of}:
            about_incident.add(w.warning_id)
            tally.first_warning[key] = min(tally.first_warning.get(key, math.inf), day)
    tally.noise_warned = sorted(
        {f"{seed}/{w.warning_id}" for w in run.warnings if w.warning_id not in about_incident}
    )
    return tally


def compare_grading(
    model_path: Path | str,
    seeds: Iterable[int],
    days: int = 42,
    shapes: Shapes = "varied",
    workers: int | None = None,
    gate: float | None = None,
) -> dict[str, Any]:
    """Rules and model-gated grading on the same ``seeds``; ``gate`` defaults to the model's
    trained threshold."""
    model = WarningModel.load(model_path)
    chosen = model.threshold if gate is None else gate
    seed_list = list(seeds)
    jobs = [(s, None, None) for s in seed_list] + [(s, str(model_path), chosen) for s in seed_list]
    n = min(workers or os.cpu_count() or 1, len(jobs))
    if n <= 1:
        parts = [grade_seed(s, days, shapes, m, g) for s, m, g in jobs]
    else:
        method = "fork" if "fork" in get_all_start_methods() else "spawn"
        with ProcessPoolExecutor(n, mp_context=get_context(method)) as pool:
            parts = list(
                pool.map(
                    grade_seed,
                    [s for s, _, _ in jobs],
                    [days] * len(jobs),
                    [shapes] * len(jobs),
                    [m for _, m, _ in jobs],
                    [g for _, _, g in jobs],
                )
            )
    rules, by_model = GradingTally(), GradingTally()
    for part in parts[: len(seed_list)]:
        rules.add(part)
    for part in parts[len(seed_list) :]:
        by_model.add(part)
    return {
        "seeds": seed_list,
        "days": days,
        "shapes": shapes,
        "model": model.name,
        "model_gate": chosen,
        "rules": rules.summary(),
        "model_gated": by_model.summary(),
    }
