"""``riskwire clusters show ID | decide ID merge|split|not_this_product``, ``riskwire
duplicates release ID`` and ``riskwire eval export-labels``: analysts correct the matcher, and
their corrections become labelled pairs.

Why export from the results topic: a correction's result (``riskwire.decisions.results``)
states the report pairs it labels (``same``, ``different``), and the topic keeps every result
however many workers applied them; the labels are the lasting source of real, human-judged
pairs for the evaluation and the matcher's fitting.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import orjson

from cli.warnings import fetch, send_decision
from schemas.codec import decode
from schemas.records import Signal
from streams.cluster_corrections import is_correction
from streams.settings import Settings

__all__ = [
    "decide_cluster",
    "export_labels",
    "export_to",
    "label_rows",
    "release_duplicate",
    "show_cluster",
]


def show_cluster(settings: Settings, cluster_id: str, as_json: bool) -> int:
    """Print a cluster as its worker holds it, with the analysts' corrections."""
    cluster = fetch(settings, f"/clusters/{urllib.parse.quote(cluster_id)}")["cluster"]
    if as_json:
        print(orjson.dumps(cluster, option=orjson.OPT_INDENT_2).decode())
        return 0
    print(f"{cluster['cluster_id']}  {cluster['product']}  ({cluster['block_key']})")
    print(f"  {cluster['signal_count']} reports: {cluster['feed_counts']}")
    print(f"  {cluster['first_seen']} .. {cluster['last_seen']}")
    if cluster.get("merged_into"):
        print(f"  merged into {cluster['merged_into']}")
    if cluster.get("apart_from"):
        print(f"  kept apart from {', '.join(cluster['apart_from'])}")
    for note in cluster.get("corrections", []):
        print(f"  correction {note}")
    print(f"  members: {', '.join(cluster['member_ids'][:20])}")
    return 0


def decide_cluster(
    settings: Settings,
    cluster_id: str,
    correction: str,
    reason: str,
    other: str | None = None,
    signal_ids: list[str] | None = None,
    wait: float = 20.0,
) -> int:
    """Send a correction through the endpoint and wait for what became of it: 0 when applied,
    1 when refused (the reason is printed)."""
    body: dict[str, Any] = {"correction": correction, "reason": reason}
    if other:
        body["other_cluster_id"] = other
    if signal_ids:
        body["signal_ids"] = signal_ids
    path = f"/clusters/{urllib.parse.quote(cluster_id)}/decisions"
    unanswered = (
        f"no worker applied the correction within {wait:.0f} s: is {cluster_id} "
        "a live cluster (riskwire clusters show)?"
    )
    return send_decision(settings, cluster_id, path, body, wait, unanswered)


def release_duplicate(settings: Settings, signal_id: str, reason: str, wait: float = 20.0) -> int:
    """Say a report judged a near duplicate is none (``POST /duplicates/<id>/decisions``) and
    wait for what became of it: 0 when released to linkage, 1 when refused (why is printed)."""
    path = f"/duplicates/{urllib.parse.quote(signal_id, safe='')}/decisions"
    unanswered = f"no worker answered the release of {signal_id} within {wait:.0f} s"
    body = {"correction": "not_a_duplicate", "reason": reason}
    return send_decision(settings, signal_id, path, body, wait, unanswered)


def label_rows(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One labelled pair per line from correction results: ``{"a", "b", "same", "decision_id",
    "decided_by", "correction"}``; a later decision on the same pair wins."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for result in results:
        if "correction" not in result or not result.get("accepted"):
            continue
        for label, pairs in ((True, result.get("same", [])), (False, result.get("different", []))):
            for a, b in pairs:
                pair = (min(a, b), max(a, b))
                rows.pop(pair, None)  # the latest decision last
                rows[pair] = {
                    "a": pair[0],
                    "b": pair[1],
                    "same": label,
                    "decision_id": result["decision_id"],
                    "decided_by": result["decided_by"],
                    "correction": result["correction"],
                }
    return list(rows.values())


def _read_topic(settings: Settings, topic: str, timeout: float) -> Iterator[bytes]:
    """Every value on ``topic`` from its start (kafka-python: a one-off read, no group)."""
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(
        settings.topic(topic),
        bootstrap_servers=settings.bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
        consumer_timeout_ms=int(timeout * 1000),
    )
    try:
        yield from (message.value for message in consumer if message.value)
    finally:
        consumer.close()


def _signals(settings: Settings, timeout: float) -> Iterator[Signal]:
    """The validated reports on ``riskwire.signals`` (not the analysts' releases there)."""
    for raw in _read_topic(settings, "signals", timeout):
        if not is_correction(raw):
            yield decode(Signal, raw)


def export_labels(
    settings: Settings, out: TextIO, timeout: float = 5.0, reports: bool = False
) -> int:
    """Read every result on the decisions-results topic and write the corrections' labelled
    pairs to ``out`` as JSON Lines; with ``reports``, each with its two reports, joined from
    ``riskwire.signals`` (:func:`lab.labelled_pairs.attach_reports`); returns how many."""
    results = [orjson.loads(raw) for raw in _read_topic(settings, "decisions.results", timeout)]
    rows = label_rows(results)
    if reports:
        from lab.labelled_pairs import attach_reports

        rows = attach_reports(rows, _signals(settings, timeout))
    for row in rows:
        out.write(orjson.dumps(row).decode() + "\n")
    return len(rows)


def export_to(settings: Settings, path: Path | None, reports: bool = False) -> int:
    """``riskwire eval export-labels [--out FILE] [--reports]``."""
    import sys

    if path is None:
        count = export_labels(settings, sys.stdout, reports=reports)
    else:
        with path.open("w", encoding="utf-8") as out:
            count = export_labels(settings, out, reports=reports)
    print(f"{count} labelled pairs", file=sys.stderr)
    return 0
