"""Training and evaluating the warning model on planted-incident samples.

:func:`train` fits the model on training seeds and picks the threshold on *out-of-fold*
probabilities (calibration folds split by seed), so it is not flattered by the model having
seen those rows; the rules' score goes through the same selection
(:func:`lab.model_metrics.choose_threshold`).

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

Split out of :mod:`lab.model_cli`, which re-exports the public names and runs these as commands.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from detectors.model import (
    CALIBRATION_FOLDS,
    DEFAULT_MODEL_PATH,
    ModelKind,
    RuleFallback,
    WarningModel,
)
from lab.model_dataset import Dataset, Shapes, build_dataset
from lab.model_metrics import (
    FALSE_ALARM_BUDGET,
    choose_threshold,
    dataset_summary,
    operating_point,
    pr_auc,
)
from schemas.errors import ConfigError

__all__ = [
    "DEFAULT_EVAL_SEEDS",
    "DEFAULT_TRAIN_SEEDS",
    "EVAL_SEED_BASE",
    "MODEL_PATH_ENV",
    "TRAIN_SEED_BASE",
    "default_model_path",
    "evaluate",
    "train",
]

TRAIN_SEED_BASE = 1000
EVAL_SEED_BASE = 5000
DEFAULT_TRAIN_SEEDS = 16
DEFAULT_EVAL_SEEDS = 12
MODEL_PATH_ENV = "RISKWIRE_MODEL_PATH"


def default_model_path() -> Path:
    """``$RISKWIRE_MODEL_PATH`` or ``var/models/warning-model-v1.joblib``."""
    return Path(os.environ.get(MODEL_PATH_ENV) or DEFAULT_MODEL_PATH)


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
        "data": {**dataset_summary(data), "days": days, "shapes": shapes},
        "false_alarm_budget_per_1000_cluster_days": budget,
        "out_of_fold": {"pr_auc": pr_auc(data.y, oof), **operating_point(oof, data, threshold)},
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
        "pr_auc": pr_auc(data.y, data.rule_p),
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
        "data": {**dataset_summary(data), "days": days, "shapes": shapes},
        "false_alarm_budget_per_1000_cluster_days": budget,
        "model": {
            "name": model.name,
            "pr_auc": pr_auc(data.y, p),
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
