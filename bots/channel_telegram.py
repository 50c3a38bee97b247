"""Telegram plugin: the bot client, its sender, the webhook route or long polling."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import TYPE_CHECKING, Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
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
from bots.channels import ChannelStartError
from bots.inbox import InboxChannel
from core.i18n import LANGUAGES, _, use_language

if TYPE_CHECKING:
    from bots.bootstrap import App
    from bots.settings import Settings

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/telegram/webhook"
# Telegram is unreachable or failing on its side: worth trying again later.
TRANSIENT = (TelegramNetworkError, TelegramServerError, TelegramRetryAfter, OSError,
             TimeoutError)
REFUSED_TOKEN = ("TELEGRAM_BOT_TOKEN: Telegram refused the token (401 Unauthorized); "
                 "copy it again from @BotFather")
MAX_RETRY_SECONDS = 60.0


def webhook_url(settings: Settings) -> str | None:
    """Where Telegram should post updates, or None for long polling: Telegram calls
    webhooks over https only (setWebhook refuses an http:// URL)."""
    base = settings.public_base_url
    if base and base.startswith("https://"):
        return f"{base}{WEBHOOK_PATH}"
    return None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:300]


def webhook_secret(settings: Settings) -> str:
    """TELEGRAM_WEBHOOK_SECRET, or one derived from the secret key (the webhook is never
    left unprotected)."""
    if settings.telegram_webhook_secret:
        return settings.telegram_webhook_secret
    from bots.bootstrap import resolve_secret

    return hashlib.sha256(f"telegram-webhook:{resolve_secret(settings)}".encode()).hexdigest()


class Plugin:
    name = "telegram"

    def __init__(self, limiter: FloodLimiter | None = None, poll_seconds: int = 25,
                 retry_seconds: float = 1.0) -> None:
        self.bot: Bot | None = None
        self.processor: UpdateProcessor | None = None
        self.limiter = limiter
        self.poll_seconds = poll_seconds
        self.retry_seconds = retry_seconds

    def configured(self, settings: Settings) -> bool:
        return bool(settings.telegram_bot_token)

    async def setup(self, app: App, web_app: web.Application) -> None:
        s = app.settings
        assert s.telegram_bot_token
        session = AiohttpSession(api=TelegramAPIServer.from_base(s.telegram_api_url))
        self.bot = bot = Bot(s.telegram_bot_token, session=session)
        sender = TelegramSender(bot, self.limiter or FloodLimiter(shared=app.rate_gate),
                                files=app.attachments.files if app.attachments else None)
        app.add_sender(sender)
        self.processor = processor = UpdateProcessor(bot, sender)
        app.inbox.register(InboxChannel("telegram", processor.to_inbound, processor.respond))
        if s.public_base_url:
            # Mounted for any base URL (a proxy may terminate TLS in front of it); Telegram
            # is only asked to call it when the URL is https (see ``start``).
            web_app.router.add_post(WEBHOOK_PATH, webhook_handler(
                processor, webhook_secret(s), self._receiver(app)))

    @staticmethod
    def _receiver(app: App) -> Receive:
        async def receive(event_id: str, conversation: str, data: dict[str, Any]) -> bool:
            return await app.inbox.receive("telegram", event_id, conversation, data)
        return receive

    async def start(self, app: App, stop: asyncio.Event) -> list[asyncio.Task[None]]:
        """Check the token, register the commands, then set the webhook or start long
        polling. A refused token raises ``ChannelStartError`` (one line, exit code 2); an
        unreachable API is logged in one line and retried in the background with backoff."""
        try:
            return await self._begin(app, stop)
        except TelegramUnauthorizedError:
            raise ChannelStartError(REFUSED_TOKEN) from None
        except TRANSIENT as exc:
            log.warning("Telegram API %s unreachable (%s); retrying in %.0fs, backing off "
                        "to %.0fs", app.settings.telegram_api_url, _one_line(exc),
                        self.retry_seconds, MAX_RETRY_SECONDS)
            return [asyncio.create_task(self._keep_trying(app, stop))]

    async def _keep_trying(self, app: App, stop: asyncio.Event) -> None:
        delay = self.retry_seconds
        while not await _stopped_after(stop, delay):
            delay = min(delay * 2, MAX_RETRY_SECONDS)
            try:
                tasks = await self._begin(app, stop)
            except TelegramUnauthorizedError:
                log.error("configuration error: %s; Telegram stays off", REFUSED_TOKEN)
                return
            except TRANSIENT as exc:
                log.warning("Telegram API %s still unreachable (%s); retrying in %.0fs",
                            app.settings.telegram_api_url, _one_line(exc), delay)
                continue
            log.info("Telegram API reachable again")
            for task in tasks:
                await task
            return

    async def _begin(self, app: App, stop: asyncio.Event) -> list[asyncio.Task[None]]:
        assert self.bot is not None and self.processor is not None
        s = app.settings
        await self.bot.get_me()  # a wrong token fails here, before anything else
        await self._set_commands()
        url = webhook_url(s)
        if url is not None:
            try:
                await self.bot.set_webhook(url, secret_token=webhook_secret(s),
                                           allowed_updates=ALLOWED_UPDATES)
                log.info("Telegram: updates arrive at the webhook %s", url)
                return []
            except TelegramBadRequest as exc:  # e.g. a certificate Telegram does not trust
                log.error("Telegram refused the webhook %s (%s); using long polling instead",
                          url, exc.message)
        else:
            log.info("Telegram: long polling (PUBLIC_BASE_URL is %s; Telegram calls "
                     "webhooks over https only)",
                     "not set" if not s.public_base_url else "not https")
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


async def _stopped_after(stop: asyncio.Event, seconds: float) -> bool:
    """Wait ``seconds`` or until ``stop`` is set; True when it was."""
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        return False
    return True
