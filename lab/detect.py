"""``riskwire detect``: run one aberration detector over a ``date,count`` CSV and print each point.

The CSV has a header ``date,count`` (other columns are ignored), ISO dates and non-negative
integer counts, in any order. The frequency comes from the date spacing: a smallest gap of 1
day is a daily series, of 7 days a weekly one (Farrington then uses ``period`` 365 or 52).
Dates missing inside the range are filled with count 0, since a day or week with no row had no
signals reported; a weekly date off the 7-day grid is an error, not silently moved. Any
problem with the file is a ``SeriesFileError`` naming the line, and the command exits 1 (bad
data); a bad method or parameter is a ``ConfigError`` (exit 2, as every usage error).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import re
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TextIO

from detectors.aberration import METHODS, DetectionPoint, detect
from detectors.aberration_common import ParameterError
from schemas.errors import ConfigError

__all__ = [
    "CountSeries",
    "SeriesFileError",
    "add_arguments",
    "format_table",
    "main_from_args",
    "parse_params",
    "read_series",
    "run_detect",
]

_PERIODS = {"daily": 365, "weekly": 52}


class SeriesFileError(ConfigError):
    """The series file cannot be read as a count series (the message names the line)."""


@dataclass(frozen=True, slots=True)
class CountSeries:
    """An equally spaced count series read from a CSV, gaps filled with zeros."""

    dates: list[str]
    counts: list[int]
    frequency: str  # "daily" or "weekly"

    @property
    def period(self) -> int:
        """Periods per year, as Farrington's ``period``."""
        return _PERIODS[self.frequency]


