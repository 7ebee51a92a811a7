"""Warning-model features, model artifact, rule fallback, training on sample seeds, and shapes."""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import statistics
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from detectors.catalogue import Catalogue
from detectors.features import FEATURE_GROUPS, FEATURE_NAMES, cluster_features
from detectors.grading import grade_for, warrants_warning
from detectors.model import (
    Explanation,
    ModelError,
    RuleFallback,
    WarningModel,
    load_scorer,
    sidecar_path,
)
from detectors.scoring import assess, urgency_factor
from lab.model_cli import (
    Dataset,
    _seed_snapshots,
    add_arguments,
    build_dataset,
    choose_threshold,
    evaluate,
    operating_point,
    train,
    varied_shapes,
)
from lab.sample import INCIDENTS, IncidentShape, generate
from schemas.errors import ConfigError
from schemas.records import Cluster

MakeCluster = Callable[..., Cluster]
T0 = datetime(2026, 9, 20, 6, 30, tzinfo=UTC)  # conftest's make_cluster default time

# sha256 over (feed, event time, label, signal id, key, payload) of every record of
# generate(seed=7), taken before IncidentShape was added: the default must not move a byte.
SEED7_RECORDS_SHA256 = "7b0f655a0e312e74fda16c6d21e65fa1a3160ce5bc6369e7a9b7b6327327606b"

TRAIN_SEEDS = (11, 12, 13)
TEST_SEEDS = (21,)
DAYS = 24


# --------------------------------------------------------------------------- sample shapes


def _records_digest(seed: int, **kwargs: Any) -> str:
    digest = hashlib.sha256()
    for r in generate(seed=seed, **kwargs).records:
        head = f"{r.feed}|{r.event_time.isoformat()}|{r.label}|{r.signal_id}|".encode()
        digest.update(head + r.key + b"|" + r.payload + b"\n")
    return digest.hexdigest()


def test_default_sample_is_byte_identical_to_before_shapes() -> None:
    assert _records_digest(7) == SEED7_RECORDS_SHA256
    assert _records_digest(7, shapes={}) == SEED7_RECORDS_SHA256
    as_usual = {name: IncidentShape() for name in INCIDENTS}
    assert _records_digest(7, shapes=as_usual) == SEED7_RECORDS_SHA256


def test_shapes_drop_delay_and_restrict_incidents() -> None:
    base = generate(seed=5, days=42)
    shaped = generate(
        seed=5,
        days=42,
        shapes={
            "enoki": IncidentShape(present=False),
            "heater": IncidentShape(feeds=frozenset({"complaints"})),
            "scooter": IncidentShape(shift=10),
        },
    )
    assert set(shaped.incidents) == {"scooter", "heater"}
    assert not any(r.label == "incident:enoki" for r in shaped.records)
    heater_feeds = {r.feed for r in shaped.records if r.label == "incident:heater"}
    assert heater_feeds == {"complaints"}

    def first_report(sample: Any) -> Any:
        return min(
            r.event_time
            for r in sample.records
            if r.label == "incident:scooter" and r.feed != "declarations"
        )

    assert first_report(shaped) - first_report(base) >= timedelta(days=5)
    with pytest.raises(ValueError, match="unknown incidents"):
        generate(seed=5, days=3, shapes={"toaster": IncidentShape()})


def test_varied_shapes_are_a_function_of_the_seed() -> None:
    assert varied_shapes(3) == varied_shapes(3)
    assert varied_shapes(3) != varied_shapes(4)
    scale, shapes = varied_shapes(3)
    assert 0.7 <= scale <= 1.4 and set(shapes) == set(INCIDENTS)


# --------------------------------------------------------------------------- features


def test_feature_names_are_grouped_by_grading_factor() -> None:
    assert set(FEATURE_GROUPS) == {"hazard", "urgency", "scope"}
    assert tuple(n for g in FEATURE_GROUPS.values() for n in g) == FEATURE_NAMES
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES)


