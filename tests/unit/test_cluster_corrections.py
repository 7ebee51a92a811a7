"""Analysts' corrections of clusters (streams.cluster_corrections), through the in-memory
runner: the same flow step the worker runs on the linkage topic."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from cli.clusters import label_rows
from detectors.catalogue import Catalogue
from detectors.neardup import NearDupIndex
from detectors.targeting import Reference
from lab.offline import OfflineRun, run_offline
from lab.sample import Sample, generate
from schemas.codec import decode, encode
from schemas.records import Cluster, ClusterDecision
from streams import flow
from streams.web import correction_from

AT = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def sample() -> Sample:
    return generate(7, days=20)


def reference(s: Sample) -> Reference:
    return Reference(s.reference.credit, frozenset(s.reference.blacklist), s.reference.origin_risk)


def fresh_run(s: Sample, catalogue: Catalogue) -> tuple[flow.FlowState, OfflineRun]:
    state = flow.FlowState(near=NearDupIndex(store={}))
    return state, run_offline(s.records, catalogue, reference(s), state)


def live(run: OfflineRun) -> list[Cluster]:
    return sorted(
        (c for c in run.clusters.values() if c.merged_into is None),
        key=lambda c: (-c.signal_count, c.cluster_id),
    )


def decision(n: int, correction: str, cluster_id: str, **more: object) -> ClusterDecision:
    return ClusterDecision(
        decision_id=f"d{n}",
        correction=correction,
        cluster_id=cluster_id,
        reason="checked the reports",
        decided_by="analyst-1",
        at=AT,
        **more,  # type: ignore[arg-type]
    )


def held(state: flow.FlowState, cluster_id: str) -> Cluster:
    return decode(Cluster, state.clusters[cluster_id])


def test_split_rebuilds_both_parts_from_their_members(sample: Sample, catalogue: Catalogue) -> None:
    state, run = fresh_run(sample, catalogue)
    big = live(run)[0]
    leaving = big.member_ids[-5:]
    d = decision(1, "split", big.cluster_id, signal_ids=leaving)
    corrected = flow.correct(d, state)
    assert corrected.result is not None and corrected.result.accepted, corrected.result
    rest, part = corrected.changed
    assert rest.cluster_id == big.cluster_id and part.cluster_id != big.cluster_id
    assert set(part.member_ids) == set(leaving)
    assert set(rest.member_ids) == set(big.member_ids) - set(leaving)
    assert rest.signal_count + part.signal_count == big.signal_count
    for counts in ("feed_counts", "region_counts", "channel_counts"):
        total: Counter[str] = Counter(getattr(rest, counts)) + Counter(getattr(part, counts))
        assert total == Counter(getattr(big, counts)), counts
    assert part.cluster_id in rest.apart_from and rest.cluster_id in part.apart_from
    assert "d1: 5 report(s) left for" in rest.corrections[-1]
    assert held(state, rest.cluster_id) == rest and held(state, part.cluster_id) == part
    # the pairs it labels: each one a report that left and one that stayed
    assert corrected.result.different
    for a, b in corrected.result.different:
        assert a in leaving and b in rest.member_ids


def test_not_this_product_lets_each_report_leave_alone(
    sample: Sample, catalogue: Catalogue
) -> None:
    state, run = fresh_run(sample, catalogue)
    big = live(run)[0]
    leaving = big.member_ids[1:3]
    corrected = flow.correct(
        decision(2, "not_this_product", big.cluster_id, signal_ids=leaving), state
    )
    assert corrected.result is not None and corrected.result.accepted
    rest, *parts = corrected.changed
    assert [p.member_ids for p in parts] == [(leaving[0],), (leaving[1],)]
    assert rest.signal_count == big.signal_count - 2


def test_merge_folds_the_younger_into_the_older(sample: Sample, catalogue: Catalogue) -> None:
    state, run = fresh_run(sample, catalogue)
    by_block: dict[str, list[Cluster]] = {}
    for c in live(run):
        by_block.setdefault(c.block_key, []).append(c)
    a, b = next(cs[:2] for cs in by_block.values() if len(cs) >= 2)
    corrected = flow.correct(
        decision(3, "merge", a.cluster_id, other_cluster_id=b.cluster_id), state
    )
    assert corrected.result is not None and corrected.result.accepted, corrected.result
    merged, retired = corrected.changed
    keep, drop = sorted((a, b), key=lambda c: (c.first_seen, c.cluster_id))
    assert merged.cluster_id == keep.cluster_id and retired.merged_into == keep.cluster_id
    assert merged.signal_count == a.signal_count + b.signal_count
    assert drop.cluster_id not in state.clusters
    assert corrected.result.same and all(
        x in keep.member_ids and y in drop.member_ids for x, y in corrected.result.same
    )
    # the members of both are kept under the survivor: it can be split again
    split = flow.correct(
        decision(4, "split", keep.cluster_id, signal_ids=drop.member_ids[:1]), state
    )
    assert split.result is not None and split.result.accepted, split.result


@pytest.mark.parametrize(
    ("correction", "more", "why"),
    [
        ("split", {"signal_ids": ("complaints:nobody",)}, "not members of"),
        ("split", {}, "names the reports that leave"),
        ("merge", {"other_cluster_id": "K-000000000000"}, "no cluster K-000000000000"),
        ("rename", {}, "unknown correction"),
    ],
)
def test_refusals_say_why(
    sample: Sample, catalogue: Catalogue, correction: str, more: dict[str, object], why: str
) -> None:
    state, run = fresh_run(sample, catalogue)
    big = live(run)[0]
    before = dict(state.clusters)
    corrected = flow.correct(decision(5, correction, big.cluster_id, **more), state)
    assert corrected.result is not None and not corrected.result.accepted
    assert why in corrected.result.reason
    assert corrected.changed == []
    assert {k: v for k, v in state.clusters.items() if not k.startswith("~")} == before


def test_every_member_leaving_is_refused(sample: Sample, catalogue: Catalogue) -> None:
    state, run = fresh_run(sample, catalogue)
    big = live(run)[0]
    d = decision(6, "split", big.cluster_id, signal_ids=big.member_ids)
    corrected = flow.correct(d, state)
    assert corrected.result is not None and "every report would leave" in corrected.result.reason


def test_another_category_cannot_be_merged(sample: Sample, catalogue: Catalogue) -> None:
    state, run = fresh_run(sample, catalogue)
    clusters = live(run)
    a = clusters[0]
    b = next(c for c in clusters if c.block_key != a.block_key)
    corrected = flow.correct(
        decision(7, "merge", a.cluster_id, other_cluster_id=b.cluster_id), state
    )
    assert corrected.result is not None and "another category" in corrected.result.reason


def test_a_cluster_held_elsewhere_gets_no_answer_here(sample: Sample, catalogue: Catalogue) -> None:
    state, _ = fresh_run(sample, catalogue)
    corrected = flow.correct(decision(8, "split", "K-ffffffffffff", signal_ids=("x",)), state)
    assert corrected.result is None and corrected.changed == []


def test_read_again_it_gives_what_it_gave_the_first_time(
    sample: Sample, catalogue: Catalogue
) -> None:
    state, run = fresh_run(sample, catalogue)
    big = live(run)[0]
    d = decision(9, "split", big.cluster_id, signal_ids=big.member_ids[-3:])
    first = flow.correct(d, state)
    again = flow.correct(d, state)
    assert encode(again.result) == encode(first.result)
    assert [encode(c) for c in again.changed] == [encode(c) for c in first.changed]


def test_split_parts_are_never_merged_again_by_later_reports(
    sample: Sample, catalogue: Catalogue
) -> None:
    """The same reports sent again under new ids match both parts: linkage may join either,
    but the analyst's split stands (they are not folded back into one)."""
    state, run = fresh_run(sample, catalogue)
    big = live(run)[0]
    leaving = big.member_ids[-10:]
    corrected = flow.correct(decision(10, "split", big.cluster_id, signal_ids=leaving), state)
    assert corrected.result is not None and corrected.result.accepted
    part_id = corrected.changed[1].cluster_id
    kept = {
        **state.linking.members_of(big.block_key, big.cluster_id),
        **state.linking.members_of(big.block_key, part_id),
    }
    assert len(kept) == big.signal_count
    latest = max(s.event_time for s in kept.values())
    for n, signal in enumerate(sorted(kept.values(), key=lambda s: s.signal_id)):
        again = replace(signal, signal_id=f"{signal.signal_id}-again", event_time=latest)
        linked = flow.link(again, state, position=10_000 + n)
        assert linked.cluster is not None
        assert linked.cluster.cluster_id in (big.cluster_id, part_id)
        assert not linked.retired, f"{again.signal_id} merged {linked.decision.reasons}"
    assert big.cluster_id in state.clusters and part_id in state.clusters


