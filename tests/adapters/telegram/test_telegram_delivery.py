"""Telegram: long polling, redelivered updates, API faults, bad input."""

from __future__ import annotations

import asyncio
import json

from bots.channel_telegram import Plugin
from bots.server import build
from core.clock import ManualClock
from core.kinds import Role, Status
from persistence.redis_store import embedded_redis
from tests.adapters.telegram.tgstack import (
    TOKEN,
    WINDOW,
    TelegramStack,
    callback_update,
    message_update,
)
from tests.conftest import settings_for
from tests.fakes.telegram_api import FakeTelegramAPI


def sent(tg: TelegramStack, who: str) -> list[str]:
    """Every message sent to ``who`` (as sent, before later edits)."""
    return [m.text or "" for m in tg.fake.sent_messages(tg.users[who])]


async def requests_of(tg: TelegramStack) -> list[object]:
    async with tg.app.uow_factory() as uow:
        ion = await uow.people.by_account("telegram", "555")
        return [] if ion is None else await uow.requests.list_for_initiator(ion.id)


async def story(tg: TelegramStack, post) -> None:  # type: ignore[no-untyped-def]
    """Place → claim → finish 1h30 → confirm, each update sent through ``post``."""
    async def say(who: str, text: str) -> None:
        await post(message_update(tg.users[who], text, who))

    async def press(who: str, label: str) -> None:
        await post(tg.press_update(who, label))

    await say("Ion", "/new")
    await press("Ion", "Peripherals")
    await press("Ion", "Anyone")
    await say("Ion", "Scanner is offline")
    await press("Ion", "Place")
    await tg.deliver()
    await press("Bogdan", "Claim")
    await tg.deliver()
    await press("Bogdan", "Finish")
    await say("Bogdan", "1h30")
    await say("Bogdan", "Restarted the scanner")
    await tg.deliver()
    await press("Ion", "Confirm")
    await tg.deliver()


async def test_every_update_delivered_twice_or_three_times_applies_once(
        tg: TelegramStack) -> None:
    posted = 0

    async def post_again(update: dict) -> None:  # type: ignore[type-arg]
        nonlocal posted
        posted += 1
        if posted % 3 == 0:  # some three times, concurrently
            results = await asyncio.gather(*(tg.post(update) for _ in range(3)))
        else:  # the others twice, one after the other
            results = [await tg.post(update), await tg.post(update)]
        assert set(results) == {200}

    await story(tg, post_again)
    reqs = await requests_of(tg)
    assert len(reqs) == 1 and reqs[0].status is Status.CLOSED  # type: ignore[attr-defined]
    assert [e.action for e in reqs[0].events] == ["place", "claim", "finish", "confirm"]  # type: ignore[attr-defined]
    # One notification each, never two.
    for name in ("Ana", "Bogdan", "Dan"):
        assert sum(t.startswith("New request") for t in sent(tg, name)) == 1
    assert sum("Time logged" in t for t in sent(tg, "Ion")) == 1
    assert sum("has taken your request" in t for t in sent(tg, "Ion")) == 1
    assert len(tg.fake.calls_of("answerCallbackQuery")) == 6  # one per distinct press


async def test_api_faults_lose_and_duplicate_nothing(tg: TelegramStack) -> None:
    tg.fake.inject(0.2, seed=7)

    async def post_like_telegram(update: dict) -> None:  # type: ignore[type-arg]
        for _ in range(10):  # Telegram redelivers until it gets a 200
            if await tg.post(update) == 200:
                await tg.flush_inbox()  # replies Telegram refused are sent again
                return
        raise AssertionError("update never accepted")

    await story(tg, post_like_telegram)
    assert tg.fake.injected_failures > 0
    reqs = await requests_of(tg)
    assert len(reqs) == 1 and reqs[0].status is Status.CLOSED  # type: ignore[attr-defined]
    for name in ("Ana", "Bogdan", "Dan"):
        assert sum(t.startswith("New request") for t in sent(tg, name)) == 1
    assert sum("Time logged" in t for t in sent(tg, "Ion")) == 1
    assert sum("has taken your request" in t for t in sent(tg, "Ion")) == 1
    assert tg.fake.limit_violations == 0


