"""Pure translation between Telegram objects and the core's neutral messages."""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Update

from core.i18n import N_
from core.messages import Inbound, Reply

CHANNEL = "telegram"
MAX_TEXT = 4096
# The command menu (setMyCommands), registered in every language.
COMMANDS = (
    ("start", N_("Start")),
    ("new", N_("Place a new request")),
    ("my", N_("My requests")),
    ("history", N_("History of a request")),
    ("language", N_("Choose your language")),
    ("help", N_("Help")),
)


def to_inbound(update: Update) -> Inbound | None:
    """The Inbound an update stands for; None for kinds we do not handle."""
    if update.callback_query is not None:
        query = update.callback_query
        user = query.from_user
        message = query.message
        return Inbound(
            CHANNEL, str(user.id), payload=query.data or "", display_name=user.full_name,
            language=user.language_code,
            message_ref=str(message.message_id) if message is not None else None,
        )
    message = update.message
    if message is None or message.from_user is None or message.chat.type != "private":
        return None
    user = message.from_user
    return Inbound(CHANNEL, str(user.id), text=message.text or message.caption or "",
                   display_name=user.full_name, language=user.language_code)


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """Buttons as an inline keyboard, one per row (labels stay readable on a phone)."""
    if not reply.buttons:
        return None
    rows = [[InlineKeyboardButton(text=b.label[:64], callback_data=b.payload)]
            for b in reply.buttons]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def keyboard_json(reply: Reply) -> dict[str, Any] | None:
    """``keyboard`` as the Bot API's JSON (for a call sent as a JSON body)."""
    if not reply.buttons:
        return None
    return {"inline_keyboard": [[{"text": b.label[:64], "callback_data": b.payload}]
                                for b in reply.buttons]}


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP is two)."""
    return len(text.encode("utf-16-le")) // 2


def _fit(text: str, limit: int) -> int:
    """How many characters of ``text`` fit in ``limit`` UTF-16 units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Telegram allows 4,096 UTF-16 units a message: cut at line breaks, else at spaces.

    Every part has something to show — Telegram refuses an empty or whitespace-only text
    ("message text is empty") — and the whitespace at a cut is dropped."""
    rest = (text or "").strip()
    if not rest:
        return ["…"]
    parts: list[str] = []
    while rest and utf16_len(rest) > limit:
        fit = max(_fit(rest, limit), 1)
        cut = rest.rfind("\n", 0, fit)
        if cut <= 0:
            cut = rest.rfind(" ", 0, fit)
        if cut <= 0 or not rest[:cut].strip():
            cut = fit
        # ``rest`` starts and ends with a visible character, so both sides keep one.
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts
