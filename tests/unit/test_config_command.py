"""``riskwire config show``: every setting this process reads, secrets masked."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from streams.settings import ENVIRONMENT

SECRET = "0123456789abcdefghij"


def _show(*extra: str) -> str:
    env = {
        **os.environ,
        "RISKWIRE_TOKENS": json.dumps(
            {"tokens": [{"principal": "li.wei", "roles": ["analyst"], "token": SECRET}]}
        ),
        "RISKWIRE_REDIS_URL": "redis://ops:hunter2@127.0.0.1:6379/0",
        "RISKWIRE_PARTITIONS": "6",
    }
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "config", "show", *extra],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_config_show_lists_every_variable_with_secrets_masked() -> None:
    shown = json.loads(_show("--json"))
    assert set(shown) == {var for var, _ in ENVIRONMENT.values()}
    assert shown["RISKWIRE_PARTITIONS"] == "6"
    assert shown["RISKWIRE_REDIS_URL"] == "redis://ops:***@127.0.0.1:6379/0"
    assert shown["RISKWIRE_TOKENS"] == "***"
    table = _show()
    assert SECRET not in table and "hunter2" not in table
    assert "RISKWIRE_PARTITIONS" in table
