"""The one codec for every riskwire topic: orjson, with typed decoding into the records.

Decoding is strict about what a record needs and lenient about what it does not know: unknown
keys are ignored (a newer producer may add fields), a missing required field or a wrong type
raises :class:`~schemas.errors.SchemaError`, which callers dead-letter.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Hashable
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

import orjson

from schemas.errors import SchemaError

__all__ = ["decode", "dumps", "encode", "from_dict", "loads", "to_dict"]

T = TypeVar("T")

_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC


def dumps(value: Any) -> bytes:
    """Serialise any JSON-able value (dataclasses and datetimes included)."""
    return orjson.dumps(value, option=_OPTIONS)


def loads(data: bytes | str) -> Any:
    """Parse JSON bytes; raises :class:`SchemaError` on invalid JSON or encoding."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise SchemaError(f"not valid UTF-8 JSON: {exc}") from None


def encode(record: Any) -> bytes:
    """Serialise a record (a dataclass) for a topic."""
    return dumps(record)


def to_dict(record: Any) -> dict[str, Any]:
    """A record as a JSON-compatible dict (datetimes as ISO strings)."""
    result: dict[str, Any] = orjson.loads(dumps(record))
    return result


def decode(cls: type[T], data: bytes | str) -> T:
    """Parse bytes from a topic into a record of type ``cls``."""
    obj = loads(data)
    if not isinstance(obj, dict):
        raise SchemaError(f"expected a JSON object for {cls.__name__}, got {type(obj).__name__}")
    return from_dict(cls, obj)


def from_dict(cls: type[T], obj: dict[str, Any], path: str = "") -> T:
    """Build a record of type ``cls`` from a dict, converting dates, tuples and nested records."""
    kwargs: dict[str, Any] = {}
    for name, convert in _plan(typing.cast(Hashable, cls)):
        if name in obj:
            value = obj[name]
            kwargs[name] = None if value is None else convert(value, name)
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise SchemaError(f"{cls.__name__}: {exc}", path) from None


Converter = Callable[[Any, str], Any]


@cache
def _plan(cls: Hashable) -> tuple[tuple[str, Converter], ...]:
    """Per record class, once: each field's name and the function that converts its JSON value."""
    hints = typing.get_type_hints(cls)
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    return tuple((f.name, _converter(hints[f.name])) for f in fields)


def _identity(value: Any, path: str) -> Any:
    return value


def _to_datetime(value: Any, path: str) -> datetime:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise SchemaError(f"not an ISO 8601 time: {value!r}", path) from None


def _to_float(value: Any, path: str) -> Any:
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _converter(hint: Any) -> Converter:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(options) != 1:
            return _identity
        inner = _converter(options[0])
        return lambda v, p: None if v is None else inner(v, p)
    if hint is datetime:
        return _to_datetime
    if hint is float:
        return _to_float
    if origin is tuple:
        item = _converter(typing.get_args(hint)[0])

        def to_tuple(value: Any, path: str) -> tuple[Any, ...]:
            if not isinstance(value, list | tuple):
                raise SchemaError(f"expected a list, got {type(value).__name__}", path)
            if item is _identity:
                return tuple(value)
            return tuple(item(v, path) for v in value)

        return to_tuple
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        record = hint

        def to_record(value: Any, path: str) -> Any:
            if not isinstance(value, dict):
                raise SchemaError(f"expected an object, got {type(value).__name__}", path)
            return from_dict(record, value, path)

        return to_record
    return _identity
