"""The warnings board's chart: a warning's cluster, its risk signals per day against the
aberration thresholds its urgency is judged with.

The numbers are the worker's own: the cluster as linking last stored it in the ``clusters``
table (``Cluster.daily_counts``, risk signals by event date) and, for each day, the verdicts of
EARS C1-C3 and the Poisson CUSUM as :func:`detectors.scoring.daily_alarms` gives them for that
day on those counts (so the last day's entry is what the warning's explanation shows when no
late report has arrived since). Nothing here is stored: the chart is computed on request.

A worker holds the clusters of the partitions it is assigned; a cluster another worker holds, or
one merged into another (its record deleted) or forgotten after its idle window, has no chart
here (:func:`held_cluster` answers None).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import faust

from detectors.scoring import GUARD, AlarmGuard, daily_alarms
from schemas.codec import decode
from schemas.records import Cluster

__all__ = ["CLUSTERS_TABLE", "DAYS_SHOWN", "LEAD_DAYS", "cluster_series", "held_cluster"]

CLUSTERS_TABLE = "clusters"  # the linking stage's table (streams.pipeline)
DAYS_SHOWN = 120  # at most, the latest
LEAD_DAYS = 7  # shown before the cluster's first report: the quiet it rose from


def held_cluster(app: faust.App, cluster_id: str) -> Cluster | None:
    """The cluster as this worker's ``clusters`` table holds it, or None (see module doc)."""
    table = app.tables.get(CLUSTERS_TABLE)
    raw = table.get(cluster_id) if isinstance(table, Mapping) else None
    return decode(Cluster, raw) if isinstance(raw, bytes) else None


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


def cluster_series(cluster: Cluster, until: datetime, guard: AlarmGuard = GUARD) -> dict[str, Any]:
    """Per day, from :data:`LEAD_DAYS` before the cluster's first report to the later of
    ``until`` and its last report (at most :data:`DAYS_SHOWN` days, the latest): its risk
    signals and, by method, the expected count, the threshold (the count above which the day
    alarms; None while the method has no baseline yet) and whether the day alarms."""
    end = max(until, cluster.last_seen).date()
    start = max(
        cluster.first_seen.date() - timedelta(days=LEAD_DAYS),
        end - timedelta(days=DAYS_SHOWN - 1),
    )
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    methods: dict[str, dict[str, list[Any]]] = {}
    for day in days:
        for verdict in daily_alarms(cluster, _noon(day), guard):
            found = methods.setdefault(
                str(verdict["method"]), {"expected": [], "threshold": [], "alarm": []}
            )
            for name, values in found.items():
                values.append(verdict[name])
    return {
        "cluster_id": cluster.cluster_id,
        "first_seen": cluster.first_seen.isoformat(),
        "last_seen": cluster.last_seen.isoformat(),
        "dates": [d.isoformat() for d in days],
        "counts": [cluster.daily_counts.get(d.isoformat(), 0) for d in days],
        "methods": methods,
    }
