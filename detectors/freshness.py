"""Feed freshness: a feed that has gone silent is not a risk that has gone quiet.

Why: a warning is put under effect evaluation and lifted after a quiet period without new
reports. If the injury-report feed breaks, its warnings would go quiet and be lifted although
nothing was learned about the risk. A feed is *stalled* when it has been silent for longer than
its own rhythm allows: each feed keeps the days records *arrived* on (the latest
:data:`DAYS_KEPT`; arrival, not event time: injury reports come days after the injury, and a
weekly batch of daily events arrives weekly); its usual gap is the 90th percentile of the gaps
between those days; it is stalled when the days since its last arrival exceed twice that gap
and at least :data:`MIN_SILENCE_DAYS`.
A feed with fewer than :data:`MIN_DAYS` days of records has no rhythm yet and is never called
stalled (a new feed cannot hold the clock). Pure: the worker keeps the days (Redis) and sends the
stalled feeds with its clock ticks, which the escalation stage reads (see README).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from datetime import date

__all__ = ["DAYS_KEPT", "MIN_DAYS", "MIN_SILENCE_DAYS", "stalled_feeds", "usual_gap"]

DAYS_KEPT = 60  # record days kept per feed
MIN_DAYS = 5  # record days a feed needs before its rhythm is known
MIN_SILENCE_DAYS = 2  # never stalled after less than this: one quiet weekend day is not a break


def usual_gap(days: Iterable[date]) -> int | None:
    """The usual gap, in days, between consecutive arrival days: the 90th percentile of the
    gaps (nearest rank), so that one past outage does not make every later silence look usual
    (``None``: too few days)."""
    ordered = sorted(set(days))[-DAYS_KEPT:]
    if len(ordered) < MIN_DAYS:
        return None
    gaps = sorted((b - a).days for a, b in itertools.pairwise(ordered))
    return gaps[max(0, math.ceil(0.9 * len(gaps)) - 1)]


def stalled_feeds(days_by_feed: Mapping[str, Iterable[date]], today: date) -> tuple[str, ...]:
    """The feeds silent beyond their rhythm on ``today`` (event time), sorted."""
    out = []
    for feed, days in days_by_feed.items():
        kept = sorted(set(days))
        gap = usual_gap(kept)
        if gap is None:
            continue
        silence = (today - kept[-1]).days
        if silence > max(MIN_SILENCE_DAYS, 2 * gap):
            out.append(feed)
    return tuple(sorted(out))
