"""An analyst's "not a duplicate" on the real broker: a near duplicate the dedup stage held back,
released by a decision posted to a worker with an analyst's token, reaches
``riskwire.signals.unique`` and a cluster; after a kill -9 and a SIGTERM of the worker the
release stands (not repeated, not lost: its tables recovered from their changelogs), the
decision read again gives the same result bytes, a re-send of the report is no near
duplicate any more, and the worker's outputs are the in-memory flow's on the same input and
decisions, byte for byte."""

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

from cli.clusters import export_labels, label_rows, release_duplicate, show_cluster
from cli.lag import LagProbe
from cli.producer import kafka_producer
from detectors.catalogue import load_catalogue
from detectors.linkage import block_key
from detectors.targeting import Reference
from lab.faults import Fleet, wave_order
from lab.labelled_pairs import evaluate_labels
from lab.offline import run_offline
from lab.sample import generate
from lab.scenario import send_reference
from schemas.codec import decode, encode
from schemas.records import Cluster, ClusterDecision, ClusterDecisionResult, Duplicate
from streams.releases import RELEASE
from streams.settings import Settings
from streams.stages import NEAR_DUPLICATE
from streams.topics import feed_topic

ANALYST = "analyst-token-0123456789"
TOKENS = orjson.dumps(
    {"tokens": [{"principal": "li.wei", "roles": ["analyst"], "token": ANALYST}]}
).decode()


