"""The fake Telegram Bot API, driven by aiogram's real ``Bot`` and ``AiohttpSession``."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.filters import CommandStart
from aiogram.methods import TelegramMethod
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)
from aiogram.types import Message as AiogramMessage

from tests.fakes.telegram_api import FakeTelegramAPI

TOKEN = "123456:TEST"
KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="Close", callback_data="close:1")]]
)
GROUP = -100123


class NoSuchMethod(TelegramMethod[bool]):
    """A method Telegram does not have, to reach the fake's 404 through aiogram."""

    __returning__ = bool
    __api_method__ = "noSuchMethod"


class PlainHTTPSession(AiohttpSession):
    """aiogram's aiohttp session, minus the 250 ms grace sleep on close meant for SSL."""

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramAPI]:
    """A fake without flood limits, so tests can send back to back."""
    async with FakeTelegramAPI(token=TOKEN, limits=False) as api:
        yield api


@asynccontextmanager
async def bot_for(
    fake: FakeTelegramAPI, token: str = TOKEN, request_timeout: float = 5.0
) -> AsyncIterator[Bot]:
    session = PlainHTTPSession(
        api=TelegramAPIServer.from_base(fake.base_url), timeout=request_timeout
    )
    async with Bot(token, session=session) as bot:
        yield bot


async def raw_post(fake: FakeTelegramAPI, method: str, **kwargs: Any) -> tuple[int, Any]:
    """POST to the fake without aiogram: (HTTP status, JSON body)."""
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{fake.base_url}/bot{TOKEN}/{method}", **kwargs) as resp:
            return resp.status, await resp.json()


async def test_get_me_and_call_log(fake: FakeTelegramAPI) -> None:
    assert fake.base_url.startswith("http://127.0.0.1:")
    async with bot_for(fake) as bot:
        me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (123456, True, "helpdesk_test_bot")
    [call] = fake.calls
    assert (call.method, call.token, call.ok) == ("getMe", TOKEN, True)
    assert call.at <= time.monotonic()


async def test_send_and_edit_round_trip(fake: FakeTelegramAPI) -> None:
    async with bot_for(fake) as bot:
        first = await bot.send_message(42, "Ticket #1 opened", reply_markup=KEYBOARD)
        second = await bot.send_message(42, "Ticket #2 opened")
        other = await bot.send_message(7, "Hello")
        assert (first.message_id, second.message_id, other.message_id) == (1, 2, 1)
        assert first.chat.id == 42 and first.chat.type == "private" and first.date
        assert first.reply_markup and first.reply_markup.model_dump() == KEYBOARD.model_dump()
        assert first.from_user and first.from_user.is_bot

        edited = await bot.edit_message_text("Ticket #1 closed", chat_id=42, message_id=1)
        assert isinstance(edited, type(first)) and edited.text == "Ticket #1 closed"
        await bot.edit_message_reply_markup(chat_id=42, message_id=2, reply_markup=KEYBOARD)
        with pytest.raises(TelegramBadRequest, match="message is not modified"):
            await bot.edit_message_text("Ticket #1 closed", chat_id=42, message_id=1)
        with pytest.raises(TelegramBadRequest, match="message to edit not found"):
            await bot.edit_message_text("x", chat_id=42, message_id=99)

    now = [(m.message_id, m.text, m.reply_markup, m.edits) for m in fake.messages_in_chat(42)]
    assert now == [
        (1, "Ticket #1 closed", None, 1),  # editing the text without a keyboard drops it
        (2, "Ticket #2 opened", KEYBOARD.model_dump(exclude_none=True), 1),
    ]
    assert [m.text for m in fake.sent_messages(42)] == ["Ticket #1 opened", "Ticket #2 opened"]
    assert len(fake.sent_messages()) == 3
    [sent] = fake.calls_of("sendMessage")[:1]
    assert sent.params["chat_id"] == 42 and sent.params["reply_markup"]["inline_keyboard"]


async def test_private_chat_limit_gives_retry_after() -> None:
    async with FakeTelegramAPI(token=TOKEN, window=0.5) as fake, bot_for(fake) as bot:
        await bot.send_message(42, "one")
        with pytest.raises(TelegramRetryAfter) as caught:
            await bot.send_message(42, "two")
        assert caught.value.retry_after == 1
        assert "Too Many Requests: retry after 1" in caught.value.message
        with pytest.raises(TelegramRetryAfter):  # edits count against the chat too
            await bot.edit_message_text("one, edited", chat_id=42, message_id=1)
        await bot.send_message(43, "another chat is fine")

        status, body = await raw_post(fake, "sendMessage", json={"chat_id": 42, "text": "x"})
        assert status == 429
        assert body == {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        }
        assert fake.limit_violations == 3 and fake.injected_failures == 0
        assert [m.text for m in fake.sent_messages(42)] == ["one"]

        await asyncio.sleep(0.5)
        await bot.send_message(42, "two, later")
    assert [m.text for m in fake.sent_messages(42)] == ["one", "two, later"]