async def test_bad_input(tg: TelegramStack) -> None:
    update = message_update(555, "/new", "Ion")
    assert await tg.post(update, secret="wrong") == 401
    assert await tg.post(update, secret=None) == 401
    assert not tg.fake.sent_messages() and await requests_of(tg) == []
    async with tg.app.uow_factory() as uow:
        assert await uow.people.by_account("telegram", "555") is None  # nothing processed
    assert await tg.post({}, raw=b"{not json") == 400
    assert await tg.post({}, raw=json.dumps([1, 2]).encode()) == 400
    assert await tg.post({"update_id": "x"}) == 400
    assert await tg.post({"update_id": 1, "edited_message": {"text": "hi"}}) == 200
    assert await tg.post({"update_id": 2, "poll": {"id": "1"}}) == 200
    assert not tg.fake.sent_messages()
    # A callback whose payload was altered: toast, nothing changed.
    await tg.say("Ion", "/new")
    data, message_id = tg.button("Ion", "Peripherals")
    forged = data[:-2] + ("AA" if not data.endswith("AA") else "BB")
    before = len(tg.fake.sent_messages())
    assert await tg.post(callback_update(555, forged, message_id, "Ion")) == 200
    assert tg.toasts()[-1] == "This button is no longer valid."
    assert len(tg.fake.sent_messages()) == before


async def test_long_text_is_split(tg: TelegramStack) -> None:
    sender = tg.app.senders["telegram"]
    from core.messages import Reply

    await sender.send("101", Reply("word " * 2000))
    parts = tg.fake.sent_messages(101)
    assert len(parts) == 3 and all(len(m.text or "") <= 4096 for m in parts)


async def test_same_story_over_long_polling(db_url: str, clock: ManualClock) -> None:
    fake = await FakeTelegramAPI(token=TOKEN, window=WINDOW).start()
    from adapters.telegram import FloodLimiter
    from bots.bootstrap import bootstrap

    app = await bootstrap(settings_for(db_url, telegram_bot_token=TOKEN,
                                       telegram_api_url=fake.base_url),
                          clock=clock, redis=embedded_redis())
    limiter = FloodLimiter(window=WINDOW, margin=3.0)
    running = await build(app, [Plugin(limiter=limiter, poll_seconds=1)])
    app.add_sender(app.senders["telegram"], base_delay=0.02)
    await running.start_background()
    tg = TelegramStack(stack=None, fake=fake, plugin=running.plugins[0])  # type: ignore[arg-type]
    tg.users = {"Ion": 555, "Ana": 101, "Bogdan": 102, "Dan": 103}
    async with app.uow_factory() as uow:
        await uow.types.add("Peripherals")
        for name, uid in (("Ana", 101), ("Bogdan", 102), ("Dan", 103)):
            person = await uow.people.add(name, Role.ASSISTANT)
            await uow.people.add_account(person.id, "telegram", str(uid))
        await uow.commit()

    async def settle() -> None:
        """Until getUpdates has nothing pending and the outbox is empty."""
        for _ in range(300):
            await asyncio.sleep(0.02)
            async with app.uow_factory() as uow:
                pending = await uow.outbox.pending_count()
            if not fake.pending_updates and pending == 0:
                await asyncio.sleep(0.05)
                return
        raise AssertionError("updates or notifications still pending")

    async def say(who: str, text: str) -> None:
        fake.push_update(message_update(tg.users[who], text, who))
        await settle()

    async def press(who: str, label: str) -> None:
        fake.push_update(tg.press_update(who, label))
        await settle()

    try:
        tg.stack = type("S", (), {"app": app})()  # type: ignore[assignment]
        await say("Ion", "/new")
        await press("Ion", "Peripherals")
        await press("Ion", "Anyone")
        await say("Ion", "Scanner is offline")
        await press("Ion", "Place")
        # Ana and Bogdan press Claim in the same getUpdates batch: the first one wins.
        fake.push_update(tg.press_update("Ana", "Claim"))
        fake.push_update(tg.press_update("Bogdan", "Claim"))
        await settle()
        assert "Already claimed by Ana." in tg.toasts()
        assert tg.texts("Ana")[0].startswith("You claimed HD-")
        for name in ("Bogdan", "Dan"):
            assert tg.texts(name)[0].endswith("was claimed by Ana.")
            assert not fake.messages_in_chat(tg.users[name])[0].reply_markup
        await press("Ana", "Finish")
        fake.fail_next(1, 500, methods="sendMessage")  # the reply to "1h30" fails once:
        await say("Ana", "1h30")  # the update is fetched again, not applied again
        await say("Ana", "Restarted the scanner")
        assert "Time logged: 1 hour, 30 minutes" in tg.texts("Ion")[-1]
        await press("Ion", "Confirm")
        async with app.uow_factory() as uow:
            ion = await uow.people.by_account("telegram", "555")
            reqs = await uow.requests.list_for_initiator(ion.id)  # type: ignore[union-attr]
        assert len(reqs) == 1 and reqs[0].status is Status.CLOSED
        assert reqs[0].resolution_note == "Restarted the scanner"
        assert fake.calls_of("deleteWebhook") and fake.injected_failures == 1
        assert fake.limit_violations == 0
    finally:
        await running.shutdown()
        await app.close()
        await fake.close()


