"""The workflow dialogs: Wait (question / third party / until), Resume, Resolve as…, the
initiator's answer, reopening inside the feedback window, rating — on the card's buttons,
with time travel through the timer worker."""

from __future__ import annotations

import pytest

from core.clock import ManualClock
from core.kinds import Resolution, Role, Status
from core.model import RequestType
from core.sla import SlaPolicy
from tests.harness import Chat


@pytest.fixture
async def chat(chat: Chat) -> Chat:
    await chat.add_person("Sofia", Role.SUPERVISOR)
    return chat


async def place(chat: Chat, text: str = "The printer does not print") -> str:
    await chat.send("Ion", "/new")
    await chat.press("Ion", "Peripherals")
    await chat.press("Ion", "Anyone")
    await chat.send("Ion", text)
    await chat.press("Ion", "Place")
    return chat.said("Ion").split()[1]


async def claimed(chat: Chat) -> str:
    ref = await place(chat)
    await chat.press("Ana", "Claim", from_notification=True)
    await chat.send("Ana", ref)  # the card, with every button
    return ref


async def request(chat: Chat, ref: str):  # type: ignore[no-untyped-def]
    async with chat.app.uow_factory() as uow:
        req = await uow.requests.by_reference(ref)
        assert req is not None
        return req


async def tick(chat: Chat, clock: ManualClock, **delta: float) -> None:
    clock.advance(**delta)
    assert chat.app.timer_worker is not None
    await chat.app.timer_worker.drain()
    await chat.deliver()


async def test_question_to_the_customer_and_the_answer(chat: Chat, clock: ManualClock) -> None:
    ref = await claimed(chat)
    chat.expect("Ana", "Time to resolve: 8 hours left")
    await chat.press("Ana", "Wait")
    chat.expect("Ana", f"What is {ref} waiting for?")
    await chat.press("Ana", "A question for the customer")
    chat.expect("Ana", "Write your question for Ion")
    await chat.send("Ana", "Which floor is the printer on?")
    chat.expect("Ana", "Close it automatically if there is no answer?")
    await chat.press("Ana", "Keep it open")
    chat.expect("Ana", "Your question was sent to Ion")
    assert any("Ana has a question about" in t and "Which floor" in t for t in chat.notices("Ion"))
    assert (await request(chat, ref)).status is Status.WAITING
    await chat.send("Ion", ref)
    chat.expect("Ion", "Waiting: waiting for the customer's answer", "(paused while waiting)")
    # The initiator simply answers: it is back in progress and Ana is told.
    await tick(chat, clock, hours=30)
    await chat.send("Ion", "Floor 2, next to the kitchen")
    chat.expect("Ion", f"Your answer was added to {ref}")
    assert any("Ion answered on" in t and "Floor 2" in t for t in chat.notices("Ana"))
    req = await request(chat, ref)
    assert req.status is Status.IN_PROGRESS
    assert req.resolve_due is not None  # the clock runs again, with the time that was left
    await chat.send("Ana", ref)
    chat.expect("Ana", "Time to resolve: 8 hours left")


async def test_question_auto_closes_without_an_answer(chat: Chat, clock: ManualClock) -> None:
    ref = await claimed(chat)
    await chat.press("Ana", "Wait")
    await chat.press("Ana", "A question for the customer")
    await chat.send("Ana", "Is it still broken?")
    await chat.press("Ana", "Close after 3 days")
    chat.expect("Ana", "closes by itself after 3 days")
    await tick(chat, clock, days=3)
    req = await request(chat, ref)
    assert req.status is Status.CLOSED
    assert req.resolution_method is Resolution.NO_CUSTOMER_RESPONSE
    assert any("no answer from the customer within 3 days" in t for t in chat.notices("Ion"))
    await chat.send("Ion", "Hello?")  # closed is final: this is not attached to it
    chat.expect("Ion", "Place a new request with this text?", "“Hello?”")