def test_features_of_a_hand_built_cluster(make_cluster: MakeCluster, catalogue: Catalogue) -> None:
    cluster = make_cluster(
        first_seen=T0 - timedelta(days=20),
        last_seen=T0,
        signal_count=8,
        worst_outcome="hospitalised",
        cases=3,
        hospitalised=2,
        vulnerable_groups=("children",),
        feed_counts={"complaints": 3, "injuries": 2, "declarations": 1, "listings": 2},
        risk_counts={"complaints": 3, "injuries": 2, "listings": 1},
        daily_counts={"2026-09-20": 3, "2026-09-18": 2, "2026-09-10": 1},
        region_counts={"北京": 3, "上海": 2, "广东": 1},
        channel_counts={"hotline": 2, "web": 1},
        enterprises=("91310000AAAAAAAAAA", "上海乐途贸易有限公司"),
        origins=("VN", "CN"),
        import_quantity=999.0,
        listing_count=2,
    )
    f = cluster_features(cluster, T0, catalogue)
    assert tuple(f) == FEATURE_NAMES
    assert all(isinstance(v, float) for v in f.values())
    # hazard
    assert f["outcome_level"] == 4.0
    assert (f["deaths"], f["hospitalised"], f["cases"]) == (0.0, 2.0, 3.0)
    assert (f["vulnerable_groups"], f["vulnerable_children"], f["vulnerable_elderly"]) == (1, 1, 0)
    assert f["hazard_physical"] == 1.0
    assert sum(f[n] for n in FEATURE_NAMES if n.startswith("hazard_")) == 1.0
    assert f["key_product"] == 1.0
    assert f["flagged_listings"] == 1.0
    # urgency: last 7 days are 09-14..09-20 (3 + 2), the 7 before hold 1
    assert (f["risk_signals"], f["risk_last_1d"], f["risk_last_7d"]) == (6.0, 3.0, 5.0)
    assert f["growth_7d"] == pytest.approx(math.log2(6 / 2))
    # 1 signal in the 4 baseline weeks; 1 week known, 4 at the prior 2/week, over 5 weeks
    assert f["baseline_per_week"] == pytest.approx((1 + 2.0 * 4) / 5)
    assert f["baseline_per_week"] == pytest.approx(
        urgency_factor(cluster, T0)[1]["baseline_per_week"], abs=0.005
    )
    mean = 1.8
    below = sum(math.exp(-mean) * mean**k / math.factorial(k) for k in range(5))
    assert f["poisson_surprise"] == pytest.approx(-math.log10(1 - below))
    week_before = [0, 0, 0, 0, 0, 2, 0]  # 09-13..09-19
    z = (3 - statistics.mean(week_before)) / statistics.stdev(week_before)
    assert f["ears_c1"] == pytest.approx(z)
    assert f["age_days"] == 20.0
    # scope
    assert (f["regions"], f["channels"], f["feeds"], f["risk_feeds"]) == (3, 2, 4, 3)
    assert (f["enterprises"], f["foreign_origins"], f["declarations"]) == (2, 1, 1)
    assert f["import_quantity_log"] == pytest.approx(math.log(1000))
    assert (f["listing_count"], f["sales_log"], f["signal_count"]) == (2.0, 0.0, 8.0)


def test_features_of_a_quality_only_cluster_and_a_death(
    make_cluster: MakeCluster, catalogue: Catalogue
) -> None:
    quality = cluster_features(make_cluster(hazard_class=None, category="cosmetics"), T0, catalogue)
    assert quality["hazard_none"] == 1.0 and quality["key_product"] == 0.0
    assert quality["risk_last_7d"] == 0.0 and quality["poisson_surprise"] == 0.0
    assert quality["ears_c1"] == 0.0  # a flat zero series: no excess
    death = cluster_features(make_cluster(deaths=1, worst_outcome="minor"), T0, catalogue)
    assert death["outcome_level"] == 5.0 and death["deaths"] == 1.0


