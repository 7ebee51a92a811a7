"""``riskwire model train`` / ``riskwire model evaluate``: the warning model on planted incidents.

**Data.** :func:`build_dataset` generates one sample per seed (:func:`lab.sample.generate`)
and runs it through :func:`lab.offline.run_offline`. Every assessment the run makes is a
*snapshot*: the cluster as it stood when a signal joined it. A snapshot is labelled positive when
its cluster holds at least one report of a planted incident (the cluster deserves a warning;
customs declarations show trade, not risk, and do not count) and negative when it holds only
noise. With ``shapes="varied"`` each seed also draws how each incident unfolds (start, speed,
size, the feeds that report it, or no incident at all) and how loud the background is
(:func:`varied_shapes`), so the model sees many more courses than the three default ones;
``"default"`` keeps the default courses.

**False-alarm budget.** A noise cluster *alarms* when any of its snapshots reaches the threshold.
Its exposure is the days it was watched (first signal to last snapshot, at least 1). The warning
threshold is the lowest that keeps alarmed noise clusters at or under ``budget`` per 1000 noise
cluster-days. The default, ``FALSE_ALARM_BUDGET`` = 0.1, is about one false alarm per 42-day
sample: noise clusters live long, so a sample has some 14 000 noise cluster-days, and 1 per 1000
would allow a dozen false warnings a run where the rules raise none. :func:`train` picks the
threshold on *out-of-fold* probabilities (calibration folds split by seed), so it is not
flattered by the model having seen those rows; the rules' score goes through the same selection.

**Figures** (:func:`evaluate`, on held-out seeds that training never saw):

* ``pr_auc``: average precision over all snapshots (``sklearn.metrics.average_precision_score``);
* at each operating point: the false alarms actually reached, ``incident_recall`` (planted
  incidents with at least one snapshot over threshold), ``snapshot_recall`` (positive snapshots
  over threshold) and ``median_delay_days``, from an incident's first report (its event time) to
  its first snapshot over threshold; missed incidents are listed, not counted in the median;
* model operating points: its trained threshold; the same with the grading's evidence floor
  (:func:`detectors.grading.evidence_floor`) also required, as grading would deploy it; and the
  threshold that holds it to the rules' false-alarm rate on the held-out seeds (chosen on them:
  a comparison of ranking at equal false alarms, not a deployable threshold);
* rules (:class:`detectors.model.RuleFallback`) operating points: their own (``p >= 0.5``
  exactly when the rules would warn) and the threshold chosen for the same budget in training.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from sklearn.metrics import average_precision_score

from detectors.catalogue import load_catalogue
from detectors.features import FEATURE_NAMES, cluster_features
from detectors.grading import evidence_floor
from detectors.model import (
    CALIBRATION_FOLDS,
    DEFAULT_MODEL_PATH,
    ModelKind,
    RuleFallback,
    WarningModel,
)
from detectors.targeting import Reference
from lab.offline import run_offline
from lab.sample import INCIDENTS, IncidentShape, generate
from schemas.errors import ConfigError

__all__ = [
    "DEFAULT_EVAL_SEEDS",
    "DEFAULT_TRAIN_SEEDS",
    "FALSE_ALARM_BUDGET",
    "Dataset",
    "add_arguments",
    "build_dataset",
    "choose_threshold",
    "evaluate",
    "main_from_args",
    "operating_point",
    "train",
    "varied_shapes",
]

Shapes = Literal["default", "varied"]
FloatArray = npt.NDArray[np.float64]

FALSE_ALARM_BUDGET = 0.1  # alarmed noise clusters per 1000 noise cluster-days
TRAIN_SEED_BASE = 1000
EVAL_SEED_BASE = 5000
DEFAULT_TRAIN_SEEDS = 16
DEFAULT_EVAL_SEEDS = 12
MODEL_PATH_ENV = "RISKWIRE_MODEL_PATH"
# The feeds through which each incident reports a risk, and those that only give context.
_RISK_FEEDS = {
    "scooter": ("complaints", "injuries"),
    "enoki": ("foodborne", "complaints"),
    "heater": ("listings", "complaints", "injuries"),
}
_CONTEXT_FEEDS = {"scooter": ("listings", "declarations"), "enoki": ("declarations",), "heater": ()}
_SHIFTS = {"scooter": (-5, 12), "enoki": (-10, 10), "heater": (-14, 8)}


def default_model_path() -> Path:
    """``$RISKWIRE_MODEL_PATH`` or ``var/models/warning-model-v1.joblib``."""
    return Path(os.environ.get(MODEL_PATH_ENV) or DEFAULT_MODEL_PATH)


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


def _seed_snapshots(seed: int, days: int, shapes: Shapes) -> Dataset:
    """One seed's snapshots (run in a worker process)."""
    scale, shape_map = varied_shapes(seed) if shapes == "varied" else (1.0, {})
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
        parts = [_seed_snapshots(s, days, shapes) for s in seed_list]
    else:
        # fork: workers start at once and need no ``__main__`` guard in the caller. They run
        # only the pipeline (no OpenMP), so a parent that already fitted trees is safe to fork.
        method = "fork" if "fork" in get_all_start_methods() else "spawn"
        with ProcessPoolExecutor(n, mp_context=get_context(method)) as pool:
            parts = list(
                pool.map(
                    _seed_snapshots,
                    seed_list,
                    [days] * len(seed_list),
                    [shapes] * len(seed_list),
                )
            )
    return Dataset.concat(parts)


