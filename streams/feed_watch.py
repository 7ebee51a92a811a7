"""Say so when a feed topic has no adapter in this worker: its records would wait unread.

Why: a data engineer who sends a new feed before installing its adapter plugin (or a worker
image built without it) sees nothing happen. The worker looks at the broker's topics at start
and every ``EVERY`` seconds, logs each unread feed topic once (a warning naming the plugin
entry point to install), and exposes them as ``riskwire_unread_feed_topics`` on ``/metrics``;
``riskwire lag`` lists them too (:mod:`cli.lag`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable

import faust
from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaError

from streams.metrics import PipelineMetrics
from streams.settings import Settings
from streams.topics import unread_feed_topics

__all__ = ["EVERY", "FeedWatch", "install_feed_watch"]

EVERY = 60.0  # seconds between looks at the broker's topic list
log = logging.getLogger("riskwire.feeds")


class FeedWatch:
    """Remembers which unread feed topics were reported, so each is logged once."""

    def __init__(self, settings: Settings, metrics: PipelineMetrics) -> None:
        self.settings = settings
        self.metrics = metrics
        self.reported: set[str] = set()

    def update(self, existing: Iterable[str]) -> list[str]:
        """Note the broker's topics; returns the unread feed topics newly seen."""
        unread = unread_feed_topics(self.settings, existing)
        for topic in set(self.reported) - set(unread):
            self.metrics.unread_feed_topics.remove(topic)
            self.reported.discard(topic)
        new = [t for t in unread if t not in self.reported]
        for topic in new:
            feed = topic.removeprefix(self.settings.topic("feed."))
            log.warning(
                "feed topic %s has no adapter in this worker: its records wait unread "
                "(install the plugin that registers feed %r in the 'riskwire.feeds' entry "
                "points, then restart)",
                topic,
                feed,
            )
            self.metrics.unread_feed_topics.labels(topic=topic).set(1)
            self.reported.add(topic)
        return new


class _TopicLister:
    """The broker's topic names through an admin client with bounded timeouts (a consumer's
    ``topics()`` waits without limit while no broker answers); a client that failed is closed
    and a new one made on the next look."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._admin: KafkaAdminClient | None = None

    def __call__(self) -> set[str]:
        try:
            if self._admin is None:
                self._admin = KafkaAdminClient(
                    bootstrap_servers=self.settings.bootstrap_servers,
                    client_id=f"{self.settings.namespace}-feed-watch",
                    request_timeout_ms=4000,
                    bootstrap_timeout_ms=4000,
                )
            return set(self._admin.list_topics())
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        """Close the client (a later look makes a new one)."""
        admin, self._admin = self._admin, None
        if admin is not None:
            with contextlib.suppress(Exception):  # a broken client: nothing left to close
                admin.close()


def install_feed_watch(app: faust.App, settings: Settings, metrics: PipelineMetrics) -> FeedWatch:
    """A look at start and a timer on ``app`` for unread feed topics; one look at a time, and
    a look never raises (a timer that raises stops the worker)."""
    watch = FeedWatch(settings, metrics)
    lister = _TopicLister(settings)
    one_at_a_time = asyncio.Lock()

    async def look_for_unread_feeds() -> None:
        if one_at_a_time.locked():
            return  # the previous look still waits on the broker
        async with one_at_a_time:
            try:
                watch.update(await asyncio.to_thread(lister))
            except (KafkaError, OSError) as exc:
                log.info("topic list unavailable (%r): the next look tries again", exc)
            except Exception:
                log.exception("looking for unread feed topics failed: the next look tries again")

    app.task(look_for_unread_feeds)  # once at start ...
    app.timer(interval=EVERY, name="look_for_unread_feeds_again")(look_for_unread_feeds)
    return watch
