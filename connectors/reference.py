"""Reference data as messages: enterprise credit grades, the blacklist, origin-country risk.

Port targeting and scoring read these from Redis; they change by messages on
``<ns>.reference`` (one fact per message), never by restarting a worker. A message is::

    {"kind": "credit",      "key": "<USCC or enterprise name>", "value": "A" | "B" | "C" | "D"}
    {"kind": "blacklist",   "key": "<USCC or enterprise name>", "op": "add" | "remove"}
    {"kind": "origin_risk", "key": "<country: alpha-2, alpha-3 or name>", "value": 0.0 .. 1.0}

``"op": "remove"`` withdraws a credit grade or a country's risk as well. A malformed message is
a :class:`SchemaError`, dead-lettered by the agent like any bad feed record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from connectors.normalize import country, uscc
from schemas.errors import SchemaError

__all__ = ["CREDIT_GRADES", "KINDS", "ReferenceUpdate", "parse_reference", "reference_messages"]

KINDS = ("credit", "blacklist", "origin_risk")
CREDIT_GRADES = ("A", "B", "C", "D")


@dataclass(frozen=True, slots=True)
class ReferenceUpdate:
    """One validated reference fact to set or remove."""

    kind: str
    key: str
    value: str | None  # None when removing (and for blacklist entries)
    remove: bool = False


def _party(key: str) -> str:
    """A USCC is checked and canonicalised; anything else is an enterprise name, trimmed."""
    candidate = key.strip()
    if len(candidate) == 18 and candidate[:1].isdigit():
        return uscc(candidate, "key") or candidate
    return candidate


def parse_reference(raw: bytes) -> ReferenceUpdate:
    """Validate one reference message."""
    try:
        msg: Any = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise SchemaError(f"not JSON: {exc}", "$") from None
    if not isinstance(msg, dict):
        raise SchemaError("a reference message is a JSON object", "$")
    kind, key, op = msg.get("kind"), msg.get("key"), msg.get("op", "set")
    if kind not in KINDS:
        raise SchemaError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}", "kind")
    if not isinstance(key, str) or not key.strip():
        raise SchemaError("key must be a non-empty string", "key")
    if op not in ("set", "add", "remove"):
        raise SchemaError(f"op must be set, add or remove, got {op!r}", "op")
    remove = op == "remove"
    if kind == "origin_risk":
        code = country(key, "key")
        assert code is not None  # key is a non-empty string
        if remove:
            return ReferenceUpdate(kind, code, None, True)
        value = msg.get("value")
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise SchemaError("origin_risk value must be a number from 0 to 1", "value")
        return ReferenceUpdate(kind, code, str(float(value)))
    party = _party(key)
    if kind == "blacklist" or remove:
        return ReferenceUpdate(kind, party, None, remove)
    grade = msg.get("value")
    if not isinstance(grade, str) or grade.strip().upper() not in CREDIT_GRADES:
        raise SchemaError(f"credit value must be one of {', '.join(CREDIT_GRADES)}", "value")
    return ReferenceUpdate(kind, party, grade.strip().upper())


def reference_messages(
    credit: Mapping[str, str] | None = None,
    blacklist: Iterable[str] | None = None,
    origin_risk: Mapping[str, float] | None = None,
) -> list[tuple[bytes, bytes]]:
    """(key, value) messages that set the given reference data, e.g. for a bulk load."""
    facts: list[tuple[str, dict[str, Any]]] = []  # (label, message)
    for party, grade in (credit or {}).items():
        facts.append((f"credit:{party}", {"kind": "credit", "key": party, "value": grade}))
    for party in blacklist or ():
        facts.append((f"blacklist:{party}", {"kind": "blacklist", "key": party, "op": "add"}))
    for code, risk in (origin_risk or {}).items():
        facts.append((f"origin_risk:{code}", {"kind": "origin_risk", "key": code, "value": risk}))
    out = []
    for _, fact in facts:
        raw = orjson.dumps(fact)
        update = parse_reference(raw)  # keyed by the normalised key, as `reference load` does
        out.append((f"{update.kind}:{update.key}".encode(), raw))
    return out
