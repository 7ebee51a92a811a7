"""``riskwire feeds load``: stream a feed file onto its raw topic, at most once per record.

Loading is idempotent at two levels. The loader remembers a digest of every record it has sent
(``<ns>:loaded:<feed>`` in Redis, with a TTL), so loading the same file again sends nothing;
and should a record be sent twice anyway (``--force``, two loaders racing), the pipeline's
exact-duplicate stage recognises the re-sent source id, so no second signal goes downstream.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import redis
from tqdm import tqdm

from cli.producer import kafka_producer
from connectors.feeds.base import FeedAdapter
from connectors.sources import RawRecord, read_records
from schemas.errors import ConfigError
from streams.settings import Settings
from streams.topics import feed_topic

__all__ = ["LoadReport", "load_file"]

BATCH = 2000
PRODUCE_OVERHEAD = 64 * 1024
LOADED_TTL_DAYS = 90


@dataclass(frozen=True, slots=True)
class LoadReport:
    """What a load did and how fast."""

    read: int
    sent: int
    skipped: int
    seconds: float
    failed: int = 0

    @property
    def rate(self) -> float:
        """Records read per second."""
        return self.read / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        """One line for the terminal."""
        failed = f", FAILED {self.failed} (not marked loaded: run again)" if self.failed else ""
        return (
            f"read {self.read}, sent {self.sent}, skipped {self.skipped} already loaded{failed}, "
            f"{self.seconds:.1f}s ({self.rate:,.0f} records/s)"
        )


def _batches(records: Iterator[RawRecord], size: int) -> Iterator[list[RawRecord]]:
    batch: list[RawRecord] = []
    for rec in records:
        batch.append(rec)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def load_file(
    settings: Settings,
    path: Path,
    adapter: FeedAdapter,
    force: bool = False,
    progress: bool = True,
) -> LoadReport:
    """Produce every record of ``path`` to the feed's raw topic; returns counts and the rate."""
    started = time.perf_counter()
    loaded_key = f"{settings.namespace}:loaded:{adapter.name}"
    topic = feed_topic(settings, adapter.name)
    read = sent = skipped = failed = 0
    with ExitStack() as stack:
        client = redis.Redis.from_url(settings.redis_url)
        stack.callback(client.close)
        producer = kafka_producer(
            settings,
            linger_ms=20,
            batch_size=256 * 1024,
            acks="all",
            max_request_size=settings.max_record_bytes + PRODUCE_OVERHEAD,
        )
        stack.callback(producer.close)
        partitions = sorted(producer.partitions_for(topic) or ())
        if not partitions:
            raise ConfigError(f"topic {topic} does not exist: run riskwire topics create")
        bar = tqdm(
            desc=f"loading {path.name}", unit="rec", disable=not progress, dynamic_ncols=True
        )
        stack.callback(bar.close)
        for batch in _batches(read_records(path, adapter), BATCH):
            digests = [hashlib.blake2b(r.raw, digest_size=16).digest() for r in batch]
            seen = [False] * len(batch) if force else client.smismember(loaded_key, digests)
            fresh = [(r, d) for r, d, s in zip(batch, digests, seen, strict=True) if not s]
            pending = []
            for rec, digest in fresh:
                # The digest already spreads records evenly; kafka-python's pure-Python
                # murmur2 partitioner would cost a fifth of the load time.
                partition = partitions[int.from_bytes(digest[:4], "big") % len(partitions)]
                future = producer.send(
                    topic, key=digest.hex().encode(), value=rec.raw, partition=partition
                )
                pending.append((digest, future))
            producer.flush()
            # only what the broker acknowledged counts as loaded; the rest is tried next time
            done = [d for d, f in pending if f.succeeded()]
            failed += len(pending) - len(done)
            if done:
                pipe = client.pipeline()
                pipe.sadd(loaded_key, *done)
                pipe.expire(loaded_key, LOADED_TTL_DAYS * 86400)
                pipe.execute()
            read += len(batch)
            sent += len(done)
            skipped += len(batch) - len(fresh)
            bar.update(len(batch))
    return LoadReport(read, sent, skipped, time.perf_counter() - started, failed)
