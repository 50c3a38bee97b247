"""The three bots `bench/telegram_webhook.py` compares, each run in its own process
(`taskset -c 0 python bench/webhook_bots.py {ours,aiogram,ptb} --port P --api-url URL`).

- ``ours``: what `helpdesk serve` runs — bootstrap, every plugin's routes, the delivery,
  timer, retention and inbox workers, `settle_heap()` — with the Telegram plugin's flood
  limiter opened up (the fake Bot API does not enforce limits in this bench; the shared
  Redis bucket would otherwise pace every reply at 29/s). Long polling is not started
  (the updates come through `POST /telegram/webhook`). ``ours --web-only`` starts no
  workers, as `helpdesk serve --web-only` (bench/scale_out.py runs one or two of them).
- ``aiogram``: a stock aiogram 3 echo bot (`bench/echo_bot.py`), aiogram's own webhook
  handler on aiohttp.
- ``ptb``: a stock python-telegram-bot (≥ 22) echo bot: `Application` with concurrent
  updates and no `Updater`, fed from an aiohttp `POST /webhook` the way PTB's "custom
  webhook" example does (`application.update_queue.put(Update.de_json(...))`).

Every bot checks the webhook secret header, answers a callback query (`answerCallbackQuery`
then `sendMessage`) and replies to plain text with `sendMessage`. The echo bots get the same
`settle_heap()` (`gc.freeze()` after start) as ours, which makes them faster, not slower.
Each prints ``READY`` on stdout once it listens and runs until SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path
from typing import Any

from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.telegram.updates import SECRET_HEADER  # noqa: E402
from bots.server import settle_heap  # noqa: E402

TOKEN = "123456:BENCH-TOKEN"
SECRET = "bench-secret"
SECRET_KEY = "b" * 32
UNLIMITED = dict(overall_per_second=1e9, per_chat_per_second=1e9, per_group_per_minute=1e9)


def our_settings(database_url: str, redis_url: str, api_url: str) -> Any:
    """The settings of our bot under test (also used by the load side to pack buttons)."""
    from bots.settings import Settings

    return Settings(database_url=database_url, redis_url=redis_url, secret_key=SECRET_KEY,
                    telegram_bot_token=TOKEN, telegram_api_url=api_url,
                    telegram_webhook_secret=SECRET, public_base_url="http://127.0.0.1",
                    _env_file=None)  # type: ignore[call-arg]


async def listen(app: web.Application, port: int, **kwargs: Any) -> web.AppRunner:
    runner = web.AppRunner(app, **kwargs)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


async def until_stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print("READY", flush=True)
    await stop.wait()


async def run_ours(args: argparse.Namespace) -> None:
    from adapters.telegram import FloodLimiter
    from bots.bootstrap import bootstrap
    from bots.channel_telegram import Plugin
    from bots.server import build

    app = await bootstrap(our_settings(args.database_url, args.redis_url, args.api_url))
    running = await build(app, [Plugin(limiter=FloodLimiter(**UNLIMITED))])
    runner = await listen(running.web_app, args.port, shutdown_timeout=2.0)
    # --web-only: what `helpdesk serve --web-only` starts (bench/scale_out.py).
    await running.start_background(workers=not args.web_only, channels=False)
    settle_heap()
    try:
        await until_stopped()
    finally:
        await running.shutdown(grace=2.0)
        await runner.cleanup()
        await app.close()


async def run_aiogram(args: argparse.Namespace) -> None:
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    from bench import echo_bot

    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(args.api_url)))
    runner = await listen(echo_bot.make_app(bot, secret=SECRET), args.port)
    settle_heap()
    try:
        await until_stopped()
    finally:
        await runner.cleanup()
        await bot.session.close()


async def run_ptb(args: argparse.Namespace) -> None:
    from telegram import Update
    from telegram.ext import (
        Application,
        CallbackQueryHandler,
        ContextTypes,
        MessageHandler,
        filters,
    )

    async def on_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await context.bot.send_message(chat_id=query.from_user.id, text=query.data or "")

    async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        assert message is not None
        await context.bot.send_message(chat_id=message.chat_id, text=message.text or "")

    application = (Application.builder().token(TOKEN).base_url(f"{args.api_url}/bot")
                   .updater(None).concurrent_updates(True).build())
    application.add_handler(CallbackQueryHandler(on_callback))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))

    async def webhook(request: web.Request) -> web.Response:
        if request.headers.get(SECRET_HEADER) != SECRET:
            return web.Response(status=401)
        await application.update_queue.put(Update.de_json(await request.json(),
                                                           application.bot))
        return web.Response()

    web_app = web.Application()
    web_app.router.add_post("/webhook", webhook)
    async with application:
        await application.start()
        runner = await listen(web_app, args.port)
        settle_heap()
        try:
            await until_stopped()
        finally:
            await runner.cleanup()
            await application.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bot", choices=("ours", "aiogram", "ptb"))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--web-only", action="store_true",
                        help="ours: no delivery/timer/retention/inbox workers (serve --web-only)")
    args = parser.parse_args()
    runner = {"ours": run_ours, "aiogram": run_aiogram, "ptb": run_ptb}[args.bot]
    asyncio.run(runner(args))


if __name__ == "__main__":
    main()
