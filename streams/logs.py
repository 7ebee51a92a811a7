"""Worker logs as text (for a person at a terminal) or as one JSON object per line (for a log
pipeline), with the record a line is about in fields of its own.

Why JSON: an operator searching "what happened to complaint C-123" or "to offset 4711 of
riskwire.signals[2]" needs the stage, topic, partition, offset and key as fields, not parsed
out of a sentence. Lines about one record carry them through ``extra=record_fields(...)``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson

__all__ = [
    "LOG_FORMATS",
    "RECORD_FIELDS",
    "BufferFullFilter",
    "JsonFormatter",
    "logging_config",
    "record_fields",
]

LOG_FORMATS = ("text", "json")

#: the fields a line about one record may carry (``extra=record_fields(...)``)
RECORD_FIELDS = ("stage", "topic", "partition", "offset", "key", "outcome", "seconds")

# attributes every LogRecord has: anything else on a record came in through ``extra``
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def record_fields(
    stage: str, topic: str, partition: int, offset: int, key: bytes | str | None, **more: Any
) -> dict[str, Any]:
    """``extra`` for a log line about one input record of one stage."""
    if isinstance(key, bytes):
        key = key.decode("utf-8", "replace")
    return {
        "stage": stage,
        "topic": topic,
        "partition": partition,
        "offset": offset,
        "key": key,
        **more,
    }


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, the record
    fields given through ``extra`` and, for an exception, its traceback as text."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in record.__dict__.items():
            if name not in _STANDARD and not name.startswith("_"):
                doc[name] = value
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(doc, default=repr).decode()


class BufferFullFilter(logging.Filter):
    """Faust's "producer buffer full" warnings, counted and told at INFO.

    Faust (``faust.transport.producer``) warns each time table changelog writes outrun the
    producer and the stream waits for them to drain: back-pressure working as designed, not a
    fault, and a busy worker says it hundreds of times a run. The count goes to a metric
    (``riskwire_producer_buffer_waits_total``), where a rate can be watched, and the line to INFO.
    """

    def __init__(self, count: Callable[[], None]) -> None:
        super().__init__("faust.transport.producer")
        self._count = count

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.WARNING and record.getMessage().startswith(
            "producer buffer full"
        ):
            self._count()
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


def logging_config(log_format: str, level: str) -> dict[str, Any] | None:
    """The ``logging.config.dictConfig`` document for ``log_format``; None for text (Faust's
    own coloured console format)."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"log format must be one of {', '.join(LOG_FORMATS)}, got {log_format!r}")
    if log_format == "text":
        return None
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
                "level": level.upper(),
            }
        },
        "root": {"level": level.upper(), "handlers": ["default"]},
    }
