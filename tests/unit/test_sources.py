"""File sources, file validation, reference messages and HTTP bodies: the pure parts of feeds."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from connectors.reference import ReferenceUpdate, parse_reference, reference_messages
from connectors.registry import get_feed
from connectors.sources import file_format, read_records
from connectors.validation import problems_in_file
from detectors.catalogue import load_catalogue
from schemas.errors import ConfigError, SchemaError
from streams.feed_endpoint import check_batch, split_body

INJURIES = get_feed("injuries")
assert INJURIES is not None

GOOD = {
    "report_id": "INJ-1",
    "reported_at": "2026-10-03 08:00",
    "product_name": "电动滑板车",
    "outcome": "hospitalised",
    "patient_age": 9,
}


def test_format_is_told_by_the_name(tmp_path: Path) -> None:
    assert file_format(Path("a.jsonl.gz")) == "jsonl"
    assert file_format(Path("a.CSV")) == "csv"
    with pytest.raises(ConfigError, match="cannot tell the format"):
        file_format(Path("a.xlsx"))
    with pytest.raises(ConfigError, match="no such file"):
        list(read_records(tmp_path / "missing.jsonl", INJURIES))


def test_jsonl_keeps_line_numbers_and_bytes_and_skips_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(b'{"a": 1}\n\n  {"b": "\xe4\xb8\xad"}  \nnot json\n')
    got = [(r.line, r.raw) for r in read_records(path, INJURIES)]
    assert got == [(1, b'{"a": 1}'), (3, b'{"b": "\xe4\xb8\xad"}'), (4, b"not json")]


def test_csv_cells_are_typed_by_the_schema(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(
        "\ufeffreport_id,reported_at,product_name,outcome,patient_age,region\n"
        "INJ-1,2026-10-03 08:00,电动滑板车,minor,9,\n"
        'INJ-2,2026-10-03 09:00,"滑板车, 折叠",minor,nine,上海\n',
        encoding="utf-8",
    )
    first, second = (orjson.loads(r.raw) for r in read_records(path, INJURIES))
    assert first["patient_age"] == 9 and "region" not in first  # empty cell: absent
    assert second["product_name"] == "滑板车, 折叠"
    assert second["patient_age"] == "nine"  # left as text, for the validator to reject


def test_validation_reports_every_problem_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "inj.jsonl"
    lines = [
        orjson.dumps(GOOD),
        orjson.dumps({**GOOD, "report_id": "INJ-2", "outcome": "bad", "patient_age": -1}),
        b"{broken",
        orjson.dumps({**GOOD, "report_id": "INJ-4", "reported_at": "whenever"}),
    ]
    path.write_bytes(b"\n".join(lines))
    report = dict(problems_in_file(path, INJURIES, load_catalogue()))
    assert report[1] == []
    assert {p.path for p in report[2]} == {"outcome", "patient_age"}
    assert [p.path for p in report[3]] == ["$"] and "JSON" in report[3][0].reason
    assert [p.path for p in report[4]] == ["reported_at"]


def test_cli_validate_exits_1_and_names_lines(tmp_path: Path) -> None:
    path = tmp_path / "inj.jsonl"
    path.write_bytes(orjson.dumps(GOOD) + b"\n" + orjson.dumps({"report_id": "X"}))
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "feeds", "validate", str(path), "--feed", "injuries"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert f"{path}:2: $: 'reported_at' is a required property" in done.stdout
    assert "2 records, 1 valid, 1 invalid" in done.stderr
    unknown = subprocess.run(
        [sys.executable, "-m", "cli.main", "feeds", "validate", str(path), "--feed", "nope"],
        capture_output=True,
        text=True,
    )
    assert unknown.returncode == 2 and "unknown feed 'nope'" in unknown.stderr


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ({"kind": "credit", "key": " Acme ", "value": "b"}, ReferenceUpdate("credit", "Acme", "B")),
        (
            {"kind": "blacklist", "key": "Acme", "op": "add"},
            ReferenceUpdate("blacklist", "Acme", None),
        ),
        (
            {"kind": "blacklist", "key": "Acme", "op": "remove"},
            ReferenceUpdate("blacklist", "Acme", None, True),
        ),
        (
            {"kind": "origin_risk", "key": "VNM", "value": 1},
            ReferenceUpdate("origin_risk", "VN", "1.0"),
        ),
        (
            {"kind": "origin_risk", "key": "越南", "value": 0.5},
            ReferenceUpdate("origin_risk", "VN", "0.5"),
        ),
    ],
)
def test_reference_messages_are_normalised(message: dict[str, object], expected: object) -> None:
    assert parse_reference(orjson.dumps(message)) == expected


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        (b"nope", "$"),
        (b"[]", "$"),
        (b'{"kind": "rating", "key": "x"}', "kind"),
        (b'{"kind": "credit", "key": ""}', "key"),
        (b'{"kind": "credit", "key": "x", "value": "E"}', "value"),
        (b'{"kind": "origin_risk", "key": "VN", "value": 1.5}', "value"),
        (b'{"kind": "origin_risk", "key": "Atlantis", "value": 0.1}', "key"),
        (b'{"kind": "credit", "key": "x", "value": "A", "op": "merge"}', "op"),
    ],
)
def test_bad_reference_messages_say_which_field(raw: bytes, path: str) -> None:
    with pytest.raises(SchemaError) as err:
        parse_reference(raw)
    assert err.value.path == path


def test_reference_messages_round_trip() -> None:
    messages = reference_messages({"Acme": "D"}, ["Bad Co"], {"VN": 0.8})
    assert [k for k, _ in messages] == [b"credit:Acme", b"blacklist:Bad Co", b"origin_risk:VN"]
    assert [parse_reference(v).kind for _, v in messages] == ["credit", "blacklist", "origin_risk"]


def test_http_bodies_split_into_records() -> None:
    assert split_body(b' {"a": 1} ') == [b'{"a": 1}']
    assert split_body(b'[{"a": 1}, {"b": 2}]') == [b'{"a":1}', b'{"b":2}']
    assert split_body(b'{"a": 1}\n\n{"b": 2}\n') == [b'{"a": 1}', b'{"b": 2}']
    assert split_body(b"  ") == "empty body"


def test_a_batch_with_one_bad_record_names_it() -> None:
    body = orjson.dumps([GOOD, {**GOOD, "outcome": "fine"}, GOOD])
    checked = check_batch(INJURIES, body, load_catalogue(), 1 << 20)
    assert len(checked.records) == 3
    assert [e["index"] for e in checked.errors] == [1]
    assert checked.errors[0]["path"] == "outcome"


def test_cli_reports_an_unreadable_file_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("report_id,product_name\nINJ-1,caf\xe9\n".encode("latin-1"))
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "feeds", "validate", str(path), "--feed", "injuries"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("riskwire: UnicodeDecodeError")
    assert "Traceback" not in done.stderr
