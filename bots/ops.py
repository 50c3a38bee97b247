"""Operations endpoints: ``/healthz``, ``/readyz``, ``/metrics``, and the gate that stops
taking updates on shutdown.

- ``/healthz``: the process answers (200 always).
- ``/readyz``: the database and Redis answer within 1 s and the schema is at the code's
  migration heads; otherwise 503 with the reasons (also 503 while shutting down).
- ``/metrics``: Prometheus text format. With ``METRICS_PORT`` it is served on that port
  only; otherwise on the main port, and only with ``Authorization: Bearer METRICS_TOKEN``.
  With neither set it answers 404 (metrics are not exposed by accident).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from bots.observability import CONTENT_TYPE
from persistence.health import expected_heads, schema_heads

if TYPE_CHECKING:
    from bots.bootstrap import App

log = logging.getLogger(__name__)
READY_TIMEOUT = 1.0  # seconds the database and Redis each get to answer /readyz
OPS_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Gate:
    """Counts the requests in hand; once closed, new ones (but the ops endpoints) are
    answered 503 with Retry-After, so the platforms deliver them again later."""

    def __init__(self) -> None:
        self.open = True
        self.in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path in OPS_PATHS:
            return await handler(request)
        if not self.open:
            return web.json_response({"ok": False, "error": "shutting down"}, status=503,
                                     headers={"Retry-After": "5"})
        self.in_flight += 1
        self._idle.clear()
        try:
            return await handler(request)
        finally:
            self.in_flight -= 1
            if self.in_flight == 0:
                self._idle.set()

    async def drain(self, seconds: float) -> bool:
        """Close the gate and wait up to ``seconds`` for the requests in hand; True when
        they all finished."""
        self.open = False
        try:
            await asyncio.wait_for(self._idle.wait(), max(0.0, seconds))
            return True
        except TimeoutError:
            log.warning("%s requests still in hand after %.0f s", self.in_flight, seconds)
            return False


async def readiness(app: App) -> list[str]:
    """What keeps the app from serving: an empty list when it is ready."""

    async def database() -> str | None:
        try:
            heads = await asyncio.wait_for(schema_heads(app.engine), READY_TIMEOUT)
        except TimeoutError:
            return f"database: no answer within {READY_TIMEOUT:g} s"
        except Exception as exc:
            return f"database unreachable: {type(exc).__name__}"
        wanted = expected_heads()
        if heads != wanted:
            return (f"database schema at {', '.join(sorted(heads)) or 'nothing'}, code wants "
                    f"{', '.join(sorted(wanted))}: run helpdesk migrate")
        return None

    async def redis() -> str | None:
        try:
            await asyncio.wait_for(app.dialogs.redis.ping(), READY_TIMEOUT)
        except TimeoutError:
            return f"redis: no answer within {READY_TIMEOUT:g} s"
        except Exception as exc:
            return f"redis unreachable: {type(exc).__name__}"
        return None

    return [r for r in await asyncio.gather(database(), redis()) if r]


def add_health_routes(web_app: web.Application, app: App, gate: Gate) -> None:
    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def readyz(_request: web.Request) -> web.Response:
        reasons = [] if gate.open else ["shutting down"]
        reasons += await readiness(app)
        if reasons:
            return web.json_response({"ok": False, "reasons": reasons}, status=503)
        return web.json_response({"ok": True})

    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/readyz", readyz)


def metrics_handler(app: App, token: str | None) -> Handler:
    """GET /metrics; with ``token``, only for ``Authorization: Bearer <token>``."""

    async def handler(request: web.Request) -> web.Response:
        if token is not None:
            given = request.headers.get("Authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                return web.json_response({"ok": False, "error": "unauthorized"}, status=401,
                                         headers={"WWW-Authenticate": "Bearer"})
        try:
            await app.metrics.refresh(app.engine, app.clock.now())
        except Exception as exc:  # the counters are still worth reading
            log.warning("could not read the queue gauges: %s", type(exc).__name__)
        return web.Response(body=app.metrics.exposition(),
                            headers={"Content-Type": CONTENT_TYPE})

    return handler


def add_metrics_route(web_app: web.Application, app: App) -> None:
    """/metrics on the main port: only with METRICS_TOKEN and without METRICS_PORT."""
    s = app.settings
    if s.metrics_token and not s.metrics_port:
        web_app.router.add_get("/metrics", metrics_handler(app, s.metrics_token))


def metrics_web_app(app: App) -> web.Application:
    """The app served on METRICS_PORT: only /metrics (METRICS_TOKEN is asked there too when
    it is set)."""
    web_app = web.Application()
    web_app.router.add_get("/metrics", metrics_handler(app, app.settings.metrics_token))
    return web_app
