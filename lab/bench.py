"""``riskwire bench``: speed figures and ratios, printed, never asserted by the test suite.

Each benchmark is a function returning rows of (figure, value, unit); the command prints them
as a table or JSON. Timings depend on the machine; ratios between sizes are what to compare.
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson

from lab.bench_pipeline import bench_pipeline
from lab.bench_port import bench_port
from streams.settings import Settings

__all__ = ["BENCHMARKS", "bench_load", "run_bench"]

Row = tuple[str, float, str]


def _complaints_file(path: Path, n: int) -> None:
    """``n`` distinct, valid complaint records, written as JSON Lines."""
    products = ["儿童滑板车", "电暖器", "保温杯", "婴儿推车", "充电宝", "Electric kettle"]
    with path.open("wb") as out:
        for i in range(n):
            record = {
                "complaint_id": f"B-{i:08d}",
                "received_at": f"2026-10-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}",
                "channel": "web" if i % 2 else "hotline",
                "product_name": products[i % len(products)],
                "description": f"产品使用中出现问题，编号 {i}，要求处理",
                "region": ["上海市", "广东省", "浙江省"][i % 3],
            }
            out.write(orjson.dumps(record) + b"\n")


def bench_load(n: int = 100_000) -> list[Row]:
    """``feeds load`` and ``feeds validate`` throughput on the embedded broker and Redis."""
    import redis

    from cli.embedded import EmbeddedBroker, ensure_redis
    from cli.loader import load_file
    from connectors.registry import get_feed
    from connectors.validation import problems_in_file
    from detectors.catalogue import load_catalogue
    from streams.state import clear_namespace
    from streams.topics import create_topics

    adapter = get_feed("complaints")
    assert adapter is not None
    settings = Settings.from_env()
    local_redis = ensure_redis(settings.redis_url)
    with tempfile.TemporaryDirectory() as tmp, EmbeddedBroker() as broker:
        path = Path(tmp) / "complaints.jsonl"
        _complaints_file(path, n)
        megabytes = path.stat().st_size / 1e6
        settings = replace(settings, broker=broker.url, namespace=f"rwbench-{uuid.uuid4().hex[:6]}")
        create_topics(settings)
        try:
            started = time.perf_counter()
            invalid = sum(bool(p) for _, p in problems_in_file(path, adapter, load_catalogue()))
            validate_s = time.perf_counter() - started
            first = load_file(settings, path, adapter, progress=False)
            again = load_file(settings, path, adapter, progress=False)
        finally:
            clear_namespace(redis.Redis.from_url(settings.redis_url), settings.namespace)
            if local_redis:
                local_redis.stop()
    assert invalid == 0 and first.sent == n and again.sent == 0
    return [
        ("records", n, "records"),
        ("file size", megabytes, "MB"),
        ("validate rate", n / validate_s, "records/s"),
        ("load rate (first load)", first.rate, "records/s"),
        ("load rate (reload, all skipped)", again.rate, "records/s"),
    ]


def _spliced(signals: list[Any], i: int) -> str:
    """A narrative nobody sent: the first half of one report's and the second half of another's."""
    first = signals[(i + 1000) % len(signals)].text or ""
    second = signals[(i + 1500) % len(signals)].text or ""
    return first[: len(first) // 2] + second[len(second) // 2 :]


def bench_dedup(n: int = 0) -> list[Row]:
    """Near-duplicate matching cost per signal with 10k, 100k and 1M reports of history.

    History is the labelled set's reports repeated under new ids, spread over the dedup window,
    so blocks fill as they would with real traffic. Two sets of 2,000 probe signals are then
    timed, each read at the newest time of the history, as live traffic is, so that its
    candidates are in the window and are scored (at their own times, months before the
    history's window, every candidate would be rejected as too far apart without being scored):

    * repeats: the labelled set's reports again, each with copies of itself in the history;
    * rewritten: the same reports with their narrative replaced by one nobody sent (the first
      half of one other report's and the second half of another's), so that no candidate is a
      word-for-word copy: the search cannot stop at a copy, and every candidate is bounded or
      scored (the side facts are still those of the report, so many are found a duplicate).

    The time is the process's CPU time, the least of three rounds: what other processes on the
    machine take is not the matcher's cost.
    """
    from dataclasses import replace as copy

    from detectors.catalogue import load_catalogue
    from detectors.neardup import WINDOW, NearDupIndex, ReportKey, blocking_keys
    from lab.evalset import read_jsonl
    from lab.evaluate import _signals, default_evalset

    records = read_jsonl(default_evalset())
    signals = _signals(records, load_catalogue())
    keyed = [(blocking_keys(s), ReportKey.of(s)) for s in signals]
    last_day = max(k.day for _, k in keyed)
    end = max(s.event_time for s in signals)  # the time of last_day
    probe_sets = {
        "repeats": [copy(s, event_time=end) for s in signals[:2000]],
        "rewritten": [
            copy(s, event_time=end, text=_spliced(signals, i)) for i, s in enumerate(signals[:2000])
        ],
    }
    sizes = [n] if n else [10_000, 100_000, 1_000_000]
    rows: list[Row] = []
    per_signal: dict[tuple[str, int], float] = {}
    for size in sizes:
        index = NearDupIndex()
        for i in range(size):
            blocks, key = keyed[i % len(keyed)]
            day = last_day - WINDOW.days * (1 - i / size)  # oldest first, all within the window
            index.add(blocks, copy(key, signal_id=f"h{i}", day=day))
        rows.append((f"history {size:,}: block entries held", float(len(index)), "entries"))
        for name, probes in probe_sets.items():
            rounds: list[float] = []
            for _ in range(3):
                started = time.process_time()
                verdicts = [index.check(signal, add=False) for signal in probes]
                rounds.append((time.process_time() - started) / len(probes))
            per_signal[name, size] = min(rounds)
            label = f"history {size:,}, {name}"
            rows.append((f"{label}: per signal", per_signal[name, size] * 1e6, "us"))
            candidates = sum(v.candidates for v in verdicts) / len(probes)
            rows.append((f"{label}: candidates per signal", candidates, "reports"))
            found = sum(v.duplicate_of is not None for v in verdicts)
            rows.append((f"{label}: found a duplicate", float(found), "signals"))
    if len(sizes) > 1:
        for name in probe_sets:
            ratio = per_signal[name, sizes[-1]] / per_signal[name, sizes[0]]
            rows.append((f"cost ratio {sizes[-1]:,} / {sizes[0]:,}, {name}", ratio, "x"))
    return rows


def bench_link(n: int = 0) -> list[Row]:
    """Linkage cost per signal with 10k, 50k and 200k signals of history in the live window.

    History is the labelled set's reports cloned as other brands' products (a brand that
    contradicts the original's), so every clone founds a cluster of its own: the hard case,
    where a category holds tens of thousands of live clusters. 300 probe reports are then linked.
    """
    from dataclasses import replace as copy
    from datetime import timedelta

    from detectors.catalogue import load_catalogue
    from detectors.linkage import WINDOW
    from lab.evalset import read_jsonl
    from lab.evaluate import _signals, default_evalset
    from streams.linking import LinkIndex, link_signal

    records = read_jsonl(default_evalset())
    reports = [s for s in _signals(records, load_catalogue()) if s.feed != "declarations"]
    end = max(s.event_time for s in reports)
    sizes = [n] if n else [10_000, 50_000, 200_000]
    rows: list[Row] = []
    per_signal: dict[int, float] = {}
    for size in sizes:
        clusters: dict[str, bytes] = {}
        blocks: dict[str, bytes] = {}
        index = LinkIndex(blocks)
        for i in range(size):
            s = reports[i % len(reports)]
            at = end - WINDOW + timedelta(seconds=WINDOW.total_seconds() * i / size)
            clone = copy(s, signal_id=f"h:{i}", brand=f"{s.brand or '品牌'}{i}", event_time=at)
            link_signal(clone, clusters, index)
        probes = [copy(s, signal_id=f"p:{s.signal_id}", event_time=end) for s in reports[:300]]
        started = time.perf_counter()
        for probe in probes:
            link_signal(probe, clusters, index)
        per_signal[size] = (time.perf_counter() - started) / len(probes)
        rows.append((f"history {size:,}: per signal", per_signal[size] * 1e6, "us"))
        rows.append((f"history {size:,}: live clusters", float(len(clusters)), "clusters"))
        largest = max(len(v) for v in blocks.values())
        rows.append((f"history {size:,}: largest stored value", float(largest), "bytes"))
    if len(sizes) > 1:
        ratio = per_signal[sizes[-1]] / per_signal[sizes[0]]
        rows.append((f"cost ratio {sizes[-1]:,} / {sizes[0]:,}", ratio, "x"))
    return rows


def bench_aberration(n: int = 10) -> list[Row]:
    """The outbreak-detection simulation study (Noufaily et al. 2013 design), per method."""
    from lab.aberration_study import evaluate, fixed_budget

    started = time.perf_counter()
    result = evaluate(replicates=n)
    rows: list[Row] = []
    for method, m in result["overall"].items():
        rows.append((f"{method} false-alarm rate", float(m["false_alarm_rate"] or 0), "per week"))
        rows.append((f"{method} outbreaks detected", float(m["pod"] or 0.0), "share"))
        if m.get("mean_delay_weeks") is not None:
            rows.append((f"{method} mean delay", float(m["mean_delay_weeks"]), "weeks"))
    budget = fixed_budget(replicates=n)
    for method in (budget["reference"], budget["candidate"]):
        m = budget["overall"][method]
        rows.append(
            (
                f"fixed budget: {method} false-alarm rate",
                float(m["false_alarm_rate"] or 0),
                "per week",
            )
        )
        rows.append((f"fixed budget: {method} outbreaks detected", float(m["pod"] or 0), "share"))
    ref, cand = (
        budget["overall"][m]["pod"] or 0.0 for m in (budget["reference"], budget["candidate"])
    )
    rows.append(("fixed budget: detection gain over the reference", cand - ref, "share"))
    rows.append(("fixed budget: candidate alpha", float(budget["alpha"]), ""))
    rows.append(("study time", time.perf_counter() - started, "s"))
    return rows


def bench_reference(n: int = 0) -> list[Row]:
    """True and false alarms on the 14 labelled RKI series, riskwire beside R ``surveillance``."""
    from lab.reference_study import evaluate

    rows: list[Row] = []
    for method, m in evaluate()["methods"].items():
        rows.append((f"{method} true alarms (R)", float(m["r_true"]), "weeks"))
        rows.append((f"{method} true alarms", float(m["true"]), "weeks"))
        rows.append((f"{method} false alarms (R)", float(m["r_false"]), "weeks"))
        rows.append((f"{method} false alarms", float(m["false"]), "weeks"))
        if m["r_false"]:
            rows.append((f"{method} false alarms / R's", m["false"] / m["r_false"], "x"))
    return rows


class _CountingTable(dict[str, bytes]):
    """A dict standing in for a changelog-backed table: counts what would be changelog records."""

    def __init__(self) -> None:
        super().__init__()
        self.records = 0

    def __setitem__(self, key: str, value: bytes) -> None:
        self.records += 1
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self.records += 1
        super().__delitem__(key)

    def pop(self, key: str, *default: Any) -> Any:
        if key in self:
            self.records += 1
        return super().pop(key, *default)


def bench_state(n: int = 0) -> list[Row]:
    """Changelog records each input record costs, by table: the demo sample (seed 7, ``n``
    days, 42 by default) through the flow's in-memory runner with counting tables."""
    from detectors.catalogue import load_catalogue
    from detectors.neardup import NearDupIndex
    from detectors.targeting import Reference
    from lab.offline import run_offline
    from lab.sample import generate
    from streams.flow import FlowState

    sample = generate(seed=7, days=n or 42)
    tables = {
        name: _CountingTable()
        for name in ("near", "clusters", "blocks", "members", "areas", "warnings", "duplicates")
    }
    state = FlowState(
        near=NearDupIndex(store=tables["near"]),
        clusters=tables["clusters"],
        blocks=tables["blocks"],
        members=tables["members"],
        areas=tables["areas"],
        warnings=tables["warnings"],
        duplicates=tables["duplicates"],
    )
    ref = sample.reference
    started = time.perf_counter()
    run = run_offline(
        sample.records,
        load_catalogue(),
        Reference(ref.credit, frozenset(ref.blacklist), ref.origin_risk),
        state,
    )
    seconds = time.perf_counter() - started
    inputs = len(sample.records)
    rows: list[Row] = [("input records", float(inputs), "records")]
    rows += [
        (f"changelog records per input: {name}", table.records / inputs, "records")
        for name, table in tables.items()
    ]
    total = sum(t.records for t in tables.values())
    rows.append(("changelog records per input: all tables", total / inputs, "records"))
    outputs = len(run.signals) + len(run.duplicates) + len(run.dead_letters)
    outputs += len(run.assessments) + len(run.warnings)
    rows.append(("output records per input (main ones)", outputs / inputs, "records"))
    rows.append(("flow time per input (one process)", seconds / inputs * 1e3, "ms"))
    return rows


BENCHMARKS: dict[str, Callable[..., list[Row]]] = {
    "state": bench_state,
    "load": bench_load,
    "aberration": bench_aberration,
    "reference": bench_reference,
    "dedup": bench_dedup,
    "link": bench_link,
    "port": bench_port,
    "pipeline": bench_pipeline,
}


def run_bench(name: str, as_json: bool, **params: Any) -> str:
    """Run one benchmark and format its figures."""
    rows = BENCHMARKS[name](**params)
    if as_json:
        return orjson.dumps(
            {
                "benchmark": name,
                "cpus": os.cpu_count(),
                "figures": {label: {"value": value, "unit": unit} for label, value, unit in rows},
            }
        ).decode()
    width = max(len(label) for label, _, _ in rows)
    lines = [f"bench {name} ({os.cpu_count()} CPUs)"]
    lines += [
        f"  {label:<{width}}  {value:>14,.{1 if abs(value) >= 10 else 3}f} {unit}"
        for label, value, unit in rows
    ]
    return "\n".join(lines)