async def reach_time_step(tg: TelegramStack) -> None:
    """Ion places a request, Bogdan claims it and presses Finish (the bot asks the time)."""
    await tg.say("Ion", "/new")
    await tg.press("Ion", "Peripherals")
    await tg.press("Ion", "Anyone")
    await tg.say("Ion", "Scanner is offline")
    await tg.press("Ion", "Place")
    await tg.deliver()
    await tg.press("Bogdan", "Claim")
    await tg.deliver()
    await tg.press("Bogdan", "Finish")


async def test_a_reply_telegram_refused_is_sent_again_not_applied_again(
        tg: TelegramStack) -> None:
    await reach_time_step(tg)
    update = message_update(102, "1h30", "Bogdan")
    tg.fake.fail_next(1, 500, methods="sendMessage")  # the answer to "1h30" fails
    assert await tg.post(update) == 200  # stored: the inbox owes the reply
    await tg.flush_inbox()  # ... and sends it again
    assert await tg.post(update) == 200  # a redelivery changes nothing
    assert await tg.post(update) == 200
    texts = tg.texts("Bogdan")
    assert sum("note" in t.lower() for t in texts) == 1, texts  # asked for the note once
    await tg.say("Bogdan", "Restarted the scanner")
    reqs = await requests_of(tg)
    assert reqs[0].status is Status.RESOLVED  # type: ignore[attr-defined]
    assert reqs[0].resolution_note == "Restarted the scanner"  # type: ignore[attr-defined]
    assert reqs[0].minutes_logged == 90  # type: ignore[attr-defined]


async def test_a_failed_callback_answer_is_retried_without_placing_twice(
        tg: TelegramStack) -> None:
    await tg.say("Ion", "/new")
    await tg.press("Ion", "Peripherals")
    await tg.press("Ion", "Anyone")
    await tg.say("Ion", "Scanner is offline")
    place = tg.press_update("Ion", "Place")
    tg.fake.fail_next(1, 502, methods="answerCallbackQuery")
    assert await tg.post(place) == 200  # stored and applied; the answer is owed
    assert await tg.post(place) == 200
    await tg.flush_inbox()
    await tg.deliver()
    assert len(await requests_of(tg)) == 1
    assert sum("is placed" in t for t in tg.texts("Ion")) == 1
    for name in ("Ana", "Bogdan", "Dan"):
        assert sum(t.startswith("New request") for t in sent(tg, name)) == 1


async def test_a_user_who_blocked_the_bot_does_not_block_the_update(tg: TelegramStack) -> None:
    tg.fake.block_chat(555)
    update = message_update(555, "/new", "Ion")
    assert await tg.post(update) == 200  # undeliverable for good: not retried forever
    assert await tg.post(update) == 200
    async with tg.app.uow_factory() as uow:
        assert await uow.people.by_account("telegram", "555") is not None
    assert not tg.fake.sent_messages(555)


async def test_long_text_edit_keeps_buttons_on_the_last_part(tg: TelegramStack) -> None:
    from core.messages import Button, Reply

    sender = tg.app.senders["telegram"]
    ref = await sender.send("101", Reply("short", (Button("Old", "x"),)))
    assert ref is not None
    await sender.edit("101", ref, Reply("😀 " * 2000, (Button("New", "y"),)))
    messages = tg.fake.messages_in_chat(101)
    assert len(messages) == 2
    assert messages[0].reply_markup is None and messages[0].text.startswith("😀")  # type: ignore[union-attr]
    assert messages[1].reply_markup["inline_keyboard"][0][0]["text"] == "New"  # type: ignore[index]
