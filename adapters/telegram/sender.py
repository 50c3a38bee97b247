"""TelegramSender: the ChannelSender the outbox worker (and direct replies) use.

Text is sent without a parse mode, so nothing a person typed can inject formatting.
A 429 waits ``retry_after`` and tries again; other failures raise (the outbox retries).

Text messages, edits and callback answers go out as a JSON body through aiogram's HTTP
session, and their answers are read as plain JSON: building aiogram's method model and
validating the returned ``Message`` cost more CPU than the rest of a reply (docs/
performance.md). A failure is still turned into aiogram's exception by aiogram's own
``check_response`` (``TelegramRetryAfter``, ``TelegramBadRequest``, ...). Files go through
aiogram's methods.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any, TypeVar, cast

from aiogram import Bot, methods
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiohttp import ClientError, ClientTimeout

from adapters.telegram.files import upload
from adapters.telegram.limiter import FloodLimiter
from adapters.telegram.responses import keep_response_models
from adapters.telegram.translate import CHANNEL, keyboard_json, split_text
from core.attachment_ports import FileStore, stored_content
from core.messages import Attachment, Reply
from core.ports import ChannelSender
from core.telemetry import telemetry

log = logging.getLogger(__name__)
T = TypeVar("T")
JSON_HEADERS = {"Content-Type": "application/json"}


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

    async def call(self, method: type[methods.TelegramMethod[Any]],
                   params: dict[str, Any]) -> Any:
        """One Bot API call with a JSON body; its ``result`` as plain JSON. Failures raise
        what ``bot(method)`` would raise (aiogram maps them)."""
        session = cast(AiohttpSession, self.bot.session)  # aiogram's default, and ours
        http = await session.create_session()
        url = session.api.api_url(token=self.bot.token, method=method.__api_method__)
        try:
            async with http.post(url, data=json.dumps(params, ensure_ascii=False),
                                 headers=JSON_HEADERS,
                                 timeout=ClientTimeout(total=session.timeout)) as response:
                status, raw = response.status, await response.text()
        except TimeoutError as exc:
            raise TelegramNetworkError(method=method.model_construct(**params),
                                       message="Request timeout error") from exc
        except ClientError as exc:
            raise TelegramNetworkError(method=method.model_construct(**params),
                                       message=f"{type(exc).__name__}: {exc}") from exc
        try:
            answer = json.loads(raw)
        except ValueError:
            answer = None
        if HTTPStatus.OK <= status <= HTTPStatus.IM_USED and isinstance(answer, dict) \
                and answer.get("ok") is True and "result" in answer:
            return answer["result"]
        unsent = method.model_construct(**params)
        session.check_response(bot=self.bot, method=unsent, status_code=status, content=raw)
        raise TelegramAPIError(method=unsent, message=f"unexpected answer ({status})")

    async def send(self, address: str, reply: Reply) -> str | None:
        chat_id = int(address)
        parts = split_text(reply.text)
        message_id = None
        for index, part in enumerate(parts):
            params: dict[str, Any] = {"chat_id": chat_id, "text": part}
            markup = keyboard_json(reply) if index == len(parts) - 1 else None
            if markup is not None:
                params["reply_markup"] = markup
            message = await self._call(chat_id, lambda p=params: self.call(  # type: ignore[misc]
                methods.SendMessage, p))
            message_id = message["message_id"]
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
        params: dict[str, Any] = {"chat_id": chat_id, "message_id": int(message_ref),
                                  "text": first}
        markup = None if rest else keyboard_json(reply)
        if markup is not None:
            params["reply_markup"] = markup
        try:
            await self._call(chat_id, lambda: self.call(methods.EditMessageText, params))
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
            await self._call(chat_id, lambda: self.call(methods.EditMessageReplyMarkup, {
                "chat_id": chat_id, "message_id": int(message_ref)}))
        except TelegramBadRequest:
            pass  # gone, or no buttons any more: nothing stale left

    async def answer(self, callback_id: str, toast: str | None) -> None:
        """Every callback query is answered, with a short toast when there is one."""
        params: dict[str, Any] = {"callback_query_id": callback_id}
        if toast:
            params["text"] = toast[:200]
        for _attempt in range(self.max_retries):
            try:
                await self.call(methods.AnswerCallbackQuery, params)
                return
            except TelegramRetryAfter as exc:
                telemetry().rate_limited("telegram")
                await asyncio.sleep(exc.retry_after)
            except TelegramBadRequest:
                return  # too old to answer: the user has moved on
