"""/notices: a chat user turns status-change notices off and on; mandatory ones still come."""

from __future__ import annotations

import pytest

from bots.bootstrap import App
from core.kinds import Role
from tests.conversations.test_story import place
from tests.harness import Chat


@pytest.fixture
async def chat(app: App) -> Chat:
    chat = Chat(app)
    await chat.add_type("Peripherals")
    await chat.add_person("Ion", Role.INITIATOR)
    await chat.add_person("Ana", Role.ASSISTANT)
    return chat


async def test_notices_off_and_on_from_the_chat(chat: Chat) -> None:
    await chat.send("Ion", "/notices")
    chat.expect("Ion", "Notices about status changes are on for you.",
                "Questions addressed to you and the resolution of your requests are always")
    await chat.press("Ion", "Stop these notices")
    chat.expect("Ion", "Done: you will no longer get notices about status changes.")
    assert chat.last["Ion"][0].edit  # replaces the message with the button

    ref = await place(chat)
    before = len(chat.notices("Ion"))
    await chat.press("Ana", "Claim", from_notification=True)
    assert len(chat.notices("Ion")) == before  # "Ana has taken your request" is optional

    await chat.send("Ion", "/notices")
    chat.expect("Ion", "Notices about status changes are off for you.")
    await chat.send("Ion", "/notices on")
    chat.expect("Ion", "Done: you will get notices about status changes again.")
    await chat.send("Ion", "/notices maybe")
    chat.expect("Ion", "Send /notices off to stop them, or /notices on to get them again.")
    await chat.send("Ion", "/notices off")
    chat.expect("Ion", "Done: you will no longer get notices")
    await chat.send("Ion", "NOTICES")  # the plain-word form (SMS)
    chat.expect("Ion", "are off for you")
    await chat.send("Ion", "/help")
    chat.expect("Ion", "/notices – notices about status changes")
    assert ref


async def test_forged_notices_button_changes_nothing(chat: Chat, app: App) -> None:
    payload = app.conversations.pack("notices", 0, "maybe")
    await chat.press_payload("Ion", payload)
    chat.expect("Ion", "This button is no longer valid.")
    assert app.preferences is not None
    assert not await app.preferences.notices_off(1)