def test_same_input_same_bytes(sample: Sample, catalogue: Catalogue) -> None:
    """Two runs of the feeds with the same corrections among them: byte-identical clusters,
    assessments, warnings and results (what a replay is verified by)."""

    def run_with_corrections() -> tuple[list[bytes], ...]:
        first = run_offline(sample.records[:1200], catalogue, reference(sample))
        big = live(first)[0]
        records = [
            *sample.records[:1200],
            decision(11, "split", big.cluster_id, signal_ids=big.member_ids[-2:]),
            *sample.records[1200:],
        ]
        run = run_offline(records, catalogue, reference(sample))
        assert run.correction_results and run.correction_results[0].accepted
        return (
            [encode(r) for r in run.correction_results],
            [encode(c) for c in run.clusters.values()],
            [encode(a) for a in run.assessments],
            [encode(w) for w in run.warnings],
        )

    assert run_with_corrections() == run_with_corrections()


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ([], "expected"),
        ({"correction": "merge", "reason": "x", "extra": 1}, "unknown fields"),
        ({"correction": "rename", "reason": "x"}, "correction must be one of"),
        ({"correction": "merge", "reason": " "}, "needs a reason"),
        (
            {"correction": "merge", "reason": "x", "other_cluster_id": "W-1"},
            "needs other_cluster_id",
        ),
        ({"correction": "split", "reason": "x", "signal_ids": []}, "needs signal_ids"),
        ({"correction": "split", "reason": "x", "signal_ids": [1]}, "needs signal_ids"),
    ],
)
def test_a_bad_request_body_says_what_is_wrong(body: object, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        correction_from(body, "K-0123456789ab", "li.wei")


def test_a_request_body_becomes_a_correction() -> None:
    made = correction_from(
        {"correction": "split", "reason": " two makes ", "signal_ids": ["complaints:A"]},
        "K-0123456789ab",
        "li.wei",
    )
    assert (made.correction, made.reason, made.signal_ids, made.decided_by) == (
        "split",
        "two makes",
        ("complaints:A",),
        "li.wei",
    )
    assert made.other_cluster_id is None and len(made.decision_id) == 32
    with pytest.raises(ValueError, match="not a cluster id"):
        correction_from({"correction": "split", "reason": "x", "signal_ids": ["a"]}, "K-1", "x")


def test_labels_are_one_row_per_pair_the_latest_decision_winning() -> None:
    results = [
        {"decision_id": "d1", "correction": "merge", "accepted": True, "decided_by": "a",
         "same": [["s:2", "s:1"]], "different": []},
        {"decision_id": "d2", "correction": "split", "accepted": True, "decided_by": "b",
         "same": [], "different": [["s:1", "s:2"], ["s:1", "s:3"]]},
        {"decision_id": "d3", "correction": "split", "accepted": False, "decided_by": "c",
         "same": [], "different": [["s:9", "s:8"]]},
        {"decision_id": "w1", "warning_id": "W-1", "accepted": True, "decided_by": "d"},
    ]  # fmt: skip
    rows = label_rows(results)
    assert [(r["a"], r["b"], r["same"], r["decision_id"]) for r in rows] == [
        ("s:1", "s:2", False, "d2"),
        ("s:1", "s:3", False, "d2"),
    ]


def test_a_merge_writes_the_same_bytes_whatever_the_hash_seed() -> None:
    """Two workers (two processes, two hash seeds) must write a merged cluster identically."""
    script = (
        "from lab.sample import generate\n"
        "from lab.offline import run_offline\n"
        "from detectors.catalogue import load_catalogue\n"
        "from detectors.cluster_update import merge\n"
        "from detectors.targeting import Reference\n"
        "from schemas.codec import encode\n"
        "import hashlib\n"
        "s = generate(7, days=20)\n"
        "r = s.reference\n"
        "run = run_offline(s.records[:600], load_catalogue(),\n"
        "                  Reference(r.credit, frozenset(r.blacklist), r.origin_risk))\n"
        "cs = sorted(run.clusters.values(), key=lambda c: c.cluster_id)\n"
        "out = b''.join(encode(merge(a, b)) for a, b in zip(cs, cs[1:]))\n"
        "print(hashlib.sha256(out).hexdigest())\n"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(digests) == 1, digests
