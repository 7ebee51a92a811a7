"""The README's promises that code can check: the two commands, every setting, every topic."""

from __future__ import annotations

import re
from pathlib import Path

from streams.settings import ENVIRONMENT
from streams.topics import STAGE_TOPICS

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_quick_start_has_exactly_two_commands_and_make_has_them() -> None:
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    first_block = quick.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in first_block.strip().splitlines()]
    assert commands == ["make demo", "make test"]
    makefile = (ROOT / "Makefile").read_text()
    for target in ("demo", "test"):
        assert re.search(rf"^{target}:", makefile, re.M), f"Makefile has no {target} target"


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_every_setting_is_documented() -> None:
    for var, _ in ENVIRONMENT.values():
        assert f"`{var}`" in README, f"{var} is missing from README's Configuration"


def test_every_stage_topic_is_documented() -> None:
    for name in STAGE_TOPICS:
        assert f"`riskwire.{name}`" in README, f"riskwire.{name} is missing from README"
