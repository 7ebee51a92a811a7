"""lab.labelled_pairs: analysts' labelled pairs, joined with their reports, judge the matcher."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from lab.labelled_pairs import attach_reports, evaluate_labels
from schemas.records import Signal

T0 = datetime(2026, 9, 20, 6, 30, tzinfo=UTC)
MakeSignal = Callable[..., Signal]


def _row(a: Signal, b: Signal, same: bool, correction: str) -> dict[str, object]:
    return {"a": a.signal_id, "b": b.signal_id, "same": same, "correction": correction}


def test_each_label_is_judged_by_the_question_the_analyst_answered(
    make_signal: MakeSignal,
) -> None:
    text = "孩子玩滑板车时折叠处夹到手指，流了很多血，去医院缝了三针"
    first = make_signal(text=text, brand="乐途", region="上海", event_time=T0)
    copy = make_signal(text=text, brand="乐途", region="上海", event_time=T0 + timedelta(hours=2))
    same_product = make_signal(
        text="滑板车折叠关节没有防夹设计，孩子手指被夹伤", brand="乐途", event_time=T0
    )
    other_brand = make_signal(
        text="滑板车折叠关节夹伤孩子手指", brand="风驰", event_time=T0 + timedelta(hours=1)
    )
    rows = attach_reports(
        [
            _row(first, copy, False, "not_a_duplicate"),  # the matcher says copy: it disagrees
            _row(first, same_product, True, "merge"),
            _row(first, other_brand, False, "split"),
            {"a": "complaints:GONE1", "b": first.signal_id, "same": True, "correction": "merge"},
        ],
        [first, copy, same_product, other_brand, first],
    )
    report = evaluate_labels(rows)
    assert report["duplicate"]["pairs"] == 1 and report["duplicate"]["fp"] == 1
    assert report["linkage"]["pairs"] == 2
    assert (report["linkage"]["tp"], report["linkage"]["tn"]) == (1, 1)
    assert report["linkage"]["f1"] == 1.0 and report["duplicate"]["agreement"] == 0.0
    assert report["without_reports"] == 1  # a report the topic no longer holds


def test_the_first_reading_of_a_report_is_the_one_joined(make_signal: MakeSignal) -> None:
    a = make_signal(text="电暖器漏电", event_time=T0)
    b = make_signal(text="电暖器外壳带电", event_time=T0)
    later = make_signal(text="改过的文本", signal_id=a.signal_id, event_time=T0)
    (row,) = attach_reports([_row(a, b, True, "merge")], [a, b, later])
    assert row["a_report"]["text"] == a.text and row["b_report"]["signal_id"] == b.signal_id
