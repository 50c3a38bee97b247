"""Seed 000, end to end through the conversation engine and the delivery worker."""

from __future__ import annotations

import pytest

from bots.bootstrap import App
from core import permissions, services
from core.kinds import Role, Status
from tests.harness import Chat


@pytest.fixture
async def chat(app: App) -> Chat:
    chat = Chat(app)
    for name in ("Integrat.STS", "Intervention on site", "Peripherals"):
        await chat.add_type(name)
    await chat.add_person("Ion", Role.INITIATOR)
    await chat.add_person("Ana", Role.ASSISTANT)
    await chat.add_person("Bogdan", Role.ASSISTANT)
    return chat


async def place(chat: Chat, who: str = "Ion", text: str = "The printer does not print") -> str:
    await chat.send(who, "/new")
    chat.expect(who, "What is it about?")
    await chat.press(who, "Peripherals")
    chat.expect(who, "Who should handle it?")
    await chat.press(who, "Anyone")
    await chat.send(who, text)
    chat.expect(who, "Please check your request", "Peripherals", text)
    await chat.press(who, "Place")
    chat.expect(who, "is placed")
    ref = chat.said(who).split()[1]
    assert ref.startswith("HD-2026-")
    return ref


async def status_of(chat: Chat, ref: str) -> Status:
    async with chat.app.uow_factory() as uow:
        req = await uow.requests.by_reference(ref)
        assert req is not None
        return req.status


async def test_full_seed_000_story(chat: Chat) -> None:
    ref = await place(chat)
    # Both assistants are notified with a Claim button.
    for who in ("Ana", "Bogdan"):
        assert any(ref in text and "New request" in text for text in chat.notices(who))
    # Bogdan presses first and wins; Ana is told who took it.
    await chat.press("Bogdan", "Claim", from_notification=True)
    chat.expect("Bogdan", f"You claimed {ref}")
    finish_button = next(b for b in chat.buttons_for("Bogdan") if b.label == "Finish")
    await chat.press("Ana", "Claim", from_notification=True)
    chat.expect("Ana", "Already claimed by Bogdan")
    # Ana's offer was edited: no stale Claim button left.
    ana_offer = [d for d in chat.sender.to("Ana") if d.edited][-1]
    assert "claimed by Bogdan" in ana_offer.reply.text and not ana_offer.reply.buttons
    assert any("Bogdan has taken your request" in t for t in chat.notices("Ion"))
    # Bogdan finishes with 1h30 and a note.
    await chat.press("Bogdan", "Finish")
    chat.expect("Bogdan", "How much time")
    await chat.send("Bogdan", "1h30")
    await chat.send("Bogdan", "Replaced the fuser unit")
    chat.expect("Bogdan", "resolved with 1 hour, 30 minutes")
    # Ion sees 1h30 and confirms.
    resolution = chat.notices("Ion")[-1]
    assert "Time logged: 1 hour, 30 minutes" in resolution
    assert "Replaced the fuser unit" in resolution
    await chat.press("Ion", "Confirm", from_notification=True)
    chat.expect("Ion", "confirmed with 1 hour, 30 minutes and closed")
    assert await status_of(chat, ref) is Status.CLOSED
    assert any("Ion confirmed" in t for t in chat.notices("Bogdan"))
    # Bogdan can still read it (STAFF_SEE_ALL) but no longer act on it.
    await chat.send("Bogdan", ref)
    chat.expect("Bogdan", "Status: closed")
    assert "Finish" not in [b.label for b in chat.buttons_for("Bogdan")]
    await chat.press_payload("Bogdan", finish_button.payload)
    chat.expect("Bogdan", "assistants no longer have access")


async def test_cancel_while_open(chat: Chat) -> None:
    ref = await place(chat)
    await chat.send("Ion", "/my")
    await chat.press("Ion", ref)
    await chat.press("Ion", "Cancel request")
    chat.expect("Ion", f"{ref} is cancelled")
    assert await status_of(chat, ref) is Status.CANCELLED
    edited = [d for d in chat.sender.to("Ana") if d.edited]
    assert edited and "was cancelled by Ion" in edited[-1].reply.text
    await chat.press("Ana", "Claim", from_notification=True)
    chat.expect("Ana", "cancelled; assistants no longer have access")


async def test_cancel_refused_while_claimed_then_release_then_cancel(chat: Chat) -> None:
    ref = await place(chat)
    await chat.press("Ana", "Claim", from_notification=True)
    await chat.send("Ion", ref)
    await chat.press("Ion", "Cancel request")
    chat.expect("Ion", "already claimed by Ana, so it can't be cancelled")
    assert await status_of(chat, ref) is Status.IN_PROGRESS
    await chat.press("Ion", "Ask Ana to release it")
    chat.expect("Ion", "I asked Ana to release")
    assert any("asks you to release it" in t for t in chat.notices("Ana"))
    await chat.press("Ana", "Release", from_notification=True)
    chat.expect("Ana", "back in the queue")
    # Assistants are offered it again.
    assert sum("New request" in t for t in chat.notices("Bogdan")) == 2
    await chat.send("Ion", ref)
    await chat.press("Ion", "Cancel request")
    chat.expect("Ion", f"{ref} is cancelled")
    assert await status_of(chat, ref) is Status.CANCELLED


