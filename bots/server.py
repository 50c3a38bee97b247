"""The one aiohttp server hosting every webhook and link page, plus the delivery and timer
workers."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from dataclasses import dataclass, field

from aiohttp import web

from bots.bootstrap import App
from bots.channels import ChannelPlugin, configured_plugins

log = logging.getLogger(__name__)


def make_web_app() -> web.Application:
    web_app = web.Application(client_max_size=25 * 1024 * 1024)

    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    web_app.router.add_get("/healthz", health)
    return web_app


@dataclass
class Running:
    """The web app with every plugin mounted; tests serve ``web_app`` with aiohttp's TestServer."""

    app: App
    web_app: web.Application
    plugins: list[ChannelPlugin]
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def start_background(self) -> None:
        """Start the delivery, timer and retention workers and every plugin's background
        tasks."""
        if self.app.worker is not None:
            self.tasks.append(asyncio.create_task(self.app.worker.run_forever(self.stop)))
        if self.app.timer_worker is not None:
            self.tasks.append(asyncio.create_task(self.app.timer_worker.run_forever(self.stop)))
        if self.app.retention is not None:
            self.tasks.append(asyncio.create_task(self.app.retention.run_forever(self.stop)))
        if self.app.inbox is not None:  # events left by crashed processes, retries
            self.tasks.append(asyncio.create_task(self.app.inbox.run_forever(self.stop)))
        for plugin in self.plugins:
            self.tasks.extend(await plugin.start(self.app, self.stop))

    async def shutdown(self) -> None:
        self.stop.set()
        for task in self.tasks:
            try:
                await asyncio.wait_for(task, 10)
            except (TimeoutError, asyncio.CancelledError):
                task.cancel()
            except Exception:
                log.exception("background task failed while stopping")
        for plugin in self.plugins:
            await plugin.close()


async def build(app: App, plugins: list[ChannelPlugin] | None = None) -> Running:
    """Mount the configured channels (or ``plugins``) on a fresh aiohttp app."""
    plugins = configured_plugins(app.settings) if plugins is None else plugins
    web_app = make_web_app()
    for plugin in plugins:
        await plugin.setup(app, web_app)
    return Running(app, web_app, plugins)


def settle_heap() -> None:
    """Move everything start-up built (modules, models, mappers) out of the garbage
    collector's view: it lives as long as the process, and rescanning it in every full
    collection cost about 5 % of the CPU per update in ``bench/telegram_webhook.py``."""
    gc.collect()
    gc.freeze()


async def serve_forever(app: App) -> None:
    settings = app.settings
    running = await build(app)
    runner = web.AppRunner(running.web_app)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    names = ", ".join(p.name for p in running.plugins) or "none"
    log.info("listening on http://%s:%s; channels: %s", settings.host, settings.port, names)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, running.stop.set)
    await running.start_background()
    settle_heap()
    await running.stop.wait()
    await running.shutdown()
    await runner.cleanup()
