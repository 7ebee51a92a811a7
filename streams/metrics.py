"""The worker's metrics, in Prometheus text format at ``GET /metrics``.

Why two sources: Faust's own Prometheus sensor (:class:`faust.sensors.prometheus.PrometheusMonitor`)
already counts what the transport sees - messages received and sent per topic, event latency,
commits, rebalances, end and committed offsets per partition (so lag) - and riskwire adds what only
the stages know: records each stage read, dead letters by stage, each stage's latency, warnings in
the view by grade and state, instructions by action. One registry per app (not the process-wide
default), so two apps in one process (tests) do not collide.
"""

from __future__ import annotations

from collections.abc import Iterable

import faust
from faust.sensors.prometheus import FaustMetrics, PrometheusMonitor
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from schemas.records import Warning

__all__ = ["CONTENT_TYPE_LATEST", "PipelineMetrics", "install_metrics"]

_LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class PipelineMetrics:
    """riskwire's counters beside Faust's, in one registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.records_in = Counter(
            "riskwire_stage_records", "Records a stage has read", ["stage"], registry=r
        )
        self.dead_letters = Counter(
            "riskwire_dead_letters", "Dead letters a stage has written", ["stage"], registry=r
        )
        self.latency = Histogram(
            "riskwire_stage_seconds",
            "Seconds a stage took on one record (Redis waits included)",
            ["stage"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.warning_versions = Counter(
            "riskwire_warning_versions", "Warning versions published", ["change"], registry=r
        )
        self.producer_buffer_waits = Counter(
            "riskwire_producer_buffer_waits",
            "Times the stream waited for Faust's producer buffer to drain (back-pressure)",
            registry=r,
        )
        self.unread_feed_topics = Gauge(
            "riskwire_unread_feed_topics",
            "Feed topics on the broker that no installed adapter reads (1 each)",
            ["topic"],
            registry=r,
        )
        self.instructions = Counter(
            "riskwire_instructions", "Instructions issued, by action", ["action"], registry=r
        )
        self.webhook_pushes = Counter(
            "riskwire_webhook_pushes",
            "Webhook pushes ended, by subscription and outcome (delivered, dead_letter)",
            ["subscription", "outcome"],
            registry=r,
        )
        self.warnings = Gauge(
            "riskwire_warnings",
            "Warnings in the view by grade and state (latest versions, at scrape time)",
            ["grade", "state"],
            registry=r,
        )

    def count_warnings(self, latest: Iterable[Warning]) -> None:
        """Set the warnings gauge from the latest version of every warning."""
        self.warnings.clear()
        for w in latest:
            self.warnings.labels(grade=w.grade, state=w.state).inc()

    def exposition(self) -> bytes:
        """The registry in Prometheus text format."""
        return bytes(generate_latest(self.registry))


def install_metrics(app: faust.App) -> PipelineMetrics:
    """riskwire's metrics, with Faust's Prometheus sensor as the app's monitor (same registry)."""
    metrics = PipelineMetrics()
    app.monitor = PrometheusMonitor(metrics=FaustMetrics.create(metrics.registry, "riskwire"))
    return metrics