async def test_dispute_then_correct_then_confirm(chat: Chat) -> None:
    ref = await place(chat)
    await chat.press("Bogdan", "Claim", from_notification=True)
    await chat.press("Bogdan", "Finish")
    await chat.send("Bogdan", "2h")
    await chat.send("Bogdan", "Cleaned the rollers")
    await chat.press("Ion", "Dispute", from_notification=True)
    chat.expect("Ion", "What is wrong")
    await chat.send("Ion", "It took 30 minutes, not 2 hours")
    chat.expect("Ion", "Sent to Bogdan")
    assert await status_of(chat, ref) is Status.IN_PROGRESS
    assert any("disputes" in t and "30 minutes" in t for t in chat.notices("Bogdan"))
    # The old Confirm button must not confirm a time Ion disputed.
    await chat.press("Bogdan", "Correct time", from_notification=True)
    chat.expect("Bogdan", "Logged on", "2 hours")
    await chat.send("Bogdan", "30m")
    chat.expect("Bogdan", "the time is now 30 minutes")
    assert await status_of(chat, ref) is Status.RESOLVED
    assert "2 hours → 30 minutes" in chat.notices("Ion")[-1]
    await chat.press("Ion", "Confirm", from_notification=True)
    chat.expect("Ion", "confirmed with 30 minutes and closed")
    assert await status_of(chat, ref) is Status.CLOSED


async def test_confirm_button_from_before_a_correction_is_refused(chat: Chat) -> None:
    ref = await place(chat)
    await chat.press("Bogdan", "Claim", from_notification=True)
    await chat.press("Bogdan", "Finish")
    await chat.send("Bogdan", "2h")
    await chat.send("Bogdan", "Done")
    old_confirm = chat.notified_buttons("Ion")[0]
    await chat.send("Bogdan", ref)
    await chat.press("Bogdan", "Correct time")
    await chat.send("Bogdan", "1h")
    await chat.press_payload("Ion", old_confirm.payload)
    chat.expect("Ion", "logged time has changed")
    assert await status_of(chat, ref) is Status.RESOLVED


async def test_targeted_request_only_for_the_chosen_assistant(chat: Chat) -> None:
    await chat.send("Ion", "/new")
    await chat.press("Ion", "Integrat.STS")
    await chat.press("Ion", "Ana")
    await chat.send("Ion", "Licence expired")
    await chat.press("Ion", "Place")
    assert any("New request" in t for t in chat.notices("Ana"))
    assert not chat.notices("Bogdan")
    ref = chat.said("Ion").split()[1]
    await chat.send("Bogdan", ref)  # staff see every request (STAFF_SEE_ALL)...
    chat.expect("Bogdan", "Status: open")
    assert "Claim" not in [b.label for b in chat.buttons_for("Bogdan")]  # ...not theirs
    await chat.send("Bogdan", "/my")
    assert ref not in chat.said("Bogdan")
    permissions.configure(staff_see_all=False)
    try:
        await chat.send("Bogdan", ref)
        chat.expect("Bogdan", "meant for another assistant")
    finally:
        permissions.configure(staff_see_all=True)


async def test_history_records_every_action(chat: Chat) -> None:
    ref = await place(chat)
    await chat.press("Ana", "Claim", from_notification=True)
    await chat.press("Ana", "Release")
    await chat.press("Bogdan", "Claim", from_notification=True)
    async with chat.app.uow_factory() as uow:
        req = await uow.requests.by_reference(ref)
    assert req is not None
    assert [e.action for e in req.events] == ["place", "claim", "release", "claim"]
    assert all(e.channel == "test" and e.actor_id for e in req.events)


async def test_card_shows_dates_in_the_readers_language_and_time_zone(app: App) -> None:
    chat = Chat(app)
    type_id = await chat.add_type("Peripherals")
    async with app.uow_factory() as uow:
        ion = await uow.people.add("Ion", Role.INITIATOR, "ro", "Europe/Bucharest")
        await uow.people.add_account(ion.id, "test", "ion")
        await uow.commit()
    await chat.add_person("Ana", Role.ASSISTANT)
    req = await services.place(app.uow_factory, app.clock, actor_id=ion.id, type_id=type_id,
                               description="Imprimanta nu merge")  # 09:00 UTC, 5 Jan 2026
    ref = req.reference
    await chat.send("Ion", ref)
    chat.expect("Ion", "Plasată: 5 ian. 2026, 11:00")  # Romanian, Bucharest time
    await chat.send("Ana", ref)
    chat.expect("Ana", "Placed: Jan 5, 2026, 9:00")  # the default: English, UTC
