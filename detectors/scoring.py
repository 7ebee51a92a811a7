"""First-cut scoring: hazard x urgency x scope, each on a 1-5 scale, with the reasons.

The three factors are the ones the policy grades by (DOMAIN.md §3). Each is a small, documented
rule here; later work replaces urgency with aberration detection and the product with a
calibrated model, keeping this signature and the explanation format.

* hazard: the worst outcome (none 1, minor 2, emergency 3, hospitalised 4, death 5), one step
  up when a vulnerable group (children, elderly) was harmed; a cluster with no hazard class
  (quality complaints only) is 1.
* urgency: how surprising the last 7 days' risk signals are against the cluster's baseline,
  the mean week of the 4 weeks before, shrunk towards a prior background rate of
  ``PRIOR_WEEKLY``: the prior counts as one extra week, and weeks before the cluster existed
  count at the prior rate, so that neither a young cluster nor a long-quiet one is judged
  against zero. The
  surprise is the Poisson upper tail P(X >= observed | baseline); urgency is 1, then 2 / 3 / 4 / 5
  below 1e-4 / 1e-6 / 1e-9 / 1e-13. A steady background is not urgent however long it runs and
  however high its rate; a burst is.
  On a day with risk reports the daily series is also run through EARS C1-C3 and a Poisson
  CUSUM (:mod:`detectors.aberration`) and their verdicts go into the explanation. They do not
  move the level: letting three of four agreeing detectors raise urgency by one level made
  background noise reach a warning in 6 of 12 sample seeds, against 0 with the weekly rule.
  When the cluster carries its area's series (its category in the province with most of its
  reports, :mod:`detectors.area`), the same four detectors judge that series on the as-of day,
  under ``urgency.area`` (key, days judged, detectors). The area series starts on the area's
  first counted day, not 56 days back: a detector is pending (expected, threshold and score
  None, no alarm) until it has its baseline - EARS C1 8 days, C2 10, C3 12, CUSUM 15 - so
  a 3-day-old series alarms nowhere; an all-zero baseline gives EARS an expected 0 and the
  sd floor's threshold of 1.5.
  Both series carry the guard of the Farrington family against sparse alarms
  (:class:`AlarmGuard`): a day alarms only with 3+ risk reports on it and 5+ in the last 4
  days (Farrington et al. 1996's "at least five cases in the last four periods"); the worker
  takes both numbers from ``RISKWIRE_ALARM_MIN_CASES`` and ``RISKWIRE_ALARM_WINDOW_DAYS``.
  Farrington is not run: it needs the same season of a past year (a daily series over a year
  long), and an area keeps about two months. Area verdicts do not move the level either:
  over sample seeds 1-12 (:func:`lab.offline.run_offline`) they alarmed in 7 of about
  33,000 assessments, 6 on noise clusters and one on an incident already at urgency 5. With
  urgency one level up on any area alarm, or on three of four, every planted incident was
  still warned of (36 of 36, as without) and one noise cluster became a warning (seed 2);
  explanation-only, noise makes no warning in any seed.
* scope: 1, plus one each for 3+ regions, 6+ regions, 2+ feeds reporting a risk, and reach
  through trade or mass-market sales (imports declared, 5000+ units sold online, or 5+ flagged
  listings), capped at 5.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from detectors.aberration import latest
from detectors.catalogue import Catalogue
from schemas.records import Assessment, Cluster

__all__ = ["AlarmGuard", "assess", "hazard_factor", "scope_factor", "urgency_factor"]

_OUTCOME_LEVEL = {"none": 1, "minor": 2, "emergency": 3, "hospitalised": 4, "death": 5}
_TAIL_STEPS = (1e-4, 1e-6, 1e-9, 1e-13)
_BASELINE_WEEKS = 4
PRIOR_WEEKLY = 2.0
_SERIES_DAYS = 56
_DAILY_METHODS = ("ears-c1", "ears-c2", "ears-c3", "cusum")


@dataclass(frozen=True, slots=True)
class AlarmGuard:
    """When a detector's alarm on a day counts: ``min_day`` risk reports on the day itself (fewer
    are not an outbreak signal on their own) and ``min_cases`` in the last ``window_days`` days,
    the day included (Farrington's guard: a sparse series's single case is no outbreak)."""

    min_cases: int = 5
    window_days: int = 4
    min_day: int = 3

    def __post_init__(self) -> None:
        if self.min_cases < 0 or self.window_days < 1 or self.min_day < 0:
            raise ValueError(f"an alarm guard needs counts >= 0 and a window >= 1: {self}")

    def allows(self, series: list[int]) -> bool:
        """Whether the last day of ``series`` may alarm."""
        recent = sum(series[-self.window_days :])
        return bool(series) and series[-1] >= self.min_day and recent >= self.min_cases


GUARD = AlarmGuard()


def hazard_factor(cluster: Cluster) -> tuple[int, dict[str, object]]:
    """How bad the harm is (1-5) and why."""
    if cluster.hazard_class is None:
        return 1, {"hazard_class": None}
    outcome = "death" if cluster.deaths else cluster.worst_outcome
    level = _OUTCOME_LEVEL.get(outcome, 1)
    why: dict[str, object] = {"hazard_class": cluster.hazard_class, "worst_outcome": outcome}
    if cluster.hospitalised or cluster.deaths:
        why.update(hospitalised=cluster.hospitalised, deaths=cluster.deaths)
    if cluster.vulnerable_groups and level >= _OUTCOME_LEVEL["minor"]:
        level += 1
        why["vulnerable_groups"] = list(cluster.vulnerable_groups)
    return min(level, 5), why


def _count_between(daily: dict[str, int], start: datetime, end: datetime) -> int:
    lo, hi = start.date().isoformat(), end.date().isoformat()
    return sum(c for d, c in daily.items() if lo < d <= hi)


def urgency_factor(
    cluster: Cluster, as_of: datetime, guard: AlarmGuard = GUARD
) -> tuple[int, dict[str, object]]:
    """How far the last week's risk signals exceed the cluster's baseline (1-5), and why."""
    week = timedelta(days=7)
    recent = _count_between(cluster.daily_counts, as_of - week, as_of)
    before = _count_between(
        cluster.daily_counts, as_of - week * (1 + _BASELINE_WEEKS), as_of - week
    )
    known_weeks = max(0, min(_BASELINE_WEEKS, (as_of - week - cluster.first_seen) // week))
    prior_weeks = _BASELINE_WEEKS - known_weeks + 1
    baseline = (before + PRIOR_WEEKLY * prior_weeks) / (_BASELINE_WEEKS + 1)
    tail = poisson_upper_tail(recent, baseline)
    level = 1 + sum(tail < step for step in _TAIL_STEPS)
    why: dict[str, object] = {"last_7_days": recent, "baseline_per_week": round(baseline, 2)}
    why["baseline_weeks"] = known_weeks
    why["p_value"] = float(f"{tail:.3g}")
    if cluster.daily_counts.get(as_of.date().isoformat(), 0):
        why["detectors"] = daily_alarms(cluster, as_of, guard)
    area = area_alarms(cluster, as_of, guard)
    if area is not None:
        why["area"] = area
    return level, why


def daily_series(cluster: Cluster, as_of: datetime, days: int = _SERIES_DAYS) -> list[int]:
    """The cluster's risk signals per day, oldest first, ending on ``as_of``'s day."""
    end = as_of.date()
    return [
        cluster.daily_counts.get((end - timedelta(days=back)).isoformat(), 0)
        for back in range(days - 1, -1, -1)
    ]


def daily_alarms(
    cluster: Cluster, as_of: datetime, guard: AlarmGuard = GUARD
) -> list[dict[str, object]]:
    """EARS C1-C3 and the Poisson CUSUM on the last day of the cluster's daily series.

    Each entry carries the method, observed and expected counts, the threshold in counts, the
    method's statistic and whether it alarms (see :mod:`detectors.aberration`). Days before the
    cluster existed count as zero reports: a burst out of nothing is what an outbreak looks like.
    """
    return _verdicts(daily_series(cluster, as_of), as_of, guard)


def area_series(cluster: Cluster, as_of: datetime, days: int = _SERIES_DAYS) -> list[int]:
    """Risk signals per day in the cluster's area, oldest first, ending on ``as_of``'s day.

    Unlike :func:`daily_series` it starts no earlier than the area series' first day: before
    that the area was not counted yet, which is not the same as quiet (:mod:`detectors.area`).
    Empty when the cluster carries no series or ``as_of`` is before its first day.
    """
    counts = cluster.area_daily_counts
    if not counts:
        return []
    end = as_of.date()
    span = min(days, (end - date.fromisoformat(min(counts))).days + 1)
    return [counts.get((end - timedelta(days=back)).isoformat(), 0) for back in range(span)][::-1]


def area_alarms(
    cluster: Cluster, as_of: datetime, guard: AlarmGuard = GUARD
) -> dict[str, object] | None:
    """EARS C1-C3 and the Poisson CUSUM on ``as_of``'s day of the cluster's area series.

    The entries are those of :func:`daily_alarms`; None when there is no series to judge.
    A detector whose baseline is not there yet (an area counted for fewer days than it needs)
    is pending: expected, threshold and score None, no alarm.
    """
    series = area_series(cluster, as_of)
    if not series:
        return None
    verdicts = _verdicts(series, as_of, guard)
    return {"key": cluster.area_key, "days": len(series), "detectors": verdicts}


def _verdicts(series: list[int], as_of: datetime, guard: AlarmGuard) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    allowed = guard.allows(series)
    for method in _DAILY_METHODS:
        point = latest(series, method, date=as_of.date().isoformat())
        out.append(
            {
                "method": method,
                "observed": point.observed,
                "expected": None if point.expected is None else round(point.expected, 2),
                "threshold": None if point.threshold is None else round(point.threshold, 2),
                "score": None if point.score is None else round(point.score, 2),
                "alarm": bool(point.alarm and allowed),
            }
        )
    return out


def poisson_upper_tail(observed: int, mean: float) -> float:
    """P(X >= observed) for X ~ Poisson(mean), summed in log space so tiny tails stay exact."""
    if observed <= 0:
        return 1.0
    if mean <= 0:
        return 0.0
    log_mean = math.log(mean)
    below = sum(math.exp(k * log_mean - mean - math.lgamma(k + 1)) for k in range(observed))
    if below < 0.5:
        return 1.0 - below
    # Sum the upper tail directly when it is small, to keep its precision.
    terms = (
        math.exp(k * log_mean - mean - math.lgamma(k + 1)) for k in range(observed, observed + 400)
    )
    return math.fsum(terms)


def scope_factor(cluster: Cluster) -> tuple[int, dict[str, object]]:
    """How far the risk reaches (1-5) and why."""
    regions = len(cluster.region_counts)
    risk_feeds = len(cluster.risk_counts)
    traded = cluster.import_quantity > 0
    mass_market = cluster.sales_count >= 5000 or cluster.risk_counts.get("listings", 0) >= 5
    level = 1 + (regions >= 3) + (regions >= 6) + (risk_feeds >= 2) + (traded or mass_market)
    why: dict[str, object] = {"regions": regions, "risk_feeds": risk_feeds}
    if traded:
        why["import_quantity"] = cluster.import_quantity
    if mass_market:
        why["units_sold_online"] = cluster.sales_count
    return min(level, 5), why


def assess(
    cluster: Cluster, catalogue: Catalogue, as_of: datetime | None = None, guard: AlarmGuard = GUARD
) -> Assessment:
    """Score a cluster as of ``as_of`` (default: its last signal)."""
    when = as_of or cluster.last_seen
    hazard, hazard_why = hazard_factor(cluster)
    urgency, urgency_why = urgency_factor(cluster, when, guard)
    scope, scope_why = scope_factor(cluster)
    return Assessment(
        cluster=cluster,
        as_of=when,
        hazard=hazard,
        urgency=urgency,
        scope=scope,
        score=float(hazard * urgency * scope),
        explanation={
            "method": "rules-v1",
            "hazard": hazard_why,
            "urgency": urgency_why,
            "scope": scope_why,
            "key_product": catalogue.is_key(cluster.category),
        },
    )