async def test_wait_for_a_third_party_and_resume_by_hand(chat: Chat) -> None:
    ref = await claimed(chat)
    await chat.press("Ana", "Wait")
    await chat.press("Ana", "A third party")
    chat.expect("Ana", "waiting for a third party")
    await chat.press("Ana", "Resume")
    chat.expect("Ana", f"{ref} is in progress again")
    assert (await request(chat, ref)).status is Status.IN_PROGRESS


async def test_wait_until_a_time_comes_back_by_itself(chat: Chat, clock: ManualClock) -> None:
    ref = await claimed(chat)
    await chat.press("Ana", "Wait")
    await chat.press("Ana", "Until a date and time")
    await chat.send("Ana", "next week maybe")
    chat.expect("Ana", "I couldn't read that time")
    await chat.send("Ana", "4h")
    chat.expect("Ana", f"{ref} is on hold until")
    await tick(chat, clock, hours=3, minutes=59)
    assert (await request(chat, ref)).status is Status.WAITING
    await tick(chat, clock, minutes=1)
    assert (await request(chat, ref)).status is Status.IN_PROGRESS
    assert any("it is back in progress" in t for t in chat.notices("Ana"))


async def test_resolve_as_rejected_and_reopen_inside_the_window(chat: Chat,
                                                                clock: ManualClock) -> None:
    ref = await claimed(chat)
    await chat.press("Ana", "Resolve as…")
    await chat.press("Ana", "rejected")
    chat.expect("Ana", "Resolving", "How much time")
    await chat.send("Ana", "15m")
    await chat.send("Ana", "We don't support home printers")
    chat.expect("Ana", f"{ref} is resolved")
    assert any("Resolution: rejected" in t for t in chat.notices("Ion"))
    await tick(chat, clock, hours=70)
    await chat.send("Ion", "But it is the office printer!")
    chat.expect("Ion", f"{ref} was resolved. Reopen it with your message?")
    await chat.press("Ion", "Yes, reopen it")
    chat.expect("Ion", f"{ref} is reopened; Ana will look at it again")
    assert any("Ion reopened" in t for t in chat.notices("Ana"))
    req = await request(chat, ref)
    assert req.status is Status.IN_PROGRESS and req.assignee_name == "Ana"
    await tick(chat, clock, hours=5)  # the old feedback window's timer is gone
    assert (await request(chat, ref)).status is Status.IN_PROGRESS


async def test_a_message_inside_the_window_may_stay_a_comment(chat: Chat) -> None:
    ref = await claimed(chat)
    await chat.press("Ana", "Finish")
    await chat.send("Ana", "30m")
    await chat.send("Ana", "New toner")
    await chat.send("Ion", "Thanks a lot")
    await chat.press("Ion", "No, just add it as a comment")
    chat.expect("Ion", f"Comment added to {ref}")
    assert (await request(chat, ref)).status is Status.RESOLVED


async def test_feedback_window_closes_and_offers_a_rating(chat: Chat, clock: ManualClock) -> None:
    ref = await claimed(chat)
    await chat.press("Ana", "Finish")
    await chat.send("Ana", "30m")
    await chat.send("Ana", "New toner")
    await tick(chat, clock, hours=72)
    assert (await request(chat, ref)).status is Status.CLOSED
    notice = [d for d in chat.sender.to("Ion") if "the time to confirm" in d.reply.text][-1]
    assert [b.label for b in notice.reply.buttons] == ["1", "2", "3", "4", "5"]
    await chat.press("Ion", "5", from_notification=True)
    chat.expect("Ion", f"You rated {ref} 5/5")
    await chat.press("Ion", "Skip")
    chat.expect("Ion", "Thank you for your feedback!")


