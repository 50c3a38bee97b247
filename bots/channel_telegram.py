"""Telegram plugin: the bot client, its sender, the webhook route or long polling."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import TYPE_CHECKING, Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BotCommand
from aiohttp import web

from adapters.telegram import (
    FloodLimiter,
    TelegramSender,
    UpdateProcessor,
    poll_updates,
    webhook_handler,
)
from adapters.telegram.translate import COMMANDS
from adapters.telegram.updates import ALLOWED_UPDATES, Receive
from bots.inbox import InboxChannel
from core.i18n import LANGUAGES, _, use_language

if TYPE_CHECKING:
    from bots.bootstrap import App
    from bots.settings import Settings

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/telegram/webhook"


def webhook_secret(settings: Settings) -> str:
    """TELEGRAM_WEBHOOK_SECRET, or one derived from the secret key (the webhook is never
    left unprotected)."""
    if settings.telegram_webhook_secret:
        return settings.telegram_webhook_secret
    from bots.bootstrap import resolve_secret

    return hashlib.sha256(f"telegram-webhook:{resolve_secret(settings)}".encode()).hexdigest()


class Plugin:
    name = "telegram"

    def __init__(self, limiter: FloodLimiter | None = None, poll_seconds: int = 25) -> None:
        self.bot: Bot | None = None
        self.processor: UpdateProcessor | None = None
        self.limiter = limiter
        self.poll_seconds = poll_seconds

    def configured(self, settings: Settings) -> bool:
        return bool(settings.telegram_bot_token)

    async def setup(self, app: App, web_app: web.Application) -> None:
        s = app.settings
        assert s.telegram_bot_token
        session = AiohttpSession(api=TelegramAPIServer.from_base(s.telegram_api_url))
        self.bot = bot = Bot(s.telegram_bot_token, session=session)
        sender = TelegramSender(bot, self.limiter or FloodLimiter(),
                                files=app.attachments.files if app.attachments else None)
        app.add_sender(sender)
        self.processor = processor = UpdateProcessor(bot, sender)
        app.inbox.register(InboxChannel("telegram", processor.to_inbound, processor.respond))
        if s.public_base_url:
            web_app.router.add_post(WEBHOOK_PATH, webhook_handler(
                processor, webhook_secret(s), self._receiver(app)))

    @staticmethod
    def _receiver(app: App) -> Receive:
        async def receive(event_id: str, conversation: str, data: dict[str, Any]) -> bool:
            return await app.inbox.receive("telegram", event_id, conversation, data)
        return receive

    async def start(self, app: App, stop: asyncio.Event) -> list[asyncio.Task[None]]:
        assert self.bot is not None and self.processor is not None
        s = app.settings
        await self._set_commands()
        if s.public_base_url:
            try:
                await self.bot.set_webhook(f"{s.public_base_url}{WEBHOOK_PATH}",
                                           secret_token=webhook_secret(s),
                                           allowed_updates=ALLOWED_UPDATES)
                return []
            except TelegramBadRequest as exc:  # e.g. PUBLIC_BASE_URL is not https
                log.error("Telegram refused the webhook %s%s (%s); using long polling instead",
                          s.public_base_url, WEBHOOK_PATH, exc.message)
        await self.bot.delete_webhook()
        return [asyncio.create_task(poll_updates(self.bot, self.processor, self._receiver(app),
                                                 stop, self.poll_seconds))]

    async def _set_commands(self) -> None:
        assert self.bot is not None
        for language in LANGUAGES:
            with use_language(language):
                commands = [BotCommand(command=c, description=_(d)) for c, d in COMMANDS]
            await self.bot.set_my_commands(commands,
                                           language_code=None if language == "en" else language)

    async def close(self) -> None:
        if self.bot is not None:
            await self.bot.session.close()
