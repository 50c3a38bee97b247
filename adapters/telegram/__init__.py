"""Telegram channel (aiogram 3): updates → Inbound, Reply → Bot API calls."""

from adapters.telegram.limiter import FloodLimiter
from adapters.telegram.sender import TelegramSender
from adapters.telegram.updates import UpdateProcessor, poll_updates, webhook_handler

__all__ = ["FloodLimiter", "TelegramSender", "UpdateProcessor", "poll_updates",
           "webhook_handler"]