async def test_confirm_then_rate_with_a_message(chat: Chat) -> None:
    ref = await claimed(chat)
    await chat.press("Ana", "Finish")
    await chat.send("Ana", "30m")
    await chat.send("Ana", "New toner")
    await chat.press("Ion", "Confirm", from_notification=True)
    chat.expect("Ion", "is confirmed", "How would you rate the help?")
    assert [b.label for b in chat.buttons_for("Ion")] == ["1", "2", "3", "4", "5"]
    await chat.send("Ion", ref)  # the closed request's card offers it too
    chat.expect("Ion", "Status: closed")
    await chat.press("Ion", "4")
    await chat.send("Ion", "Quick and friendly")
    chat.expect("Ion", "Thank you for your feedback!")
    await chat.send("Ion", ref)
    chat.expect("Ion", "Rating: 4/5")
    assert [b.label for b in chat.buttons_for("Ion")] == ["History"]  # no more rating
    assert any("Ion rated" in t and "4/5" in t and "Quick and friendly" in t
               for t in chat.notices("Ana"))
    req = await request(chat, ref)
    assert req.rating is not None and req.rating.stars == 4


async def test_spam_closes_at_once(chat: Chat) -> None:
    ref = await claimed(chat)
    before = len(chat.notices("Ion"))
    await chat.press("Ana", "Resolve as…")
    await chat.press("Ana", "spam")
    chat.expect("Ana", f"{ref} was closed as spam")
    assert (await request(chat, ref)).status is Status.CLOSED
    assert len(chat.notices("Ion")) == before  # nobody is asked to confirm


async def test_sla_warning_and_breach_reach_the_right_people(chat: Chat,
                                                             clock: ManualClock) -> None:
    ref = await place(chat)
    await chat.send("Ion", ref)
    chat.expect("Ion", "Time to claim: 30 minutes left")
    await tick(chat, clock, minutes=24)
    for who in ("Ana", "Bogdan"):
        assert any(f"SLA: {ref}" in t and "must be claimed soon" in t for t in chat.notices(who))
    assert not any("SLA" in t for t in chat.notices("Sofia"))
    await tick(chat, clock, minutes=6)
    assert any(f"SLA breached: {ref}" in t for t in chat.notices("Sofia"))
    await chat.send("Ion", ref)
    chat.expect("Ion", "Time to claim: due now")
    await tick(chat, clock, minutes=1)
    await chat.send("Ion", ref)
    chat.expect("Ion", "Time to claim: overdue by 1 minute")


async def test_intake_asks_the_types_fields_and_routes_to_its_assistants(chat: Chat) -> None:
    async with chat.app.uow_factory() as uow:
        rtype = await uow.types.by_name("Peripherals")
        bogdan = await uow.people.by_name("Bogdan")
        assert rtype is not None and bogdan is not None
        await uow.types.save(RequestType(rtype.id, rtype.name, fields=("Room",),
                                         assistant_ids=(bogdan.id,)))
        await uow.commit()
    await chat.send("Ion", "/new")
    await chat.press("Ion", "Peripherals")
    labels = [b.label for b in chat.buttons_for("Ion")]
    assert "Bogdan" in labels and "Ana" not in labels
    await chat.press("Ion", "Anyone")
    await chat.send("Ion", "Printer jams")
    chat.expect("Ion", "Room:")
    await chat.send("Ion", "")
    chat.expect("Ion", "Please fill in “Room”")
    await chat.send("Ion", "4.12")
    chat.expect("Ion", "Please check your request", "Room: 4.12")
    await chat.press("Ion", "Place")
    ref = chat.said("Ion").split()[1]
    assert any(ref in t for t in chat.notices("Bogdan"))
    assert not any(ref in t for t in chat.notices("Ana"))
    assert (await request(chat, ref)).fields == {"Room": "4.12"}


async def urgent_is_faster(chat: Chat) -> None:
    """Peripherals: 30/480 minutes normally, 10/120 when urgent."""
    async with chat.app.uow_factory() as uow:
        rtype = await uow.types.by_name("Peripherals")
        assert rtype is not None
        await uow.types.save(RequestType(rtype.id, rtype.name, sla={
            "normal": SlaPolicy(30, 480), "urgent": SlaPolicy(10, 120)}))
        await uow.commit()


