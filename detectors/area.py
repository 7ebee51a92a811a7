"""Risk signals per day in one product category and one province: the area series of urgency.

A cluster's own series (``Cluster.daily_counts``) sees a burst of one product. Some bursts
spread over products the linker keeps apart (several brands of one contaminated food, a
category-wide defect), and only show as more risk reports of the category in one place. The
link stage therefore keeps, next to its clusters, one count series per area
``"<category>|<province>"`` (:func:`area_key`), and each cluster it stores carries a snapshot of
its area's series for scoring (:func:`detectors.scoring.urgency_factor`).

The contract of a series, a ``dict`` of ISO event date (UTC, as ``Cluster.daily_counts``) to a
count:

* What counts: risk evidence only (:func:`detectors.evidence.is_risk_evidence`, the notion of
  ``Cluster.risk_counts`` and ``daily_counts``), once per signal. The caller counts a signal
  when it first joins or founds a cluster, never when it is replayed.
* Where: the signal's blocking key (its category, or ``"uncategorised"``) and the province of
  its region (:func:`detectors.regions.region_key`). A signal whose region names no province
  counts in no area: it cannot be placed.
* Start: the oldest date in the series is where counting began. Days from it on without an
  entry had no risk signals (zero); days before it are unknown, not zero, so that a pipeline's
  first days do not look like a burst out of silence in every area.
* Horizon: a series keeps ``HORIZON_DAYS`` days ending on its newest date (the 56 days scoring
  looks at, plus a week of slack for late events). Writing a newer date drops older dates; when
  dates are dropped the first kept day is written with its count (possibly 0), so the series
  still says it was counted from there on. A late signal counts on its own date when that date
  is inside the horizon, and is left out of the series when it is older; one dated before the
  series' first day moves that start back to its own day.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from detectors.regions import region_key

__all__ = ["HORIZON_DAYS", "add_to_series", "area_key", "cluster_province", "province_of"]

HORIZON_DAYS = 56 + 7


def area_key(block: str, province: str) -> str:
    """``"<category>|<province>"``: the state key of an area's series."""
    return f"{block}|{province}"


def province_of(region: str | None) -> str:
    """The province a region names, "" when it names none (a city alone, or nothing)."""
    province, _ = region_key(region)
    return province


def cluster_province(region_counts: Mapping[str, int], prefer: str | None = None) -> str:
    """The province with most of a cluster's reports ("" when none names one).

    Regions are summed by province. A tie goes to the province of ``prefer`` (the region of the
    signal being linked) when it is among the tied, else to the first name in sort order.
    """
    by_province: dict[str, int] = {}
    for region, count in region_counts.items():
        province = province_of(region)
        if province:
            by_province[province] = by_province.get(province, 0) + count
    if not by_province:
        return ""
    most = max(by_province.values())
    tied = sorted(p for p, c in by_province.items() if c == most)
    preferred = province_of(prefer)
    return preferred if preferred in tied else tied[0]


def add_to_series(series: Mapping[str, int], day: str) -> dict[str, int] | None:
    """The series with one more risk signal on ``day``, or None when ``day`` is too old to keep.

    Returns a new dict (the stored one is never mutated), cut to the horizon of its newest date.
    """
    newest = max(day, max(series, default=day))
    cutoff = (date.fromisoformat(newest) - timedelta(days=HORIZON_DAYS - 1)).isoformat()
    if day < cutoff:
        return None
    counted = {**series, day: series.get(day, 0) + 1}
    kept = {d: c for d, c in counted.items() if d >= cutoff}
    if len(kept) < len(counted):  # older days were known: counting began before the cutoff
        kept.setdefault(cutoff, 0)
    return dict(sorted(kept.items()))
