"""Calls the Bot API accepts: each test checks Telegram's rule (as the fake Bot API enforces
it), not our own output. Start-up: a refused token is one line and exit code 2; an
unreachable API is retried with backoff, said in one line."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from adapters.telegram.translate import MAX_TEXT, split_text, utf16_len
from bots.channel_telegram import Plugin, webhook_secret
from bots.server import build
from bots.settings import Settings, describe_error
from core.clock import ManualClock
from persistence.redis_store import embedded_redis
from tests.adapters.stack import free_port
from tests.adapters.telegram.tgstack import TOKEN, TelegramStack
from tests.conftest import settings_for
from tests.fakes.telegram_api import FakeTelegramAPI, _ApiError, _checked_text

ROOT = Path(__file__).resolve().parents[3]

# Text as people and translations produce it: words, every kind of blank, emoji (two
# UTF-16 units each), accents and Cyrillic.
TEXT = st.lists(st.sampled_from(list("ab ъщ\n\t\r\u00a0\u2003\u3000é") + ["😀", "👍🏽"]),
                max_size=200).map("".join)



def refused(fake: FakeTelegramAPI) -> list[tuple[str, int | None]]:
    return [(c.method, c.status) for c in fake.calls if c.status != 200]


# -- sendMessage: text is never empty, whitespace only or too long -------------------------


@settings(max_examples=300, deadline=None)
@given(text=TEXT, limit=st.integers(min_value=2, max_value=40))
def test_every_part_of_a_split_text_is_one_telegram_accepts(text: str, limit: int) -> None:
    parts = split_text(text, limit)
    assert parts
    for part in parts:
        assert part.strip(), f"Telegram refuses an empty text: {parts!r}"
        assert utf16_len(part) <= limit
    # Nothing visible is lost or reordered.
    assert "".join("".join(parts).split()) == "".join(text.split()) or not text.strip()


@settings(max_examples=25, deadline=None)
@given(chunk=st.sampled_from(["word ", "\n", " " * 50, "😀", "\t\n \n", "щ" * 100]),
       count=st.integers(min_value=1, max_value=3000))
def test_long_texts_pass_the_bot_api_text_check(chunk: str, count: int) -> None:
    for part in split_text(chunk * count):
        _checked_text(part)  # the fake's sendMessage check: raises on what Telegram refuses
    assert MAX_TEXT == 4096


async def test_a_blank_reply_is_still_a_message_telegram_accepts(tg: TelegramStack) -> None:
    from core.messages import Reply

    sender = tg.app.senders["telegram"]
    await sender.send("101", Reply(" \n\t "))
    await sender.send("101", Reply("a" + " " * 5000 + "b"))
    assert [m.text for m in tg.fake.sent_messages(101)] == ["…", "a", "b"]
    assert refused(tg.fake) == []


# -- setWebhook: https only; the secret token is Telegram's alphabet ----------------------


async def test_https_base_url_sets_the_webhook(tg: TelegramStack) -> None:
    tg.app.settings.public_base_url = "https://helpdesk.example.com"
    assert await tg.plugin.start(tg.app, asyncio.Event()) == []
    assert tg.fake.webhook["url"] == "https://helpdesk.example.com/telegram/webhook"
    assert refused(tg.fake) == []


@pytest.mark.parametrize("base", ["http://helpdesk.example.com", None])
async def test_no_https_base_url_means_long_polling_said_at_start(
        tg: TelegramStack, base: str | None, caplog: pytest.LogCaptureFixture) -> None:
    tg.app.settings.public_base_url = base
    stop = asyncio.Event()
    with caplog.at_level(logging.INFO, logger="bots.channel_telegram"):
        tasks = await tg.plugin.start(tg.app, stop)
    assert len(tasks) == 1
    assert not tg.fake.calls_of("setWebhook")  # never asked: Telegram would refuse http://
    assert refused(tg.fake) == []
    said = [r.getMessage() for r in caplog.records if "long polling" in r.getMessage()]
    assert len(said) == 1 and "\n" not in said[0]
    stop.set()
    await asyncio.wait_for(tasks[0], 10)


ACCEPTED = ["a", "A" * 256, "Secret_token-0123456789", "-_-"]
REFUSED = ["a" * 257, "with space", "dot.ted", "ümlaut", "slash/", "new\nline", "€"]


@pytest.mark.parametrize("secret", ACCEPTED + REFUSED)
async def test_webhook_secret_is_checked_at_start_as_telegram_checks_it(secret: str) -> None:
    async with FakeTelegramAPI(token=TOKEN) as fake:
        from aiogram import Bot
        from aiogram.client.session.aiohttp import AiohttpSession
        from aiogram.client.telegram import TelegramAPIServer
        from aiogram.exceptions import TelegramBadRequest

        bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(
            fake.base_url)))
        try:
            await bot.set_webhook("https://helpdesk.example.com/telegram/webhook",
                                  secret_token=secret)
            telegram_accepts = True
        except TelegramBadRequest:
            telegram_accepts = False
        finally:
            await bot.session.close()
    try:
        Settings(telegram_bot_token=TOKEN, telegram_webhook_secret=secret)
        we_accept = True
    except ValidationError as exc:
        we_accept = False
        line = describe_error(exc)
        assert line.startswith("configuration error: TELEGRAM_WEBHOOK_SECRET: must be 1 to 256")
        assert "\n" not in line
    assert we_accept == telegram_accepts == (secret in ACCEPTED)


def test_the_derived_webhook_secret_is_one_telegram_accepts() -> None:
    derived = webhook_secret(Settings(telegram_bot_token=TOKEN, secret_key="x" * 32))
    Settings(telegram_webhook_secret=derived)  # the same rule: no ValidationError


# -- start-up: a refused token, an unreachable API -----------------------------------------


async def test_a_refused_token_stops_with_one_line_and_exit_code_2(tmp_path: Path) -> None:
    async with FakeTelegramAPI(token=TOKEN) as fake:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "PORT",
                                    "PUBLIC_BASE_URL", "TELEGRAM", "SLACK", "TWILIO",
                                    "SMTP"))}
        env.update(TELEGRAM_BOT_TOKEN="123456:WRONG-TOKEN", TELEGRAM_API_URL=fake.base_url,
                   PORT=str(free_port()))
        proc = await asyncio.create_subprocess_exec(
            sys.executable, str(ROOT / "run_bot.py"), "serve", cwd=tmp_path, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(), 120)
        assert [c.status for c in fake.calls_of("getMe")] == [401]
    stderr = err.decode()
    assert proc.returncode == 2, stderr
    assert "Traceback" not in stderr + out.decode()
    ours = [line for line in stderr.splitlines() if line.startswith("helpdesk:")]
    assert ours == ["helpdesk: configuration error: TELEGRAM_BOT_TOKEN: Telegram refused the "
                    "token (401 Unauthorized); copy it again from @BotFather"], stderr


async def test_an_unreachable_api_is_retried_with_backoff_in_one_line(
        db_url: str, clock: ManualClock, caplog: pytest.LogCaptureFixture) -> None:
    port = free_port()  # nothing listens there yet
    app = await bootstrap_app(db_url, clock, f"http://127.0.0.1:{port}")
    running = await build(app, [Plugin(poll_seconds=1, retry_seconds=0.05)])
    stop = asyncio.Event()
    fake = FakeTelegramAPI(token=TOKEN)
    try:
        with caplog.at_level(logging.INFO, logger="bots.channel_telegram"):
            tasks = await running.plugins[0].start(app, stop)
            assert len(tasks) == 1  # start-up goes on; Telegram is retried in the background
            await asyncio.sleep(0.3)  # a few retries against the closed port
            await fake.start(port)
            for _ in range(400):
                if fake.calls_of("getUpdates"):
                    break
                await asyncio.sleep(0.05)
        assert fake.calls_of("getMe") and fake.calls_of("getUpdates")
        lines = [r for r in caplog.records if r.name == "bots.channel_telegram"]
        warnings = [r.getMessage() for r in lines if r.levelno == logging.WARNING]
        assert warnings and all("unreachable" in w and "retrying in" in w for w in warnings)
        assert all("\n" not in r.getMessage() and r.exc_info is None for r in lines)
        assert any("reachable again" in r.getMessage() for r in lines)
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 10)
        await running.shutdown()
        await app.close()
        await fake.close()


async def bootstrap_app(db_url: str, clock: ManualClock, api_url: str):  # type: ignore[no-untyped-def]
    from bots.bootstrap import bootstrap

    return await bootstrap(settings_for(db_url, telegram_bot_token=TOKEN,
                                        telegram_api_url=api_url),
                           clock=clock, redis=embedded_redis())


def test_fake_refuses_what_telegram_refuses() -> None:
    """The rules above lean on the fake: make sure it refuses a blank text."""
    with pytest.raises(_ApiError):
        _checked_text(" \n")
