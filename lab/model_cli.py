"""``riskwire model train`` / ``riskwire model evaluate``: the warning model on planted incidents.

The commands and their arguments. What they run lives in :mod:`lab.model_dataset` (the
snapshots of sample seeds the model learns from), :mod:`lab.model_metrics` (the false-alarm
budget and operating points) and :mod:`lab.model_training` (:func:`train`, :func:`evaluate`);
their public names are re-exported here.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from detectors.model import DEFAULT_MODEL_PATH
from lab.model_dataset import Dataset, build_dataset, seed_snapshots, varied_shapes
from lab.model_dataset import FloatArray as FloatArray
from lab.model_dataset import Shapes as Shapes
from lab.model_metrics import FALSE_ALARM_BUDGET, choose_threshold, operating_point
from lab.model_training import (
    DEFAULT_EVAL_SEEDS,
    DEFAULT_TRAIN_SEEDS,
    EVAL_SEED_BASE,
    MODEL_PATH_ENV,
    TRAIN_SEED_BASE,
    default_model_path,
    evaluate,
    train,
)

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

_seed_snapshots = seed_snapshots  # its name before the split (tests import it)


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
    if args.grading:
        from lab.grading_eval import compare_grading

        report["grading"] = compare_grading(
            path, seeds, days=args.days, shapes=args.shapes, workers=args.workers
        )
        # the same seeds, every incident on a course training never drew (lab.model_dataset)
        report["grading_held_out_shapes"] = compare_grading(
            path, seeds, days=args.days, shapes="held-out", workers=args.workers
        )
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
    for section, title in (
        ("grading", "held-out seeds"),
        ("grading_held_out_shapes", "held-out shapes"),
    ):
        if section not in report:
            continue
        g = report[section]
        print(f"warnings the flow issued, {title} (model gate {g['model_gate']:.4f}):")
        for label, row in (("rules", g["rules"]), ("model-gated", g["model_gated"])):
            print(
                f"  {label}: {row['incidents_warned']}/{row['incidents']} incidents, median "
                f"delay {row['median_delay_days']} days, "
                f"{row['false_alarms_per_1000_cluster_days']} false alarms per 1000 noise "
                f"cluster-days ({row['noise_clusters_warned']} noise clusters warned)"
            )
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``train`` and ``evaluate`` subcommands to the ``model`` (sub)parser."""
    actions = parser.add_subparsers(dest="model_command", required=True)

    def common(p: argparse.ArgumentParser, seeds: int, base: int) -> None:
        p.add_argument("--seeds", type=int, default=seeds, help=f"how many seeds (default {seeds})")
        p.add_argument("--seed-base", type=int, default=base, help=f"first seed (default {base})")
        p.add_argument("--days", type=int, default=42, help="days per sample (default 42)")
        p.add_argument(
            "--shapes",
            choices=["varied", "default", "held-out"],
            default="varied",
            help="incident courses (held-out: courses varied never draws)",
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
    ev.add_argument(
        "--no-grading",
        dest="grading",
        action="store_false",
        help="skip running the flow with rules and with model-gated grading (lab/grading_eval.py)",
    )
    ev.set_defaults(model_func=_cmd_evaluate)


def main_from_args(args: argparse.Namespace) -> int:
    """Run ``model train`` or ``model evaluate`` from parsed arguments."""
    code: int = args.model_func(args)
    return code
