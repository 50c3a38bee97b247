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
from bots.ops import Gate, add_health_routes, add_metrics_route, metrics_web_app

log = logging.getLogger(__name__)


DRAIN_SECONDS = 10.0  # SIGTERM: how long updates in hand get to finish


def make_web_app(app: App, gate: Gate) -> web.Application:
    """The aiohttp app with the probes, /metrics and the shutdown gate; plugins add the rest."""
    web_app = web.Application(client_max_size=25 * 1024 * 1024, middlewares=[gate.middleware])
    add_health_routes(web_app, app, gate)
    add_metrics_route(web_app, app)
    return web_app


@dataclass
class Running:
    """The web app with every plugin mounted; tests serve ``web_app`` with aiohttp's TestServer."""

    app: App
    web_app: web.Application
    plugins: list[ChannelPlugin]
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    gate: Gate = field(default_factory=Gate)

    async def start_background(self, *, workers: bool = True, channels: bool = True) -> None:
        """Start the delivery, timer and retention workers (unless ``workers`` is False:
        ``serve --web-only``) and every plugin's background tasks such as long polling
        (unless ``channels`` is False: ``helpdesk worker``)."""
        if workers:
            self._start_workers()
        if channels:
            for plugin in self.plugins:
                self.tasks.extend(await plugin.start(self.app, self.stop))

    def _start_workers(self) -> None:
        if self.app.worker is not None:
            self.tasks.append(asyncio.create_task(self.app.worker.run_forever(self.stop)))
        if self.app.timer_worker is not None:
            self.tasks.append(asyncio.create_task(self.app.timer_worker.run_forever(self.stop)))
        if self.app.retention is not None:
            self.tasks.append(asyncio.create_task(self.app.retention.run_forever(self.stop)))
        if self.app.inbox is not None:  # events left by crashed processes, retries
            self.tasks.append(asyncio.create_task(self.app.inbox.run_forever(self.stop)))

    def stop_taking_updates(self) -> None:
        """SIGTERM: webhooks answer 503 from now on, polling and workers stop."""
        if self.gate.open:
            log.info("stopping: new updates are refused (503); finishing those in hand")
        self.gate.open = False
        self.stop.set()

    async def shutdown(self, grace: float = DRAIN_SECONDS) -> None:
        """Stop taking updates, let those in hand (webhook requests, a polled batch, a
        delivery round) finish within ``grace`` seconds, cancel what is left (leased outbox
        items are given back), then close the channels."""
        self.stop_taking_updates()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        await self.gate.drain(grace)
        pending = [t for t in self.tasks if not t.done()]
        if pending:
            _done, still = await asyncio.wait(pending, timeout=max(0.0, deadline - loop.time()))
            for task in still:
                task.cancel()
            if still:
                log.warning("%s background tasks cancelled after %.0f s", len(still), grace)
                await asyncio.wait(still, timeout=2.0)
        for task in self.tasks:
            if task.done() and not task.cancelled() and task.exception() is not None:
                log.error("background task failed while stopping: %r", task.exception())
        for plugin in self.plugins:
            await plugin.close()


async def build(app: App, plugins: list[ChannelPlugin] | None = None) -> Running:
    """Mount the configured channels (or ``plugins``) on a fresh aiohttp app."""
    plugins = configured_plugins(app.settings) if plugins is None else plugins
    gate = Gate()
    web_app = make_web_app(app, gate)
    for plugin in plugins:
        await plugin.setup(app, web_app)
    return Running(app, web_app, plugins, gate=gate)


M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters
THRESHOLD = 128 * 1024  # glibc's defaults, before it starts moving them


def settle_heap() -> None:
    """Move everything start-up built (modules, models, mappers) out of the garbage
    collector's view: it lives as long as the process, and rescanning it in every full
    collection cost about 5 % of the CPU per update in ``bench/telegram_webhook.py``.

    Also fix glibc's trim and mmap thresholds at their defaults (as
    ``MALLOC_TRIM_THRESHOLD_=131072`` in the environment would): glibc otherwise raises them
    after freeing large blocks and then keeps freed memory in the heap for ever — RSS grew
    ≈ 1.1 KB per update while the objects Python held stayed flat
    (``sys.getallocatedblocks()``, tracemalloc). Elsewhere than glibc this does nothing."""
    gc.collect()
    gc.freeze()
    _fix_trim_threshold()


def _fix_trim_threshold() -> bool:
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, THRESHOLD)
                    and libc.mallopt(M_TRIM_THRESHOLD, THRESHOLD))
    except (OSError, AttributeError):  # not glibc
        return False


def _stop_on_signals(running: Running) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, running.stop_taking_updates)


def _forget_signals() -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.remove_signal_handler(sig)


async def serve_forever(app: App, *, workers: bool = True) -> None:
    """``helpdesk serve``: the web server (webhooks, link pages, long polling) and, unless
    ``workers`` is False (``serve --web-only``), the delivery, timer and retention workers.
    Serves until SIGTERM/SIGINT, then shuts down gracefully (see ``Running.shutdown``)."""
    settings = app.settings
    running = await build(app)
    runner = web.AppRunner(running.web_app, shutdown_timeout=2.0)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    runners = [runner]
    if settings.metrics_port:
        metrics_runner = web.AppRunner(metrics_web_app(app), access_log=None)
        await metrics_runner.setup()
        await web.TCPSite(metrics_runner, settings.host, settings.metrics_port).start()
        runners.append(metrics_runner)
        log.info("metrics on http://%s:%s/metrics", settings.host, settings.metrics_port)
    names = ", ".join(p.name for p in running.plugins) or "none"
    log.info("listening on http://%s:%s; channels: %s; workers: %s", settings.host,
             settings.port, names, "on" if workers else "off (--web-only)")
    _stop_on_signals(running)
    try:
        try:
            await running.start_background(workers=workers)
        except BaseException:
            await running.shutdown()
            raise
        settle_heap()
        await running.stop.wait()
        await running.shutdown()
    finally:
        _forget_signals()
        for each in runners:
            await each.cleanup()
    log.info("stopped")


async def work_forever(app: App) -> None:
    """``helpdesk worker``: the delivery, timer and retention workers without a web server
    (run any number of them next to ``serve --web-only`` processes)."""
    running = await build(app)  # the channels' senders; their routes are never served
    names = ", ".join(p.name for p in running.plugins) or "none"
    log.info("worker started; delivering to: %s", names)
    _stop_on_signals(running)
    try:
        await running.start_background(channels=False)
        settle_heap()
        await running.stop.wait()
        await running.shutdown()
    finally:
        _forget_signals()
    log.info("stopped")
