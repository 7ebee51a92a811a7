"""Getting data in and out: feed adapters, sources, reference data and the sample generator."""

from connectors.ingest import SourceRef, ingest
from connectors.registry import feed_names, feeds, get_feed

__all__ = ["SourceRef", "feed_names", "feeds", "get_feed", "ingest"]
