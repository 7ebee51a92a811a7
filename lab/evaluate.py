"""``riskwire eval dedup`` and ``riskwire dedup FILE``: the matcher judged on labelled data.

Evaluation calibrates on one split and reports on the other: the duplicate threshold is the one
with the best duplicate F1 on the ``calibrate`` split, then the linkage threshold the strictest
one within ``LINK_SLACK`` of the best B-cubed F1 there; the figures reported are those of the
``test`` split, which the calibration never saw. Re-running with ``--write`` stores the chosen
thresholds in ``detectors/data/matcher.json``, which the pipeline reads.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

import orjson

from connectors.ingest import SourceRef, ingest
from connectors.sources import read_records
from detectors.catalogue import Catalogue, load_catalogue
from detectors.dedup_eval import Prediction, duplicate_groups, score_dedup
from detectors.neardup import (
    FEATURES,
    NearDupIndex,
    ReportKey,
    blocking_keys,
    matcher_config,
    other_product,
    pair_features,
)
from lab.evalset import EvalRecord, read_jsonl
from lab.matcher import Matcher
from schemas.errors import ConfigError
from schemas.records import Signal

__all__ = ["dedup_file", "default_evalset", "evaluate_dedup"]

DUPLICATE_GRID = tuple(float(t) for t in range(10, 96, 5))
LINK_GRID = tuple(float(t) for t in range(50, 100, 5))
# The strictest link threshold whose calibration F1 is within this of the best: a wrong link puts
# two risks in one warning (and a merge spreads it), a missed one is mended by the next report
# that bridges the two clusters.
LINK_SLACK = 0.01


def default_evalset() -> Path:
    """The labelled set shipped with riskwire."""
    return Path(str(resources.files("detectors").joinpath("data/eval/dedup_eval.jsonl")))


def _signals(records: list[EvalRecord], catalogue: Catalogue) -> list[Signal]:
    now = datetime.now(UTC)
    out: list[Signal] = []
    for rec in records:
        signal = ingest(rec.feed, orjson.dumps(rec.record), SourceRef(), now, catalogue)
        if not isinstance(signal, Signal):
            raise ConfigError(f"evaluation record {rec.record_id} does not ingest: {signal.reason}")
        out.append(signal)
    return out


def _predict(
    records: list[EvalRecord],
    signals: list[Signal],
    catalogue: Catalogue,
    duplicate_threshold: float,
    link_threshold: float,
) -> list[Prediction]:
    matcher = Matcher(catalogue, duplicate_threshold, link_threshold)
    record_of = {rec.signal_id: rec.record_id for rec in records}
    duplicates: list[str | None] = []
    for signal in signals:
        result = matcher.add(signal)
        dup = None
        if result.duplicate_of is not None:
            dup_signal = f"{signal.feed}:{result.duplicate_of}"
            dup = record_of.get(dup_signal, result.duplicate_of)
        duplicates.append(dup)
    # clusters as they end: after later merges and adoptions of waiting declarations
    return [
        Prediction(rec.record_id, dup, None if dup else matcher.final_cluster(signal.signal_id))
        for rec, signal, dup in zip(records, signals, duplicates, strict=True)
    ]


def candidate_pairs(
    records: list[EvalRecord], signals: list[Signal], split: str
) -> tuple[list[list[float]], list[int]]:
    """Feature rows and labels of every (record, blocked candidate) pair of ``split``.

    The pairs are those the matcher really scores (same blocking, no pair it rejects outright as
    another product), so the model learns to tell apart exactly the hard cases that remain.
    """
    groups = duplicate_groups({r.record_id: r.duplicate_of for r in records})
    index = NearDupIndex(threshold=100.0)
    group_of = {rec.signal_id: groups.get(rec.record_id, rec.record_id) for rec in records}
    rows: list[list[float]] = []
    labels: list[int] = []
    for rec, signal in zip(records, signals, strict=True):
        key = ReportKey.of(signal)
        blocks = blocking_keys(signal)
        if rec.split == split:
            for other in index.candidates(blocks, key):
                if other_product(key, other):
                    continue
                features = pair_features(key, other)
                rows.append([features[name] for name in FEATURES])
                labels.append(int(group_of[signal.signal_id] == group_of[other.signal_id]))
        index.add(blocks, key)
    return rows, labels


def fit_duplicate_model(rows: list[list[float]], labels: list[int]) -> dict[str, Any]:
    """A logistic model of "same event" over pair features: readable weights, no sklearn at
    run time (the matcher takes the dot product)."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1.0, max_iter=2000)
    model.fit(rows, labels)
    weights = {name: round(float(w), 4) for name, w in zip(FEATURES, model.coef_[0], strict=True)}
    return {"intercept": round(float(model.intercept_[0]), 4), "weights": weights}


