"""What a feed is: a name, a JSON Schema, and a function from a raw record to a :class:`Signal`.

A feed adapter only maps fields and normalises them; validation against the schema happens
before it is called, and enrichment shared by every feed (category, hazard class, vulnerable
groups, fingerprint) happens after, in :mod:`connectors.ingest`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastjsonschema import JsonSchemaException
from jsonschema import Draft202012Validator

from connectors.fast_schema import compile_fast
from connectors.normalize import DEFAULT_TZ
from detectors.catalogue import Catalogue
from schemas.errors import SchemaError
from schemas.records import FeedRole, Signal

__all__ = ["FeedAdapter", "FeedContext", "load_schema"]


@dataclass(frozen=True, slots=True)
class FeedContext:
    """What an adapter may use besides the record: the ingest time, catalogue and time zone."""

    ingest_time: datetime
    catalogue: Catalogue
    tz: ZoneInfo = DEFAULT_TZ


def load_schema(name_or_path: str | Path) -> dict[str, Any]:
    """A bundled feed schema by feed name, or a schema file by path (for plugins)."""
    path = Path(name_or_path)
    if path.suffix == ".json":
        text = path.read_text(encoding="utf-8")
    else:
        res = resources.files("schemas").joinpath(f"feeds/{name_or_path}.schema.json")
        text = res.read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    Draft202012Validator.check_schema(schema)
    return schema


@dataclass(frozen=True)
class FeedAdapter:
    """One feed: its name, its schema and its mapping to :class:`Signal`."""

    name: str
    schema: dict[str, Any]
    to_signal: Callable[[dict[str, Any], FeedContext], Signal]
    description: str = ""
    defaults: dict[str, Any] = field(default_factory=dict)
    role: FeedRole = FeedRole.REPORT

    @cached_property
    def _validator(self) -> Draft202012Validator:
        return Draft202012Validator(self.schema)

    @cached_property
    def _accepts(self) -> Callable[[Any], object] | None:
        return compile_fast(self.schema)

    def errors(self, record: Any) -> Iterator[SchemaError]:
        """Every way ``record`` breaks the schema, each with its field path, in path order.

        A compiled check answers first (about 30 times faster): what it accepts is valid; what
        it rejects is checked again in full, for every error with its path (and in case the
        compiled check was stricter than the schema's draft)."""
        if self._accepts is not None:
            try:
                self._accepts(record)
                return
            except JsonSchemaException:
                pass
        found = sorted(self._validator.iter_errors(record), key=lambda e: list(e.absolute_path))
        for err in found:
            path = ".".join(str(p) for p in err.absolute_path) or "$"
            yield SchemaError(err.message, path)
