"""Changelog-backed state tables whose values read back exactly as they were written.

Every stage keeps its state as ``str -> bytes`` (the stages own their encoding, see
:mod:`streams.stages`). Faust chooses the codecs of a table's changelog *and of its recovery*
from the table's own ``key_type`` / ``value_type`` (``Collection.__init__`` falls back to JSON
when they are unset), not from a ``schema=`` argument. Tables declared with only a schema
therefore wrote bytes through the JSON codec and recovered JSON-decoded strings and lists: after
any restart every stage that read its state failed. :func:`state_table` declares the types
themselves, so writing and recovery use the same raw codec, and :class:`StateTable` refuses a
recovered value that is not bytes.

A recovery error is never a log line that scrolls by: Faust's changelog reader logs exceptions
and carries on with a partial table. :class:`StateTable` records the failure in
:class:`RecoveryHealth` (which ``/ready`` reports) and ends the worker process at once, before
any record is processed against incomplete state and before any offset is committed, so the
supervisor's restart and the operator both see it.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import faust
from faust.types import EventT

__all__ = ["EXIT_RECOVERY_FAILED", "RecoveryHealth", "StateTable", "state_table"]

log = logging.getLogger("riskwire.tables")

EXIT_RECOVERY_FAILED = 75  # EX_TEMPFAIL: a supervisor restarts; the log says why


class UnreadableState(RuntimeError):
    """A changelog value that is not what a state table stores."""


@dataclass
class RecoveryHealth:
    """What the tables of one worker know about their recovery, for ``/ready``."""

    failures: list[str] = field(default_factory=list)
    applied: dict[str, int] = field(default_factory=dict)  # changelog records read, by table

    def record(self, table: str, count: int) -> None:
        """``count`` more changelog records of ``table`` applied."""
        self.applied[table] = self.applied.get(table, 0) + count

    def fail(self, table: str, exc: BaseException) -> None:
        """Note a recovery failure of ``table``."""
        self.failures.append(f"{table}: {type(exc).__name__}: {exc}")


def _exit_now(reason: str) -> None:  # pragma: no cover - ends the process
    log.critical("state did not recover, worker exits (%d): %s", EXIT_RECOVERY_FAILED, reason)
    for handler in logging.getLogger().handlers:
        handler.flush()
    sys.stderr.flush()
    os._exit(EXIT_RECOVERY_FAILED)


class StateTable(faust.Table[str, bytes]):
    """A Faust table of ``str -> bytes`` whose recovery is checked, value by value."""

    health: RecoveryHealth | None = None
    exit_on_failure: bool = True

    def _to_value(self, v: Any) -> Any:
        if v is None or isinstance(v, bytes):
            return v
        raise UnreadableState(
            f"changelog value of table {self.name!r} is {type(v).__name__}, not bytes: "
            "written with another codec than the table reads"
        )

    def apply_changelog_batch(self, batch: Iterable[EventT[bytes]]) -> None:
        """Apply recovered changelog records; a failure ends the worker (see module doc)."""
        events = list(batch)
        try:
            super().apply_changelog_batch(events)
        except Exception as exc:
            if self.health is not None:
                self.health.fail(self.name, exc)
            if self.exit_on_failure:
                _exit_now(f"table {self.name!r}: {exc!r}")
            raise
        if self.health is not None:
            self.health.record(self.name, len(events))


def state_table(app: faust.App, name: str, health: RecoveryHealth) -> StateTable:
    """A changelog-backed ``str -> bytes`` table: keys as JSON strings, values raw."""
    table = StateTable(app, name=name, key_type=str, value_type=bytes, beacon=app.tables.beacon)
    app.tables.add(table)
    if table.key_serializer != "json" or table.value_serializer != "raw":  # pragma: no cover
        raise RuntimeError(f"table {name!r} would not recover what it writes")
    table.health = health
    return table
