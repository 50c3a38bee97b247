"""Keeps aiogram's parametrised ``Response[...]`` models alive for the methods we call.

aiogram validates every Bot API answer with ``Response[method.__returning__]``. pydantic caches
parametrised generic models only weakly, so under load the garbage collector drops them and each
answer rebuilds its model from scratch (several ms of CPU — measured as the largest single cost
of a webhook update in ``bench/telegram_webhook.py``). Holding them here builds each once.
"""

from __future__ import annotations

from typing import Any

from aiogram import methods
from aiogram.methods.base import Response

USED_METHODS: tuple[type[methods.TelegramMethod[Any]], ...] = (
    methods.AnswerCallbackQuery, methods.SendMessage, methods.EditMessageText,
    methods.EditMessageReplyMarkup, methods.SendPhoto, methods.SendDocument, methods.GetFile,
    methods.GetUpdates, methods.SetWebhook, methods.DeleteWebhook, methods.SetMyCommands,
)
_kept: list[type[Any]] = []


def keep_response_models() -> None:
    """Build (once per process) and hold the response models of ``USED_METHODS``."""
    if not _kept:
        _kept.extend(Response[m.__returning__] for m in USED_METHODS)  # type: ignore[name-defined]