async def test_global_limit_of_30_per_second() -> None:
    async with FakeTelegramAPI(token=TOKEN) as fake, bot_for(fake) as bot:
        results = await asyncio.gather(
            *(bot.send_message(chat, "hi") for chat in range(1, 32)), return_exceptions=True
        )
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(refused) == 1 and isinstance(refused[0], TelegramRetryAfter)
    assert len(fake.sent_messages()) == 30 and fake.limit_violations == 1


async def test_group_limit_of_20_per_window() -> None:
    limited = FakeTelegramAPI(token=TOKEN, window=0.01, group_window=0.3)
    async with limited as fake, bot_for(fake) as bot:
        assert FakeTelegramAPI().group_window == 60.0  # the default: 20 per minute
        for n in range(20):
            await bot.send_message(GROUP, f"update {n}")
        with pytest.raises(TelegramRetryAfter) as caught:
            await bot.send_message(GROUP, "one too many")
        assert caught.value.retry_after >= 1
        await bot.send_message(42, "a private chat is not held up")
        assert fake.limit_violations == 1
        await asyncio.sleep(0.3)
        message = await bot.send_message(GROUP, "after the window")
    assert message.chat.type == "supergroup"
    assert len(fake.sent_messages(GROUP)) == 21


async def test_injected_failures(fake: FakeTelegramAPI) -> None:
    async with bot_for(fake) as bot:
        fake.fail_next(1, status=500)
        with pytest.raises(TelegramServerError):
            await bot.send_message(42, "lost")
        fake.fail_next(1, status=429, retry_after=3)
        with pytest.raises(TelegramRetryAfter) as caught:
            await bot.send_message(42, "lost too")
        assert caught.value.retry_after == 3
        await bot.send_message(42, "delivered")
    assert [m.text for m in fake.sent_messages()] == ["delivered"]
    assert [c.status for c in fake.calls_of("sendMessage")] == [500, 429, 200]
    assert (fake.injected_failures, fake.limit_violations) == (2, 0)


async def test_inject_rate_is_about_right_and_reproducible(fake: FakeTelegramAPI) -> None:
    async def run() -> list[str]:
        outcomes = []
        for n in range(200):
            try:
                await bot.send_message(42, f"message {n}")
                outcomes.append("ok")
            except TelegramRetryAfter:
                outcomes.append("429")
            except TelegramServerError:
                outcomes.append("500")
        return outcomes

    async with bot_for(fake) as bot:
        fake.inject(rate=0.2, kinds=("429", "500"), seed=1234)
        first = await run()
        failed = 200 - first.count("ok")
        assert 0.12 * 200 <= failed <= 0.28 * 200
        assert first.count("429") and first.count("500")
        assert fake.injected_failures == failed
        assert len(fake.sent_messages()) == 200 - failed

        fake.reset()
        fake.inject(rate=0.2, seed=1234)
        assert await run() == first


async def test_get_updates_long_poll_and_offset(fake: FakeTelegramAPI) -> None:
    async with bot_for(fake) as bot:
        pushed = fake.push_message(42, "/start", language_code="de")
        [update] = await bot.get_updates(timeout=5)
        assert update.update_id == pushed["update_id"] == 1
        assert update.message and update.message.text == "/start"
        assert update.message.from_user and update.message.from_user.language_code == "de"

        offset = update.update_id + 1
        started = time.monotonic()
        assert await bot.get_updates(offset=offset, timeout=0) == []
        asyncio.get_running_loop().call_later(0.2, fake.push_message, 42, "printer broken")
        [late] = await bot.get_updates(offset=offset, timeout=5)
        assert 0.15 <= time.monotonic() - started < 2  # waited, and returned on arrival
        assert late.update_id == 2 and late.message and late.message.text == "printer broken"
        assert [u["update_id"] for u in fake.pending_updates] == [2]  # 1 is confirmed

        for n in range(3):
            fake.push_message(42, f"more {n}")
        fake.push_callback_query(42, 1, "close:1")
        assert len(await bot.get_updates(offset=3, limit=2)) == 2
        [query] = await bot.get_updates(offset=3, allowed_updates=["callback_query"])
        assert query.callback_query and query.callback_query.data == "close:1"
        assert await bot.answer_callback_query(query.callback_query.id)


async def test_dispatcher_polls_and_replies(fake: FakeTelegramAPI) -> None:
    dispatcher = Dispatcher()

    @dispatcher.message(CommandStart())
    async def start(message: AiogramMessage) -> None:
        await message.answer("Welcome to the helpdesk")

    async with bot_for(fake) as bot:
        polling = asyncio.create_task(
            dispatcher.start_polling(bot, handle_signals=False, polling_timeout=1)
        )
        fake.push_message(42, "/start")
        for _ in range(200):
            if fake.sent_messages(42):
                break
            await asyncio.sleep(0.01)
        await dispatcher.stop_polling()
        await polling
    assert [m.text for m in fake.sent_messages(42)] == ["Welcome to the helpdesk"]
    polls = fake.calls_of("getUpdates")
    assert polls[0].params["allowed_updates"] == ["message"]
    assert polls[1].params["offset"] == 2  # aiogram confirmed update 1


