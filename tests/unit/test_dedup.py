"""detectors.fingerprint and detectors.dedup: re-sent and re-typed records are duplicates once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from detectors.dedup import DEFAULT_WINDOW, RESENT, SAME_CONTENT, MemoryExactIndex, Verdict
from detectors.fingerprint import content_fingerprint
from schemas.records import Signal

# 14:30 in Shanghai: far from a UTC day boundary, so "the same day" is unambiguous.
T0 = datetime(2026, 9, 20, 6, 30, tzinfo=UTC)

MakeSignal = Callable[..., Signal]


@pytest.fixture
def complaint(make_signal: MakeSignal) -> Signal:
    return make_signal(
        "complaints",
        "暖阳电暖器",
        "网购的暖阳电暖器使用半小时插头处冒烟起火",
        brand="暖阳",
        model="NY-2000",
        region="浙江",
        channel="hotline",
        source_id="CP0000101",
    )


# --------------------------------------------------------------------------- fingerprint


def test_fingerprint_ignores_ids_channel_ingest_time_spacing_case_and_width(
    complaint: Signal,
) -> None:
    retyped = replace(
        complaint,
        signal_id="complaints:CP0000987",
        source_id="CP0000987",
        channel="web",
        ingest_time=complaint.ingest_time + timedelta(hours=5),
        event_time=complaint.event_time + timedelta(hours=3),  # same day
        product_name="暖阳 电暖器",
        text="网购的暖阳电暖器，使用半小时 插头处冒烟起火！",
        brand="暖阳",
        model="ｎｙ－２０００",
    )
    assert content_fingerprint(retyped) == content_fingerprint(complaint)


def test_fingerprint_tells_reports_with_different_outcomes_or_counts_apart(
    complaint: Signal,
) -> None:
    # two reports of one food on one day: 1 case, then 4 cases with 4 in hospital
    worse = replace(complaint, outcome="hospitalised", cases=4, hospitalised=4)
    assert content_fingerprint(worse) != content_fingerprint(complaint)
    assert content_fingerprint(replace(complaint, cases=1)) != content_fingerprint(complaint)


@pytest.mark.parametrize(
    "change",
    [
        {"feed": "injuries"},
        {"product_name": "暖阳取暖器"},
        {"brand": "优家"},
        {"model": "NY-3000"},
        {"text": "取暖器外壳发烫，孩子碰到被烫伤"},
        {"region": "江苏"},
        {"declaration_id": "D0000001-1"},
        {"event_time": T0 + timedelta(days=1)},
    ],
    ids=lambda c: next(iter(c)),
)
def test_fingerprint_changes_with_what_the_signal_says(complaint: Signal, change: dict) -> None:
    assert content_fingerprint(replace(complaint, **change)) != content_fingerprint(complaint)


def test_fingerprint_is_stable_and_short(complaint: Signal) -> None:
    fp = content_fingerprint(complaint)
    assert fp == content_fingerprint(replace(complaint))
    assert len(fp) == 24
    int(fp, 16)  # hex
    assert complaint.fingerprint == fp  # ingest's enrichment sets it


# --------------------------------------------------------------------------- exact index


def test_first_sighting_is_not_a_duplicate(complaint: Signal) -> None:
    index = MemoryExactIndex()
    assert index.check(complaint, "feed.complaints:0:10") == Verdict(None)


def test_replay_of_the_same_position_is_not_a_duplicate(complaint: Signal) -> None:
    index = MemoryExactIndex()
    first = index.check(complaint, "feed.complaints:0:10")
    for _ in range(3):  # a worker crashed and re-read the message
        assert index.check(complaint, "feed.complaints:0:10") == first
    assert first.duplicate_of is None


def test_same_record_resent_at_another_position_is_a_duplicate(complaint: Signal) -> None:
    index = MemoryExactIndex()
    index.check(complaint, "feed.complaints:0:10")
    resent = index.check(complaint, "feed.complaints:0:57")
    assert resent == Verdict(complaint.signal_id, RESENT)
    # and the re-sent copy's own replay gets the same answer again
    assert index.check(complaint, "feed.complaints:0:57") == resent


def test_same_content_with_another_id_within_the_window(complaint: Signal) -> None:
    index = MemoryExactIndex()
    index.check(complaint, "p1")
    web = replace(complaint, signal_id="complaints:CP0000555", source_id="CP0000555", channel="web")
    assert content_fingerprint(web) == complaint.fingerprint
    verdict = index.check(web, "p2")
    assert verdict == Verdict(complaint.signal_id, SAME_CONTENT)
    # replaying the duplicate's position: same verdict, still pointing at the original
    assert index.check(web, "p2") == verdict
    # re-sending the duplicate elsewhere points at the original too
    assert index.check(web, "p3") == Verdict(complaint.signal_id, RESENT)


def test_same_content_outside_the_window_is_new(complaint: Signal) -> None:
    index = MemoryExactIndex(window=timedelta(days=7))
    index.check(complaint, "p1")
    # the fingerprint covers the event date, so force equal fingerprints on other dates
    later = replace(
        complaint,
        signal_id="complaints:CP0000777",
        event_time=complaint.event_time + timedelta(days=8),
    )
    assert index.check(later, "p2") == Verdict(None)


def test_window_edge_is_inclusive(complaint: Signal) -> None:
    index = MemoryExactIndex(window=timedelta(days=2))
    index.check(complaint, "p1")
    at_edge = replace(
        complaint, signal_id="complaints:X1", event_time=complaint.event_time + timedelta(days=2)
    )
    past_edge = replace(
        complaint,
        signal_id="complaints:X2",
        event_time=complaint.event_time + timedelta(days=2, seconds=1),
    )
    assert index.check(at_edge, "p2").duplicate_of == complaint.signal_id
    assert index.check(past_edge, "p3").duplicate_of is None


def test_window_applies_to_late_arrivals_too(complaint: Signal) -> None:
    index = MemoryExactIndex(window=timedelta(days=7))
    index.check(complaint, "p1")
    earlier = replace(
        complaint,
        signal_id="complaints:X3",
        event_time=complaint.event_time - timedelta(days=3),
    )
    assert index.check(earlier, "p2").duplicate_of == complaint.signal_id


def test_after_the_window_the_newer_record_becomes_the_original(complaint: Signal) -> None:
    index = MemoryExactIndex(window=timedelta(days=7))
    index.check(complaint, "p1")
    second = replace(
        complaint, signal_id="complaints:X4", event_time=complaint.event_time + timedelta(days=10)
    )
    third = replace(
        complaint, signal_id="complaints:X5", event_time=complaint.event_time + timedelta(days=12)
    )
    assert index.check(second, "p2") == Verdict(None)
    assert index.check(third, "p3") == Verdict("complaints:X4", SAME_CONTENT)


def test_empty_fingerprint_is_never_a_content_duplicate(complaint: Signal) -> None:
    index = MemoryExactIndex()
    a = replace(complaint, fingerprint="")
    b = replace(complaint, signal_id="complaints:X6", fingerprint="")
    assert index.check(a, "p1") == Verdict(None)
    assert index.check(b, "p2") == Verdict(None)


def test_different_content_is_not_a_duplicate(make_signal: MakeSignal) -> None:
    index = MemoryExactIndex()
    a = make_signal("complaints", "暖阳电暖器", "插头处冒烟起火", region="浙江")
    b = make_signal("complaints", "暖阳电暖器", "外壳发烫，孩子被烫伤", region="浙江")
    assert index.check(a, "p1") == Verdict(None)
    assert index.check(b, "p2") == Verdict(None)


def test_indexes_do_not_share_state(complaint: Signal) -> None:
    MemoryExactIndex().check(complaint, "p1")
    assert MemoryExactIndex().check(complaint, "p2") == Verdict(None)


def test_default_window_is_a_week() -> None:
    assert timedelta(days=7) == DEFAULT_WINDOW
    assert MemoryExactIndex().window == 7 * 86400
