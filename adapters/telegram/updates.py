"""Receiving updates: the webhook endpoint and long polling both hand verified updates to
the durable inbox (``bots.inbox``); it applies each once and then calls ``UpdateProcessor
.respond`` with the replies.

The webhook checks the secret, the body size and nesting depth, and that the body is an
update, then stores it — a redelivered update is a no-op — and only then answers 200; 500
(nothing stored, e.g. the database is down) makes Telegram deliver it again.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import replace
from typing import Any, TypeVar

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
)
from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

from adapters.limits import BadBody, has_bad_strings, parse_json, read_body
from adapters.telegram.files import incoming
from adapters.telegram.sender import TelegramSender
from adapters.telegram.translate import to_inbound
from core.messages import Inbound, Reply

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query"]
Handler = Callable[[Inbound], Awaitable[list[Reply]]]
T = TypeVar("T")
# Stores a verified update in the inbox (event id, conversation, payload) and processes it.
Receive = Callable[[str, str, dict[str, Any]], Awaitable[bool]]
# While a webhook request is being handled: its update id and, once the update was answered
# inline, the answerCallbackQuery to return in the webhook's response. Telegram runs a
# method given there ("Making requests when getting updates"), so a button press costs one
# Bot API call less; answered later (by the inbox worker, or in long polling) it is a call.
_WEBHOOK_ANSWER: ContextVar[dict[str, Any] | None] = ContextVar("telegram_webhook_answer",
                                                                default=None)


class BadUpdate(ValueError):
    """Not a Telegram update."""


class UpdateProcessor:
    """Telegram's side of the inbox: which conversation an update belongs to, the Inbound
    it stands for, and sending the replies (answering the callback query first)."""

    # Updates parsed by ``check`` are kept (by the identity of their payload) for
    # ``to_inbound`` and ``respond`` of the same update: parsed once, not three times.
    parsed_kept = 512

    def __init__(self, bot: Bot, sender: TelegramSender) -> None:
        self.bot = bot
        self.sender = sender
        self._parsed: OrderedDict[int, tuple[dict[str, Any], Update]] = OrderedDict()

    def check(self, data: dict[str, Any]) -> tuple[str, str] | None:
        """(update id, conversation) of an update worth storing; None for kinds we ignore
        (acknowledged, not stored); ``BadUpdate`` for something that is not an update."""
        update_id = data.get("update_id")
        if not isinstance(update_id, int) or isinstance(update_id, bool) \
                or not -2**63 <= update_id < 2**63:
            raise BadUpdate("no update_id")
        if not data.keys() & set(ALLOWED_UPDATES):
            return None
        if has_bad_strings(data):
            raise BadUpdate("a string field is too long or not valid text")
        try:
            update = Update.model_validate(data, context={"bot": self.bot})
        except (ValidationError, ValueError, TypeError, RecursionError) as exc:
            raise BadUpdate(str(exc)[:200]) from exc
        inbound = to_inbound(update)
        if inbound is None:
            return None
        self._keep(data, update)
        return str(update_id), inbound.address

    def _keep(self, data: dict[str, Any], update: Update) -> None:
        # The payload itself is kept too, so its id cannot be reused while it is here.
        self._parsed[id(data)] = (data, update)
        if len(self._parsed) > self.parsed_kept:
            self._parsed.popitem(last=False)

    def _update(self, data: dict[str, Any]) -> Update:
        kept = self._parsed.get(id(data))
        if kept is not None and kept[0] is data:
            return kept[1]
        return Update.model_validate(data, context={"bot": self.bot})

    async def to_inbound(self, data: dict[str, Any]) -> Inbound | None:
        """The Inbound a stored update stands for (with its files)."""
        update = self._update(data)
        inbound = to_inbound(update)
        if inbound is not None and update.message is not None:
            files = incoming(self.bot, update.message)
            if files:
                inbound = replace(inbound, attachments=files)
        return inbound

    async def respond(self, data: dict[str, Any], replies: list[Reply]) -> None:
        """Answer the callback query, then send (or edit) the replies. Raises when Telegram
        could not take them now (the inbox sends them again later)."""
        update = self._update(data)
        self._parsed.pop(id(data), None)  # answered: not needed any more
        query = update.callback_query
        if query is not None:
            toast = next((r.toast for r in replies if r.toast), None)
            webhook = _WEBHOOK_ANSWER.get()
            if webhook is not None and webhook.get("update_id") == update.update_id:
                webhook["answer"] = answer_callback(query.id, toast)
            else:
                try:
                    await self.sender.answer(query.id, toast)
                except TelegramBadRequest as exc:  # too old to answer: the chat still gets it
                    log.info("callback query %s not answered: %s", query.id, exc)
        message = query.message if query is not None else None
        inbound = to_inbound(update)
        if inbound is None:
            return
        for reply in replies:
            if query is not None and reply.toast and not reply.buttons:
                # A refusal: the toast says it, the chat stays clean; a stale choice menu
                # (edit) keeps its text but loses its buttons.
                if reply.edit and message is not None:
                    await self.sender.clear_buttons(str(message.chat.id),
                                                    str(message.message_id))
                continue
            try:
                if reply.edit and message is not None:
                    await self.sender.edit(str(message.chat.id), str(message.message_id), reply)
                else:
                    await self.sender.send(inbound.address, reply)
            except (TelegramForbiddenError, TelegramBadRequest, TelegramNotFound) as exc:
                # Blocked by the user, chat gone...: trying again would not help.
                log.warning("reply to update %s not deliverable: %s", update.update_id, exc)


def answer_callback(callback_id: str, toast: str | None) -> dict[str, Any]:
    """answerCallbackQuery as a webhook response body (a toast of at most 200 characters)."""
    body: dict[str, Any] = {"method": "answerCallbackQuery", "callback_query_id": callback_id}
    if toast:
        body["text"] = toast[:200]
    return body


def webhook_handler(processor: UpdateProcessor, secret: str, receive: Receive
                    ) -> Callable[[web.Request], Awaitable[web.Response]]:
    """POST /telegram/webhook: 401 without the secret, 400 for a body that is too large, too
    deep, not JSON or not an update, else 200 once stored in the inbox (500 when it could not
    be stored makes Telegram deliver it again). When a button press was answered while the
    request was open, the 200 carries its answerCallbackQuery for Telegram to run."""

    async def handler(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.json_response({"ok": False, "error": "unauthorized"}, status=401)
        try:
            data = parse_json(await read_body(request))
            if not isinstance(data, dict):
                raise BadUpdate("not an update")
            checked = processor.check(data)
        except (BadBody, BadUpdate) as exc:
            return web.json_response({"ok": False, "error": f"not an update: {exc}"[:200]},
                                     status=400)
        if checked is None:
            return web.json_response({"ok": True})  # a kind of update we do not handle
        webhook: dict[str, Any] = {"update_id": data["update_id"]}
        context = _WEBHOOK_ANSWER.set(webhook)
        try:
            await receive(checked[0], checked[1], data)
        except Exception:
            log.exception("update %s not stored; Telegram will deliver it again", checked[0])
            return web.json_response({"ok": False}, status=500)
        finally:
            _WEBHOOK_ANSWER.reset(context)
        return web.json_response(webhook.get("answer") or {"ok": True})

    return handler


async def poll_updates(bot: Bot, processor: UpdateProcessor, receive: Receive,
                       stop: asyncio.Event, long_poll_seconds: int = 25) -> None:
    """Long polling. The offset moves past an update only after it was stored in the inbox,
    which is how getUpdates acknowledges it. Failures back off (1 s doubling to 60 s); the loop only
    ends when ``stop`` is set."""
    offset: int | None = None
    poll_delay = retry_delay = 1.0
    while not stop.is_set():
        try:
            polled = await _unless_stopped(stop, bot.get_updates(
                offset=offset, timeout=long_poll_seconds, allowed_updates=ALLOWED_UPDATES))
            if polled is None:
                break  # stopping: the long poll is dropped, nothing was taken from it
            updates = polled
            poll_delay = 1.0
        except asyncio.CancelledError:
            raise
        except TelegramRetryAfter as exc:
            await _sleep_or_stop(stop, exc.retry_after)
            continue
        except Exception as exc:  # network, 5xx, 409 (a webhook is set), 401 (bad token)
            log.warning("getUpdates failed (%r); retrying in %.0fs", exc, poll_delay)
            await _sleep_or_stop(stop, poll_delay)
            poll_delay = min(poll_delay * 2, 60)
            continue
        for update in updates:
            if stop.is_set():
                break  # the rest of the batch is not acknowledged: fetched again next time
            data = update.model_dump(mode="json", exclude_none=True, by_alias=True)
            try:
                checked = processor.check(data)
                if checked is not None:
                    await receive(checked[0], checked[1], data)
            except BadUpdate:
                log.warning("skipping malformed update %s", update.update_id)
            except Exception:
                log.exception("update %s failed; it will be fetched again", update.update_id)
                await _sleep_or_stop(stop, retry_delay)
                retry_delay = min(retry_delay * 2, 60)
                break
            retry_delay = 1.0
            offset = update.update_id + 1
    if offset is not None:  # acknowledge what was handled, so the next process skips it
        try:
            await asyncio.wait_for(bot.get_updates(offset=offset, timeout=0, limit=1,
                                                   allowed_updates=ALLOWED_UPDATES), 5)
        except Exception as exc:
            log.info("could not acknowledge the last updates on stopping (%r)", exc)


async def _unless_stopped(stop: asyncio.Event, call: Awaitable[T]) -> T | None:
    """``call``'s result, or None as soon as ``stop`` is set (``call`` is then cancelled)."""
    work = asyncio.ensure_future(call)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({work, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
    if not work.done():
        work.cancel()
        await asyncio.gather(work, return_exceptions=True)
        return None
    return work.result()


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        pass
