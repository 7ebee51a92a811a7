"""Which feeds exist: the five built-in ones plus plugins from the ``riskwire.feeds`` entry point.

A plugin is a module exposing a :class:`~connectors.feeds.base.FeedAdapter`, registered in its
distribution's metadata::

    [project.entry-points."riskwire.feeds"]
    recalls = "my_package.recalls:FEED"
"""

from __future__ import annotations

import logging
from functools import cache
from importlib.metadata import entry_points

from connectors.feeds import complaints, declarations, foodborne, injuries, listings
from connectors.feeds.base import FeedAdapter
from schemas.errors import ConfigError

__all__ = ["BUILTIN_FEEDS", "ENTRY_POINT_GROUP", "feed_names", "feeds", "get_feed"]

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "riskwire.feeds"
BUILTIN_FEEDS: tuple[FeedAdapter, ...] = (
    complaints.FEED,
    injuries.FEED,
    foodborne.FEED,
    declarations.FEED,
    listings.FEED,
)


@cache
def feeds() -> dict[str, FeedAdapter]:
    """Every known feed by name; a plugin may not shadow a built-in feed."""
    found = {f.name: f for f in BUILTIN_FEEDS}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        adapter = ep.load()
        if not isinstance(adapter, FeedAdapter):
            raise ConfigError(f"entry point {ep.name!r} = {ep.value!r} is not a FeedAdapter")
        if adapter.name in found:
            raise ConfigError(f"feed plugin {ep.value!r} reuses the feed name {adapter.name!r}")
        found[adapter.name] = adapter
        log.info("feed plugin %s loaded from %s", adapter.name, ep.value)
    return found


def feed_names() -> list[str]:
    """Names of every known feed, built-in first."""
    return list(feeds())


def get_feed(name: str) -> FeedAdapter | None:
    """The adapter for ``name``, or ``None`` if no such feed is known."""
    return feeds().get(name)
