"""Slack plugin (slack-bolt): HTTP mode at POST /slack/events, Socket Mode when
SLACK_APP_TOKEN is set; registers the Slack sender and wires the adapter to the
conversation engine with plain callables."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import SlackBot, SlackEvents, SlackSender, SlackSocket
from bots.inbox import InboxChannel
from core.actions import BadPayload
from core.messages import Reply

if TYPE_CHECKING:
    from bots.bootstrap import App
    from bots.settings import Settings

log = logging.getLogger(__name__)


class Plugin:
    """The Slack channel. ``min_interval`` (seconds between messages in one channel) and
    ``submit_timeout`` are there for tests; the defaults are Slack's."""

    name = "slack"

    def __init__(self, *, min_interval: float = 1.0, submit_timeout: float = 2.5) -> None:
        self.min_interval = min_interval
        self.submit_timeout = submit_timeout
        self.client: AsyncWebClient | None = None
        self.sender: SlackSender | None = None
        self.bot: SlackBot | None = None
        self.socket: SlackSocket | None = None

    def configured(self, settings: Settings) -> bool:
        return bool(settings.slack_bot_token
                    and (settings.slack_signing_secret or settings.slack_app_token))

    async def setup(self, app: App, web_app: web.Application) -> None:
        s = app.settings
        assert s.slack_bot_token
        self.client = AsyncWebClient(token=s.slack_bot_token, base_url=s.slack_api_url)

        async def triage_key(reply: Reply) -> str | None:
            """An offer of an untargeted request goes to the triage channel, keyed by the
            request; targeted ones (and everything else) go by DM."""
            for button in reply.buttons:
                try:
                    action = app.codec.unpack(button.payload)
                except BadPayload:
                    continue
                if action.name != "claim" or not action.request_id:
                    continue
                async with app.uow_factory() as uow:
                    req = await uow.requests.get(action.request_id)
                if req is not None and req.target_id is None:
                    return str(req.id)
            return None

        self.sender = SlackSender(
            self.client, min_interval=self.min_interval,
            triage_channel=s.slack_triage_channel or None, triage_key=triage_key,
            store=app.dialogs, files=app.attachments.files if app.attachments else None,
            shared=app.rate_gate,
        )
        app.add_sender(self.sender)
        conversations = app.conversations
        self.bot = SlackBot(
            signing_secret=s.slack_signing_secret,
            client=self.client,
            sender=self.sender,
            handle=conversations.handle,
            open_form=conversations.open_form,
            submit_form=conversations.submit_form,
            overview=conversations.overview,
            remember_once=app.dialogs.remember_once,
            submit_timeout=self.submit_timeout,
            store=lambda event_id, user, body: app.inbox.receive(
                "slack", event_id, user, body, inline=False),
            process=lambda user: app.inbox.drain_conversation(f"slack:{user}"),
            opens_form=conversations.opens_form,
        )
        app.inbox.register(InboxChannel("slack", self.bot.to_inbound, self.bot.respond))
        if s.slack_signing_secret:
            SlackEvents(self.bot.app, s.slack_signing_secret).mount(web_app)
        if s.slack_app_token:
            self.socket = SlackSocket(self.bot.app, s.slack_app_token, s.slack_api_url)
        log.info("Slack: %s mode, new requests %s",
                 "Socket" if self.socket else "HTTP",
                 f"in {s.slack_triage_channel}" if s.slack_triage_channel else "by DM")

    async def start(self, app: App, stop: asyncio.Event) -> list[asyncio.Task[None]]:
        if self.bot is not None:
            try:
                await self.bot.identity()  # auth.test now, not while Slack waits for an ack
            except Exception as exc:  # noqa: BLE001 - asked again on the first request
                log.warning("Slack auth.test failed at start-up: %s", exc)
        if self.socket is None:
            return []
        return [asyncio.create_task(self.socket.run(stop))]

    async def close(self) -> None:
        if self.bot is not None:
            await self.bot.settle(10.0)
        if self.socket is not None:
            await self.socket.close()
