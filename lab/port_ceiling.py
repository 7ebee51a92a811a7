"""The least a port answer costs on a broker: read a declaration line, write a reply keyed by
its line id, with aiokafka and nothing else (no validation, no Redis, no Faust).

``riskwire bench port`` runs it in a child process on the same broker and load as the worker,
so the worker's latency can be read against what this machine and broker allow at all.
Run as ``python -m lab.port_ceiling BOOTSTRAP SOURCE_TOPIC SINK_TOPIC GROUP``.
"""

from __future__ import annotations

import asyncio
import signal
import sys

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

__all__ = ["passthrough"]


async def passthrough(bootstrap: str, source: str, sink: str, group: str) -> None:
    """Reply to every line on ``source`` until SIGTERM; commit after the replies are acked."""
    consumer = AIOKafkaConsumer(
        source,
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=10,
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=2)
    await consumer.start()
    await producer.start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=50, max_records=1000)
            sent = []
            for records in batches.values():
                for record in records:
                    line = orjson.loads(record.value)
                    key = f"{line['declaration_id']}-{line['line_no']}".encode()
                    sent.append(await producer.send(sink, key=key, value=b'{"action":"release"}'))
            if sent:
                await asyncio.gather(*sent)
                await consumer.commit()
    finally:
        await producer.stop()
        await consumer.stop()


if __name__ == "__main__":
    asyncio.run(passthrough(*sys.argv[1:5]))
