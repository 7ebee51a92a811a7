"""``riskwire detect``: CSV reading, frequency inference, JSON and table output, bad files."""

from __future__ import annotations

import argparse
import io
import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from detectors.aberration import ears_c1
from lab.detect import add_arguments, main_from_args, read_series, run_detect
from schemas.errors import ConfigError


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "series.csv"
    path.write_text(text, encoding="utf-8")
    return path


def _daily_csv(tmp_path: Path, counts: list[int], skip: frozenset[int] = frozenset()) -> Path:
    start = date(2024, 3, 1)
    rows = [f"{start + timedelta(days=i)},{c}" for i, c in enumerate(counts) if i not in skip]
    return _write(tmp_path, "date,count\n" + "\n".join(rows) + "\n")


def test_json_has_one_row_per_date_with_gaps_filled(tmp_path: Path) -> None:
    counts = [2, 4, 3, 5, 1, 3, 3, 9, 0, 2]
    path = _daily_csv(tmp_path, counts, skip=frozenset({8}))  # 2024-03-09 missing
    out = io.StringIO()
    assert run_detect(path, "ears-c1", True, out) == 0
    rows = json.loads(out.getvalue())
    assert [r["date"] for r in rows] == [
        str(date(2024, 3, 1) + timedelta(days=i)) for i in range(10)
    ]
    assert rows[8]["observed"] == 0  # the missing day counts as no signals
    assert set(rows[0]) >= {"date", "observed", "expected", "threshold", "score", "alarm"}
    assert rows[0]["expected"] is None and rows[0]["alarm"] is False
    # Same numbers as the detector itself: mean 3, threshold 3 + 3 * sqrt(10/6) at 2024-03-08.
    assert rows[7]["expected"] == 3
    assert rows[7]["threshold"] == pytest.approx(6.873, abs=1e-3)
    assert rows[7]["alarm"] is True
    assert [r["alarm"] for r in rows] == [p.alarm for p in ears_c1([*counts[:8], 0, 2])]


def test_rows_may_come_in_any_order(tmp_path: Path) -> None:
    path = _write(tmp_path, "date,count\n2024-01-03,2\n2024-01-01,1\n2024-01-02,0\n")
    series = read_series(path)
    assert series.dates == ["2024-01-01", "2024-01-02", "2024-01-03"]
    assert series.counts == [1, 0, 2]
    assert series.frequency == "daily"


def test_weekly_series_is_recognised_and_gaps_filled(tmp_path: Path) -> None:
    path = _write(tmp_path, "date,count\n2024-01-01,3\n2024-01-08,4\n2024-01-22,6\n")
    series = read_series(path)
    assert series.frequency == "weekly"
    assert series.period == 52
    assert series.dates == ["2024-01-01", "2024-01-08", "2024-01-15", "2024-01-22"]
    assert series.counts == [3, 4, 0, 6]


def test_farrington_gets_the_period_of_the_series(tmp_path: Path) -> None:
    start = date(2018, 1, 1)
    counts = [3 + (i % 5) for i in range(52 * 3)]
    text = "date,count\n" + "".join(
        f"{start + timedelta(weeks=i)},{c}\n" for i, c in enumerate(counts)
    )
    out = io.StringIO()
    run_detect(_write(tmp_path, text), "farrington", True, out)
    rows = json.loads(out.getvalue())
    assert len(rows) == len(counts)
    # Weekly: one year of history (52 + 3 weeks) before Farrington takes over from EARS C2.
    assert rows[54]["method"] == "ears-c2"
    assert rows[55]["method"] == "farrington"
    assert rows[-1]["baseline_n"] == 14  # two years of 7-week windows


