"""The one aiohttp server hosting every webhook and link page, plus the delivery worker."""

from __future__ import annotations

import asyncio
import logging
import signal

from aiohttp import web

from bots.bootstrap import App

log = logging.getLogger(__name__)


def make_web_app(application: App) -> web.Application:
    """Routes of every channel mounted on one aiohttp application."""
    web_app = web.Application(client_max_size=25 * 1024 * 1024)

    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    web_app.router.add_get("/healthz", health)
    return web_app


async def serve_forever(application: App) -> None:
    settings = application.settings
    runner = web.AppRunner(make_web_app(application))
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    log.info("listening on http://%s:%s", settings.host, settings.port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    tasks = []
    if application.worker is not None:
        tasks.append(asyncio.create_task(application.worker.run_forever(stop)))
    await stop.wait()
    for task in tasks:
        await task
    await runner.cleanup()
