"""Troubleshooting scripts in the intake (issue 18): forward and Back, solved (deflected, no
request), place (the answers on the assistant's card with the notes), staff for a client,
stale buttons, text typed while a question waits."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from bots.bootstrap import App
from bots.script_files import parse
from tests.harness import Chat

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "scripts" / "peripherals.yaml"


async def load_example(app: App, type_name: str = "Peripherals") -> None:
    script = parse(EXAMPLE.read_text(encoding="utf-8"), str(EXAMPLE))
    async with app.uow_factory() as uow:
        rtype = await uow.types.by_name(type_name)
    assert rtype is not None and app.conversations.scripts is not None
    await app.conversations.scripts.replace(rtype.id, script, app.clock.now())
    await app.dialogs.bump_types()  # as `helpdesk admin load-scripts` does


async def count(app: App, table: str) -> int:
    async with app.engine.connect() as conn:
        return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar() or 0)


async def test_walk_forward_back_and_solved(app: App, chat: Chat) -> None:
    await load_example(app)
    await chat.send("Ion", "/new")
    await chat.press("Ion", "Peripherals")
    chat.expect("Ion", "Which device is it?")
    assert "Note for the assistant" not in chat.said("Ion")  # initiators never read notes
    assert [b.label for b in chat.buttons_for("Ion")] == [
        "Printer", "Mouse or keyboard", "Something else", "Back"]
    await chat.press("Ion", "Printer")
    chat.expect("Ion", "Is the printer switched on", "The power button is on the front")
    await chat.press("Ion", "No")
    chat.expect("Ion", "power cable is plugged in")
    await chat.press("Ion", "Back")
    chat.expect("Ion", "Is the printer switched on")
    await chat.press("Ion", "Back")
    chat.expect("Ion", "Which device is it?")
    await chat.press("Ion", "Back")  # Back on the first question: the type again
    chat.expect("Ion", "What is it about?")
    await chat.press("Ion", "Peripherals")
    await chat.press("Ion", "Mouse or keyboard")
    await chat.press("Ion", "Yes")
    chat.expect("Ion", "Glad it is solved! No request was placed.")
    assert await count(app, "requests") == 0
    assert app.conversations.deflections is not None
    counts = await app.conversations.deflections.counts()
    assert [(c.source, c.ref, c.request_type, c.deflected, c.not_helpful) for c in counts] == [
        ("script", "peripherals", "Peripherals", 1, 0)]


async def test_place_attaches_the_answers_for_the_assistant(app: App, chat: Chat) -> None:
    await load_example(app)
    await chat.send("Ion", "/language ro")
    await chat.send("Ion", "/new")
    await chat.press("Ion", "Peripherals")
    chat.expect("Ion", "Despre ce dispozitiv este vorba?")
    await chat.press("Ion", "Imprimantă")
    await chat.press("Ion", "Nu")
    await chat.press("Ion", "Nu")  # the cable is fine: place the request
    await chat.press("Ion", "Oricare")
    await chat.send("Ion", "Imprimanta nu pornește")
    chat.expect("Ion", "Despre ce dispozitiv este vorba? → Imprimantă")
    await chat.press("Ion", "Plasare")
    chat.expect("Ion", "HD-")
    # Ana (English) reads the card: the answers in her language, with the notes.
    await chat.send("Ana", "HD-2026-000001")
    chat.expect("Ana", "Troubleshooting answers:",
                "• Which device is it? → Printer",
                "• Is the printer switched on, with a green light? → No",
                "Note for the assistant: If the cable was fine, the power supply is probably")
    # Ion's own card shows his answers but never the notes for assistants.
    await chat.send("Ion", "HD-2026-000001")
    chat.expect("Ion", "Despre ce dispozitiv este vorba? → Imprimantă")
    assert "Notă" not in chat.said("Ion") and "power supply" not in chat.said("Ion")
    counts = await app.conversations.deflections.counts()  # type: ignore[union-attr]
    assert [(c.deflected, c.not_helpful) for c in counts] == [(0, 1)]


async def test_staff_for_a_client_reads_the_notes(app: App, chat: Chat) -> None:
    await load_example(app)
    await chat.send("Ana", "/new")
    await chat.press("Ana", "Peripherals")
    chat.expect("Ana", "Which device is it?",
                "Note for the assistant: Ask for the inventory label")
    await chat.press("Ana", "Mouse or keyboard")
    chat.expect("Ana", "Note for the assistant: Check the USB hub")
    await chat.press("Ana", "No")
    await chat.press("Ana", "Anyone")
    await chat.send("Ana", "Client's mouse is dead")
    chat.expect("Ana", "• Unplug the device", "Note for the assistant: Check the USB hub")
    await chat.press("Ana", "For a client")
    await chat.send("Ana", "Ion")
    await chat.press("Ana", "Place")
    chat.expect("Ana", "is placed for Ion")
    await chat.send("Bogdan", "HD-2026-000001")
    chat.expect("Bogdan", "• Which device is it? → Mouse or keyboard",
                "Note for the assistant: Check the USB hub")


async def test_stale_and_forged_script_buttons_change_nothing(app: App, chat: Chat) -> None:
    await load_example(app)
    await chat.send("Ion", "/new")
    await chat.press("Ion", "Peripherals")
    first = {b.label: b.payload for b in chat.buttons_for("Ion")}
    await chat.press("Ion", "Printer")
    second = {b.label: b.payload for b in chat.buttons_for("Ion")}
    for payload in (first["Mouse or keyboard"], first["Back"]):  # the earlier question's
        replies = await chat.press_payload("Ion", payload)
        assert replies[0].text == "This button is no longer valid."
    await chat.send("Ion", "/language pl")
    replies = await chat.press_payload("Ion", first["Printer"])
    assert replies[0].text == "Ten przycisk jest już nieaktualny."
    await chat.send("Ion", "/language en")
    await chat.press_payload("Ion", second["Yes"])  # still on the second question
    chat.expect("Ion", "Open the tray")
    await chat.send("Ion", "/cancel")
    replies = await chat.press_payload("Ion", first["Printer"])  # after the dialog ended
    assert replies[0].text == "This button is no longer valid."
    assert await count(app, "requests") == 0 and await count(app, "deflections") == 0


async def test_text_during_a_question_becomes_the_description(app: App, chat: Chat) -> None:
    await load_example(app)
    await chat.send("Ion", "/new")
    await chat.press("Ion", "Peripherals")
    await chat.send("Ion", "The printer on floor 2 is dead")
    chat.expect("Ion", "Noted as the description", "Which device is it?")
    await chat.press("Ion", "Something else")
    await chat.press("Ion", "Anyone")
    chat.expect("Ion", "Problem: The printer on floor 2 is dead")
    await chat.press("Ion", "Place")
    async with app.engine.connect() as conn:
        described = (await conn.execute(text("SELECT description FROM requests"))).scalar()
    assert described == "The printer on floor 2 is dead"


async def test_a_type_without_script_is_unchanged(app: App, chat: Chat) -> None:
    await chat.add_type("Network")
    await load_example(app)
    await chat.send("Ion", "/new")
    await chat.press("Ion", "Network")
    chat.expect("Ion", "Who should handle it?")


async def test_a_reloaded_script_restarts_a_run_in_progress(app: App, chat: Chat) -> None:
    await load_example(app)
    await chat.send("Ion", "/new")
    await chat.press("Ion", "Peripherals")
    await chat.press("Ion", "Printer")
    changed = EXAMPLE.read_text(encoding="utf-8").replace("which", "device")
    script = parse(changed, "changed.yaml")
    async with app.uow_factory() as uow:
        rtype = await uow.types.by_name("Peripherals")
    assert rtype is not None and app.conversations.scripts is not None
    await app.conversations.scripts.replace(rtype.id, script, app.clock.now())
    await app.dialogs.bump_types()  # as `helpdesk admin load-scripts` does
    await chat.press("Ion", "Yes")
    chat.expect("Ion", "The questions for this type have changed; let us start again.",
                "Which device is it?")
    await chat.press("Ion", "Mouse or keyboard")
    chat.expect("Ion", "Unplug the device")
    assert await count(app, "requests") == 0



async def test_the_slack_request_form_walks_the_script_in_messages(app: App,
                                                                   chat: Chat) -> None:
    from core.messages import Inbound
    from tests.harness import CHANNEL

    await load_example(app)
    form = await app.conversations.open_form(Inbound(CHANNEL, "ion"), "request")
    assert not isinstance(form, list) and form is not None
    types = {c.label: c.value for c in form.fields[0].choices}
    result = await app.conversations.submit_form(
        Inbound(CHANNEL, "ion"), "request",
        {"type": types["Peripherals"], "assistant": "0", "description": "Mouse is dead",
         "priority": "high"}, form.context)
    assert result.ok and [r.text for r in result.replies][:2] == [
        "Almost done: a few questions about Peripherals first.", "Which device is it?"]
    chat.last["Ion"] = list(result.replies)
    await chat.press("Ion", "Mouse or keyboard")
    await chat.press("Ion", "No")
    await chat.press("Ion", "Anyone")
    chat.expect("Ion", "Problem: Mouse is dead", "Priority: High",
                "• Unplug the device and plug it into another USB port. Does it work now? → No")
    assert await count(app, "requests") == 0
    await chat.press("Ion", "Place")
    assert await count(app, "requests") == 1 and await count(app, "script_paths") == 1
