"""Socket Mode: the same bolt app over Slack's WebSocket (no public URL needed), used when
SLACK_APP_TOKEN (``xapp-…``) is set."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)


class SlackSocket:
    """Runs bolt's Socket Mode handler until told to stop."""

    def __init__(self, app: AsyncApp, app_token: str, api_url: str | None = None,
                 ping_interval: float = 10.0) -> None:
        self.app = app
        self.app_token = app_token
        self.api_url = api_url
        self.ping_interval = ping_interval
        self.handler: AsyncSocketModeHandler | None = None
        self.connected = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        """Connect (the SDK keeps retrying and reconnecting) and stay until ``stop`` is set."""
        web_client = AsyncWebClient(base_url=self.api_url) if self.api_url else None
        self.handler = AsyncSocketModeHandler(self.app, self.app_token, web_client=web_client,
                                              ping_interval=self.ping_interval)
        connecting = asyncio.create_task(self.handler.connect_async())
        connecting.add_done_callback(lambda _task: self.connected.set())
        try:
            await stop.wait()
        finally:
            await self.close()
            connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await connecting

    async def close(self) -> None:
        if self.handler is not None:
            handler, self.handler = self.handler, None
            try:
                await handler.close_async()
            except Exception:  # noqa: BLE001 - closing a broken socket
                log.debug("closing the Slack socket failed", exc_info=True)