# -- operating points ------------------------------------------------------------------------


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


def _pr_auc(y: npt.NDArray[np.int64], p: FloatArray) -> float | None:
    if len(set(y.tolist())) < 2:
        return None
    return round(float(average_precision_score(y, p)), 4)


def _summary(data: Dataset) -> dict[str, Any]:
    names, _, exposure = _noise_exposure(data)
    return {
        "seeds": sorted({int(s) for s in data.seed.tolist()}),
        "snapshots": len(data),
        "positive_snapshots": int(data.y.sum()),
        "incidents": len(data.incident_start),
        "noise_clusters": len(names),
        "noise_cluster_days": int(exposure),
    }


# -- train / evaluate -----------------------------------------------------------------------


def train(
    out_path: Path | str | None = None,
    seeds: Iterable[int] = range(TRAIN_SEED_BASE, TRAIN_SEED_BASE + DEFAULT_TRAIN_SEEDS),
    *,
    days: int = 42,
    shapes: Shapes = "varied",
    kind: ModelKind = "hgb",
    budget: float = FALSE_ALARM_BUDGET,
    workers: int | None = None,
    random_state: int = 0,
    data: Dataset | None = None,
) -> tuple[WarningModel, dict[str, Any]]:
    """Train on ``seeds``, pick the threshold out of fold, save to ``out_path`` if given.

    Returns the model and its training report (also stored in the artifact's sidecar).
    ``data`` skips building the dataset (it must come from ``seeds``).
    """
    started = time.monotonic()
    seed_list = list(seeds)
    if len(set(seed_list)) < CALIBRATION_FOLDS:
        raise ConfigError(f"training needs at least {CALIBRATION_FOLDS} seeds, got {seed_list}")
    data = data if data is not None else build_dataset(seed_list, days, shapes, workers)
    built = time.monotonic() - started
    model, oof = WarningModel.fit_out_of_fold(
        data.x, data.y, groups=data.seed, kind=kind, random_state=random_state
    )
    threshold = choose_threshold(oof, data, budget)
    model = model.with_threshold(threshold)
    report: dict[str, Any] = {
        "data": {**_summary(data), "days": days, "shapes": shapes},
        "false_alarm_budget_per_1000_cluster_days": budget,
        "out_of_fold": {"pr_auc": _pr_auc(data.y, oof), **operating_point(oof, data, threshold)},
        "rules_threshold_at_budget": choose_threshold(data.rule_p, data, budget),
        "seconds": {"dataset": round(built, 1), "total": round(time.monotonic() - started, 1)},
    }
    model.metadata["training"] = report
    if out_path is not None:
        model.save(out_path)
    return model, report


def evaluate(
    model_path: Path | str | None = None,
    seeds: Iterable[int] = range(EVAL_SEED_BASE, EVAL_SEED_BASE + DEFAULT_EVAL_SEEDS),
    *,
    days: int = 42,
    shapes: Shapes = "varied",
    workers: int | None = None,
    model: WarningModel | None = None,
    data: Dataset | None = None,
) -> dict[str, Any]:
    """Model against rules on held-out ``seeds``: PR-AUC, recall at the budget, delay.

    ``model`` and ``data`` skip loading the artifact and building the dataset.
    """
    if model is None:
        model = WarningModel.load(model_path or default_model_path())
    training: dict[str, Any] = model.metadata.get("training", {})
    seed_list = list(seeds)
    overlap = sorted(set(training.get("data", {}).get("seeds", [])).intersection(seed_list))
    if overlap:
        raise ConfigError(f"seeds {overlap} were used in training; evaluate on held-out seeds")
    data = data if data is not None else build_dataset(seed_list, days, shapes, workers)
    p = model.predict_proba(data.x)
    rules = RuleFallback()
    rules_point = operating_point(data.rule_p, data, rules.threshold)
    budget = training.get("false_alarm_budget_per_1000_cluster_days", FALSE_ALARM_BUDGET)
    fallback: dict[str, Any] = {
        "name": rules.name,
        "pr_auc": _pr_auc(data.y, data.rule_p),
        "at_rules_threshold": rules_point,
    }
    if "rules_threshold_at_budget" in training:
        fallback["at_budget_threshold"] = operating_point(
            data.rule_p, data, float(training["rules_threshold_at_budget"])
        )
    # The model held to the false-alarm rate the rules reach on these seeds (chosen on them:
    # a check of ranking at equal false alarms, not an operating point one could deploy).
    rules_rate = float(rules_point["false_alarms_per_1000_cluster_days"])
    return {
        "data": {**_summary(data), "days": days, "shapes": shapes},
        "false_alarm_budget_per_1000_cluster_days": budget,
        "model": {
            "name": model.name,
            "pr_auc": _pr_auc(data.y, p),
            "at_trained_threshold": operating_point(p, data, model.threshold),
            "at_trained_threshold_with_evidence_floor": operating_point(
                p, data, model.threshold, gate=data.floor
            ),
            "at_rules_false_alarm_rate": operating_point(
                p, data, choose_threshold(p, data, rules_rate)
            ),
        },
        "fallback": fallback,
    }


