"""Analysts' labelled pairs as an evaluation set: the deployed matcher judged on them
(``riskwire eval labels FILE``, of ``riskwire eval export-labels --reports``).

Why: the analysts' corrections are the lasting source of real, human-labelled data. A merge
says two reports are one product and hazard; a split or "not this product" says they are not;
"not a duplicate" says a report is no copy of another. Each pair is only useful with the two
reports themselves, so the export joins them from ``riskwire.signals`` (every validated report,
as long as the topic keeps it), and this module asks the deployed matcher the question the
analyst answered:

- ``duplicate`` (from ``not_a_duplicate``): does the near-duplicate matcher call the later
  report a copy of the earlier one (:func:`detectors.neardup.best_match` at the stored
  threshold)?
- ``linkage`` (from ``merge``, ``split``, ``not_this_product``): does linkage put the later
  report in a cluster founded by the earlier one (:func:`detectors.linkage.similarity` at the
  stored link threshold)? One report against a one-report cluster is a harder question than
  linkage faces with a grown cluster: a lower bound on agreement.

Pure: rows in, figures out; the reading of topics is :mod:`cli.clusters`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from detectors.cluster_update import new_cluster
from detectors.linkage import Candidate, similarity
from detectors.neardup import ReportKey, best_match, matcher_config
from schemas.codec import from_dict, to_dict
from schemas.records import Signal

__all__ = ["DUPLICATE_CORRECTIONS", "attach_reports", "evaluate_labels"]

DUPLICATE_CORRECTIONS = frozenset({"not_a_duplicate"})


def attach_reports(rows: list[dict[str, Any]], signals: Iterable[Signal]) -> list[dict[str, Any]]:
    """``rows`` with ``a_report`` and ``b_report``, the two reports as validated signals, where
    ``signals`` holds them (the first reading of an id wins: a re-send is the same report)."""
    wanted = {row[side] for row in rows for side in ("a", "b")}
    found: dict[str, dict[str, Any]] = {}
    for signal in signals:
        if signal.signal_id in wanted and signal.signal_id not in found:
            found[signal.signal_id] = to_dict(signal)
    out = []
    for row in rows:
        joined = dict(row)
        for side in ("a", "b"):
            if row[side] in found:
                joined[f"{side}_report"] = found[row[side]]
        out.append(joined)
    return out


def _predicts_same(task: str, a: Signal, b: Signal, dup_t: float, link_t: float) -> bool:
    earlier, later = sorted((a, b), key=lambda s: (s.event_time, s.signal_id))
    if task == "duplicate":
        verdict = best_match(ReportKey.of(later), [ReportKey.of(earlier)], dup_t)
        return verdict.duplicate_of is not None
    return similarity(later, Candidate.of(new_cluster(earlier))).score >= link_t


def _figures(counts: dict[str, int]) -> dict[str, Any]:
    tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    agree = (tp + counts["tn"]) / counts["pairs"] if counts["pairs"] else 0.0
    return {
        **counts,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "agreement": round(agree, 4),
    }


def evaluate_labels(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Per task, how often the deployed matcher says what the analysts said ("same" is the
    positive class); pairs whose reports the export did not find are counted, not judged."""
    config = matcher_config()
    dup_t, link_t = float(config["duplicate_threshold"]), float(config["link_threshold"])
    counts = {t: {"pairs": 0, "tp": 0, "fp": 0, "fn": 0, "tn": 0} for t in ("duplicate", "linkage")}
    without = 0
    for row in rows:
        if "a_report" not in row or "b_report" not in row:
            without += 1
            continue
        task = "duplicate" if row.get("correction") in DUPLICATE_CORRECTIONS else "linkage"
        a, b = from_dict(Signal, row["a_report"]), from_dict(Signal, row["b_report"])
        said, predicted = bool(row["same"]), _predicts_same(task, a, b, dup_t, link_t)
        tally = counts[task]
        tally["pairs"] += 1
        tally[("t" if predicted == said else "f") + ("p" if predicted else "n")] += 1
    report: dict[str, Any] = {t: _figures(c) for t, c in counts.items()}
    report["without_reports"] = without
    report["thresholds"] = {"duplicate": dup_t, "link": link_t}
    return report