def test_a_released_near_duplicate_is_linked_once_across_a_restart(
    new_pipeline: Callable[..., AbstractContextManager[Settings]],
    tmp_path: Path,
    read_until: Callable[..., list[dict[str, Any]]],
) -> None:
    sample = generate(7, days=20)
    # one feed into one partition: the order each stage sees is the in-memory flow's
    records = [r for r in wave_order(sample) if r.feed == "complaints"]
    ref = sample.reference
    reference = Reference(ref.credit, frozenset(ref.blacklist), ref.origin_risk)
    catalogue = load_catalogue()
    offline = run_offline(records, catalogue, reference)
    held_back = next(d for d in offline.duplicates if d.reason == NEAR_DUPLICATE)
    x, original = held_back.signal_id, held_back.duplicate_of
    x_signal = next(s for s in offline.signals if s.signal_id == x)
    block = block_key(x_signal)
    unique = next(c for c in offline.clusters.values() if c.merged_into is None).member_ids[0]
    resent = next(r for r in records if r.signal_id == x)

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

        def holding_x() -> list[dict[str, Any]]:
            published = read_until(settings, "clusters", lambda seen: False, timeout=4.0)
            latest: dict[str, dict[str, Any]] = {}
            for c in published:
                latest[c["cluster_id"]] = c
            return [c for c in latest.values() if x in c["member_ids"]]

        def restart(how: signal.Signals) -> None:
            nonlocal worker
            fleet.stop(worker, how)
            worker = fleet.start()
            fleet.wait_ready(worker)
            env["RISKWIRE_API_URL"] = f"http://127.0.0.1:{worker.web_port}"

        try:
            send_reference(settings, sample.reference)
            for rec in records:
                producer.send(
                    feed_topic(settings, rec.feed), key=rec.key, value=rec.payload, partition=0
                )
            producer.flush()
            drain()
            dups = read_until(settings, "duplicates", lambda seen: False, timeout=4.0)
            assert [d["reason"] for d in dups if d["signal_id"] == x] == [NEAR_DUPLICATE]
            assert holding_x() == []

            why = "another child, another scooter: two accidents"
            code, said = cli(release_duplicate, x, why)
            assert code == 0 and f"released to linkage: not a duplicate of {original}" in said, said
            code, said = cli(release_duplicate, "complaints:nobody", "no such report")
            assert code == 1 and "unknown signal complaints:nobody" in said, said
            code, said = cli(release_duplicate, unique, "it is unique")
            assert code == 1 and "judged unique" in said, said
            drain()
            linked = read_until(settings, "signals.unique", lambda seen: False, timeout=4.0)
            assert [s["signal_id"] for s in linked if s.get("signal_id") == x] == [x]
            (cluster,) = holding_x()

            restart(signal.SIGKILL)
            code, said = cli(show_cluster, cluster["cluster_id"], True)
            after = orjson.loads(said)
            assert code == 0 and after["member_ids"].count(x) == 1
            assert after["signal_count"] == cluster["signal_count"]
            # the release stands in the recovered tables: a second one is refused, saying why
            code, said = cli(release_duplicate, x, "again")
            assert code == 1 and "is no near duplicate: released by" in said, said
            restart(signal.SIGTERM)  # a clean stop: the same, read from the changelogs again
            code, said = cli(show_cluster, cluster["cluster_id"], True)
            assert code == 0 and orjson.loads(said)["member_ids"].count(x) == 1
            code, said = cli(release_duplicate, x, "a third time")
            assert code == 1 and "is no near duplicate: released by" in said, said

            # the decision read again (the dedup topic replayed): the same result bytes
            sent = read_until(settings, "signals", lambda seen: False, timeout=4.0)
            decisions = [c for c in sent if "decision_id" in c]
            release = next(c for c in decisions if c["signal_ids"] == [x] and c["reason"] == why)
            assert release["correction"] == RELEASE and release["block_key"] == block
            assert release["cluster_id"] == original  # the supposed original, found in Redis
            topic = settings.topic("signals")
            for p in sorted(producer.partitions_for(topic)):
                producer.send(topic, value=orjson.dumps(release), partition=p)
            # and the report re-sent under its own id: an exact repeat, no near duplicate
            producer.send(
                feed_topic(settings, resent.feed), key=resent.key, value=resent.payload, partition=0
            )
            producer.flush()
            drain()
            results = read_until(settings, "decisions.results", lambda seen: False, timeout=4.0)
            of_release = [r for r in results if r["decision_id"] == release["decision_id"]]
            assert len(of_release) == 2 and of_release[0] == of_release[1], of_release
            assert of_release[0]["different"] == [[x, original]]
            (again,) = holding_x()
            assert again["member_ids"].count(x) == 1
            assert again["signal_count"] == cluster["signal_count"]
            dups = read_until(settings, "duplicates", lambda seen: False, timeout=4.0)
            of_x = [d for d in dups if d["signal_id"] == x]
            assert [d["reason"] for d in of_x] == [NEAR_DUPLICATE, "same source record re-sent"]
            labels = [r for r in label_rows(results) if {r["a"], r["b"]} == {x, original}]
            assert [r["same"] for r in labels] == [False]
            # the export with the two reports, joined from riskwire.signals, judged again
            exported = io.StringIO()
            export_labels(settings, exported, timeout=4.0, reports=True)
            rows = [orjson.loads(line) for line in exported.getvalue().splitlines()]
            (row,) = [r for r in rows if {r["a"], r["b"]} == {x, original}]
            assert {row["a_report"]["signal_id"], row["b_report"]["signal_id"]} == {x, original}
            judged = evaluate_labels([row])["duplicate"]
            assert judged["pairs"] == 1 and judged["fp"] == 1  # the matcher still says copy

            # the same input and decisions through the in-memory flow: the same outputs
            seen: set[str] = set()
            made = []
            for c in decisions:
                if c["decision_id"] not in seen:
                    seen.add(c["decision_id"])
                    made.append(decode(ClusterDecision, orjson.dumps(c)))
            first = made[0]  # the release, then the refused ones, in the order sent
            assert first.decision_id == release["decision_id"]
            replayed = run_offline([*records, *made, first, resent], catalogue, reference)
            by_id = {r["decision_id"]: r for r in results}
            for result in replayed.correction_results:
                live = encode(
                    decode(ClusterDecisionResult, orjson.dumps(by_id[result.decision_id]))
                )
                assert live == encode(result), result.decision_id
            assert [r.accepted for r in replayed.correction_results] == [
                True,  # the release
                False,  # an unknown report
                False,  # a unique report
                False,  # released already (after the kill -9)
                False,  # released already (after the SIGTERM)
                True,  # the release read again
            ]
            published = read_until(settings, "clusters", lambda seen: False, timeout=4.0)
            latest: dict[str, bytes] = {}
            for c in published:
                latest[c["cluster_id"]] = encode(decode(Cluster, orjson.dumps(c)))
            mine = [k for k, c in replayed.clusters.items() if c.block_key == block]
            assert cluster["cluster_id"] in mine
            for cluster_id in mine:
                assert latest[cluster_id] == encode(replayed.clusters[cluster_id]), cluster_id
            live_x = [encode(decode(Duplicate, orjson.dumps(d))) for d in of_x]
            assert live_x == [encode(d) for d in replayed.duplicates if d.signal_id == x]
        finally:
            producer.close()
            probe.close()
            for w in list(fleet.workers):
                fleet.stop(w)
