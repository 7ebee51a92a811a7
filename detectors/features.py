"""Features of a cluster for the warning model, named by the three grading factors.

The policy grades a risk by its **hazard**, **urgency** and **scope** (DOMAIN.md §3); every
feature here belongs to one of the three, and its name says which quantity it measures, so a
model's explanation reads in the policy's words. All features are plain numbers computed from
the :class:`~schemas.records.Cluster` alone, as of a given time, so training (on offline
snapshots) and serving (in the scoring agent) compute exactly the same thing.

Hazard
    ``outcome_level`` (none 1, minor 2, emergency 3, hospitalised 4, death 5: the scale of
    :func:`detectors.scoring.hazard_factor`), ``deaths``, ``hospitalised``, ``cases``,
    ``vulnerable_groups`` (how many) and ``vulnerable_children`` / ``vulnerable_elderly`` (0/1),
    a one-hot of the hazard class (``hazard_<class>``, ``hazard_none`` for quality-only
    clusters), ``key_product`` (a category on the policy's key-product list) and
    ``flagged_listings`` (listings flagged counterfeit, uncertified, recalled ...). Laboratory
    test failures are not carried by a cluster yet, so there is no feature for them.
Urgency
    ``risk_signals`` (all risk evidence), ``risk_last_1d`` and ``risk_last_7d`` (event days up to
    and including ``as_of``'s), ``baseline_per_week`` (the mean week of the 4 before the last,
    shrunk towards a background rate exactly as :func:`detectors.scoring.urgency_factor` does),
    ``poisson_surprise`` (-log10 of the Poisson tail P(X >= last 7 days | baseline), capped at
    ``SURPRISE_CAP``), ``ears_c1`` and ``ears_c3`` (the CDC EARS statistics of the daily risk
    count series on ``as_of``'s day, from :mod:`detectors.aberration`; 0 while pending),
    ``growth_7d`` (log2 of (last 7 days + 1) / (the 7 before + 1)) and ``age_days``.
Scope
    distinct ``regions``, ``channels``, ``feeds`` and ``risk_feeds`` (feeds reporting a risk),
    ``enterprises``, ``foreign_origins``, ``declarations``, ``import_quantity_log``
    (ln(1 + units declared for import)), ``listing_count``, ``sales_log`` (ln(1 + units sold
    online)) and ``signal_count``.

Days are the UTC calendar dates the cluster's ``daily_counts`` are keyed by.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from typing import Final

from detectors.aberration import latest
from detectors.catalogue import Catalogue
from detectors.scoring import PRIOR_WEEKLY, poisson_upper_tail
from schemas.records import Cluster, HazardClass

__all__ = ["FEATURE_GROUPS", "FEATURE_NAMES", "SURPRISE_CAP", "cluster_features"]

SURPRISE_CAP: Final = 50.0
_BASELINE_WEEKS: Final = 4
_SERIES_DAYS: Final = 28
_HOME_COUNTRY: Final = "CN"
_OUTCOME_LEVEL: Final = {"none": 1, "minor": 2, "emergency": 3, "hospitalised": 4, "death": 5}
_HAZARDS: Final = tuple(h.value for h in HazardClass)

FEATURE_GROUPS: Final[dict[str, tuple[str, ...]]] = {
    "hazard": (
        "outcome_level",
        "deaths",
        "hospitalised",
        "cases",
        "vulnerable_groups",
        "vulnerable_children",
        "vulnerable_elderly",
        *(f"hazard_{h}" for h in _HAZARDS),
        "hazard_none",
        "key_product",
        "flagged_listings",
    ),
    "urgency": (
        "risk_signals",
        "risk_last_1d",
        "risk_last_7d",
        "baseline_per_week",
        "poisson_surprise",
        "ears_c1",
        "ears_c3",
        "growth_7d",
        "age_days",
    ),
    "scope": (
        "regions",
        "channels",
        "feeds",
        "risk_feeds",
        "enterprises",
        "foreign_origins",
        "declarations",
        "import_quantity_log",
        "listing_count",
        "sales_log",
        "signal_count",
    ),
}
"""Feature names by grading factor, each group in ``FEATURE_NAMES`` order."""

FEATURE_NAMES: Final[tuple[str, ...]] = tuple(n for g in FEATURE_GROUPS.values() for n in g)
"""Every feature, in the column order a model is trained and served with."""


def _daily_series(daily: dict[str, int], last: date, days: int) -> list[float]:
    """Risk counts of the ``days`` days ending with ``last``, zeros where nothing was reported."""
    first = last - timedelta(days=days - 1)
    return [float(daily.get((first + timedelta(days=i)).isoformat(), 0)) for i in range(days)]


def _hazard(cluster: Cluster, catalogue: Catalogue) -> dict[str, float]:
    outcome = "death" if cluster.deaths else cluster.worst_outcome
    groups = set(cluster.vulnerable_groups)
    features = {
        "outcome_level": float(_OUTCOME_LEVEL.get(outcome, 1)),
        "deaths": float(cluster.deaths),
        "hospitalised": float(cluster.hospitalised),
        "cases": float(cluster.cases),
        "vulnerable_groups": float(len(groups)),
        "vulnerable_children": float("children" in groups),
        "vulnerable_elderly": float("elderly" in groups),
    }
    for h in _HAZARDS:
        features[f"hazard_{h}"] = float(cluster.hazard_class == h)
    features["hazard_none"] = float(cluster.hazard_class not in _HAZARDS)
    features["key_product"] = float(catalogue.is_key(cluster.category))
    features["flagged_listings"] = float(cluster.risk_counts.get("listings", 0))
    return features


def _urgency(cluster: Cluster, as_of: datetime) -> dict[str, float]:
    series = _daily_series(cluster.daily_counts, as_of.date(), _SERIES_DAYS + 7)
    week = 7
    last_7 = sum(series[-week:])
    prev_7 = sum(series[-2 * week : -week])
    before = sum(series[-week * (1 + _BASELINE_WEEKS) : -week])
    # The same shrinkage as scoring.urgency_factor: unknown weeks count at the prior rate.
    known_weeks = max(
        0, min(_BASELINE_WEEKS, (as_of - timedelta(days=week) - cluster.first_seen).days // week)
    )
    prior_weeks = _BASELINE_WEEKS - known_weeks + 1
    baseline = (before + PRIOR_WEEKLY * prior_weeks) / (_BASELINE_WEEKS + 1)
    tail = poisson_upper_tail(int(last_7), baseline)
    surprise = SURPRISE_CAP if tail <= 0 else min(SURPRISE_CAP, -math.log10(tail))
    recent = series[-_SERIES_DAYS:]
    c1 = latest(recent, "ears-c1").score
    c3 = latest(recent, "ears-c3").score
    age = max(0.0, (as_of - cluster.first_seen).total_seconds() / 86400.0)
    return {
        "risk_signals": float(sum(cluster.risk_counts.values())),
        "risk_last_1d": series[-1],
        "risk_last_7d": last_7,
        "baseline_per_week": baseline,
        "poisson_surprise": max(0.0, surprise),
        "ears_c1": c1 if c1 is not None else 0.0,
        "ears_c3": c3 if c3 is not None else 0.0,
        "growth_7d": math.log2((last_7 + 1.0) / (prev_7 + 1.0)),
        "age_days": age,
    }


def _scope(cluster: Cluster) -> dict[str, float]:
    return {
        "regions": float(len(cluster.region_counts)),
        "channels": float(len(cluster.channel_counts)),
        "feeds": float(len(cluster.feed_counts)),
        "risk_feeds": float(len(cluster.risk_counts)),
        "enterprises": float(len(cluster.enterprises)),
        "foreign_origins": float(sum(o != _HOME_COUNTRY for o in cluster.origins)),
        "declarations": float(cluster.feed_counts.get("declarations", 0)),
        "import_quantity_log": math.log1p(max(0.0, cluster.import_quantity)),
        "listing_count": float(cluster.listing_count),
        "sales_log": math.log1p(max(0, cluster.sales_count)),
        "signal_count": float(cluster.signal_count),
    }


def cluster_features(cluster: Cluster, as_of: datetime, catalogue: Catalogue) -> dict[str, float]:
    """Every feature of ``FEATURE_NAMES`` for ``cluster`` as of ``as_of``, in that order."""
    values = {**_hazard(cluster, catalogue), **_urgency(cluster, as_of), **_scope(cluster)}
    return {name: values[name] for name in FEATURE_NAMES}