def test_table_output_is_aligned(tmp_path: Path) -> None:
    path = _daily_csv(tmp_path, [2, 4, 3, 5, 1, 3, 3, 9])
    out = io.StringIO()
    run_detect(path, "ears-c1", False, out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == [
        "date", "observed", "expected", "threshold", "score", "exceedance", "alarm", "method"
    ]  # fmt: skip
    assert len(lines) == 9
    assert lines[8].split() == [
        "2024-03-08", "9", "3.00", "6.87", "4.65", "1.55", "ALARM", "ears-c1"
    ]  # fmt: skip
    assert lines[1].split()[2:] == ["-", "-", "-", "-", "ears-c1"]
    # Numbers are right-aligned: fields 1..5 (observed..exceedance) end in the same column.
    ends = [[m.end() for m in re.finditer(r"\S+", line)][1:6] for line in lines]
    assert all(e == ends[0] for e in ends)


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        ("day,count\n2024-01-01,1\n", ":1:", "missing date"),
        ("date,n\n2024-01-01,1\n", ":1:", "missing count"),
        ("date,count\n2024-01-01,1\n2024-01-02,x\n", ":3:", "'x' is not a non-negative integer"),
        ("date,count\n2024-01-01,1\n2024-01-02,1.5\n", ":3:", "not a non-negative integer"),
        ("date,count\n2024-01-01,1\n2024-01-02,-2\n", ":3:", "not a non-negative integer"),
        ("date,count\n2024-01-01,1\n2024-01-02,3\n01/03/2024,2\n", ":4:", "not an ISO date"),
        ("date,count\n2024-01-01,1\n2024-01-01,2\n", ":3:", "appears twice"),
        ("date,count\n2024-01-01,1\n2024-01-02\n", ":3:", "expected a date and a count"),
    ],
)
def test_bad_csv_names_the_line(tmp_path: Path, text: str, where: str, what: str) -> None:
    with pytest.raises(ConfigError) as err:
        run_detect(_write(tmp_path, text), "ears-c1", True, io.StringIO())
    assert where in str(err.value)
    assert what in str(err.value)


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("date,count\n", "no data rows"),
        ("date,count\n2024-01-01,1\n2024-01-04,2\n", "3 days apart"),
        ("date,count\n2024-01-01,1\n2024-01-08,2\n2024-01-16,2\n", "off the 7-day grid"),
    ],
)
def test_bad_series_shape(tmp_path: Path, text: str, what: str) -> None:
    with pytest.raises(ConfigError, match=what):
        read_series(_write(tmp_path, text))


def test_missing_file_and_unknown_method(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        read_series(tmp_path / "absent.csv")
    with pytest.raises(ConfigError, match="unknown method"):
        run_detect(_daily_csv(tmp_path, [1, 2]), "shewhart", True, io.StringIO())


def test_bad_detector_parameter_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="min_sd"):
        run_detect(_daily_csv(tmp_path, [1, 2]), "ears-c1", True, io.StringIO(), min_sd=0)


def test_subcommand_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser(prog="riskwire")
    sub = parser.add_subparsers(dest="command", required=True)
    add_arguments(sub.add_parser("detect"))
    path = _daily_csv(tmp_path, [0] * 20 + [6])
    args = parser.parse_args(["detect", "--series", str(path), "--method", "cusum", "--json"])
    assert main_from_args(args) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 21
    assert rows[-1]["alarm"] is True
    with pytest.raises(SystemExit):
        parser.parse_args(["detect", "--series", str(path), "--method", "nope"])


@pytest.mark.parametrize(
    "text",
    [
        "date,count\n2024-01-01,1\n2024-01-02,-1\n",
        "date,count\n2024-01-01,1\n2024-13-02,1\n",
        "date,count\n2024-01-01,1\n2024-01-01,1\n",
        "date,count\n2024-01-01,2.5\n",
    ],
)
def test_a_malformed_file_exits_1_naming_the_line(
    tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser(prog="riskwire")
    add_arguments(parser)
    args = parser.parse_args(["--series", str(_write(tmp_path, text)), "--method", "farrington"])
    assert main_from_args(args) == 1
    err = capsys.readouterr().err
    assert re.search(r"series\.csv:[23]: ", err), err


def test_a_binary_file_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "series.csv"
    path.write_bytes(b"date,count\n\xff\xfe\x00\x01")
    parser = argparse.ArgumentParser(prog="riskwire")
    add_arguments(parser)
    assert main_from_args(parser.parse_args(["--series", str(path), "--method", "cusum"])) == 1
    assert "not a UTF-8 CSV" in capsys.readouterr().err


def test_method_parameters_come_from_param(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser(prog="riskwire")
    add_arguments(parser)
    path = _daily_csv(tmp_path, [1, 0, 1, 2, 1, 0, 1, 1, 0, 1, 2, 1, 0, 4])
    plain = ["--series", str(path), "--method", "ears-c1", "--json"]
    assert main_from_args(parser.parse_args(plain)) == 0
    default = json.loads(capsys.readouterr().out)
    assert (
        main_from_args(parser.parse_args([*plain, "--param", "k=10", "--param", "min_sd=2"])) == 0
    )
    strict = json.loads(capsys.readouterr().out)
    assert default[-1]["alarm"] is True and strict[-1]["alarm"] is False
    assert strict[-1]["threshold"] > default[-1]["threshold"]
    with pytest.raises(ConfigError, match="NAME=VALUE"):
        main_from_args(parser.parse_args([*plain, "--param", "k"]))
    with pytest.raises(ConfigError, match="unexpected keyword"):
        main_from_args(parser.parse_args([*plain, "--param", "nope=1"]))


def test_a_count_too_large_to_be_exact_is_a_file_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser(prog="riskwire")
    add_arguments(parser)
    path = _write(tmp_path, "date,count\n2024-01-01,1\n2024-01-02," + "9" * 400 + "\n")
    assert main_from_args(parser.parse_args(["--series", str(path), "--method", "cusum"])) == 1
    assert "series.csv:3: count 9999" in capsys.readouterr().err