def read_series(path: Path) -> CountSeries:
    """Read a ``date,count`` CSV into an equally spaced series, or raise SeriesFileError."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise SeriesFileError(f"{path}: cannot read series: {exc.strerror or exc}") from None
    try:
        with handle:
            return _read_rows(path, handle)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise SeriesFileError(f"{path}: not a UTF-8 CSV file: {exc}") from None


def _read_rows(path: Path, handle: TextIO) -> CountSeries:
    rows: dict[date, int] = {}
    reader = csv.reader(handle)
    header = [name.strip().lower() for name in next(reader, [])]
    missing = [name for name in ("date", "count") if name not in header]
    if missing:
        raise SeriesFileError(
            f"{path}:1: header must name the columns date,count; missing {', '.join(missing)}"
        )
    at_date, at_count = header.index("date"), header.index("count")
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(at_date, at_count):
            raise SeriesFileError(f"{path}:{line}: expected a date and a count, got {row!r}")
        day = _parse_date(path, line, row[at_date])
        if day in rows:
            raise SeriesFileError(f"{path}:{line}: date {day.isoformat()} appears twice")
        rows[day] = _parse_count(path, line, row[at_count])
    if not rows:
        raise SeriesFileError(f"{path}: no data rows after the header")
    return _equally_spaced(path, rows)


def _parse_date(path: Path, line: int, text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise SeriesFileError(
            f"{path}:{line}: date {text!r} is not an ISO date (YYYY-MM-DD)"
        ) from None


def _parse_count(path: Path, line: int, text: str) -> int:
    digits = text.strip()
    if not re.fullmatch(r"[0-9]+", digits):
        raise SeriesFileError(f"{path}:{line}: count {text!r} is not a non-negative integer")
    if len(digits) > 15:  # beyond 2**53 a count is no longer exact as a float
        raise SeriesFileError(
            f"{path}:{line}: count {digits[:20]}... is too large (at most 15 digits)"
        )
    return int(digits)


def _equally_spaced(path: Path, rows: dict[date, int]) -> CountSeries:
    days = sorted(rows)
    gaps = [(b - a).days for a, b in itertools.pairwise(days)]
    step = min(gaps, default=1)
    if step not in (1, 7):
        raise SeriesFileError(
            f"{path}: dates {step} days apart; a series must be daily (1) or weekly (7)"
        )
    if step == 7:
        off = next((d for d in days if (d - days[0]).days % 7), None)
        if off is not None:
            raise SeriesFileError(f"{path}: weekly series has {off.isoformat()} off the 7-day grid")
    span = (days[-1] - days[0]).days // step + 1
    grid = [days[0] + timedelta(days=i * step) for i in range(span)]
    return CountSeries(
        dates=[d.isoformat() for d in grid],
        counts=[rows.get(d, 0) for d in grid],
        frequency="daily" if step == 1 else "weekly",
    )


def _number(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(value, 4)


def _row(point: DetectionPoint) -> dict[str, Any]:
    return {
        "date": point.date,
        "observed": _number(point.observed),
        "expected": _number(point.expected),
        "threshold": _number(point.threshold),
        "score": _number(point.score),
        "exceedance": _number(point.exceedance),
        "alarm": point.alarm,
        "method": point.method,
        "baseline_n": point.baseline_n,
    }


def format_table(points: list[DetectionPoint]) -> str:
    """An aligned text table, one line per point; ``-`` where a value is not yet defined."""
    header = ["date", "observed", "expected", "threshold", "score", "exceedance", "alarm", "method"]

    def cell(value: float | None, digits: int) -> str:
        return "-" if value is None else f"{value:.{digits}f}"

    lines = [
        [
            p.date or str(p.index),
            cell(p.observed, 0) if p.observed.is_integer() else cell(p.observed, 2),
            cell(p.expected, 2),
            cell(p.threshold, 2),
            cell(p.score, 2),
            cell(p.exceedance, 2),
            "ALARM" if p.alarm else "",
            p.method,
        ]
        for p in points
    ]
    widths = [max(len(r[i]) for r in [header, *lines]) for i in range(len(header))]
    left = {0, 6, 7}
    return "\n".join(
        "  ".join(
            c.ljust(widths[i]) if i in left else c.rjust(widths[i]) for i, c in enumerate(r)
        ).rstrip()
        for r in [header, *lines]
    )


def run_detect(path: Path, method: str, as_json: bool, out: TextIO, **params: Any) -> int:
    """Detect aberrations in the CSV at ``path`` with ``method``, print every point; exit code."""
    if method not in METHODS:
        raise ConfigError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    series = read_series(path)
    if method.startswith("farrington"):
        params.setdefault("period", series.period)
    try:
        points = detect(series.counts, method, dates=series.dates, **params)
    except (TypeError, ParameterError) as exc:  # a wrong or unknown parameter, not a bug
        raise ConfigError(f"{method}: {exc}") from None
    if as_json:
        out.write(json.dumps([_row(p) for p in points], indent=2) + "\n")
    else:
        out.write(format_table(points) + "\n")
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``detect`` options to a (sub)parser."""
    parser.add_argument(
        "--series", type=Path, required=True, help="CSV with header date,count (daily or weekly)"
    )
    parser.add_argument("--method", required=True, choices=METHODS, help="detection method")
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a method parameter, e.g. min_cases=5, alpha=0.05, form=surveillance (repeatable)",
    )


def parse_params(items: list[str]) -> dict[str, Any]:
    """``NAME=VALUE`` strings as keyword arguments: ints, floats, true/false/none, else text."""
    params: dict[str, Any] = {}
    for item in items:
        name, eq, text = item.partition("=")
        if not eq or not name.isidentifier():
            raise ConfigError(f"--param {item!r}: expected NAME=VALUE")
        params[name] = _value(text.strip())
    return params


def _value(text: str) -> Any:
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "none":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def main_from_args(args: argparse.Namespace) -> int:
    """Run ``detect`` from parsed arguments, printing to standard output; 1 on a bad file."""
    params = parse_params(getattr(args, "param", []))
    try:
        return run_detect(args.series, args.method, args.json, sys.stdout, **params)
    except SeriesFileError as exc:
        print(f"riskwire detect: {exc}", file=sys.stderr)
        return 1