# --------------------------------------------------------------------------- model


def _toy(n: int = 600, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two features; only ``a`` decides the label."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    y = (x[:, 0] + 0.3 * rng.normal(size=n) > 0.8).astype(np.int64)
    return x, y


@pytest.mark.parametrize("kind", ["hgb", "logistic"])
def test_explanation_names_the_feature_that_decides(kind: Any) -> None:
    x, y = _toy()
    model = WarningModel.fit(x, y, kind=kind, feature_names=("a", "b"), threshold=0.5)
    p, why = model.predict({"a": 2.5, "b": 0.0})
    assert p > 0.8 and why.warns
    assert why.drivers[0].feature == "a" and why.drivers[0].effect > 0
    assert why.unit == ("log-odds" if kind == "logistic" else "probability")
    low, _ = model.predict({"a": -2.0, "b": 0.0})
    assert low < 0.2
    with pytest.raises(ValueError, match="features missing: b"):
        model.predict({"a": 1.0})


def test_fit_is_deterministic_and_out_of_fold_respects_groups() -> None:
    x, y = _toy()
    groups = np.arange(len(y)) % 6
    one, oof1 = WarningModel.fit_out_of_fold(x, y, groups=groups, feature_names=("a", "b"))
    two, oof2 = WarningModel.fit_out_of_fold(x, y, groups=groups, feature_names=("a", "b"))
    assert np.array_equal(one.predict_proba(x), two.predict_proba(x))
    assert np.array_equal(oof1, oof2)
    assert oof1.min() >= 0 and oof1.max() <= 1 and not np.array_equal(oof1, one.predict_proba(x))


def test_save_load_round_trip(tmp_path: Path) -> None:
    x, y = _toy()
    model = WarningModel.fit(
        x, y, feature_names=("a", "b"), threshold=0.3, metadata={"training": {"pr_auc": 0.9}}
    )
    path = tmp_path / "models" / "m.joblib"
    side = model.save(path)
    assert side == sidecar_path(path) == tmp_path / "models" / "m.json"
    meta = json.loads(side.read_text())
    for key in ("model_version", "feature_names", "sklearn_version", "created", "threshold"):
        assert key in meta
    assert meta["feature_names"] == ["a", "b"] and meta["training"] == {"pr_auc": 0.9}
    again = WarningModel.load(path, feature_names=("a", "b"))
    assert np.array_equal(again.predict_proba(x), model.predict_proba(x))
    assert again.threshold == 0.3 and again.kind == "hgb"
    assert again.metadata["training"] == {"pr_auc": 0.9}
    assert again.predict({"a": 1.0, "b": 2.0}) == model.predict({"a": 1.0, "b": 2.0})


def test_load_refuses_other_features_and_tampered_bytes(tmp_path: Path) -> None:
    x, y = _toy()
    path = tmp_path / "m.joblib"
    WarningModel.fit(x, y, feature_names=("a", "b")).save(path)
    with pytest.raises(ModelError, match=r"missing outcome_level.*unknown a, b"):
        WarningModel.load(path)  # this code's FEATURE_NAMES
    with pytest.raises(ModelError, match="another order"):
        WarningModel.load(path, feature_names=("b", "a"))
    with pytest.raises(ModelError, match="riskwire model train"):
        load_scorer(path)
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(ModelError, match="SHA-256"):
        WarningModel.load(path, feature_names=("a", "b"))
    with pytest.raises(ModelError, match="no model artifact"):
        WarningModel.load(tmp_path / "absent.joblib")


def test_without_a_model_file_the_rules_score(tmp_path: Path) -> None:
    assert isinstance(load_scorer(tmp_path / "absent.joblib"), RuleFallback)
    assert isinstance(load_scorer(None), RuleFallback)


# --------------------------------------------------------------------------- rule fallback


def test_fallback_agrees_with_the_rules_and_explains_alike(
    make_cluster: MakeCluster, catalogue: Catalogue
) -> None:
    fallback = RuleFallback()
    burst = {(T0 - timedelta(days=d)).date().isoformat(): 4 for d in range(3)}
    clusters = [
        make_cluster(),
        make_cluster(
            deaths=1,
            worst_outcome="death",
            risk_counts={"injuries": 1, "complaints": 1},
            region_counts={"北京": 1, "上海": 1, "广东": 1},
            import_quantity=100.0,
        ),  # hazard 5 x urgency 1 x scope 4 = 20: grade IV, let through by the death
        make_cluster(
            worst_outcome="hospitalised",
            vulnerable_groups=("children",),
            risk_counts={"complaints": 8, "injuries": 4},
            daily_counts=burst,
            region_counts={r: 1 for r in "ABCDEFG"},
            import_quantity=5000.0,
            signal_count=12,
        ),
    ]
    warned = []
    for cluster in clusters:
        p, why = fallback.score_cluster(cluster, T0, catalogue)
        a = assess(cluster, catalogue, T0)
        rules_warn = warrants_warning(a) and grade_for(a.score) is not None
        assert (p >= fallback.threshold) == rules_warn == why.warns
        assert 0.0 <= p <= 1.0 and why.method == "rules-v1" and why.unit == "log-odds"
        assert {d.feature for d in why.drivers} <= {
            "hazard",
            "urgency",
            "scope",
            "evidence_or_urgency_gate",
        }
        warned.append(rules_warn)
    assert warned == [False, True, True]
    x, y = _toy()
    model = WarningModel.fit(x, y, feature_names=("a", "b"))
    _, model_why = model.predict({"a": 1.0, "b": 0.0})
    _, rule_why = fallback.score_cluster(clusters[2], T0, catalogue)
    assert isinstance(model_why, Explanation) and isinstance(rule_why, Explanation)
    assert set(model_why.to_dict()) == set(rule_why.to_dict())
    assert set(rule_why.to_dict()["drivers"][0]) == {"feature", "value", "effect"}
    json.dumps(rule_why.to_dict())  # goes into an assessment's explanation as is


# --------------------------------------------------------------------------- training


@pytest.fixture(scope="module")
def snapshots() -> Dataset:
    """Training and held-out snapshots of a few short varied samples (two worker processes)."""
    return build_dataset([*TRAIN_SEEDS, *TEST_SEEDS], days=DAYS, workers=2)


def _split(data: Dataset, seeds: tuple[int, ...]) -> Dataset:
    return data.subset(np.isin(data.seed, seeds))


def test_dataset_labels_follow_the_planted_truth(snapshots: Dataset) -> None:
    assert snapshots.x.shape == (len(snapshots), len(FEATURE_NAMES))
    positive = snapshots.y == 1
    assert 0 < positive.sum() < 0.2 * len(snapshots)
    assert all(bool(snapshots.incident[i]) == positive[i] for i in range(len(snapshots)))
    assert {k.split("/")[0] for k in snapshots.incident_start} <= {
        str(s) for s in (*TRAIN_SEEDS, *TEST_SEEDS)
    }


def test_dataset_is_deterministic_whatever_the_workers(snapshots: Dataset) -> None:
    again = _seed_snapshots(TEST_SEEDS[0], DAYS, "varied")
    part = _split(snapshots, (TEST_SEEDS[0],))
    assert np.array_equal(again.x, part.x) and np.array_equal(again.y, part.y)
    assert again.cluster == part.cluster and again.incident_start == part.incident_start


def test_threshold_keeps_false_alarms_within_budget(snapshots: Dataset) -> None:
    p = snapshots.rule_p
    for budget in (0.0, 0.1, 1.0):
        threshold = choose_threshold(p, snapshots, budget)
        point = operating_point(p, snapshots, threshold)
        assert point["false_alarms_per_1000_cluster_days"] <= budget


def test_small_training_run_beats_a_modest_bar_on_held_out_seeds(
    snapshots: Dataset, tmp_path: Path
) -> None:
    training, held_out = _split(snapshots, TRAIN_SEEDS), _split(snapshots, TEST_SEEDS)
    path = tmp_path / "model.joblib"
    model, report = train(path, TRAIN_SEEDS, days=DAYS, data=training)
    assert report["out_of_fold"]["pr_auc"] > 0.6
    again, _ = train(None, TRAIN_SEEDS, days=DAYS, data=training)
    assert np.array_equal(model.predict_proba(held_out.x), again.predict_proba(held_out.x))
    result = evaluate(path, TEST_SEEDS, days=DAYS, data=held_out)
    assert result["model"]["pr_auc"] > 0.6  # 0.99 seen; 0.78-0.99 on other seed sets
    assert result["model"]["at_trained_threshold"]["incident_recall"] >= 0.5
    assert result["fallback"]["pr_auc"] is not None
    with pytest.raises(ConfigError, match="used in training"):
        evaluate(path, TRAIN_SEEDS, days=DAYS, data=training)


def test_scoring_stage_attaches_the_models_explained_probability(
    snapshots: Dataset, tmp_path: Path, make_cluster: MakeCluster, catalogue: Catalogue
) -> None:
    from detectors.grading import model_probability
    from streams.stages import NO_MODEL, score

    path = tmp_path / "model.joblib"
    train(path, TRAIN_SEEDS, days=DAYS, data=_split(snapshots, TRAIN_SEEDS))
    model = WarningModel.load(path)
    cluster = make_cluster(daily_counts={"2026-09-01": 5}, risk_counts={"complaints": 5})
    plain = score(cluster, catalogue)
    scored = score(cluster, catalogue, model)
    # without a model the assessment says grading follows the rules, and has no probability
    assert plain.explanation["model"] == {"name": None, "note": NO_MODEL}
    assert model_probability(plain) is None
    why = scored.explanation["model"]
    assert model_probability(scored) == why["probability"]
    assert 0.0 <= why["probability"] <= 1.0 and why["name"] == model.name
    assert why["drivers"] and {"feature", "value", "effect"} <= why["drivers"][0].keys()
    # the rules still grade: the factors are the same with or without the model
    assert (scored.hazard, scored.urgency, scored.scope) == (
        plain.hazard,
        plain.urgency,
        plain.scope,
    )


def test_command_line_arguments() -> None:
    parser = argparse.ArgumentParser(prog="riskwire model")
    add_arguments(parser)
    args = parser.parse_args(["train", "--out", "x.joblib", "--seeds", "4"])
    assert (args.out, args.seeds, args.shapes, args.kind) == (Path("x.joblib"), 4, "varied", "hgb")
    args = parser.parse_args(["evaluate", "--json"])
    assert args.json and args.model is None and args.model_command == "evaluate"


def test_the_flow_grades_by_the_model_under_a_standard_with_a_model_gate(
    snapshots: Dataset, tmp_path: Path
) -> None:
    from lab.grading_eval import grade_seed

    path = tmp_path / "model.joblib"
    train(path, TRAIN_SEEDS, days=DAYS, data=_split(snapshots, TRAIN_SEEDS))
    seed = TEST_SEEDS[0]
    rules = grade_seed(seed, DAYS, "varied", None, None).summary()
    open_gate = grade_seed(seed, DAYS, "varied", str(path), 0.0).summary()
    shut_gate = grade_seed(seed, DAYS, "varied", str(path), 1.0).summary()
    # gate 0: every cluster over the evidence floor whose score reaches a grade is warned, so
    # at least what the rules warn; gate 1: no probability passes, only a death could warn
    assert open_gate["incidents_warned"] >= rules["incidents_warned"]
    assert open_gate["noise_clusters_warned"] >= rules["noise_clusters_warned"]
    assert shut_gate["incidents_warned"] <= rules["incidents_warned"]
    assert open_gate["incidents_warned"] > shut_gate["incidents_warned"]
