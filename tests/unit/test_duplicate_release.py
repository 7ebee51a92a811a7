"""An analyst's "not a duplicate" (streams.releases), through the flow step the worker runs on
the dedup stage's topic and through the in-memory runner: the kept near duplicate released
to linkage, refusals that say why, the same result when the decision is read again."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from cli.clusters import label_rows
from detectors.catalogue import Catalogue
from detectors.dedup import RESENT, Verdict
from detectors.linkage import block_key
from detectors.neardup import NearDupIndex
from detectors.targeting import Reference
from lab.faults import wave_order
from lab.offline import OfflineRun, run_offline
from lab.sample import FeedRecord, Sample, generate
from schemas.codec import encode, to_dict
from schemas.records import ClusterDecision, Signal
from streams import flow
from streams.releases import RELEASE
from streams.stages import NEAR_DUPLICATE
from streams.topics import partition_of
from streams.web import release_from

AT = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def sample() -> Sample:
    return generate(7, days=20)


@pytest.fixture(scope="module")
def records(sample: Sample) -> list[FeedRecord]:
    return [r for r in wave_order(sample) if r.feed == "complaints"]


def reference(s: Sample) -> Reference:
    return Reference(s.reference.credit, frozenset(s.reference.blacklist), s.reference.origin_risk)


def fresh_run(
    s: Sample, records: list[FeedRecord], catalogue: Catalogue
) -> tuple[flow.FlowState, OfflineRun]:
    state = flow.FlowState(near=NearDupIndex(store={}))
    return state, run_offline(records, catalogue, reference(s), state)


def near_duplicate(run: OfflineRun) -> tuple[Signal, str]:
    dup = next(d for d in run.duplicates if d.reason == NEAR_DUPLICATE)
    signal = next(s for s in run.signals if s.signal_id == dup.signal_id)
    return signal, dup.duplicate_of


def release_of(n: int, signal_id: str, block: str, original: str = "") -> ClusterDecision:
    return ClusterDecision(
        decision_id=f"r{n}",
        correction=RELEASE,
        cluster_id=original,
        reason="another child, another scooter: two accidents",
        decided_by="analyst-1",
        at=AT,
        signal_ids=(signal_id,),
        block_key=block,
    )


def test_a_near_duplicate_is_kept_and_released_to_linkage(
    sample: Sample, records: list[FeedRecord], catalogue: Catalogue
) -> None:
    state, run = fresh_run(sample, records, catalogue)
    signal, original = near_duplicate(run)
    block = block_key(signal)
    assert state.kept.get(block, signal.signal_id) == (signal, original)
    assert not any(signal.signal_id in c.member_ids for c in run.clusters.values())

    released = flow.release(release_of(1, signal.signal_id, block, original), state)
    assert released.signal == signal
    result = released.result
    assert result is not None and result.accepted, result
    assert result.different == ((signal.signal_id, original),)
    assert result.correction == RELEASE and result.decided_by == "analyst-1"
    assert "released to linkage" in result.reason
    assert state.kept.get(block, signal.signal_id) is None
    # its verdict is unique now: read again, and re-sent under its own id, it is no near
    # duplicate (a re-send is an exact repeat, as any unique report's is)
    assert state.near.filed_verdict(signal) is not None
    assert state.near.filed_verdict(signal).duplicate_of is None  # type: ignore[union-attr]
    assert state.near.check(signal).duplicate_of is None
    again = flow.deduplicate(signal, Verdict(signal.signal_id, RESENT), state.near, state.kept)
    assert again.duplicate is not None and again.duplicate.reason == RESENT
    # linked as a unique report: it joins (or founds) a cluster
    linked = flow.link(signal, state)
    assert linked.cluster is not None and signal.signal_id in linked.cluster.member_ids
    # labelled pairs for export-labels: the two are not one report
    rows = label_rows([to_dict(result)])
    assert [(r["a"], r["b"], r["same"]) for r in rows] == [
        (min(signal.signal_id, original), max(signal.signal_id, original), False)
    ]


def test_read_again_the_same_result_and_no_second_release(
    sample: Sample, records: list[FeedRecord], catalogue: Catalogue
) -> None:
    state, run = fresh_run(sample, records, catalogue)
    signal, original = near_duplicate(run)
    d = release_of(2, signal.signal_id, block_key(signal), original)
    first = flow.release(d, state)
    tables = (dict(state.duplicates), dict(state.near.store))
    second = flow.release(d, state)
    assert second.result is not None and first.result is not None
    assert encode(second.result) == encode(first.result)
    assert second.signal == first.signal  # sent on again (linkage counts it once)
    assert (dict(state.duplicates), dict(state.near.store)) == tables  # nothing changed
    # another decision on the released report is refused, saying by which it was released
    other = flow.release(release_of(3, signal.signal_id, block_key(signal), original), state)
    assert other.signal is None and other.result is not None and not other.result.accepted
    assert "released by r2" in other.result.reason


def test_refusals_say_why(sample: Sample, records: list[FeedRecord], catalogue: Catalogue) -> None:
    state, run = fresh_run(sample, records, catalogue)
    signal, original = near_duplicate(run)
    block = block_key(signal)

    def refused(d: ClusterDecision) -> str:
        out = flow.release(d, state)
        assert out.signal is None and out.result is not None and not out.result.accepted
        return out.result.reason

    assert refused(release_of(10, "complaints:nobody", "")).startswith("unknown signal")
    unique = next(
        s for s in run.signals if any(s.signal_id in c.member_ids for c in run.clusters.values())
    )
    why = refused(release_of(11, unique.signal_id, block_key(unique)))
    assert why == f"{unique.signal_id} is no near duplicate: it was judged unique"
    assert "a release needs a reason" in refused(
        replace(release_of(12, signal.signal_id, block, original), reason=" ")
    )
    two = replace(release_of(13, signal.signal_id, block, original), signal_ids=("a", "b"))
    assert "one report" in refused(two)
    assert "only 'not_a_duplicate'" in refused(
        replace(release_of(14, signal.signal_id, block, original), correction="merge")
    )
    # a report of the category 15 days later: the near duplicate leaves the window
    later = replace(
        signal, signal_id="complaints:later", event_time=signal.event_time + timedelta(days=15)
    )
    state.kept.saw(later)
    why = refused(release_of(15, signal.signal_id, block, original))
    assert why.startswith(f"{signal.signal_id} is no longer kept: a near duplicate is kept 14 days")
    assert state.kept.get(block, signal.signal_id) is None


def test_only_the_partition_of_the_category_answers(
    sample: Sample, records: list[FeedRecord], catalogue: Catalogue
) -> None:
    state, run = fresh_run(sample, records, catalogue)
    signal, original = near_duplicate(run)
    block = block_key(signal)
    d = release_of(4, signal.signal_id, block, original)
    count = 4
    home = partition_of(block, count)
    answers = []
    for p in range(count):  # one worker, every partition, one table: the decision on each

        def owns(b: str, p: int = p) -> bool:
            return partition_of(b, count) == p

        answers.append(flow.release(d, state, owns))
    assert [a.result is not None for a in answers] == [p == home for p in range(count)]
    assert answers[home].signal == signal
    # read again on every partition: still only the home partition's result, the same bytes
    again = [
        flow.release(d, state, lambda b, p=p: partition_of(b, count) == p) for p in range(count)
    ]
    assert [a.result is not None for a in again] == [p == home for p in range(count)]
    assert encode(again[home].result) == encode(answers[home].result)
    unknown = release_of(5, "x:1", "")
    told = [
        flow.release(unknown, state, lambda b, p=p: partition_of(b, count) == p)
        for p in range(count)
    ]
    assert [t.result is not None for t in told] == [
        p == partition_of("", count) for p in range(count)
    ]


def test_the_in_memory_runner_releases_in_order(
    sample: Sample, records: list[FeedRecord], catalogue: Catalogue
) -> None:
    _, run = fresh_run(sample, records, catalogue)
    signal, original = near_duplicate(run)
    d = release_of(6, signal.signal_id, block_key(signal), original)
    resent = next(r for r in records if r.signal_id == signal.signal_id)
    replayed = run_offline([*records, d, d, resent], catalogue, reference(sample))
    first, second = replayed.correction_results
    assert first.accepted and encode(first) == encode(second)
    holding = [c for c in replayed.clusters.values() if signal.signal_id in c.member_ids]
    assert len(holding) == 1
    assert holding[0].member_ids.count(signal.signal_id) == 1  # sent on twice, counted once
    # the re-sent report: an exact repeat, no longer a near duplicate
    last = replayed.duplicates[-1]
    assert last.signal_id == signal.signal_id and last.reason == RESENT
    # before the release, the same re-send was the near duplicate again
    before = run_offline([*records, resent], catalogue, reference(sample))
    assert before.duplicates[-1].reason == NEAR_DUPLICATE


def test_the_endpoint_makes_a_release() -> None:
    made = release_from({"reason": " two accidents "}, "complaints:CP1", "li.wei")
    assert made.correction == RELEASE and made.signal_ids == ("complaints:CP1",)
    assert made.reason == "two accidents" and made.decided_by == "li.wei"
    assert made.block_key == "" and made.cluster_id == ""  # the endpoint adds what Redis knows
    for body, why in (
        ({}, "needs a reason"),
        ({"reason": "x", "signal_ids": []}, "unknown fields"),
        ({"reason": "x", "correction": "merge"}, "must be not_a_duplicate"),
        ([], "expected"),
    ):
        with pytest.raises(ValueError, match=why):
            release_from(body, "complaints:CP1", "li.wei")
