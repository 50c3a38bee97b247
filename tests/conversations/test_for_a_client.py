"""Staff place a request for a client who phoned or e-mailed (SPEC §3, place)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations.clients import Contact, parse_contact
from core.kinds import Role
from tests.harness import Chat, RecordingSender


class SmsRecorder(RecordingSender):
    channel = "sms"


@pytest.mark.parametrize(("text", "contact"), [
    ("Maria Popescu +40 721 234 567", Contact("Maria Popescu", "sms", "+40721234567")),
    ("+48 (22) 123-45-67", Contact("", "sms", "+48221234567")),
    ("Joana <Joana.Silva@Example.PT>", Contact("Joana", "email", "joana.silva@example.pt")),
    ("  Ion   Popescu ", Contact("Ion Popescu")),
    ("Ion +12", Contact("Ion +12")),  # too short for a phone number: a name
    ("   ", None),
])
def test_parse_contact(text: str, contact: Contact | None) -> None:
    assert parse_contact(text) == contact


@given(st.text(max_size=300))
def test_parse_contact_never_fails(text: str) -> None:
    contact = parse_contact(text)
    if contact is not None:
        assert len(contact.name) <= 200 and (contact.channel is None) == (contact.address is None)


async def describe(chat: Chat, who: str, text: str = "Printer at the front desk is jammed") -> None:
    await chat.send(who, "/new")
    await chat.press(who, "Peripherals")
    await chat.press(who, "Anyone")
    await chat.send(who, text)


async def test_a_new_client_by_phone_is_registered_and_told(chat: Chat) -> None:
    sms = SmsRecorder()
    chat.app.add_sender(sms, base_delay=0.0)
    await describe(chat, "Ana")
    await chat.press("Ana", "For a client")
    chat.expect("Ana", "Who is it for?")
    await chat.send("Ana", "Maria Popescu +40 721 234 567")
    chat.expect("Ana", "Please check your request", "For: Maria Popescu +40721234567")
    await chat.press("Ana", "Place")
    chat.expect("Ana", "is placed for Maria Popescu +40721234567")
    ref = chat.said("Ana").split()[1]
    async with chat.app.uow_factory() as uow:
        req = await uow.requests.by_reference(ref)
        maria = await uow.people.by_account("sms", "+40721234567")
    assert req is not None and maria is not None
    assert (maria.name, maria.role, maria.language) == ("Maria Popescu", Role.INITIATOR, "ro")
    assert req.initiator_id == maria.id and [e.action for e in req.events] == ["place"]
    told = [d.reply.text for d in sms.to("+40721234567")]
    assert len(told) == 1 and ref in told[0] and told[0].startswith("Ana a înregistrat")
    # Assistants are offered it as usual; claiming it tells Maria, not Ana.
    assert any(ref in t for t in chat.notices("Bogdan"))
    await chat.press("Bogdan", "Claim", from_notification=True)
    assert len(sms.to("+40721234567")) == 2


async def test_a_known_client_by_name_and_unknown_names(chat: Chat) -> None:
    await describe(chat, "Ana")
    await chat.press("Ana", "For a client")
    await chat.send("Ana", "Nobody Known")
    chat.expect("Ana", "There is nobody called Nobody Known yet")
    await chat.send("Ana", "ion")
    chat.expect("Ana", "For: Ion")
    await chat.press("Ana", "Place")
    ref = chat.said("Ana").split()[1]
    assert any(ref in t and "Ana registered your request" in t for t in chat.notices("Ion"))
    await chat.send("Ion", "/my")
    chat.expect("Ion", ref)


async def test_initiators_are_not_offered_it_and_a_forged_press_changes_nothing(
        chat: Chat) -> None:
    await describe(chat, "Ana")
    client_button = next(b for b in chat.buttons_for("Ana") if b.label == "For a client")
    await describe(chat, "Ion")
    assert "For a client" not in [b.label for b in chat.buttons_for("Ion")]
    place = next(b for b in chat.buttons_for("Ion") if b.label == "Place")
    await chat.press_payload("Ion", client_button.payload)
    chat.expect("Ion", "This button is no longer valid")
    await chat.press_payload("Ion", place.payload)
    ref = chat.said("Ion").split()[1]
    async with chat.app.uow_factory() as uow:
        req = await uow.requests.by_reference(ref)
        ion = await uow.people.by_name("Ion")
    assert req is not None and ion is not None and req.initiator_id == ion.id


async def test_a_client_registered_by_e_mail_is_not_created_when_cancelled(chat: Chat) -> None:
    await describe(chat, "Ana")
    await chat.press("Ana", "For a client")
    await chat.send("Ana", "joana@example.pt")
    chat.expect("Ana", "For: joana@example.pt")
    await chat.press("Ana", "Cancel")
    async with chat.app.uow_factory() as uow:
        assert await uow.people.by_account("email", "joana@example.pt") is None
