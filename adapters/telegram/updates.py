"""Receiving updates: the webhook endpoint and long polling share one processor.

An update is acknowledged (HTTP 200, or the next getUpdates offset) only after it has been
handled; its ``update_id`` is then remembered for 48 h, so a redelivered update is not applied
again. Concurrent copies of one update wait for each other on a short per-update lock.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramNetworkError, TelegramServerError
from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

from adapters.telegram.files import incoming
from adapters.telegram.sender import TelegramSender
from adapters.telegram.translate import to_inbound
from core.messages import Inbound, Reply
from core.ports import DialogKey, DialogStore

log = logging.getLogger(__name__)
SEEN_TTL = 48 * 3600
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query"]
Handler = Callable[[Inbound], Awaitable[list[Reply]]]


class BadUpdate(ValueError):
    """Not a Telegram update."""


class UpdateProcessor:
    def __init__(self, bot: Bot, handle: Handler, sender: TelegramSender,
                 dialogs: DialogStore) -> None:
        self.bot = bot
        self.handle = handle
        self.sender = sender
        self.dialogs = dialogs

    async def process(self, data: dict[str, Any]) -> bool:
        """Handle one update once; False when it was a redelivery."""
        update_id = data.get("update_id")
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            raise BadUpdate("no update_id")
        token = f"telegram:update:{update_id}"
        async with self.dialogs.lock(DialogKey("telegram-update", str(update_id))):
            if await self.dialogs.is_remembered(token):
                return False
            if not data.keys() & set(ALLOWED_UPDATES):
                return True  # a kind of update we do not handle: acknowledged and ignored
            try:
                update = Update.model_validate(data, context={"bot": self.bot})
            except ValidationError as exc:
                raise BadUpdate(str(exc)) from exc
            await self._apply(update)
            await self.dialogs.remember(token, SEEN_TTL)
            return True

    async def _apply(self, update: Update) -> None:
        inbound = to_inbound(update)
        if inbound is None:
            return  # a kind of update we do not handle: acknowledged and ignored
        if update.message is not None:
            files = incoming(self.bot, update.message)
            if files:
                inbound = replace(inbound, attachments=files)
        replies = await self.handle(inbound)
        query = update.callback_query
        if query is None:
            for reply in replies:
                await self.sender.send(inbound.address, reply)
            return
        toast = next((r.toast for r in replies if r.toast), None)
        await self.sender.answer(query.id, toast)
        message = query.message
        for reply in replies:
            if reply.toast and not reply.buttons:
                continue  # a refusal: the toast says it, the chat stays clean
            if reply.edit and message is not None:
                await self.sender.edit(str(message.chat.id), str(message.message_id), reply)
            else:
                await self.sender.send(inbound.address, reply)


def webhook_handler(processor: UpdateProcessor, secret: str
                    ) -> Callable[[web.Request], Awaitable[web.Response]]:
    """POST /telegram/webhook: 401 without the secret, 400 for malformed JSON, else 200
    once handled (500 makes Telegram deliver it again)."""

    async def handler(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.json_response({"ok": False, "error": "unauthorized"}, status=401)
        try:
            data = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            return web.json_response({"ok": False, "error": "malformed JSON"}, status=400)
        if not isinstance(data, dict):
            return web.json_response({"ok": False, "error": "not an update"}, status=400)
        try:
            await processor.process(data)
        except BadUpdate as exc:
            return web.json_response({"ok": False, "error": f"not an update: {exc}"[:200]},
                                     status=400)
        except Exception:
            log.exception("update %s failed; Telegram will deliver it again",
                          data.get("update_id"))
            return web.json_response({"ok": False}, status=500)
        return web.json_response({"ok": True})

    return handler


async def poll_updates(bot: Bot, processor: UpdateProcessor, stop: asyncio.Event,
                       long_poll_seconds: int = 25) -> None:
    """Long polling. The offset moves past an update only after it was handled, which is
    how getUpdates acknowledges it."""
    offset: int | None = None
    delay = 1.0
    while not stop.is_set():
        try:
            updates = await bot.get_updates(offset=offset, timeout=long_poll_seconds,
                                            allowed_updates=ALLOWED_UPDATES)
            delay = 1.0
        except (TelegramNetworkError, TelegramServerError) as exc:
            log.warning("getUpdates failed (%s); retrying in %.0fs", exc, delay)
            await _sleep_or_stop(stop, delay)
            delay = min(delay * 2, 60)
            continue
        for update in updates:
            try:
                await processor.process(update.model_dump(mode="json", exclude_none=True,
                                                          by_alias=True))
            except BadUpdate:
                log.warning("skipping malformed update %s", update.update_id)
            except Exception:
                log.exception("update %s failed; it will be fetched again", update.update_id)
                await _sleep_or_stop(stop, delay)
                break
            offset = update.update_id + 1


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        pass