async def test_priority_chosen_on_the_summary_sets_the_sla_and_reaches_the_assistants(
        chat: Chat) -> None:
    await urgent_is_faster(chat)
    await chat.send("Ion", "/new")
    await chat.press("Ion", "Peripherals")
    await chat.press("Ion", "Anyone")
    await chat.send("Ion", "Server room is flooding")
    chat.expect("Ion", "Please check your request", "Priority: Normal")
    await chat.press("Ion", "Priority")
    chat.expect("Ion", "How urgent is it?")
    assert [b.label for b in chat.buttons_for("Ion")] == ["Low", "Normal", "High", "Urgent"]
    urgent = chat.buttons_for("Ion")[3].payload
    await chat.send("Ion", "I am typing instead")  # kept: added to the description
    chat.expect("Ion", "Added to the description.",
                "Problem: Server room is flooding\nI am typing instead")
    await chat.press_payload("Ion", urgent)
    chat.expect("Ion", "Please check your request", "Priority: Urgent")
    await chat.press("Ion", "Place")
    ref = chat.said("Ion").split()[1]
    req = await request(chat, ref)
    assert (req.priority, req.sla_claim_minutes, req.sla_resolve_minutes) == ("urgent", 10, 120)
    assert any(ref in t and "Priority: Urgent" in t for t in chat.notices("Ana"))
    await chat.send("Ion", ref)
    chat.expect("Ion", "Priority: Urgent", "Time to claim: 10 minutes left")


async def test_a_stale_priority_button_changes_nothing(chat: Chat) -> None:
    await chat.send("Ion", "/new")
    await chat.press("Ion", "Peripherals")
    await chat.press("Ion", "Anyone")
    await chat.send("Ion", "Printer jams")
    await chat.press("Ion", "Priority")
    high = next(b.payload for b in chat.buttons_for("Ion") if b.label == "High")
    await chat.send("Ion", "/cancel")
    await chat.press_payload("Ion", high)
    chat.expect("Ion", "This button is no longer valid")
    async with chat.app.uow_factory() as uow:
        assert await uow.requests.list_for_initiator(
            (await uow.people.by_name("Ion")).id) == []  # type: ignore[union-attr]


async def test_staff_change_the_priority_and_the_clocks_move(chat: Chat,
                                                             clock: ManualClock) -> None:
    await urgent_is_faster(chat)
    ref = await place(chat)
    await chat.send("Ana", ref)
    assert "Priority" in [b.label for b in chat.buttons_for("Ana")]
    await chat.send("Ion", ref)
    assert "Priority" not in [b.label for b in chat.buttons_for("Ion")]
    clock.advance(minutes=5)
    await chat.press("Ana", "Priority")
    chat.expect("Ana", f"How urgent is {ref}? Now: Normal.")
    await chat.press("Ana", "Urgent")
    chat.expect("Ana", "Priority: Urgent", "Time to claim: 5 minutes left",
                "Time to resolve: 1 hour, 55 minutes left")
    req = await request(chat, ref)
    assert (req.priority, req.sla_claim_minutes, req.sla_resolve_minutes) == ("urgent", 10, 120)
    # The claim warning now comes at 8 minutes after placing (80 % of 10), not at 24.
    await tick(chat, clock, minutes=3, seconds=1)
    assert any("claim" in t.lower() and ref in t for t in chat.notices("Ana")[1:])
    await chat.send("Ana", f"/history {ref}")
    chat.expect("Ana", "priority: Normal → Urgent")
    await chat.send("Ion", f"/history {ref}")
    assert "priority" not in chat.said("Ion")  # staff triage is not shown to the initiator
    # A supervisor's triage reaches the assistant holding it.
    await chat.send("Ana", ref)
    await chat.press("Ana", "Claim")
    await chat.send("Sofia", ref)
    await chat.press("Sofia", "Priority")
    await chat.press("Sofia", "High")
    assert chat.notices("Ana")[-1] == f"Sofia changed the priority of {ref} (Peripherals) to High."
    # An initiator forging the button changes nothing.
    urgent_payload = chat.app.conversations.pack("prio", req.id or 0, "low")
    await chat.press_payload("Ion", urgent_payload)
    chat.expect("Ion", "Only assistants can change the priority")
    assert (await request(chat, ref)).priority == "high"
