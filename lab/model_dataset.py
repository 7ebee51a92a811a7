"""The warning model's training data: planted-incident samples run offline, cut into snapshots.

:func:`build_dataset` generates one sample per seed (:func:`lab.sample.generate`)
and runs it through :func:`lab.offline.run_offline`. Every assessment the run makes is a
*snapshot*: the cluster as it stood when a signal joined it. A snapshot is labelled positive when
its cluster holds at least one report of a planted incident (the cluster deserves a warning;
customs declarations show trade, not risk, and do not count) and negative when it holds only
noise. With ``shapes="varied"`` each seed also draws how each incident unfolds (start, speed,
size, the feeds that report it, or no incident at all) and how loud the background is
(:func:`varied_shapes`), so the model sees many more courses than the three default ones;
``"default"`` keeps the default courses.

Split out of :mod:`lab.model_cli`, which re-exports the public names.
"""

from __future__ import annotations

import math
import os
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_all_start_methods, get_context
from typing import Literal

import numpy as np
import numpy.typing as npt

from detectors.catalogue import load_catalogue
from detectors.features import FEATURE_NAMES, cluster_features
from detectors.grading import evidence_floor
from detectors.model import RuleFallback
from detectors.targeting import Reference
from lab.offline import run_offline
from lab.sample import INCIDENTS, IncidentShape, generate
from schemas.errors import ConfigError

__all__ = [
    "HELD_OUT_COURSES",
    "Dataset",
    "FloatArray",
    "Shapes",
    "build_dataset",
    "held_out_shapes",
    "seed_snapshots",
    "shapes_for",
    "varied_shapes",
]

Shapes = Literal["default", "varied", "held-out"]
FloatArray = npt.NDArray[np.float64]

# The feeds through which each incident reports a risk, and those that only give context.
_RISK_FEEDS = {
    "scooter": ("complaints", "injuries"),
    "enoki": ("foodborne", "complaints"),
    "heater": ("listings", "complaints", "injuries"),
}
_CONTEXT_FEEDS = {"scooter": ("listings", "declarations"), "enoki": ("declarations",), "heater": ()}
_SHIFTS = {"scooter": (-5, 12), "enoki": (-10, 10), "heater": (-14, 8)}


def varied_shapes(seed: int) -> tuple[float, dict[str, IncidentShape]]:
    """Noise scale and incident shapes drawn for ``seed``: the same seed, the same draw.

    Each incident: start moved by a few days either way, speed 0.6-1.8, size 0.25-1.6
    (log-uniform), its risk reported by only some of its feeds one time in four, absent one
    time in ten; the background scale is 0.7-1.4.
    """
    rng = random.Random(f"riskwire-shapes-{seed}")
    scale = round(rng.uniform(0.7, 1.4), 3)
    shapes: dict[str, IncidentShape] = {}
    for name in INCIDENTS:
        lo, hi = _SHIFTS[name]
        feeds: frozenset[str] | None = None
        if rng.random() < 0.25:
            own = _RISK_FEEDS[name]
            kept = rng.sample(own, k=rng.randint(1, len(own) - 1))
            feeds = frozenset([*kept, *_CONTEXT_FEEDS[name]])
        shapes[name] = IncidentShape(
            shift=rng.randint(lo, hi),
            speed=round(rng.uniform(0.6, 1.8), 3),
            size=round(math.exp(rng.uniform(math.log(0.25), math.log(1.6))), 3),
            feeds=feeds,
            present=rng.random() >= 0.1,
        )
    return scale, shapes


# Courses outside what ``varied_shapes`` draws (speed 0.6-1.8, size 0.25-1.6): for judging a
# model on incident shapes it was never trained on.
HELD_OUT_COURSES = ("slow", "fast", "faint")