async def test_unknown_method_and_wrong_token(fake: FakeTelegramAPI) -> None:
    status, body = await raw_post(fake, "noSuchMethod", data={"a": "1"})
    assert status == 404
    assert body == {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
    async with bot_for(fake) as bot:
        with pytest.raises(TelegramNotFound):
            await bot(NoSuchMethod())
    async with bot_for(fake, token="654321:WRONG") as bot:
        with pytest.raises(TelegramUnauthorizedError):
            await bot.get_me()
    assert [c.status for c in fake.calls] == [404, 404, 401]


async def test_timeout_injection_makes_the_client_time_out(fake: FakeTelegramAPI) -> None:
    async with bot_for(fake, request_timeout=0.2) as bot:
        fake.inject_timeout(1, delay=3)
        started = time.monotonic()
        with pytest.raises(TelegramNetworkError, match="timeout"):
            await bot.send_message(42, "never arrives")
        assert time.monotonic() - started < 2
        await bot.send_message(42, "arrives")
    assert [m.text for m in fake.sent_messages()] == ["arrives"]
    assert fake.injected_failures == 1


async def test_files_upload_and_download(fake: FakeTelegramAPI) -> None:
    async with bot_for(fake) as bot:
        upload = BufferedInputFile(b"ticket log", filename="ticket-1.txt")
        sent = await bot.send_document(42, upload, caption="Transcript")
        assert sent.document and sent.document.file_name == "ticket-1.txt"
        assert sent.caption == "Transcript" and sent.document.mime_type == "text/plain"
        photo = await bot.send_photo(42, BufferedInputFile(b"\x89PNG", filename="shot.png"))
        assert photo.photo and photo.photo[0].file_size == 4

        remote = await bot.get_file(sent.document.file_id)
        assert remote.file_path and remote.file_size == len(b"ticket log")
        downloaded = await bot.download_file(remote.file_path)
        assert downloaded and downloaded.read() == b"ticket log"

        fake.add_file("user-upload", b"screenshot bytes", file_name="screen.png")
        known = await bot.get_file("user-upload")
        assert known.file_path and known.file_path.endswith(".png")
        downloaded = await bot.download_file(known.file_path)
        assert downloaded and downloaded.read() == b"screenshot bytes"
        with pytest.raises(TelegramBadRequest, match="invalid file_id"):
            await bot.get_file("nope")
    assert [m.kind for m in fake.messages_in_chat(42)] == ["document", "photo"]
    assert fake.sent_messages()[0].file_id == sent.document.file_id


async def test_commands_webhook_and_blocked_chats(fake: FakeTelegramAPI) -> None:
    async with bot_for(fake) as bot:
        assert await bot.set_my_commands([BotCommand(command="new", description="New ticket")])
        assert fake.commands_for() == [{"command": "new", "description": "New ticket"}]
        with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
            await bot.set_my_commands([BotCommand(command="New", description="x")])
        assert await bot.delete_my_commands()
        assert fake.commands_for() == []

        with pytest.raises(TelegramBadRequest, match="HTTPS URL"):
            await bot.set_webhook("http://example.com/hook")
        assert await bot.set_webhook("https://example.com/hook")
        assert (await bot.get_webhook_info()).url == "https://example.com/hook"
        with pytest.raises(TelegramConflictError):
            await bot.get_updates()
        assert await bot.delete_webhook()
        assert (await bot.get_webhook_info()).url == ""

        fake.block_chat(42)
        with pytest.raises(TelegramForbiddenError, match="blocked by the user"):
            await bot.send_message(42, "hello?")
    assert fake.sent_messages() == []


async def test_json_body_get_query_and_reset(fake: FakeTelegramAPI) -> None:
    status, body = await raw_post(fake, "sendMessage", json={"chat_id": 5, "text": "json"})
    assert status == 200 and body["ok"] and body["result"]["text"] == "json"
    async with aiohttp.ClientSession() as http:
        url = f"{fake.base_url}/bot{TOKEN}/sendmessage"  # method names are case-insensitive
        async with http.get(url, params={"chat_id": "5", "text": "123"}) as resp:
            assert resp.status == 200 and (await resp.json())["result"]["message_id"] == 2
    assert fake.calls[-1].params == {"chat_id": 5, "text": "123"}  # text stays a string
    fake.reset()
    assert (fake.calls, fake.sent_messages(), fake.messages_in_chat(5)) == ([], [], [])