# -- command line ---------------------------------------------------------------------------


def _point_line(label: str, point: dict[str, Any]) -> str:
    delay = point["median_delay_days"]
    return (
        f"  {label:<34} threshold {point['threshold']:<8.4g} "
        f"false alarms {point['false_alarm_clusters']:>4} "
        f"({point['false_alarms_per_1000_cluster_days']}/1000 cluster-days)  "
        f"incident recall {point['incident_recall']}  snapshot recall {point['snapshot_recall']}  "
        f"median delay {'-' if delay is None else f'{delay} d'}"
    )


def _cmd_train(args: argparse.Namespace) -> int:
    seeds = range(args.seed_base, args.seed_base + args.seeds)
    out = args.out or default_model_path()
    model, report = train(
        out,
        seeds,
        days=args.days,
        shapes=args.shapes,
        kind=args.kind,
        budget=args.budget,
        workers=args.workers,
    )
    if args.json:
        print(json.dumps({"artifact": str(out), **report}, indent=2))
        return 0
    oof = report["out_of_fold"]
    print(f"{model.name}: {len(seeds)} seeds in {report['seconds']['total']} s -> {out}")
    print(f"  out-of-fold PR-AUC {oof['pr_auc']}")
    print(_point_line("out of fold, chosen threshold", oof))
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    seeds = range(args.seed_base, args.seed_base + args.seeds)
    path = args.model or default_model_path()
    report = evaluate(path, seeds, days=args.days, shapes=args.shapes, workers=args.workers)
    if args.json:
        print(json.dumps({"artifact": str(path), **report}, indent=2))
        return 0
    d, m, f = report["data"], report["model"], report["fallback"]
    print(
        f"{len(d['seeds'])} held-out seeds ({d['shapes']} incidents): {d['snapshots']} snapshots, "
        f"{d['incidents']} incidents, {d['noise_cluster_days']} noise cluster-days"
    )
    print(f"{m['name']}: PR-AUC {m['pr_auc']}")
    print(_point_line("trained threshold", m["at_trained_threshold"]))
    print(_point_line("  + evidence floor", m["at_trained_threshold_with_evidence_floor"]))
    print(_point_line("at the rules' false-alarm rate", m["at_rules_false_alarm_rate"]))
    print(f"{f['name']} (fallback): PR-AUC {f['pr_auc']}")
    print(_point_line("rules' own threshold (0.5)", f["at_rules_threshold"]))
    if "at_budget_threshold" in f:
        print(_point_line("threshold for the same budget", f["at_budget_threshold"]))
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``train`` and ``evaluate`` subcommands to the ``model`` (sub)parser."""
    actions = parser.add_subparsers(dest="model_command", required=True)

    def common(p: argparse.ArgumentParser, seeds: int, base: int) -> None:
        p.add_argument("--seeds", type=int, default=seeds, help=f"how many seeds (default {seeds})")
        p.add_argument("--seed-base", type=int, default=base, help=f"first seed (default {base})")
        p.add_argument("--days", type=int, default=42, help="days per sample (default 42)")
        p.add_argument(
            "--shapes", choices=["varied", "default"], default="varied", help="incident courses"
        )
        p.add_argument("--workers", type=int, default=None, help="processes (default: cores)")
        p.add_argument("--json", action="store_true", help="print the report as JSON")

    where = f"default ${MODEL_PATH_ENV} or {DEFAULT_MODEL_PATH}"
    tr = actions.add_parser("train", help="train the warning model on sample seeds")
    tr.add_argument("--out", type=Path, default=None, help=f"artifact path ({where})")
    tr.add_argument("--kind", choices=["hgb", "logistic"], default="hgb", help="classifier")
    tr.add_argument(
        "--budget",
        type=float,
        default=FALSE_ALARM_BUDGET,
        help=f"false alarms per 1000 noise cluster-days (default {FALSE_ALARM_BUDGET})",
    )
    common(tr, DEFAULT_TRAIN_SEEDS, TRAIN_SEED_BASE)
    tr.set_defaults(model_func=_cmd_train)

    ev = actions.add_parser("evaluate", help="model against rules on held-out seeds")
    ev.add_argument("--model", type=Path, default=None, help=f"artifact path ({where})")
    common(ev, DEFAULT_EVAL_SEEDS, EVAL_SEED_BASE)
    ev.set_defaults(model_func=_cmd_evaluate)


def main_from_args(args: argparse.Namespace) -> int:
    """Run ``model train`` or ``model evaluate`` from parsed arguments."""
    code: int = args.model_func(args)
    return code