def held_out_shapes(seed: int) -> tuple[float, dict[str, IncidentShape]]:
    """Noise scale and, for each incident, one course training never saw: ``slow`` (speed
    0.3-0.55), ``fast`` (2.2-3.5, a burst over a few days) or ``faint`` (size 0.1-0.25); always
    present, reported by all its feeds. The same seed, the same draw."""
    rng = random.Random(f"riskwire-held-out-shapes-{seed}")
    scale = round(rng.uniform(0.7, 1.4), 3)
    shapes: dict[str, IncidentShape] = {}
    for name in INCIDENTS:
        lo, hi = _SHIFTS[name]
        course = rng.choice(HELD_OUT_COURSES)
        speed, size = round(rng.uniform(0.8, 1.2), 3), round(rng.uniform(0.6, 1.2), 3)
        if course == "slow":
            speed = round(rng.uniform(0.3, 0.55), 3)
        elif course == "fast":
            speed = round(rng.uniform(2.2, 3.5), 3)
        else:
            size = round(math.exp(rng.uniform(math.log(0.1), math.log(0.25))), 3)
        shapes[name] = IncidentShape(shift=rng.randint(lo, hi), speed=speed, size=size)
    return scale, shapes


def shapes_for(seed: int, shapes: Shapes) -> tuple[float, dict[str, IncidentShape]]:
    """The noise scale and incident shapes a seed's sample is generated with."""
    if shapes == "varied":
        return varied_shapes(seed)
    if shapes == "held-out":
        return held_out_shapes(seed)
    return 1.0, {}


@dataclass
class Dataset:
    """Snapshots of every cluster of every seed: features, labels and what evaluation needs.

    Rows are in seed order, then in the order the run assessed them. ``cluster`` is
    ``<seed>/<cluster_id>``; ``incident`` is ``<seed>/<name>`` for positives and ``""`` for
    noise; ``floor`` says whether the cluster met the grading's evidence floor; times are in days
    since the Unix epoch; ``incident_start`` maps ``<seed>/<name>`` to the event time of the
    incident's first report (declarations do not count).
    """

    x: FloatArray
    y: npt.NDArray[np.int64]
    rule_p: FloatArray
    floor: npt.NDArray[np.bool_]
    seed: npt.NDArray[np.int64]
    as_of: FloatArray
    first_seen: FloatArray
    cluster: list[str]
    incident: list[str]
    incident_start: dict[str, float] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.y)

    @classmethod
    def concat(cls, parts: Sequence[Dataset]) -> Dataset:
        """The parts' rows one after another (at least one part)."""
        if not parts:
            raise ValueError("no parts to concatenate")
        starts: dict[str, float] = {}
        for p in parts:
            starts.update(p.incident_start)
        return cls(
            x=np.vstack([p.x for p in parts]),
            y=np.concatenate([p.y for p in parts]).astype(np.int64),
            rule_p=np.concatenate([p.rule_p for p in parts]),
            floor=np.concatenate([p.floor for p in parts]).astype(np.bool_),
            seed=np.concatenate([p.seed for p in parts]).astype(np.int64),
            as_of=np.concatenate([p.as_of for p in parts]),
            first_seen=np.concatenate([p.first_seen for p in parts]),
            cluster=[c for p in parts for c in p.cluster],
            incident=[i for p in parts for i in p.incident],
            incident_start=starts,
        )

    def subset(self, mask: npt.NDArray[np.bool_]) -> Dataset:
        """The rows where ``mask`` is true (incident starts of the seeds kept)."""
        idx = np.flatnonzero(mask)
        seeds = {str(s) for s in set(self.seed[idx].tolist())}
        return Dataset(
            x=self.x[idx],
            y=self.y[idx],
            rule_p=self.rule_p[idx],
            floor=self.floor[idx],
            seed=self.seed[idx],
            as_of=self.as_of[idx],
            first_seen=self.first_seen[idx],
            cluster=[self.cluster[i] for i in idx],
            incident=[self.incident[i] for i in idx],
            incident_start={
                k: v for k, v in self.incident_start.items() if k.split("/")[0] in seeds
            },
        )


