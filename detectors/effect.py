"""Effect evaluation: did the measures slow the risk down? (DOMAIN.md section 5: "after acting,
evaluate the effect, adjust the grade dynamically, until the warning is lifted").

Why rates and not counts: a warning's measures start days or weeks after its first report, and
it is evaluated after a quiet period, so the two spans differ. The evaluation compares, feed by
feed, how many reports a day the cluster drew before the measures started (from its first
report) with how many it drew since (complaints, injuries, declarations and listings of the
goods alike: fewer declarations and listings are the measures working at the border and in
shops). Pure: the escalation stage keeps the counts at the start (:class:`Baseline`) and now.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

__all__ = ["EFFECTIVE_RATIO", "Baseline", "evaluate_effect"]

EFFECTIVE_RATIO = 0.5  # the rate since the measures at most half the rate before: effective
DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Baseline:
    """A cluster's evidence when its warning's measures started (its first approved version)."""

    since: datetime  # the measures started
    first_seen: datetime  # the cluster's first report
    counts: dict[str, int] = field(default_factory=dict)  # reports by feed until ``since``


def _days(span: timedelta) -> float:
    return max(span / DAY, 1.0)  # at least a day: a rate over minutes says nothing


def evaluate_effect(base: Baseline, counts: Mapping[str, int], at: datetime) -> dict[str, Any]:
    """The effect of the measures by ``at``, given the cluster's reports by feed (``counts``).

    The verdict: ``effective`` when the reports a day since the measures are at most
    :data:`EFFECTIVE_RATIO` of those before, ``partly effective`` when fewer, else
    ``not effective``; ``too early`` when the measures have not started by ``at``.
    """
    if at <= base.since:
        return {"verdict": "too early", "measures_since": base.since.isoformat()}
    before_days = _days(base.since - base.first_seen)
    after_days = _days(at - base.since)
    by_feed: dict[str, dict[str, float]] = {}
    for feed in sorted(set(base.counts) | set(counts)):
        before = base.counts.get(feed, 0)
        after = max(0, counts.get(feed, 0) - before)
        by_feed[feed] = {
            "before": before,
            "since": after,
            "per_day_before": round(before / before_days, 3),
            "per_day_since": round(after / after_days, 3),
        }
    rate_before = sum(f["before"] for f in by_feed.values()) / before_days
    rate_since = sum(f["since"] for f in by_feed.values()) / after_days
    if rate_since <= EFFECTIVE_RATIO * rate_before:
        verdict = "effective"
    elif rate_since < rate_before:
        verdict = "partly effective"
    else:
        verdict = "not effective"
    return {
        "verdict": verdict,
        "measures_since": base.since.isoformat(),
        "days_before": round(before_days, 2),
        "days_since": round(after_days, 2),
        "per_day_before": round(rate_before, 3),
        "per_day_since": round(rate_since, 3),
        "by_feed": by_feed,
    }
