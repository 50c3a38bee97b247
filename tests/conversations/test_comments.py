"""Comments reach the other side; internal notes reach staff only, never the initiator."""

from __future__ import annotations

from tests.conversations.test_story import place
from tests.harness import Chat


async def test_internal_notes_never_reach_the_initiator(chat: Chat) -> None:
    ref = await place(chat)
    await chat.press("Bogdan", "Claim", from_notification=True)
    ion_before = len(chat.notices("Ion"))
    await chat.send("Bogdan", ref)
    await chat.press("Bogdan", "Internal note")
    chat.expect("Bogdan", "will not see it")
    await chat.send("Bogdan", "Customer's printer is out of warranty")
    chat.expect("Bogdan", f"Internal note added to {ref}.")
    await chat.send("Bogdan", f"/note {ref} Ordered a new fuser")
    chat.expect("Bogdan", f"Internal note added to {ref}.")
    assert len(chat.notices("Ion")) == ion_before
    assert not any("warranty" in t or "fuser" in t for t in chat.notices("Ion"))
    # A public comment does reach Ion; his reply reaches Bogdan.
    await chat.send("Bogdan", ref)
    await chat.press("Bogdan", "Comment")
    await chat.send("Bogdan", "I will come at 3 pm")
    assert chat.notices("Ion")[-1] == f"Bogdan on {ref}: I will come at 3 pm"
    await chat.send("Ion", ref)
    await chat.press("Ion", "Comment")
    await chat.send("Ion", "Thanks, I'll be there")
    assert chat.notices("Bogdan")[-1] == f"Ion on {ref}: Thanks, I'll be there"
    async with chat.app.uow_factory() as uow:
        req = await uow.requests.by_reference(ref)
    assert [c.internal for c in req.comments] == [True, True, False, False]


async def test_initiators_cannot_write_internal_notes(chat: Chat) -> None:
    ref = await place(chat)
    await chat.send("Ion", f"/note {ref} secret")
    chat.expect("Ion", "Only assistants can write internal notes.")
    await chat.send("Ion", ref)
    assert "Internal note" not in [b.label for b in chat.buttons_for("Ion")]
    async with chat.app.uow_factory() as uow:
        req = await uow.requests.by_reference(ref)
    assert req.comments == []


async def test_note_command_needs_a_reference_and_text(chat: Chat) -> None:
    await chat.send("Ana", "/note")
    chat.expect("Ana", "/note HD-2026-000042 your note")
    await chat.send("Ana", "/note HD-2026-999999 hello")
    chat.expect("Ana", "There is no request HD-2026-999999.")
