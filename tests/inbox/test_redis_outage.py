"""Redis stopped during Telegram traffic: every update is stored (200), and applied once
after Redis is back (started again empty)."""

from __future__ import annotations

import aiohttp

from adapters.telegram import FloodLimiter
from bots.bootstrap import bootstrap
from bots.channel_telegram import Plugin
from bots.server import build
from core.clock import ManualClock
from core.kinds import Role, Status
from tests.adapters.stack import Stack, free_port
from tests.adapters.telegram.tgstack import SECRET, TOKEN, WINDOW, TelegramStack
from tests.conftest import settings_for
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.inbox.redis_server import PrivateRedis


async def start(db_url: str, clock: ManualClock, redis_url: str) -> TelegramStack:
    from aiohttp.test_utils import TestServer

    fake = await FakeTelegramAPI(token=TOKEN, window=WINDOW).start()
    plugin = Plugin(limiter=FloodLimiter(window=WINDOW, margin=3.0), poll_seconds=1)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = await bootstrap(settings_for(
        db_url, public_base_url=base, redis_url=redis_url, telegram_bot_token=TOKEN,
        telegram_api_url=fake.base_url, telegram_webhook_secret=SECRET), clock=clock)
    running = await build(app, [plugin])
    server = TestServer(running.web_app, host="127.0.0.1", port=port)
    await server.start_server()
    stack = Stack(app, running, server, base, clock, {})
    tg = TelegramStack(stack, fake, plugin, http=aiohttp.ClientSession())
    app.add_sender(app.senders["telegram"], base_delay=0.02)
    await stack.add_type("Peripherals")
    for i, name in enumerate(("Ana", "Bogdan"), start=101):
        await stack.add_person(name, Role.ASSISTANT, telegram=str(i))
        tg.users[name] = i
    tg.users["Ion"] = 555
    return tg


async def test_updates_during_a_redis_outage_are_applied_once_after_it(
        db_url: str, clock: ManualClock) -> None:
    redis = PrivateRedis()
    await redis.start()
    tg = await start(db_url, clock, redis.url)
    try:
        await tg.say("Ion", "/new")
        await tg.press("Ion", "Peripherals")
        await tg.press("Ion", "Anyone")
        await tg.say("Ion", "Scanner is offline")
        await tg.press("Ion", "Place")
        await tg.deliver()
        claims = [tg.press_update("Bogdan", "Claim"), tg.press_update("Ana", "Claim")]
        redis.stop()
        for update in claims:  # stored and acknowledged although Redis is down
            assert await tg.post(update) == 200
            assert await tg.post(update) == 200  # and Telegram's redelivery is a no-op
        assert (await tg.app.inbox.inbox.counts())["pending"] == 2
        await redis.start()  # back, empty
        await tg.flush_inbox()
        await tg.deliver()
        async with tg.app.uow_factory() as uow:
            ion = await uow.people.by_account("telegram", "555")
            assert ion is not None
            [req] = await uow.requests.list_for_initiator(ion.id)
        assert req.status is Status.IN_PROGRESS
        assert [e.action for e in req.events] == ["place", "claim"]
        assert await tg.app.inbox.inbox.counts() == {"done": 7}
        assert sum("has taken your request" in t for t in tg.texts("Ion")) == 1
        assert tg.toasts().count("Already claimed by Bogdan.") <= 1
    finally:
        await tg.close()
        redis.close()
