"""Is this worker ready to process? ``/ready`` answers from :func:`readiness`.

Ready means: the worker has joined its group, every table has recovered its partitions from
the changelog without an error, no rebalance or recovery is under way, and the broker answers
(:mod:`streams.broker_watch`). A worker whose state
did not recover ends itself (:mod:`streams.tables`); until then it reports the failure here.
"""

from __future__ import annotations

from typing import Any

import faust

from streams.broker_watch import BrokerWatch
from streams.tables import RecoveryHealth

__all__ = ["readiness"]


def readiness(
    app: faust.App, health: RecoveryHealth, broker: BrokerWatch | None = None
) -> dict[str, Any]:
    """The worker's readiness and why, as ``/ready`` reports it."""
    recovery = app.tables.recovery  # type: ignore[attr-defined]
    recovered = recovery.completed.is_set()
    reasons = []
    if health.failures:
        reasons.append("table recovery failed")
    if not recovered:
        reasons.append("tables not recovered yet")
    if app.in_recovery:
        reasons.append("recovering")
    if app.rebalancing:
        reasons.append("rebalancing")
    status = broker.status() if broker is not None else {}
    if status.get("broker", "ok") != "ok":
        reasons.append(f"broker {status['broker']}")
    return {
        "ready": not reasons,
        "reasons": reasons,
        **status,
        "recovered": recovered,
        "changelog_records": sum(health.applied.values()),
        "changelog_by_table": dict(sorted(health.applied.items())),
        "failures": list(health.failures),
    }
