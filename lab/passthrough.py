"""Ceilings for ``riskwire bench pipeline``: what one record costs on this broker with no work.

* ``faust``: a stock faust-streaming agent (the worker's app settings, so the same transport
  and broker options) reading the raw feed topics and writing each value to a sink topic;
* ``raw``: an aiokafka consumer and producer doing the same, batch by batch.

Run as ``python -m lab.passthrough faust|raw NAMESPACE SINK SOURCE...`` with the worker's
``RISKWIRE_*`` environment; it runs until SIGTERM.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from dataclasses import replace

__all__ = ["main"]


async def _raw(
    bootstrap: str, group: str, sink: str, sources: list[str], fetch_max_wait_ms: int
) -> None:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    consumer = AIOKafkaConsumer(
        *sources,
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=fetch_max_wait_ms,  # the worker's: the broker may hold a fetch so long
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await consumer.start()
    await producer.start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=100, max_records=2000)
            sent = [
                await producer.send(sink, key=r.key, value=r.value)
                for records in batches.values()
                for r in records
            ]
            if sent:
                await asyncio.gather(*sent)
                await consumer.commit()
    finally:
        await producer.stop()
        await consumer.stop()


def _faust(namespace: str, sink: str, sources: list[str]) -> None:
    from streams.pipeline import create_app
    from streams.settings import Settings

    settings = replace(Settings.from_env(), namespace=namespace)
    app = create_app(settings)
    source = app.topic(*sources, key_type=bytes, value_type=bytes)
    out = app.topic(sink, key_type=bytes, value_type=bytes)

    @app.agent(source)
    async def passthrough(stream):  # type: ignore[no-untyped-def]
        async for event in stream.events():
            await out.send(key=event.key, value=event.value)

    sys.argv = [sys.argv[0], "worker", "--loglevel", "warn"]
    app.main()


def main(argv: list[str]) -> None:
    """``faust|raw NAMESPACE SINK SOURCE...``"""
    kind, namespace, sink, *sources = argv
    if kind == "faust":
        _faust(namespace, sink, sources)
    else:
        from streams.settings import Settings

        settings = Settings.from_env()
        bootstrap = ",".join(settings.bootstrap_servers)
        asyncio.run(_raw(bootstrap, namespace, sink, sources, settings.fetch_max_wait_ms))


if __name__ == "__main__":
    main(sys.argv[1:])
