"""Exact duplicates: the same source record re-sent, or the same content within a window.

The decision is made once per signal and remembered with the position (topic, partition,
offset) it was first read at, so that re-reading the same message after a crash gets the same
answer, while the same record arriving again at another position is a duplicate. This module
holds the rule and an in-memory index; :mod:`streams.state` holds the Redis index every worker
shares, which follows the same rule in one Lua call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from schemas.records import Signal

__all__ = ["DEFAULT_WINDOW", "MemoryExactIndex", "Verdict"]

DEFAULT_WINDOW = timedelta(days=7)
RESENT = "same source record re-sent"
SAME_CONTENT = "same content fingerprint within the window"


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a signal repeats an earlier one, which one, and why."""

    duplicate_of: str | None
    reason: str = ""


class MemoryExactIndex:
    """Exact-duplicate index in a dict: for the in-process runner and evaluations."""

    def __init__(self, window: timedelta = DEFAULT_WINDOW) -> None:
        self.window = window.total_seconds()
        self._by_id: dict[str, tuple[str, Verdict]] = {}
        self._by_fp: dict[str, tuple[str, float]] = {}

    def check(self, signal: Signal, position: str) -> Verdict:
        """The verdict for ``signal`` read at ``position``; the same position, the same verdict."""
        seen = self._by_id.get(signal.signal_id)
        if seen is not None:
            first_position, verdict = seen
            if first_position == position:
                return verdict
            return Verdict(verdict.duplicate_of or signal.signal_id, RESENT)
        verdict = Verdict(None)
        epoch = signal.event_time.timestamp()
        earlier = self._by_fp.get(signal.fingerprint) if signal.fingerprint else None
        if earlier is not None and abs(earlier[1] - epoch) <= self.window:
            verdict = Verdict(earlier[0], SAME_CONTENT)
        elif signal.fingerprint:
            self._by_fp[signal.fingerprint] = (signal.signal_id, epoch)
        self._by_id[signal.signal_id] = (position, verdict)
        return verdict
