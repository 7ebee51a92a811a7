"""The compiled schema check never accepts what the full 2020-12 validator rejects.

Every built-in feed schema compiles (so validation takes the fast path), and on valid records
with random fields replaced, random field types and boundary values, a record the compiled check
accepts is one ``jsonschema`` finds no error in. Schemas with keywords whose meaning differs
between the drafts are left to ``jsonschema`` alone.
"""

from __future__ import annotations

import copy
from typing import Any

import orjson
import pytest
from fastjsonschema import JsonSchemaException
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from connectors.fast_schema import compile_fast
from connectors.registry import feeds
from lab.sample import generate

ADAPTERS = feeds()
_VALID: dict[str, dict[str, Any]] = {}
for _rec in generate(seed=3, days=10).records:
    if _rec.label == "noise" and _rec.feed not in _VALID:
        _VALID[_rec.feed] = orjson.loads(_rec.payload)

VALUES = (
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.sampled_from([0, -1, 1.0, 0.5, 1e308, -0.0, 2**63])
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.lists(st.text(max_size=5), max_size=3)
    | st.dictionaries(st.text(max_size=5), st.integers(), max_size=2)
)


@pytest.mark.parametrize("feed", sorted(ADAPTERS))
def test_every_builtin_schema_compiles(feed: str) -> None:
    assert compile_fast(ADAPTERS[feed].schema) is not None


@settings(max_examples=400, deadline=None)
@given(
    feed=st.sampled_from(sorted(_VALID)),
    changes=st.dictionaries(st.text(max_size=20), VALUES, max_size=4),
    drop=st.lists(st.text(max_size=20), max_size=2),
)
def test_compiled_check_accepts_only_what_the_full_validator_accepts(
    feed: str, changes: dict[str, Any], drop: list[str]
) -> None:
    schema = ADAPTERS[feed].schema
    record = {**_VALID[feed]}
    fields = sorted(record)
    for i, (key, value) in enumerate(changes.items()):  # replace real fields, add strange ones
        record[fields[i % len(fields)] if i % 2 == 0 else key] = value
    for key in drop:
        record.pop(fields[len(key) % len(fields)], None)
    check = compile_fast(schema)
    assert check is not None
    before = copy.deepcopy(record)
    try:
        check(record)
    except JsonSchemaException:
        return  # rejected: the full validator gives the errors
    assert record == before  # no defaults filled in
    assert not list(Draft202012Validator(schema).iter_errors(record)), record


def test_the_valid_records_pass_and_errors_still_come_with_paths() -> None:
    adapter = ADAPTERS["declarations"]
    assert not list(adapter.errors(_VALID["declarations"]))
    broken = {**_VALID["declarations"], "quantity": "many"}
    errors = list(adapter.errors(broken))
    assert [e.path for e in errors] == ["quantity"]


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "properties": {"a": {"prefixItems": [{"type": "string"}]}}},
        {"type": "object", "properties": {"a": {"type": "string", "format": "date-time"}}},
        {"type": "array", "items": [{"type": "string"}]},
        {"$defs": {"x": {"type": "string"}}, "$ref": "#/$defs/x"},
    ],
)
def test_schemas_whose_keywords_differ_between_drafts_are_not_compiled(
    schema: dict[str, Any],
) -> None:
    assert compile_fast(schema) is None
