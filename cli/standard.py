"""``riskwire standard show|publish``: the grading standard as a document, and a new version of
it published on ``riskwire.config``.

Why a command: thresholds, hysteresis, quiet periods, decision limits and measures are policy
that changes by decision, without a redeploy. ``show`` prints the built-in version (a template
to edit); ``publish`` checks a document the way the worker will and sends it; every worker then
grades the next assessments of each partition with it, and each warning version names the
standard version that graded it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import orjson

from cli.producer import send_all
from detectors.standard import STANDARD, standard_from_dict, standard_to_dict
from schemas.errors import ConfigError, SchemaError
from streams.settings import Settings
from streams.topics import CONFIG_KEY

__all__ = ["publish_standard", "show_standard"]


def show_standard() -> int:
    """Print the built-in grading standard as its JSON document."""
    sys.stdout.write(orjson.dumps(standard_to_dict(STANDARD), option=orjson.OPT_INDENT_2).decode())
    sys.stdout.write("\n")
    return 0


def publish_standard(settings: Settings, path: Path) -> int:
    """Check the document at ``path`` and send it to ``riskwire.config``."""
    raw = path.read_bytes()
    try:
        standard = standard_from_dict(orjson.loads(raw))
    except orjson.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not JSON: {exc}") from None
    except SchemaError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    body = orjson.dumps(standard_to_dict(standard))
    send_all(settings, [(settings.topic("config"), CONFIG_KEY, body)])
    print(f"published grading standard {standard.version} on {settings.topic('config')}")
    return 0