def _days(ts: float) -> float:
    return ts / 86400.0


def seed_snapshots(seed: int, days: int, shapes: Shapes) -> Dataset:
    """One seed's snapshots (run in a worker process)."""
    scale, shape_map = shapes_for(seed, shapes)
    sample = generate(seed=seed, days=days, scale=scale, shapes=shape_map)
    catalogue = load_catalogue()
    ref = sample.reference
    reference = Reference(ref.credit, frozenset(ref.blacklist), ref.origin_risk)
    run = run_offline(sample.records, catalogue, reference)
    # A declaration shows trade, not risk: a cluster is positive by the incident's reports.
    incident_of = {
        sid: name
        for name, truth in sample.incidents.items()
        for sid in truth.signal_ids
        if not sid.startswith("declarations:")
    }
    fallback = RuleFallback()
    rows: list[list[float]] = []
    labels: list[int] = []
    rule_p: list[float] = []
    floor: list[bool] = []
    as_of: list[float] = []
    first_seen: list[float] = []
    clusters: list[str] = []
    incidents: list[str] = []
    for a in run.assessments:
        c = a.cluster
        if c.merged_into:  # closed by a merge, not a state of a risk to judge
            continue
        features = cluster_features(c, a.as_of, catalogue)
        rows.append([features[n] for n in FEATURE_NAMES])
        names = Counter(incident_of[m] for m in c.member_ids if m in incident_of)
        labels.append(int(bool(names)))
        incidents.append(f"{seed}/{names.most_common(1)[0][0]}" if names else "")
        rule_p.append(fallback.score_assessment(a)[0])
        floor.append(evidence_floor(c))
        as_of.append(_days(a.as_of.timestamp()))
        first_seen.append(_days(c.first_seen.timestamp()))
        clusters.append(f"{seed}/{c.cluster_id}")
    starts: dict[str, float] = {}
    for rec in sample.records:
        # An incident starts with its first risk report; declarations only show trade.
        if rec.label.startswith("incident:") and rec.feed != "declarations":
            key = f"{seed}/{rec.label.removeprefix('incident:')}"
            starts[key] = min(starts.get(key, math.inf), _days(rec.event_time.timestamp()))
    return Dataset(
        x=np.asarray(rows, dtype=np.float64).reshape(-1, len(FEATURE_NAMES)),
        y=np.asarray(labels, dtype=np.int64),
        rule_p=np.asarray(rule_p, dtype=np.float64),
        floor=np.asarray(floor, dtype=np.bool_),
        seed=np.full(len(labels), seed, dtype=np.int64),
        as_of=np.asarray(as_of, dtype=np.float64),
        first_seen=np.asarray(first_seen, dtype=np.float64),
        cluster=clusters,
        incident=incidents,
        incident_start=starts,
    )


def build_dataset(
    seeds: Iterable[int], days: int = 42, shapes: Shapes = "varied", workers: int | None = None
) -> Dataset:
    """Snapshots of every seed's offline run, labelled by the planted truth.

    ``workers`` processes run seeds in parallel (default: one per core, at most one per seed);
    1 runs them in this process. The result does not depend on ``workers``.
    """
    seed_list = list(seeds)
    if not seed_list:
        raise ConfigError("no seeds to build a dataset from")
    n = min(workers or os.cpu_count() or 1, max(1, len(seed_list)))
    if n <= 1:
        parts = [seed_snapshots(s, days, shapes) for s in seed_list]
    else:
        # fork: workers start at once and need no ``__main__`` guard in the caller. They run
        # only the pipeline (no OpenMP), so a parent that already fitted trees is safe to fork.
        method = "fork" if "fork" in get_all_start_methods() else "spawn"
        with ProcessPoolExecutor(n, mp_context=get_context(method)) as pool:
            parts = list(
                pool.map(
                    seed_snapshots,
                    seed_list,
                    [days] * len(seed_list),
                    [shapes] * len(seed_list),
                )
            )
    return Dataset.concat(parts)
