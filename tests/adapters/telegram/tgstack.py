"""Telegram test kit: the fake Bot API, the app with the Telegram plugin, and people who
send updates through the real webhook endpoint."""

from __future__ import annotations

import asyncio
import io
import itertools
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from adapters.telegram import FloodLimiter
from adapters.telegram.updates import SECRET_HEADER
from bots.channel_telegram import Plugin
from core.clock import ManualClock
from core.kinds import Role
from tests.adapters.stack import Stack, start_stack
from tests.fakes.telegram_api import FakeTelegramAPI

TOKEN = "123456:TEST-TOKEN"
SECRET = "webhook-secret-for-tests"
WINDOW = 0.05  # the flood limits, scaled down 20× so tests run fast
# At 1/20 scale a few milliseconds of scheduling jitter matter: the limiter keeps a wider
# margin in tests than the 6 % it keeps against Telegram's one-second windows.
_update_ids = itertools.count(1000)


def next_update_id() -> int:
    return next(_update_ids)


def message_update(user_id: int, text: str, name: str = "", language: str = "en"
                   ) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": name or f"User{user_id}",
            "language_code": language}
    return {"update_id": next(_update_ids), "message": {
        "message_id": next(_update_ids), "date": 1700000000, "text": text,
        "chat": {"id": user_id, "type": "private"}, "from": user}}


def callback_update(user_id: int, data: str, message_id: int, name: str = ""
                    ) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": name or f"User{user_id}",
            "language_code": "en"}
    return {"update_id": next(_update_ids), "callback_query": {
        "id": str(next(_update_ids)), "from": user, "chat_instance": "1", "data": data,
        "message": {"message_id": message_id, "date": 1700000000, "text": "…",
                    "chat": {"id": user_id, "type": "private"}}}}


@dataclass
class TelegramStack:
    stack: Stack
    fake: FakeTelegramAPI
    plugin: Plugin
    users: dict[str, int] = field(default_factory=dict)
    http: aiohttp.ClientSession | None = None

    @property
    def app(self):  # type: ignore[no-untyped-def]
        return self.stack.app

    async def post(self, update: dict[str, Any], secret: str | None = SECRET,
                   raw: bytes | None = None) -> int:
        assert self.http is not None
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        # aiohttp warns (ResourceWarning) about raw bytes over 1 MB: stream those instead.
        data: Any = io.BytesIO(raw) if raw is not None and len(raw) > 1024 * 1024 else raw
        kwargs: dict[str, Any] = {"data": data} if raw is not None else {"json": update}
        async with self.http.post(f"{self.stack.base_url}/telegram/webhook", headers=headers,
                                  **kwargs) as response:
            if response.status == 200:  # Telegram runs a method given in the answer
                await self.fake.webhook_answer(await response.json())
            return response.status

    async def say(self, who: str, text: str) -> dict[str, Any]:
        update = message_update(self.users[who], text, who)
        assert await self.post(update) == 200
        return update

    def button(self, who: str, label: str) -> tuple[str, int]:
        """The callback data and message id of the newest message in ``who``'s chat that
        carries a button ``label``."""
        for message in reversed(self.fake.messages_in_chat(self.users[who])):
            for row in (message.reply_markup or {}).get("inline_keyboard", []):
                for b in row:
                    if b["text"] == label:
                        return b["callback_data"], message.message_id
        raise AssertionError(f"{who} has no button {label!r}: "
                             f"{[m.text for m in self.fake.messages_in_chat(self.users[who])]}")

    def press_update(self, who: str, label: str) -> dict[str, Any]:
        data, message_id = self.button(who, label)
        return callback_update(self.users[who], data, message_id, who)

    async def press(self, who: str, label: str) -> dict[str, Any]:
        update = self.press_update(who, label)
        assert await self.post(update) == 200
        return update

    def texts(self, who: str) -> list[str]:
        return [m.text for m in self.fake.messages_in_chat(self.users[who])]

    def toasts(self) -> list[str]:
        return [c.params.get("text", "") for c in self.fake.calls_of("answerCallbackQuery")]

    async def flush_inbox(self) -> None:
        """Let the inbox retry what failed (the clock moves past each backoff) until every
        stored update is processed and answered."""
        for _ in range(50):
            counts = await self.app.inbox.inbox.owed()
            if counts == 0:
                return
            self.stack.clock.advance(seconds=60)
            await self.app.inbox.drain()
        raise AssertionError("inbox still owes work")

    async def deliver(self) -> None:
        assert self.app.worker is not None
        for _ in range(50):
            await self.app.worker.drain()
            async with self.app.uow_factory() as uow:
                if await uow.outbox.pending_count() == 0:
                    return
            await asyncio.sleep(0.05)
        raise AssertionError("notifications still pending")

    async def close(self) -> None:
        if self.http is not None:
            await self.http.close()
        await self.stack.close()
        await self.fake.close()


async def start_telegram(db_url: str, clock: ManualClock, *, webhook: bool = True,
                         **settings: Any) -> TelegramStack:
    fake = await FakeTelegramAPI(token=TOKEN, window=WINDOW).start()
    plugin = Plugin(limiter=FloodLimiter(window=WINDOW, margin=3.0), poll_seconds=1)
    stack = await start_stack(db_url, clock, [plugin], telegram_bot_token=TOKEN,
                              telegram_api_url=fake.base_url, telegram_webhook_secret=SECRET,
                              **settings)
    tg = TelegramStack(stack, fake, plugin, http=aiohttp.ClientSession())
    # Outbox retries come quickly in tests (real backoff starts at 1 s).
    sender = stack.app.senders["telegram"]
    stack.app.add_sender(sender, base_delay=0.02)
    await stack.add_type("Peripherals")
    for i, name in enumerate(("Ana", "Bogdan", "Dan"), start=101):
        await stack.add_person(name, Role.ASSISTANT, telegram=str(i))
        tg.users[name] = i
    tg.users["Ion"] = 555  # unknown to the helpdesk: becomes an initiator on first contact
    return tg
