"""streams.feed_endpoint: which content types a POST may have, and repeated JSON keys."""

from __future__ import annotations

import time

import orjson
import pytest

from connectors.registry import get_feed
from detectors.catalogue import Catalogue
from streams.feed_endpoint import check_batch, content_type_problem, duplicate_keys

INJURIES = get_feed("injuries")
assert INJURIES is not None

GOOD = {
    "report_id": "INJ-1",
    "reported_at": "2026-10-03 08:00",
    "product_name": "电动滑板车",
    "outcome": "hospitalised",
    "patient_age": 9,
}
# the same record with "outcome" twice, the bad value first: orjson would see only the good one
REPEATED = (
    b'{"report_id": "INJ-2", "reported_at": "2026-10-03 08:00", "product_name": "\xe7\x94\xb5",'
    b' "outcome": "fine", "outcome": "hospitalised"}'
)


@pytest.mark.parametrize(
    "header",
    [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON;charset=UTF-8",
        'application/json; charset="utf-8"',
        "application/x-ndjson",
        "application/jsonl",
        "application/json-lines; charset=utf8",
    ],
)
def test_json_and_json_lines_are_accepted(header: str) -> None:
    assert content_type_problem(header) is None


@pytest.mark.parametrize(
    ("header", "says"),
    [
        (None, "no Content-Type"),
        ("", "no Content-Type"),
        ("text/plain", "'text/plain' is not accepted"),
        ("application/x-www-form-urlencoded", "is not accepted"),
        ("multipart/form-data; boundary=x", "is not accepted"),
        ("application/jsonx", "is not accepted"),
        ("text/json", "is not accepted"),
        ("application/json; charset=latin-1", "charset 'latin-1'"),
        ("application/json; charset=utf-16", "JSON is UTF-8"),
    ],
)
def test_other_content_types_are_refused(header: str | None, says: str) -> None:
    problem = content_type_problem(header)
    assert problem is not None and says in problem


def test_duplicate_keys_are_found_at_any_depth_in_document_order() -> None:
    doc = b'{"a": 1, "b": {"c": 1, "c": 2, "d": [{"x": 1, "x": 2}]}, "a": 3}'
    assert duplicate_keys(doc) == [((), "a"), (("b",), "c"), (("b", "d", 0), "x")]
    assert duplicate_keys(b'{"a": 1, "b": {"a": 2}}') == []  # the same key in two objects
    assert duplicate_keys(b'[{"k": 1}, {"k": 1, "k": 1}]') == [((1,), "k")]


@pytest.mark.parametrize(
    "text", [b"not json", b"[" * 100_000, b'{"a": NaN, "a": 1', b"\xff\xfe", b""]
)
def test_text_the_parser_refuses_has_no_duplicates_to_report(text: bytes) -> None:
    assert duplicate_keys(text) == []


def test_a_deeply_nested_repeat_is_found_without_recursion() -> None:
    doc = b"[" * 900 + b'{"a": 1, "a": 2}' + b"]" * 900
    [(path, key)] = duplicate_keys(doc)
    assert key == "a" and len(path) == 900


def test_repeated_keys_are_a_400_error_naming_the_record(catalogue: Catalogue) -> None:
    one = check_batch(INJURIES, REPEATED, catalogue, 1 << 20)
    assert one.errors == [{"index": 0, "path": "outcome", "reason": "duplicate key 'outcome'"}]

    array = b"[" + orjson.dumps(GOOD) + b"," + REPEATED + b"]"
    checked = check_batch(INJURIES, array, catalogue, 1 << 20)
    assert len(checked.records) == 2
    assert checked.errors == [{"index": 1, "path": "outcome", "reason": "duplicate key 'outcome'"}]

    lines = b"\n".join([orjson.dumps(GOOD), orjson.dumps(GOOD), REPEATED])
    checked = check_batch(INJURIES, lines, catalogue, 1 << 20)
    assert [(e["index"], e["path"]) for e in checked.errors] == [(2, "outcome")]


def test_a_nested_repeat_gives_its_dotted_path(catalogue: Catalogue) -> None:
    nested = (
        orjson.dumps({**GOOD, "extra": {"notes": [1]}})[:-1] + b', "x": {"y": [{"z": 1, "z": 2}]}}'
    )
    checked = check_batch(INJURIES, b"[" + nested + b"]", catalogue, 1 << 20)
    assert checked.errors == [{"index": 0, "path": "x.y.0.z", "reason": "duplicate key 'z'"}]


def test_other_errors_are_still_reported_beside_repeats(catalogue: Catalogue) -> None:
    body = orjson.dumps([{**GOOD, "outcome": "fine"}])[:-1] + b"," + REPEATED + b"]"
    checked = check_batch(INJURIES, body, catalogue, 1 << 20)
    assert [(e["index"], e["path"]) for e in checked.errors] == [(0, "outcome"), (1, "outcome")]
    assert "duplicate" not in checked.errors[0]["reason"]


def test_the_repeat_check_is_cheap_next_to_validation(catalogue: Catalogue) -> None:
    records = [orjson.dumps({**GOOD, "report_id": f"INJ-{i}"}) for i in range(5000)]
    body = b"\n".join(records)
    started = time.perf_counter()
    for raw in records:
        duplicate_keys(raw)
    repeats = time.perf_counter() - started
    started = time.perf_counter()
    assert not check_batch(INJURIES, body, catalogue, 1 << 20).errors
    whole = time.perf_counter() - started
    assert repeats < 0.25 * whole
