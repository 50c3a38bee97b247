"""A minimal aiogram echo bot: the baseline the Telegram pipeline is compared with.

It answers a callback query and sends its data back, and echoes plain text, served by
aiogram's own webhook handler on aiohttp — no database, no Redis, no dialog.
"""

from __future__ import annotations

from aiogram import Bot, Dispatcher, F, Router
from aiogram.types import CallbackQuery, Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web


async def echo(query: CallbackQuery, bot: Bot) -> None:
    await query.answer()
    await bot.send_message(chat_id=query.from_user.id, text=query.data or "")


async def echo_text(message: Message, bot: Bot) -> None:
    await bot.send_message(chat_id=message.chat.id, text=message.text or "")


def make_app(bot: Bot, path: str = "/webhook", secret: str | None = None) -> web.Application:
    router = Router()
    router.callback_query.register(echo)
    router.message.register(echo_text, F.text)
    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    app = web.Application()
    SimpleRequestHandler(dispatcher=dispatcher, bot=bot, secret_token=secret).register(
        app, path=path)
    return app
