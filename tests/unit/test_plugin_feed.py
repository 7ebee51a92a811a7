"""The README's plugin example (examples/recall_feed) is discovered and works end to end.

The example is made visible the way ``pip install`` would: a ``*.dist-info`` folder whose
``entry_points.txt`` is written from the example's own pyproject.toml, on ``sys.path``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.ingest import SourceRef, ingest
from connectors.registry import feeds, get_feed
from detectors.catalogue import load_catalogue
from schemas.records import DeadLetter, Signal

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "recall_feed"


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text())["project"]
    dist = tmp_path / "riskwire_recalls-0.1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n"
    )
    points = project["entry-points"]["riskwire.feeds"]
    lines = "".join(f"{name} = {target}\n" for name, target in points.items())
    (dist / "entry_points.txt").write_text(f"[riskwire.feeds]\n{lines}")
    monkeypatch.syspath_prepend(str(EXAMPLE))
    monkeypatch.syspath_prepend(str(tmp_path))
    feeds.cache_clear()
    yield tmp_path
    feeds.cache_clear()


def test_plugin_is_discovered_beside_the_builtin_feeds(installed: Path) -> None:
    names = list(feeds())
    assert names[:5] == ["complaints", "injuries", "foodborne", "declarations", "listings"]
    assert "recalls" in names


def test_plugin_records_become_signals_and_bad_ones_dead_letters(installed: Path) -> None:
    adapter = get_feed("recalls")
    assert adapter is not None
    catalogue = load_catalogue()
    now = datetime(2026, 11, 1, tzinfo=UTC)
    lines = (EXAMPLE / "recalls.jsonl").read_bytes().splitlines()
    signals = [ingest("recalls", raw, SourceRef(), now, catalogue) for raw in lines]
    assert all(isinstance(s, Signal) for s in signals)
    scooter = signals[0]
    assert isinstance(scooter, Signal)
    assert scooter.signal_id == "recalls:SAMR-2026-0412"
    assert scooter.event_time == datetime(2026, 10, 12, 1, 0, tzinfo=UTC)  # 09:00 China time
    assert scooter.flags == ("recalled",)
    assert "children" in scooter.vulnerable_groups  # enrichment shared with built-in feeds
    bad = ingest(
        "recalls", b'{"recall_id": "X", "announced_at": "soon"}', SourceRef(), now, catalogue
    )
    assert isinstance(bad, DeadLetter)
    assert bad.feed == "recalls"


def test_cli_lists_and_validates_the_plugin_feed(installed: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(installed), str(EXAMPLE), str(ROOT)])}
    listed = subprocess.run(
        [sys.executable, "-m", "cli.main", "feeds", "list"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert any(line.startswith("recalls\t") for line in listed.stdout.splitlines())
    example = str(EXAMPLE / "recalls.jsonl")
    checked = subprocess.run(
        [sys.executable, "-m", "cli.main", "feeds", "validate", example, "--feed", "recalls"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "3 records, 3 valid, 0 invalid" in checked.stderr


def test_readme_shows_the_example_as_it_is() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Plug in a new feed", 1)[1].split("\n## ", 1)[0]
    module = (EXAMPLE / "riskwire_recalls" / "__init__.py").read_text().strip()
    assert module in section
    assert 'recalls = "riskwire_recalls:FEED"' in section
