"""Unread feed topics: which topics count, and each is reported once while it stays unread."""

from __future__ import annotations

import logging

import pytest

from streams.feed_watch import FeedWatch
from streams.metrics import PipelineMetrics
from streams.settings import Settings
from streams.topics import consumed_topics, unread_feed_topics


def _gauge(metrics: PipelineMetrics) -> dict[str, float]:
    return {
        s.labels["topic"]: s.value
        for family in metrics.registry.collect()
        for s in family.samples
        if s.name == "riskwire_unread_feed_topics"
    }


def test_only_feed_topics_of_this_namespace_without_an_adapter_count() -> None:
    settings = Settings.from_env({"RISKWIRE_NAMESPACE": "ns"})
    read = consumed_topics(settings)
    existing = [
        *read,
        "ns.feed.pollen",  # no adapter
        "ns.signals",  # a stage topic, not a feed
        "other.feed.pollen",  # another namespace
        "ns.feedback",  # not under ns.feed.
        "ns.feed.pollen",
    ]
    assert "ns.feed.complaints" in read
    assert unread_feed_topics(settings, existing) == ["ns.feed.pollen"]


def test_each_unread_topic_is_logged_once_and_leaves_the_metric_when_read(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = Settings.from_env({"RISKWIRE_NAMESPACE": "ns"})
    metrics = PipelineMetrics()
    watch = FeedWatch(settings, metrics)
    with caplog.at_level(logging.WARNING, logger="riskwire.feeds"):
        assert watch.update(["ns.feed.pollen", "ns.feed.complaints"]) == ["ns.feed.pollen"]
        assert watch.update(["ns.feed.pollen"]) == []
        assert watch.update(["ns.feed.pollen", "ns.feed.radon"]) == ["ns.feed.radon"]
    assert [r.getMessage().split(" has ")[0] for r in caplog.records] == [
        "feed topic ns.feed.pollen",
        "feed topic ns.feed.radon",
    ]
    assert "'pollen'" in caplog.records[0].getMessage()  # names the feed the plugin must register
    assert _gauge(metrics) == {"ns.feed.pollen": 1.0, "ns.feed.radon": 1.0}
    watch.update(["ns.feed.radon"])  # pollen deleted (or its adapter installed)
    assert _gauge(metrics) == {"ns.feed.radon": 1.0}