def evaluate_dedup(
    path: Path | None = None, calibrate: bool = True, write: Path | None = None
) -> dict[str, Any]:
    """Fit and calibrate on the ``calibrate`` split, score on ``test``; the report as a dict.

    With ``write``, the fitted model and thresholds are stored there (the matcher's config).
    """
    started = time.perf_counter()
    records = read_jsonl(path or default_evalset())
    catalogue = load_catalogue()
    signals = _signals(records, catalogue)
    labels = [rec.label() for rec in records]
    matcher = Matcher(catalogue)
    dup_t, link_t = matcher.state.near.threshold, matcher.link_threshold
    calibration: dict[str, Any] = {}
    if calibrate:
        rows, pair_labels = candidate_pairs(records, signals, "calibrate")
        fitted = fit_duplicate_model(rows, pair_labels)
        matcher_config()["duplicate_model"] = fitted
        calibration["pairs"] = len(rows)
        calibration["duplicate_model"] = fitted
        by_dup = {
            t: score_dedup(labels, _predict(records, signals, catalogue, t, link_t), "calibrate")
            for t in DUPLICATE_GRID
        }
        dup_t = max(DUPLICATE_GRID, key=lambda t: (by_dup[t].duplicates.f1, -t))
        by_link = {
            t: score_dedup(labels, _predict(records, signals, catalogue, dup_t, t), "calibrate")
            for t in LINK_GRID
        }
        best_link = max(by_link[t].linkage_bcubed.f1 for t in LINK_GRID)
        link_t = max(t for t in LINK_GRID if by_link[t].linkage_bcubed.f1 >= best_link - LINK_SLACK)
        calibration |= {
            "duplicate_threshold": dup_t,
            "link_threshold": link_t,
            "calibrate_duplicate_f1": round(by_dup[dup_t].duplicates.f1, 4),
            "calibrate_linkage_bcubed_f1": round(by_link[link_t].linkage_bcubed.f1, 4),
        }
    predictions = _predict(records, signals, catalogue, dup_t, link_t)
    report = score_dedup(labels, predictions, "test").as_dict()
    if write and calibrate:
        config = {
            "version": int(matcher_config().get("version", 0)) + 1,
            "calibrated_on": f"calibrate split of {Path(path or default_evalset()).name}",
            "duplicate_threshold": dup_t,
            "link_threshold": link_t,
            "duplicate_model": calibration["duplicate_model"],
            "test_duplicates": report["duplicates"],
            "test_linkage_bcubed": report["linkage_bcubed"],
        }
        write.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    return {
        "evaluation_set": str(path or "detectors/data/eval/dedup_eval.jsonl"),
        "reported_on": "test",
        "thresholds": {"duplicate": dup_t, "link": link_t},
        "calibration": calibration,
        **report,
        "seconds": round(time.perf_counter() - started, 1),
    }


def _records(path: Path, feed: str) -> Iterator[tuple[str | None, bytes]]:
    """(feed, raw) pairs; with ``feed == "auto"`` each JSON line names its feed."""
    from connectors.registry import get_feed

    if feed != "auto":
        adapter = get_feed(feed)
        if adapter is None:
            raise ConfigError(f"unknown feed {feed!r}")
        for rec in read_records(path, adapter):
            yield feed, rec.raw
        return
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                wrapper = orjson.loads(line)
            except orjson.JSONDecodeError:
                raise ConfigError(f"{path}:{number}: not JSON") from None
            if not isinstance(wrapper, dict) or "feed" not in wrapper or "record" not in wrapper:
                raise ConfigError(f'{path}:{number}: --feed auto wants {{"feed": …, "record": …}}')
            yield str(wrapper["feed"]), orjson.dumps(wrapper["record"])


def dedup_file(path: Path, feed: str, out: TextIO, as_json: bool = True) -> int:
    """Print, for every record of ``path``, its duplicate, cluster and explanation."""
    if not path.exists():
        raise ConfigError(f"{path}: no such file")
    matcher = Matcher(load_catalogue())
    count = 0
    for name, raw in _records(path, feed):
        result = matcher.add_raw(name, raw)
        count += 1
        if as_json:
            out.write(orjson.dumps(result.as_dict()).decode() + "\n")
        else:
            out.write(f"{result.id}\t{result.duplicate_of or '-'}\t{result.cluster or '-'}\n")
    return count
