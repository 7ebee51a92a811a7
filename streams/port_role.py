"""A port-role process (``RISKWIRE_ROLE=port riskwire worker``): only the port loop, so that
declaration lines get their answers on a core of their own, beside analysis workers
(``RISKWIRE_ROLE=analysis``) that run every other stage.

It serves ``/health``, ``/ready`` (200 once the port group gave it partitions) and ``/metrics``
(the port stage's counters) on ``RISKWIRE_WEB_PORT``, and stops on SIGTERM or Ctrl-C after
committing the batch in hand.
"""

from __future__ import annotations

import asyncio
import signal

from aiohttp import web

from detectors.catalogue import load_catalogue
from streams.metrics import CONTENT_TYPE_LATEST, PipelineMetrics
from streams.port import PortLoop
from streams.settings import Settings
from streams.state import RedisState

__all__ = ["run_port_role"]


def run_port_role(settings: Settings) -> None:
    """Run the port loop until stopped."""
    asyncio.run(_serve(settings))


async def _serve(settings: Settings) -> None:
    state = RedisState.from_url(settings.redis_url, settings.namespace)
    metrics = PipelineMetrics()
    port = PortLoop(settings, load_catalogue(settings.catalogue or None), state, metrics)
    loop = asyncio.get_running_loop()
    for how in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(how, port.stop)

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "role": "port"})

    async def ready(request: web.Request) -> web.Response:
        status = 200 if port.ready() else 503
        return web.json_response({"ready": port.ready(), "lines": port.lines}, status=status)

    async def scrape(request: web.Request) -> web.Response:
        body = metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/health", health)
    app.router.add_get("/ready", ready)
    app.router.add_get("/metrics", scrape)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, settings.web_host, settings.web_port).start()
    try:
        await port.run()
    finally:
        await runner.cleanup()
        await state.close()
