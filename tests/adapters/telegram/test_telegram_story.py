"""Seed 000 on Telegram over the real webhook endpoint: one initiator, three assistants."""

from __future__ import annotations

import asyncio

from core.kinds import Role, Status
from tests.adapters.telegram.tgstack import TelegramStack


async def place_request(tg: TelegramStack) -> None:
    await tg.say("Ion", "/start")
    await tg.say("Ion", "/new")
    await tg.press("Ion", "Peripherals")
    await tg.press("Ion", "Anyone")
    await tg.say("Ion", "The printer <b>does not</b> print")
    await tg.press("Ion", "Place")
    await tg.deliver()


async def request_status(tg: TelegramStack) -> tuple[int, Status, int | None]:
    async with tg.app.uow_factory() as uow:
        ion = await uow.people.by_account("telegram", "555")
        assert ion is not None and ion.role is Role.INITIATOR
        reqs = await uow.requests.list_for_initiator(ion.id)
    assert len(reqs) == 1
    return len(reqs), reqs[0].status, reqs[0].assignee_id


async def test_seed_000_story_over_the_webhook(tg: TelegramStack) -> None:
    await place_request(tg)
    assert any("is placed" in t for t in tg.texts("Ion"))
    for name in ("Ana", "Bogdan", "Dan"):
        offer = tg.texts(name)[-1]
        assert offer.startswith("New request HD-") and "<b>does not</b>" in offer
    # Ana and Bogdan press Claim at the same moment.
    ana, bogdan = tg.press_update("Ana", "Claim"), tg.press_update("Bogdan", "Claim")
    statuses = await asyncio.gather(tg.post(ana), tg.post(bogdan))
    assert statuses == [200, 200]
    await tg.deliver()
    _n, status, assignee = await request_status(tg)
    assert status is Status.IN_PROGRESS
    async with tg.app.uow_factory() as uow:
        winner = (await uow.people.get(assignee or 0)).name  # type: ignore[union-attr]
    loser = "Bogdan" if winner == "Ana" else "Ana"
    assert f"Already claimed by {winner}." in tg.toasts()
    # Both assistants' offers end edited: the winner's says so, the loser's lost its button.
    assert tg.texts(winner)[0].startswith("You claimed HD-")
    assert tg.texts(loser)[0].endswith(f"was claimed by {winner}.")
    assert tg.texts("Dan")[0].endswith(f"was claimed by {winner}.")
    for name in (loser, "Dan"):
        assert not tg.fake.messages_in_chat(tg.users[name])[0].reply_markup
    # The winner finishes with 1h30; Ion sees it and confirms.
    await tg.press(winner, "Finish")
    await tg.say(winner, "1h30")
    await tg.say(winner, "Replaced the fuser")
    await tg.deliver()
    assert "Time logged: 1 hour, 30 minutes" in tg.texts("Ion")[-1]
    await tg.press("Ion", "Confirm")
    await tg.deliver()
    assert (await request_status(tg))[1] is Status.CLOSED
    assert "confirmed with 1 hour, 30 minutes and closed" in tg.texts("Ion")[-1]
    # Every callback query was answered; the limits were never exceeded.
    callbacks = sum(1 for c in tg.fake.calls if c.method == "answerCallbackQuery")
    assert callbacks == 7  # type, assignee, place, two claims, finish, confirm
    assert tg.fake.limit_violations == 0
    assert not any("parse_mode" in c.params for c in tg.fake.calls_of("sendMessage"))


async def test_deep_link_opens_the_request(tg: TelegramStack) -> None:
    await place_request(tg)
    reference = tg.texts("Ana")[-1].split()[2]
    await tg.say("Ana", f"/start {reference}")
    assert tg.texts("Ana")[-1].startswith(f"{reference} — Peripherals")


async def test_commands_are_registered_at_start(tg: TelegramStack) -> None:
    assert tg.plugin.bot is not None
    tg.app.settings.public_base_url = "https://helpdesk.example.com"
    await tg.plugin.start(tg.app, asyncio.Event())
    calls = tg.fake.calls_of("setMyCommands")
    assert len(calls) == 5
    assert {c["command"] for c in calls[0].params["commands"]} >= {"start", "new", "my", "help"}
    hook = tg.fake.calls_of("setWebhook")[-1].params
    assert hook["url"].endswith("/telegram/webhook") and hook["secret_token"]
    assert hook["allowed_updates"] == ["message", "callback_query"]


async def test_an_http_webhook_url_falls_back_to_long_polling(tg: TelegramStack) -> None:
    stop = asyncio.Event()
    tasks = await tg.plugin.start(tg.app, stop)  # PUBLIC_BASE_URL is http:// here
    assert len(tasks) == 1 and tg.fake.calls_of("deleteWebhook")
    stop.set()
    await asyncio.wait_for(tasks[0], 5)
