"""Recovery reads a changelog to the true log end, not to ListOffsets' answer (real broker)."""

from __future__ import annotations

import asyncio
import uuid

import aiokafka
from aiokafka import TopicPartition

from cli.embedded import EmbeddedBroker
from streams.log_ends import log_end_offsets


async def _write_batches(url: str, topic: str, batches: int, size: int) -> None:
    producer = aiokafka.AIOKafkaProducer(bootstrap_servers=url, linger_ms=50)
    await producer.start()
    try:
        for _ in range(batches):
            sent = [await producer.send(topic, b"value", partition=0) for _ in range(size)]
            await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def _ends(url: str, written: TopicPartition, empty: TopicPartition) -> tuple[dict, dict]:
    probe = aiokafka.AIOKafkaConsumer(bootstrap_servers=url, enable_auto_commit=False)
    await probe.start()
    try:
        listed = await probe.end_offsets([written, empty])
        return listed, await log_end_offsets(probe, listed)
    finally:
        await probe.stop()


def test_log_end_is_one_past_the_last_record_whatever_list_offsets_says(
    broker: EmbeddedBroker,
) -> None:
    url = broker.url.removeprefix("kafka://")
    topic = f"rwtest-logends-{uuid.uuid4().hex[:8]}"
    written, empty = TopicPartition(topic, 0), TopicPartition(f"{topic}-empty", 0)
    asyncio.run(_write_batches(url, topic, batches=4, size=7))
    asyncio.run(_write_batches(url, empty.topic, batches=0, size=0))

    listed, ends = asyncio.run(_ends(url, written, empty))

    assert ends[written] == 28, (listed, ends)
    assert listed[written] <= 28  # Tansu answers 22 here (one past the last batch's base offset)
    assert ends[empty] == listed[empty]
