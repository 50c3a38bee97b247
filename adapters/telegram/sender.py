"""TelegramSender: the ChannelSender the outbox worker (and direct replies) use.

Text is sent without a parse mode, so nothing a person typed can inject formatting.
A 429 waits ``retry_after`` and tries again; other failures raise (the outbox retries).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TypeVar

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter

from adapters.telegram.files import upload
from adapters.telegram.limiter import FloodLimiter
from adapters.telegram.responses import keep_response_models
from adapters.telegram.translate import CHANNEL, keyboard, split_text
from core.attachment_ports import FileStore, stored_content
from core.messages import Attachment, Reply
from core.ports import ChannelSender
from core.telemetry import telemetry

log = logging.getLogger(__name__)
T = TypeVar("T")


class TelegramSender(ChannelSender):
    channel = CHANNEL

    def __init__(self, bot: Bot, limiter: FloodLimiter | None = None, max_retries: int = 8,
                 files: FileStore | None = None):
        self.bot = bot
        self.limiter = limiter or FloodLimiter()
        self.max_retries = max_retries
        self.files = files  # where forwarded attachments are read from
        keep_response_models()

    async def _call(self, chat_id: int, call: Callable[[], Awaitable[T]]) -> T:
        for _attempt in range(self.max_retries):
            await self.limiter.wait(chat_id)
            try:
                return await call()
            except TelegramRetryAfter as exc:
                telemetry().rate_limited("telegram")
                log.info("Telegram asks to wait %ss (chat %s)", exc.retry_after, chat_id)
                self.limiter.hold(chat_id, exc.retry_after)
        raise RuntimeError(f"Telegram kept answering 429 for chat {chat_id}")

    async def send(self, address: str, reply: Reply) -> str | None:
        chat_id = int(address)
        parts = split_text(reply.text)
        message_id = None
        for index, part in enumerate(parts):
            markup = keyboard(reply) if index == len(parts) - 1 else None
            message = await self._call(chat_id, partial(
                self.bot.send_message, chat_id=chat_id, text=part, reply_markup=markup,
                parse_mode=None))
            message_id = message.message_id
        for attachment in reply.attachments:
            await self._send_file(chat_id, attachment)
        return str(message_id) if message_id is not None else None

    async def _send_file(self, chat_id: int, attachment: Attachment) -> None:
        """Forward a stored file after the text that announces it (the text names it, so a
        file that is gone is only logged)."""
        data = await stored_content(self.files, attachment.key, attachment.name)
        if data is None:
            return
        await self._call(chat_id, lambda: upload(self.bot, chat_id, attachment, data))

    async def edit(self, address: str, message_ref: str, reply: Reply) -> None:
        """Replace the message's text and buttons; a text too long for one message keeps
        its first part there and sends the rest (buttons on the last part)."""
        chat_id = int(address)
        first, *rest = split_text(reply.text)
        markup = None if rest else keyboard(reply)
        try:
            await self._call(chat_id, lambda: self.bot.edit_message_text(
                chat_id=chat_id, message_id=int(message_ref), text=first,
                reply_markup=markup, parse_mode=None))
        except TelegramBadRequest as exc:
            if "not found" in exc.message or "can't be edited" in exc.message:
                await self.send(address, reply)  # too old or deleted: say it anew
                return
            if "not modified" not in exc.message:
                raise
        if rest:
            await self.send(address, Reply("\n".join(rest), reply.buttons))

    async def clear_buttons(self, address: str, message_ref: str) -> None:
        chat_id = int(address)
        try:
            await self._call(chat_id, lambda: self.bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=int(message_ref), reply_markup=None))
        except TelegramBadRequest:
            pass  # gone, or no buttons any more: nothing stale left

    async def answer(self, callback_id: str, toast: str | None) -> None:
        """Every callback query is answered, with a short toast when there is one."""
        for _attempt in range(self.max_retries):
            try:
                await self.bot.answer_callback_query(callback_id, text=(toast or "")[:200])
                return
            except TelegramRetryAfter as exc:
                telemetry().rate_limited("telegram")
                await asyncio.sleep(exc.retry_after)
            except TelegramBadRequest:
                return  # too old to answer: the user has moved on
