"""Whole forms at once (modals) and the overview page, through the conversation engine."""

from __future__ import annotations

from bots.bootstrap import App
from core.forms import Form, FormResult, Overview
from core.kinds import Role, Status
from core.messages import Inbound
from core.model import RequestType
from tests.harness import CHANNEL, Chat


def inbound(who: str, payload: str | None = None) -> Inbound:
    return Inbound(CHANNEL, who.casefold(), payload=payload)


async def setup(app: App) -> Chat:
    chat = Chat(app)
    await chat.add_type("Peripherals")
    await chat.add_type("Internal audit", internal=True)
    await chat.add_person("Ion", Role.INITIATOR)
    await chat.add_person("Ana", Role.ASSISTANT)
    return chat


async def test_request_form_places_a_request(app: App) -> None:
    chat = await setup(app)
    form = await app.conversations.open_form(inbound("Ion"), "request")
    assert isinstance(form, Form)
    types = {c.label: c.value for c in form.fields[0].choices}
    assert list(types) == ["Peripherals"]  # internal types are for staff only
    assert [c.label for c in form.fields[1].choices] == ["Anyone", "Ana"]
    result = await app.conversations.submit_form(
        inbound("Ion"), "request",
        {"type": types["Peripherals"], "assistant": "0", "description": " Toner\x00 "},
        form.context)
    assert isinstance(result, FormResult) and result.ok
    assert "is placed" in result.replies[0].text
    async with app.uow_factory() as uow:
        req = await uow.requests.get(1)
    assert req is not None and req.description == "Toner" and req.status is Status.OPEN
    await chat.deliver()
    assert any("New request" in text for text in chat.notices("Ana"))


async def test_request_form_errors_change_nothing(app: App) -> None:
    await setup(app)
    form = await app.conversations.open_form(inbound("Ion"), "request")
    assert isinstance(form, Form)
    internal = "2"
    result = await app.conversations.submit_form(
        inbound("Ion"), "request", {"type": internal, "description": "Audit"}, form.context)
    assert result.errors == {"type": "The type “Internal audit” is for staff only."}
    result = await app.conversations.submit_form(
        inbound("Ion"), "request", {"type": "abc", "assistant": "x", "description": ""},
        form.context)
    assert set(result.errors) == {"type", "assistant", "description"}
    result = await app.conversations.submit_form(
        inbound("Ion"), "finish", {"time": "1h", "note": "n"}, form.context)
    assert result.errors == {"time": "This button is no longer valid."}
    async with app.uow_factory() as uow:
        assert await uow.requests.get(1) is None


async def test_finish_form_from_the_button(app: App) -> None:
    chat = await setup(app)
    form = await app.conversations.open_form(inbound("Ion"), "request")
    assert isinstance(form, Form)
    await app.conversations.submit_form(inbound("Ion"), "request", {
        "type": "1", "assistant": "0", "description": "Mouse"}, form.context)
    await chat.deliver()
    claim = chat.notified_buttons("Ana")[0].payload
    # A button that opens no form: the adapter handles it as usual.
    assert await app.conversations.open_form(inbound("Ana", claim)) is None
    assert await app.conversations.open_form(inbound("Ana", "forged")) is None
    await chat.press_payload("Ana", claim)
    finish = next(b for b in chat.buttons_for("Ana") if b.label == "Finish").payload
    # Ion may not finish it: he is told so instead of getting a form.
    refused = await app.conversations.open_form(inbound("Ion", finish))
    assert isinstance(refused, list) and "Only the assistant holding" in refused[0].text
    form = await app.conversations.open_form(inbound("Ana", finish))
    assert isinstance(form, Form) and [f.name for f in form.fields] == ["time", "note"]
    result = await app.conversations.submit_form(
        inbound("Ana"), "finish", {"time": "45", "note": "Replaced"}, form.context)
    assert result.ok and "45 minutes logged" in result.replies[0].text


async def test_overview(app: App) -> None:
    chat = await setup(app)
    ion = await app.conversations.overview(inbound("Ion"))
    assert isinstance(ion, Overview) and ion.sections[0].entries == ()
    assert ion.sections[0].empty == "You have no requests yet."
    form = await app.conversations.open_form(inbound("Ion"), "request")
    assert isinstance(form, Form)
    await app.conversations.submit_form(inbound("Ion"), "request", {
        "type": "1", "assistant": "0", "description": "Monitor"}, form.context)
    ion = await app.conversations.overview(inbound("Ion"))
    entry = ion.sections[0].entries[0]
    assert "HD-" in entry.text and "Monitor" in entry.text
    assert [b.label for b in entry.buttons] == ["Cancel request"]
    ana = await app.conversations.overview(inbound("Ana"))
    assert ana.sections[0].title == "Your queue:"
    assert [b.label for b in ana.sections[0].entries[0].buttons] == ["Claim", "Finish"]
    assert [b.label for b in ana.buttons] == ["New request"]
    assert chat  # the chat registered the sender


async def test_closed_registration_refuses_forms(app: App) -> None:
    await setup(app)
    app.conversations.open_registration = False
    form = await app.conversations.open_form(inbound("Stranger"), "request")
    assert isinstance(form, list) and "only serves registered people" in form[0].text
    result = await app.conversations.submit_form(inbound("Stranger"), "request", {}, "")
    assert "only serves registered people" in result.errors["type"]
    page = await app.conversations.overview(inbound("Stranger"))
    assert "only serves registered people" in page.greeting and page.sections == ()


async def test_a_type_with_extra_fields_goes_on_in_messages(app: App) -> None:
    chat = await setup(app)
    async with app.uow_factory() as uow:
        rtype = await uow.types.by_name("Peripherals")
        assert rtype is not None
        await uow.types.save(RequestType(rtype.id, rtype.name, fields=("Room", "Asset tag")))
        await uow.commit()
    form = await app.conversations.open_form(inbound("Ion"), "request")
    assert isinstance(form, Form)
    result = await app.conversations.submit_form(
        inbound("Ion"), "request", {"type": str(rtype.id), "assistant": "0",
                                    "description": "Printer jams", "priority": "high"},
        form.context)
    assert result.ok and result.replies[0].text.endswith("needs a few more details.\nRoom:")
    async with app.uow_factory() as uow:
        assert await uow.requests.get(1) is None  # nothing placed yet
    await chat.send("Ion", "4.12")
    chat.expect("Ion", "Asset tag:")
    await chat.send("Ion", "PR-0042")
    chat.expect("Ion", "Please check your request", "Room: 4.12", "Asset tag: PR-0042",
                "Priority: High")
    await chat.press("Ion", "Place")
    async with app.uow_factory() as uow:
        req = await uow.requests.get(1)
    assert req is not None and req.priority == "high"
    assert req.fields == {"Room": "4.12", "Asset tag": "PR-0042"}
