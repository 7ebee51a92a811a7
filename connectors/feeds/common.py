"""Helpers the built-in adapters share: ids, text, listing-title boilerplate."""

from __future__ import annotations

import re
from typing import Any

from connectors.normalize import optional_text
from detectors.text import clean

__all__ = ["joined", "source_id", "strip_boilerplate"]

_BRACKETED = re.compile(r"【[^】]*】|\[[^\]]*\]|「[^」]*」")
_BOILERPLATE = re.compile(
    r"包邮|正品|热卖|特价|促销|爆款|新款|官方旗舰店|旗舰店|官方|现货|限时|秒杀|顺丰|"
    r"\bfree shipping\b|\bhot sale\b|\bnew arrival\b|\bofficial store\b|\b100% genuine\b",
    re.IGNORECASE,
)


def source_id(record: dict[str, Any], *fields: str) -> str:
    """The record's id in its source system: the named fields, cleaned and joined by ``:``."""
    return ":".join(clean(str(record[f])) for f in fields)


def joined(*parts: object) -> str:
    """Non-empty cleaned parts joined by a space."""
    return " ".join(p for p in (optional_text(x) for x in parts) if p)


def strip_boilerplate(title: str) -> str:
    """A listing title without bracketed tags and sales slogans ("【正品】…包邮")."""
    stripped = _BOILERPLATE.sub(" ", _BRACKETED.sub(" ", clean(title)))
    return clean(stripped) or clean(title)
