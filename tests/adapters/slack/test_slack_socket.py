"""Socket Mode: chosen when SLACK_APP_TOKEN is set, and a real round trip over a local
WebSocket standing in for Slack's (apps.connections.open + the socket)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer

from bots.bootstrap import bootstrap
from bots.channel_slack import Plugin
from bots.server import build
from core.clock import ManualClock
from persistence.redis_store import embedded_redis
from tests.adapters.slack.slackstack import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, USERS
from tests.conftest import settings_for
from tests.fakes.slack_api import FakeSlackAPI


class FakeSocketMode:
    """``apps.connections.open`` and the Socket Mode WebSocket: says hello, sends envelopes,
    collects the acknowledgements."""

    def __init__(self) -> None:
        self.acks: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.tokens: list[str] = []
        self.server: TestServer | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/api/apps.connections.open", self.open)
        app.router.add_get("/link", self.link)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        return str(self.server.make_url("/api/"))

    async def open(self, request: web.Request) -> web.Response:
        self.tokens.append(request.headers.get("Authorization", ""))
        assert self.server is not None
        url = str(self.server.make_url("/link")).replace("http://", "ws://")
        return web.json_response({"ok": True, "url": url})

    async def link(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1,
                            "connection_info": {"app_id": "A0FAKEAPP"}})

        async def pump() -> None:
            while True:
                await ws.send_json(await self.outbox.get())

        pumping = asyncio.create_task(pump())
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    await self.acks.put(json.loads(message.data))
        finally:
            pumping.cancel()
        return ws

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()


async def test_socket_mode_is_chosen_by_settings(sqlite_url: str, clock: ManualClock) -> None:
    settings = settings_for(sqlite_url, slack_bot_token=BOT_TOKEN, slack_app_token=APP_TOKEN)
    plugin = Plugin()
    assert plugin.configured(settings)
    assert not Plugin().configured(settings_for(sqlite_url, slack_bot_token=BOT_TOKEN))
    app = await bootstrap(settings, clock=clock, redis=embedded_redis())
    try:
        running = await build(app, [plugin])
        assert plugin.socket is not None
        paths = {r.resource.canonical for r in running.web_app.router.routes()
                 if r.resource is not None}
        assert "/slack/events" not in paths  # no signing secret: no HTTP endpoint
        assert "slack" in app.senders
    finally:
        await app.close()


async def test_slash_command_over_socket_mode(sqlite_url: str, clock: ManualClock) -> None:
    socket = FakeSocketMode()
    socket_api = await socket.start()
    async with FakeSlackAPI(token=BOT_TOKEN, rate_window=0.05) as fake:
        fake.add_user(USERS["Ion"], "ion", real_name="Ion")
        settings = settings_for(sqlite_url, slack_bot_token=BOT_TOKEN,
                                slack_app_token=APP_TOKEN, slack_signing_secret=SIGNING_SECRET,
                                slack_api_url=fake.base_url)
        app = await bootstrap(settings, clock=clock, redis=embedded_redis())
        plugin = Plugin(min_interval=0.05)
        running = await build(app, [plugin])
        assert plugin.socket is not None
        plugin.socket.api_url = socket_api  # Slack's socket endpoint, faked apart
        try:
            async with app.uow_factory() as uow:
                await uow.types.add("Peripherals")
                await uow.commit()
            await running.start_background()
            envelope = {
                "envelope_id": "env-1", "type": "slash_commands",
                "accepts_response_payload": True,
                "payload": {"team_id": "T0FAKETEAM", "channel_id": "C0GENERAL",
                            "user_id": USERS["Ion"], "command": "/helpdesk", "text": "",
                            "trigger_id": "1.2.socket", "api_app_id": "A0FAKEAPP"},
            }
            await socket.outbox.put(envelope)
            ack = await asyncio.wait_for(socket.acks.get(), 10)
            assert ack["envelope_id"] == "env-1"
            assert socket.tokens == [f"Bearer {APP_TOKEN}"]
            assert plugin.bot is not None
            for _ in range(100):
                if fake.opened_views:
                    break
                await asyncio.sleep(0.05)
            await plugin.bot.settle()
            assert fake.opened_views[-1]["callback_id"] == "hd.request"
        finally:
            await running.shutdown()
            await app.close()
            await socket.close()
