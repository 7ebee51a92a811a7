"""The command line's Kafka producers, built in one place.

Why: the reference loader, the dead-letter replay, the feed loader and the lab's harnesses each
built a ``KafkaProducer`` from the settings with their own options; one function keeps the
connection settings (and, with Apache Kafka, its security options) from drifting apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kafka import KafkaProducer

from streams.settings import Settings

__all__ = ["kafka_producer", "send_all"]


def kafka_producer(settings: Settings, **options: Any) -> KafkaProducer:
    """A producer to the settings' broker; ``options`` override kafka-python's defaults."""
    return KafkaProducer(
        **{"bootstrap_servers": settings.bootstrap_servers, "linger_ms": 10, **options}
    )


def send_all(settings: Settings, messages: Iterable[tuple[str, bytes | None, bytes]]) -> int:
    """Send ``(topic, key, value)`` messages, wait until the broker has them all; how many."""
    producer = kafka_producer(settings)
    sent = 0
    try:
        for topic, key, value in messages:
            producer.send(topic, key=key, value=value)
            sent += 1
        producer.flush()
    finally:
        producer.close()
    return sent
