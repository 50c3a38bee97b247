"""The supervisor in chat (issue 17): /queue (overdue first, paged, read-only lines for an
assistant), /reassign and the card's Reassign button, /stats, /report, refusals for others,
disputes escalated to supervisors with a reminder after 2 working days, a deactivated person."""

from __future__ import annotations

import pytest

from core import services
from core.clock import ManualClock
from core.kinds import Role, Status
from tests.conversations.test_workflow import claimed, place, request, tick
from tests.harness import Chat


@pytest.fixture
async def chat(chat: Chat) -> Chat:
    await chat.add_person("Sofia", Role.SUPERVISOR)
    return chat


async def test_queue_pages_and_read_only_lines(chat: Chat, clock: ManualClock) -> None:
    first = await claimed(chat)  # Ana holds it: resolve clock 8 h
    refs = [await place(chat, f"Problem {i}") for i in range(11)]  # open: 30 min to claim
    clock.advance(minutes=40)  # every open one is overdue now; the claimed one is not
    await chat.send("Sofia", "/queue")
    chat.expect("Sofia", "Queue, page 1 of 2 (12 live requests):", "overdue by 10 minutes")
    lines = chat.said("Sofia").splitlines()[1:]
    assert len(lines) == 10 and all("overdue" in line for line in lines)
    labels = [b.label for b in chat.buttons_for("Sofia")]
    assert labels == refs[:10] + ["Next"]
    await chat.press("Sofia", "Next")
    chat.expect("Sofia", "page 2 of 2", first, "in progress (Ana)", "7 hours, 20 minutes left")
    assert [b.label for b in chat.buttons_for("Sofia")] == [refs[10], first, "Previous"]

    # Bogdan (assistant) sees the same queue, but Ana's claimed request has no button.
    await chat.send("Bogdan", "/queue")
    await chat.press("Bogdan", "Next")
    assert [b.label for b in chat.buttons_for("Bogdan")] == [refs[10], "Previous"]
    # Ion (initiator) may not.
    await chat.send("Ion", "/queue")
    chat.expect("Ion", "Only assistants and supervisors can see the queue.")


async def test_reassign_by_command_and_button(chat: Chat) -> None:
    ref = await claimed(chat)
    await chat.send("Bogdan", f"/reassign {ref} Bogdan")
    chat.expect("Bogdan", f"Only supervisors can reassign {ref}.")
    await chat.send("Sofia", f"/reassign {ref} Nobody")
    chat.expect("Sofia", "There is no assistant called Nobody.")
    await chat.send("Sofia", f"/reassign {ref} Bogdan")
    chat.expect("Sofia", f"{ref} now belongs to Bogdan")
    assert chat.notices("Bogdan")[-1].startswith(f"Sofia gave you {ref}")
    assert chat.notices("Ana")[-1] == f"Sofia gave {ref} (Peripherals) to Bogdan; you no " \
                                      "longer hold it."
    assert chat.notices("Ion")[-1] == f"Bogdan is now handling your request {ref}."
    # The card's Reassign button, back to Ana (the holder is not offered; supervisors last).
    await chat.send("Sofia", ref)
    await chat.press("Sofia", "Reassign")
    assert [b.label for b in chat.buttons_for("Sofia")] == ["Ana", "Sofia"]
    await chat.press("Sofia", "Ana")
    req = await request(chat, ref)
    assert req.assignee_id is not None and req.assignee_name == "Ana"
    assert [e.action for e in req.events].count("reassign") == 2
    # An open request: reassigning gives it at once; the other offers are withdrawn.
    open_ref = await place(chat, "Monitor flickers")
    await chat.send("Sofia", f"/reassign {open_ref} Bogdan")
    req = await request(chat, open_ref)
    assert req.status is Status.IN_PROGRESS and req.assignee_name == "Bogdan"
    assert chat.notices("Ana")[-1] == f"{open_ref} (Peripherals) was claimed by Bogdan."


