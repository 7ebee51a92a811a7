"""riskwire's topics: names, partitions, compaction, and creating them on a broker.

Every name is ``<namespace>.<name>``. Raw feeds arrive on ``feed.<feed>``; the stage topics
carry the typed records of :mod:`schemas.records`, encoded by the one orjson codec.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from aiokafka.partitioner import murmur2
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

from connectors.registry import feed_names
from streams.settings import Settings

__all__ = [
    "CONFIG_KEY",
    "STAGE_TOPICS",
    "TopicSpec",
    "consumed_topics",
    "create_topics",
    "feed_topic",
    "partition_of",
    "topic_specs",
    "unread_feed_topics",
]

log = logging.getLogger(__name__)

# name -> (compacted, what it carries, key)
STAGE_TOPICS: dict[str, tuple[bool, str, str]] = {
    "signals": (False, "validated, normalised Signal records", "blocking key"),
    "deadletter": (False, "DeadLetter: reason, field path, original bytes, source offset", "id"),
    "duplicates": (
        False,
        "Duplicate: a signal recognised as a repeat, with its original",
        "signal id",
    ),
    "signals.unique": (False, "Signal records that are not duplicates", "blocking key"),
    "declarations": (
        False,
        "Signal records of customs declaration lines as validated (the port stage's signals)",
        "line id",
    ),
    "clusters": (True, "Cluster: the latest state of each product-hazard cluster", "cluster id"),
    "assessments": (False, "Assessment: a cluster scored on hazard, urgency, scope", "cluster id"),
    "warnings": (True, "Warning: the latest version of each warning (compacted)", "warning id"),
    "warnings.history": (
        False,
        "Warning: every version of every warning, in order, never compacted",
        "warning id",
    ),
    "decisions": (
        False,
        "Decision: analysts' decisions on warnings (via POST /warnings/<id>/decisions)",
        "cluster id of the warning",
    ),
    "decisions.results": (
        False,
        "DecisionResult: each decision applied (the version it made) or refused (why)",
        "decision id",
    ),
    "replies": (
        False,
        "Reply: producers' replies to notices (via POST /warnings/<id>/replies)",
        "cluster id of the warning",
    ),
    "inspections": (
        False,
        "Inspection: ports' inspection results (port systems, or POST /inspections)",
        "control id",
    ),
    "inspections.routed": (
        False,
        "Inspection: the results checked, in order with their warning's other inputs",
        "cluster id of the control's warning",
    ),
    "config": (
        True,
        "the grading standard's versions (detectors/standard.py; riskwire standard publish)",
        "grading-standard",
    ),
    "controls": (True, "Control: block-and-control messages for port systems", "control id"),
    "instructions": (True, "Instruction: one per declaration line", "declaration line id"),
    "reference": (
        True,
        "reference facts in: credit grades, blacklist, origin risk (connectors/reference.py)",
        "kind:key",
    ),
}


def partition_of(key: str, partitions: int) -> int:
    """The partition of a keyed record, as Kafka's default partitioner puts it (murmur2)."""
    index: int = (murmur2(key.encode()) & 0x7FFFFFFF) % partitions
    return index


CONFIG_KEY = b"grading-standard"  # the key of the grading standard's versions on config

# Topics the worker's consumer group reads: what a lag measurement has to cover.
_CONSUMED = (
    "signals",
    "signals.unique",
    "clusters",
    "assessments",
    "decisions",
    "replies",
    "inspections",
    "inspections.routed",
    "config",
    "reference",
)


@dataclass(frozen=True, slots=True)
class TopicSpec:
    """A topic to create."""

    name: str
    partitions: int
    compacted: bool


def feed_topic(settings: Settings, feed: str) -> str:
    """The raw topic a feed's records are produced to."""
    return settings.topic(f"feed.{feed}")


def topic_specs(settings: Settings) -> list[TopicSpec]:
    """Every topic a pipeline needs: one raw topic per known feed, then the stage topics."""
    specs = [TopicSpec(feed_topic(settings, f), settings.partitions, False) for f in feed_names()]
    specs += [
        TopicSpec(settings.topic(name), settings.partitions, compacted)
        for name, (compacted, _, _) in STAGE_TOPICS.items()
    ]
    return specs


def consumed_topics(settings: Settings) -> list[str]:
    """Topics read by the pipeline's consumer group."""
    feeds = [feed_topic(settings, f) for f in feed_names()] + list(settings.source_topics)
    pushed = ("warnings.history",) if settings.subscriptions_file or settings.subscriptions else ()
    return feeds + [settings.topic(name) for name in (*_CONSUMED, *pushed)]


def unread_feed_topics(settings: Settings, existing: Iterable[str]) -> list[str]:
    """Feed topics of this namespace (``<namespace>.feed.<name>``) that no installed adapter
    reads: records sent there wait unread until the adapter is installed (sorted)."""
    prefix = settings.topic("feed.")
    read = set(consumed_topics(settings))
    return sorted(t for t in set(existing) if t.startswith(prefix) and t not in read)


def create_topics(settings: Settings) -> list[str]:
    """Create the missing topics; returns the names created."""
    admin = KafkaAdminClient(
        bootstrap_servers=settings.bootstrap_servers, client_id="riskwire-admin"
    )
    try:
        existing = set(admin.list_topics())
        new = [
            NewTopic(
                spec.name,
                spec.partitions,
                settings.replication,
                topic_configs={"cleanup.policy": "compact"} if spec.compacted else {},
            )
            for spec in topic_specs(settings)
            if spec.name not in existing
        ]
        for topic in new:
            try:
                admin.create_topics([topic])
            except TopicAlreadyExistsError:
                continue
        return [t.name for t in new]
    finally:
        admin.close()
