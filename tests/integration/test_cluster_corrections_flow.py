"""Analysts' corrections of clusters on the real broker: a split and a merge posted to a worker
with an analyst's token, applied by the partition holding the cluster, standing across a
kill -9 and a SIGTERM of the worker (its tables recovered from their changelogs: a split after
the restart still finds every member), the same bytes when the correction is read again, and
the same clusters the in-memory flow makes of the same input."""

from __future__ import annotations

import contextlib
import io
import os
import signal
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any
from unittest import mock

import orjson

from cli.clusters import decide_cluster, label_rows, show_cluster
from cli.lag import LagProbe
from cli.producer import kafka_producer
from detectors.catalogue import load_catalogue
from detectors.targeting import Reference
from lab.faults import Fleet, wave_order
from lab.offline import run_offline
from lab.sample import generate
from lab.scenario import send_reference
from schemas.codec import decode, encode
from schemas.records import Cluster, ClusterDecision
from streams.cluster_corrections import is_correction
from streams.settings import Settings
from streams.topics import feed_topic

ANALYST = "analyst-token-0123456789"
TOKENS = orjson.dumps(
    {"tokens": [{"principal": "li.wei", "roles": ["analyst"], "token": ANALYST}]}
).decode()


def test_split_and_merge_survive_restarts_and_replay(
    new_pipeline: Callable[..., AbstractContextManager[Settings]],
    tmp_path: Path,
    read_until: Callable[..., list[dict[str, Any]]],
) -> None:
    sample = generate(7, days=20)
    # one feed into one partition: the order linkage sees is the same in the worker and in
    # the in-memory flow, so their clusters can be compared byte for byte
    records = [r for r in wave_order(sample) if r.feed == "complaints"]
    ref = sample.reference
    reference = Reference(ref.credit, frozenset(ref.blacklist), ref.origin_risk)
    catalogue = load_catalogue()
    offline = run_offline(records, catalogue, reference)
    live = sorted(
        (c for c in offline.clusters.values() if c.merged_into is None),
        key=lambda c: (-c.signal_count, c.cluster_id),
    )
    big = live[0]
    pair = next((a, b) for a in live[1:] for b in live[1:] if a.block_key == b.block_key and a != b)

    with new_pipeline(tokens=TOKENS, tick_seconds=0) as settings:
        fleet = Fleet(settings, tmp_path)
        worker = fleet.start()
        fleet.wait_ready(worker)
        env = {
            "RISKWIRE_API_URL": f"http://127.0.0.1:{worker.web_port}",
            "RISKWIRE_API_TOKEN": ANALYST,
        }
        producer = kafka_producer(settings)
        probe = LagProbe(settings)

        def drain() -> None:
            probe.wait_drained(timeout=120.0, settle=2, every=0.1)

        def cli(call: Callable[..., int], *args: Any) -> tuple[int, str]:
            out = io.StringIO()
            with mock.patch.dict(os.environ, env), contextlib.redirect_stdout(out):
                code = call(settings, *args)
            return code, out.getvalue()

        def shown(cluster_id: str) -> dict[str, Any]:
            code, said = cli(show_cluster, cluster_id, True)
            assert code == 0
            return orjson.loads(said)

        def restart(how: signal.Signals) -> None:
            nonlocal worker
            fleet.stop(worker, how)
            worker = fleet.start()
            fleet.wait_ready(worker)
            env["RISKWIRE_API_URL"] = f"http://127.0.0.1:{worker.web_port}"

        try:
            send_reference(settings, sample.reference)
            for rec in records:
                topic = feed_topic(settings, rec.feed)
                producer.send(topic, key=rec.key, value=rec.payload, partition=0)
            producer.flush()
            drain()
            assert shown(big.cluster_id)["signal_count"] == big.signal_count

            leaving = list(big.member_ids[-5:])
            why = "five reports name another make of scooter"
            code, said = cli(decide_cluster, big.cluster_id, "split", why, None, leaving)
            assert code == 0 and "5 report(s) left for K-" in said, said
            code, said = cli(
                decide_cluster, pair[0].cluster_id, "merge", "one product", pair[1].cluster_id
            )
            assert code == 0 and "merged" in said, said
            code, said = cli(decide_cluster, big.cluster_id, "split", "no such", None, ["x:1"])
            assert code == 1 and "not members of" in said, said
            drain()

            restart(signal.SIGKILL)
            after = shown(big.cluster_id)
            assert after["signal_count"] == big.signal_count - 5
            assert not set(leaving) & set(after["member_ids"])
            assert len(after["apart_from"]) == 1 and "li.wei" in after["corrections"][-1]
            part = shown(after["apart_from"][0])
            assert sorted(part["member_ids"]) == sorted(leaving)
            keep = min(pair, key=lambda c: (c.first_seen, c.cluster_id))
            merged = shown(keep.cluster_id)
            assert merged["signal_count"] == pair[0].signal_count + pair[1].signal_count

            # every member was kept in the recovered tables: a split after the restart works
            one = [after["member_ids"][0]]
            code, said = cli(decide_cluster, big.cluster_id, "not_this_product", "a toy", None, one)
            assert code == 0, said
            drain()
            restart(signal.SIGTERM)
            assert shown(big.cluster_id)["signal_count"] == big.signal_count - 6

            # read again (a replay of the linkage topic's corrections): the same result bytes
            unique = read_until(settings, "signals.unique", lambda seen: False, timeout=5.0)
            corrections = sorted(
                (c for c in unique if "correction" in c and "decision_id" in c),
                key=lambda c: c["at"],
            )
            first = corrections[0]
            assert all(is_correction(orjson.dumps(c)) for c in corrections)
            topic = settings.topic("signals.unique")
            for p in sorted(producer.partitions_for(topic)):
                producer.send(topic, value=orjson.dumps(first), partition=p)
            producer.flush()
            drain()
            results = read_until(settings, "decisions.results", lambda seen: False, timeout=5.0)
            of_first = [r for r in results if r["decision_id"] == first["decision_id"]]
            assert len(of_first) == 2 and of_first[0] == of_first[1], of_first
            assert shown(big.cluster_id)["signal_count"] == big.signal_count - 6

            # the same input through the in-memory flow: the same clusters
            decisions = []
            for c in corrections:
                if c["decision_id"] not in {d.decision_id for d in decisions}:
                    decisions.append(decode(ClusterDecision, orjson.dumps(c)))
            replayed = run_offline([*records, *decisions], catalogue, reference)
            published = read_until(settings, "clusters", lambda seen: False, timeout=5.0)
            latest: dict[str, bytes] = {}
            for c in published:
                latest[c["cluster_id"]] = encode(decode(Cluster, orjson.dumps(c)))
            for cluster_id in {big.cluster_id, part["cluster_id"], keep.cluster_id}:
                assert latest[cluster_id] == encode(replayed.clusters[cluster_id]), cluster_id
            assert [r.accepted for r in replayed.correction_results] == [True, True, False, True]

            labels = label_rows(results)
            assert {row["same"] for row in labels} == {True, False}
            assert all(row["decided_by"] == "li.wei" for row in labels)
        finally:
            producer.close()
            probe.close()
            for w in list(fleet.workers):
                fleet.stop(w)
