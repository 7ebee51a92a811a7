"""A compiled JSON Schema check for the accept path of validation.

``jsonschema`` interprets a schema per record (0.3 ms for a declaration line, most of its
validation); ``fastjsonschema`` compiles it to Python once. It knows drafts 4-7, not 2020-12,
so it is used only for schemas whose keywords mean the same in draft 7 and in 2020-12
(:data:`SHARED_KEYWORDS`); any other schema (a plugin's, say) is checked by ``jsonschema``
alone. Its verdict is trusted only when it accepts: a rejection is checked again in full, which
also gives every error with its path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import fastjsonschema

__all__ = ["SHARED_KEYWORDS", "compile_fast", "keywords"]

# keywords with one meaning in drafts 7 and 2020-12 (annotations included)
SHARED_KEYWORDS = frozenset(
    {
        "$schema", "$id", "title", "description", "examples", "default", "version", "$comment",
        "type", "enum", "const", "properties", "required", "additionalProperties",
        "minLength", "maxLength", "pattern", "minimum", "maximum", "exclusiveMinimum",
        "exclusiveMaximum", "multipleOf", "minItems", "maxItems", "uniqueItems",
        "minProperties", "maxProperties", "anyOf", "allOf", "oneOf", "not", "items",
    }
)  # fmt: skip
_SUBSCHEMA_MAPS = ("properties",)
_SUBSCHEMA_LISTS = ("anyOf", "allOf", "oneOf")


def keywords(schema: Any) -> Iterator[str]:
    """Every keyword used in ``schema`` and its subschemas (property names are not keywords)."""
    if not isinstance(schema, dict):
        return
    for key, value in schema.items():
        # ``items`` as a list is a tuple in draft 7 and an error in 2020-12: not shared
        yield "items[]" if key == "items" and isinstance(value, list) else key
        if key in _SUBSCHEMA_MAPS and isinstance(value, dict):
            for sub in value.values():
                yield from keywords(sub)
        elif key in _SUBSCHEMA_LISTS and isinstance(value, list):
            for sub in value:
                yield from keywords(sub)
        elif key in ("items", "additionalProperties", "not"):
            yield from keywords(value)


def compile_fast(schema: dict[str, Any]) -> Callable[[Any], object] | None:
    """A compiled check of ``schema`` (it raises ``JsonSchemaException`` on a record it
    rejects and never changes a record), or None when the schema uses a keyword outside
    :data:`SHARED_KEYWORDS`, or ``items`` as a list."""
    if not set(keywords(schema)) <= SHARED_KEYWORDS:
        return None
    draft7 = {k: v for k, v in schema.items() if k not in ("$schema", "$id")}
    check: Callable[[Any], object] = fastjsonschema.compile(
        draft7, use_default=False, use_formats=False, detailed_exceptions=False
    )
    return check
