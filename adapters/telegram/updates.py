"""Receiving updates: the webhook endpoint and long polling share one processor.

An update is acknowledged (HTTP 200, or the next getUpdates offset) only after it has been
handled and its replies were sent. Its ``update_id`` is remembered in Redis for 48 h — first
with the replies it produced (``handled``), then as ``done`` — so a redelivered update is never
applied again: at most its missing replies are sent. Concurrent copies of one update wait for
each other on a short per-update lock.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
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

from adapters.telegram.files import incoming
from adapters.telegram.sender import TelegramSender
from adapters.telegram.translate import to_inbound
from core.messages import Attachment, Button, Inbound, Reply
from core.ports import DialogKey, DialogState, DialogStore

log = logging.getLogger(__name__)
SEEN_TTL = 48 * 3600  # how long a handled update_id is recognised (Telegram retries ≤ 24 h)
LOCK_SECONDS = 90.0  # one update's handling, including waits on 429s
UPDATE_KEY = "telegram-update"  # DialogKey channel of the per-update record
HANDLED, DONE = "handled", "done"  # applied, replies (maybe) pending / replies all sent
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query"]
Handler = Callable[[Inbound], Awaitable[list[Reply]]]
T = TypeVar("T")


class BadUpdate(ValueError):
    """Not a Telegram update."""


class UpdateProcessor:
    """Applies each update once and delivers its replies at least once.

    Per update (under a short per-update lock, so concurrent copies wait for each other):
    ``handle`` runs once; its replies are then stored (``handled``) before any is sent, and
    the update is marked ``done`` once they all went out. A copy arriving later finds
    ``done`` (nothing to do) or ``handled`` (the replies not yet sent are sent again — the
    update is not applied again).
    """

    def __init__(self, bot: Bot, handle: Handler, sender: TelegramSender,
                 dialogs: DialogStore) -> None:
        self.bot = bot
        self.handle = handle
        self.sender = sender
        self.dialogs = dialogs

    async def process(self, data: dict[str, Any]) -> bool:
        """Handle one update once; False when it had been handled already.

        Raises ``BadUpdate`` for something that is not an update, and whatever sending the
        replies raised when Telegram could not take them now (deliver the update again).
        """
        update_id = data.get("update_id")
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            raise BadUpdate("no update_id")
        if not data.keys() & set(ALLOWED_UPDATES):
            return True  # a kind of update we do not handle: acknowledged and ignored
        try:
            update = Update.model_validate(data, context={"bot": self.bot})
        except ValidationError as exc:
            raise BadUpdate(str(exc)) from exc
        inbound = to_inbound(update)
        if inbound is None:
            return True  # e.g. a message in a group: acknowledged and ignored
        if update.message is not None:
            files = incoming(self.bot, update.message)
            if files:
                inbound = replace(inbound, attachments=files)
        key = DialogKey(UPDATE_KEY, str(update_id))
        async with self.dialogs.locked(key, expire=LOCK_SECONDS) as held:
            record = held.state
            if record.state == DONE:
                return False
            if record.state == HANDLED:  # applied before; only (some) replies are missing
                replies = decode_replies(record.data.get("replies", []))
                first = int(record.data.get("sent", 0))
            else:
                replies = await self.handle(inbound)
                first = 0
                await self.dialogs.set(
                    key, DialogState(HANDLED, {"replies": encode_replies(replies)}), SEEN_TTL)
            await self._deliver(key, update, inbound, replies, first)
            held.keep(DialogState(DONE), SEEN_TTL)
            return record.state != HANDLED

    async def _deliver(self, key: DialogKey, update: Update, inbound: Inbound,
                       replies: list[Reply], first: int) -> None:
        """Answer the callback query, then send (or edit) ``replies[first:]``, recording
        progress so a redelivery does not repeat a reply that went out."""
        query = update.callback_query
        if query is not None:
            toast = next((r.toast for r in replies if r.toast), None)
            await self.sender.answer(query.id, toast)
        message = query.message if query is not None else None
        for index in range(first, len(replies)):
            reply = replies[index]
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
            if index + 1 < len(replies):
                await self.dialogs.set(key, DialogState(HANDLED, {
                    "replies": encode_replies(replies), "sent": index + 1}), SEEN_TTL)


def encode_replies(replies: list[Reply]) -> list[dict[str, Any]]:
    """Replies as JSON-able data (kept until they were all sent)."""
    return [{"text": r.text, "buttons": [[b.label, b.payload] for b in r.buttons],
             "edit": r.edit, "toast": r.toast,
             "files": [[a.name, a.mime, a.size, a.key, a.id] for a in r.attachments]}
            for r in replies]


def decode_replies(data: list[dict[str, Any]]) -> list[Reply]:
    """The inverse of ``encode_replies``."""
    return [Reply(d["text"], tuple(Button(label, payload) for label, payload in d["buttons"]),
                  bool(d["edit"]), d["toast"],
                  tuple(Attachment(name, mime, size, key=key, id=ident)
                        for name, mime, size, key, ident in d.get("files", [])))
            for d in data]


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
    how getUpdates acknowledges it. Failures back off (1 s doubling to 60 s); the loop only
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
            try:
                await processor.process(update.model_dump(mode="json", exclude_none=True,
                                                          by_alias=True))
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
