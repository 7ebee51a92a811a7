"""A consumer group's status from lag samples, in the spirit of Burrow's evaluation.

Why samples, not one reading: a lag of 5,000 records is fine for a group that is eating into
it and alarming for one that stopped; only offsets over a window tell the two apart. Pure: the
samples come from :class:`cli.lag.LagProbe`.

* ``OK``: no lag at the last sample, or the committed offset moved and the lag did not grow.
* ``WARN``: the committed offset moved, but the lag grew at every sample (falling behind).
* ``STALL``: the group has members, the lag was not zero at any sample, and the committed
  offset did not move over the window (a stuck consumer; Burrow's ERR/STALL).
* ``STOP``: lag but no member in the group (the consumers are gone).

A group's status is its worst partition's.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

__all__ = ["STATUSES", "group_status", "partition_status"]

STATUSES = ("OK", "WARN", "STALL", "STOP")  # best first


def partition_status(samples: Sequence[tuple[int, int]], members: int | None) -> str:
    """The status of one partition from ``(committed, end)`` samples, oldest first;
    ``members``: the group's consumers now (``None``: not known, so never ``STOP``)."""
    if not samples:
        raise ValueError("a status needs at least one sample")
    lags = [max(0, end - committed) for committed, end in samples]
    if lags[-1] == 0:
        return "OK"
    if members == 0:
        return "STOP"
    if min(lags) == 0:  # it was caught up within the window: a record just arrived
        return "OK"
    if samples[-1][0] == samples[0][0]:
        return "STALL" if len(samples) > 1 else "OK"
    if len(lags) > 1 and all(b > a for a, b in itertools.pairwise(lags)):
        return "WARN"
    return "OK"


def group_status(statuses: Iterable[str]) -> str:
    """The worst of the partitions' statuses (``OK`` for none)."""
    return max(statuses, key=STATUSES.index, default="OK")
