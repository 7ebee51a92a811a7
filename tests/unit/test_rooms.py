"""Rooms by concern: the worker (streams/) never imports the command line (cli/) or the lab
(lab/: generators, evaluations, benchmarks, the in-memory runner)."""

from __future__ import annotations

import subprocess
import sys


def test_the_worker_imports_nothing_from_the_lab_or_the_command_line() -> None:
    probe = (
        "import sys, streams.worker, streams.pipeline, streams.flow; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('lab', 'cli')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]"


def test_detectors_and_schemas_import_neither_faust_nor_the_outer_rooms() -> None:
    probe = (
        "import sys, detectors.linkage, detectors.neardup, detectors.scoring, detectors.grading, "
        "detectors.targeting, detectors.aberration, schemas.records, schemas.codec; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'faust', 'streams', 'cli', 'lab', 'redis', 'kafka'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]"