async def test_stats_and_report(chat: Chat) -> None:
    ref = await claimed(chat)
    await chat.press("Ana", "Finish")
    await chat.send("Ana", "1h30")
    await chat.send("Ana", "Replaced the toner")
    await chat.press("Ion", "Confirm", from_notification=True)
    await chat.send("Ana", "/stats")
    chat.expect("Ana", "Only supervisors can see the statistics.")
    await chat.send("Sofia", "/stats")
    chat.expect("Sofia", "Today:", "placed 1, claimed 1, resolved 1, confirmed 1, SLA breaches 0",
                "This week:")
    await chat.send("Sofia", "/report assistant")
    chat.expect("Sofia", "Ana: 1.50 h / 0.00 h / 0.00 h")
    files = chat.last["Sofia"][0].attachments
    assert len(files) == 1 and files[0].name.endswith(".csv")
    await chat.send("Bogdan", "/report")
    chat.expect("Bogdan", "Only supervisors can get reports.")
    assert ref


async def test_dispute_goes_to_supervisors_and_reminds_after_two_working_days(
        chat: Chat, clock: ManualClock) -> None:
    ref = await claimed(chat)
    await chat.press("Ana", "Finish")
    await chat.send("Ana", "3h")
    await chat.send("Ana", "Done")
    await chat.press("Ion", "Dispute", from_notification=True)
    await chat.send("Ion", "It took one hour")
    assert chat.notices("Sofia")[-1] == (
        f"Ion disputes the time logged on {ref} (3 hours, assistant Ana): “It took one hour”")
    # The manual clock starts on a Monday: two working days later the supervisors hear again.
    await tick(chat, clock, days=1, hours=23)
    assert "not settled" not in chat.notices("Sofia")[-1]
    await tick(chat, clock, hours=2)
    assert chat.notices("Sofia")[-1] == (
        f"The dispute on {ref} (assistant Ana) is not settled after 2 working days.")
    await tick(chat, clock, days=5)
    assert sum("not settled" in n for n in chat.notices("Sofia")) == 1


async def test_a_deactivated_assistant_gets_nothing_and_can_do_nothing(chat: Chat) -> None:
    ref = await claimed(chat)
    async with chat.app.uow_factory() as uow:
        ana = await uow.people.by_name("Ana")
    assert ana is not None
    before = len(chat.notices("Ana"))
    released = await services.deactivate_person(chat.app.uow_factory, chat.app.clock,
                                                person_id=ana.id)
    await chat.deliver()
    assert released == [ref]
    assert (await request(chat, ref)).status is Status.OPEN
    assert chat.notices("Bogdan")[-1].startswith(f"New request {ref}")
    await chat.send("Ana", "/my")
    chat.expect("Ana", "Your access to this helpdesk has been turned off.")
    await place(chat, "Another one")
    assert len(chat.notices("Ana")) == before


async def test_an_organizations_queue(chat: Chat) -> None:
    async with chat.app.uow_factory() as uow:
        acme = await uow.organizations.add("Acme")
        ion = await uow.people.by_name("Ion")
        assert ion is not None
        ion.organization_id = acme.id
        await uow.people.update(ion)
        await uow.commit()
    ours = await place(chat, "Acme's printer")
    await chat.add_person("Maria", Role.INITIATOR)
    await chat.send("Maria", "/new")
    await chat.press("Maria", "Peripherals")
    await chat.press("Maria", "Anyone")
    await chat.send("Maria", "Maria's scanner")
    await chat.press("Maria", "Place")
    await chat.send("Sofia", "/queue acme")
    chat.expect("Sofia", "(1 live requests)", ours)
    await chat.send("Sofia", "/queue Nowhere")
    chat.expect("Sofia", "There is no organization called Nowhere.")
    await chat.send("Ana", "/queue Acme")
    chat.expect("Ana", "Only supervisors can see an organization's requests.")
    # Staff see the initiator's organization on the card; the initiator's own card does not
    # repeat it.
    await chat.send("Ana", ours)
    chat.expect("Ana", "Organization: Acme")
    await chat.send("Ion", ours)
    assert "Organization:" not in chat.said("Ion")


def test_working_days_skip_the_weekend() -> None:
    from datetime import UTC, datetime

    from core.timers import add_working_days

    friday = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    assert add_working_days(friday, 2) == datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    saturday = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)
    assert add_working_days(saturday, 2) == datetime(2026, 12, 2, 0, 0, tzinfo=UTC)
