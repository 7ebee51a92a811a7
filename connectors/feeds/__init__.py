"""Built-in feed adapters, one module per feed."""

from connectors.feeds.base import FeedAdapter, FeedContext, load_schema

__all__ = ["FeedAdapter", "FeedContext", "load_schema"]
