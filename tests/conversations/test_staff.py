"""How staff really work a request (issue 16), in English and in Polish: the subject, the
card's contacts and fields, Finish without claiming, Place and resolve, staff reopen."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bots.bootstrap import bootstrap
from core.clock import ManualClock
from core.i18n import _, use_language
from core.kinds import Role, Status
from persistence.redis_store import embedded_redis
from tests.conftest import settings_for
from tests.conversations.test_attachments import app, file, send_file  # noqa: F401
from tests.harness import Chat

LANGUAGES = ["en", "pl"]


def tr(language: str, msgid: str, **params: Any) -> str:
    with use_language(language):
        return _(msgid, **params)


async def speak(chat: Chat, language: str) -> None:
    """Everyone in the chat reads ``language``."""
    async with chat.app.uow_factory() as uow:
        for person in await uow.people.list():
            await uow.people.set_language(person.id, language)
        await uow.commit()


async def describe(chat: Chat, who: str, lang: str, text: str) -> None:
    await chat.send(who, "/new")
    await chat.press(who, "Peripherals")
    await chat.press(who, tr(lang, "Anyone"))
    await chat.send(who, text)


async def request(chat: Chat, ref: str) -> Any:
    async with chat.app.uow_factory() as uow:
        return await uow.requests.by_reference(ref)


def ref_in(text: str) -> str:
    return next(word.strip(".,:;") for word in text.split() if word.startswith("HD-"))


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_subject_from_the_first_line_edited_and_shown(chat: Chat, lang: str) -> None:
    await speak(chat, lang)
    await describe(chat, "Ion", lang, "Printer on floor 2\nIt jams on every page")
    chat.expect("Ion", tr(lang, "Subject: {subject}", subject="Printer on floor 2"))
    await chat.press("Ion", tr(lang, "Subject"))
    await chat.send("Ion", "x" * 121)  # too long: refused, the dialog goes on
    chat.expect("Ion", tr(lang, "A subject is one line of at most {limit} characters.",
                          limit=120))
    await chat.send("Ion", "Jammed printer")
    chat.expect("Ion", tr(lang, "Subject: {subject}", subject="Jammed printer"))
    await chat.press("Ion", tr(lang, "Place"))
    ref = ref_in(chat.said("Ion"))
    req = await request(chat, ref)
    assert req.subject == "Jammed printer"
    assert req.description == "Printer on floor 2\nIt jams on every page"
    offer = chat.notices("Ana")[-1]
    assert offer.startswith(tr(lang, "New request {ref} ({type}) from {initiator}: {subject}",
                               ref=ref, type="Peripherals", initiator="Ion",
                               subject="Jammed printer"))
    await chat.send("Ion", "/my")
    chat.expect("Ion", "Jammed printer")
    await chat.send("Ana", ref)
    chat.expect("Ana", tr(lang, "Subject: {subject}", subject="Jammed printer"))


async def test_a_short_message_is_subject_and_description(chat: Chat) -> None:
    await describe(chat, "Ion", "en", "Mouse is dead")
    await chat.press("Ion", "Place")
    req = await request(chat, ref_in(chat.said("Ion")))
    assert req.subject == req.description == "Mouse is dead"


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_the_card_shows_contacts_fields_and_who_placed_it(chat: Chat, lang: str) -> None:
    async with chat.app.uow_factory() as uow:
        rtype = await uow.types.by_name("Peripherals")
        assert rtype is not None
        await uow.types.save(dataclasses.replace(rtype, fields=("Room",)))
        await uow.commit()
    await speak(chat, lang)
    await describe(chat, "Ana", lang, "Client's monitor flickers")
    await chat.send("Ana", "12")  # the Room field
    await chat.press("Ana", tr(lang, "For a client"))
    await chat.send("Ana", "Maria Popescu +40 721 234 567")
    await chat.press("Ana", tr(lang, "Place"))
    ref = ref_in(chat.said("Ana"))
    await chat.send("Bogdan", ref)
    chat.expect("Bogdan", "Room: 12",
                tr(lang, "Placed by {name} for the client", name="Ana"),
                tr(lang, "Contact: {contacts}",
                   contacts=tr(lang, "phone") + " +40721234567"))


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_finish_on_an_open_request_claims_it_first(chat: Chat, lang: str) -> None:
    await speak(chat, lang)
    await describe(chat, "Ion", lang, "Mouse is dead")
    await chat.press("Ion", tr(lang, "Place"))
    ref = ref_in(chat.said("Ion"))
    await chat.send("Ana", ref)
    await chat.press("Ana", tr(lang, "Finish"))
    await chat.send("Ana", "20m")
    await chat.send("Ana", "Replaced the mouse")
    req = await request(chat, ref)
    assert req.status is Status.RESOLVED and req.assignee_id is not None
    assert [e.action for e in req.events] == ["place", "claim", "finish"]
    assert req.events[1].actor_id == req.events[2].actor_id == req.assignee_id
    # Bogdan's offer is withdrawn; Ion is asked to confirm as usual.
    assert chat.sender.to("Bogdan")[-1].edited
    assert tr(lang, "Confirm") in [b.label for b in chat.notified_buttons("Ion")]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("for_client", [False, True])
async def test_place_and_resolve(chat: Chat, lang: str, for_client: bool) -> None:
    await speak(chat, lang)
    await describe(chat, "Ana", lang, "Password reset by phone")
    if for_client:
        await chat.press("Ana", tr(lang, "For a client"))
        await chat.send("Ana", "Ion")
    await chat.press("Ana", tr(lang, "Place and resolve"))
    ref = ref_in(chat.said("Ana"))
    assert (await request(chat, ref)).status is Status.IN_PROGRESS
    assert not chat.notices("Bogdan")  # nobody else is offered it
    await chat.send("Ana", "10m")
    await chat.send("Ana", "Reset the password")
    req = await request(chat, ref)
    assert req.status is Status.RESOLVED and req.minutes_logged == 10
    assert [e.action for e in req.events] == ["place", "claim", "finish"]
    initiator = "Ion" if for_client else "Ana"
    assert tr(lang, "Confirm") in [b.label for b in chat.notified_buttons(initiator)]


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_staff_reopen_asks_a_reason_and_tells_the_initiator(chat: Chat, lang: str) -> None:
    await speak(chat, lang)
    await describe(chat, "Ion", lang, "Mouse is dead")
    await chat.press("Ion", tr(lang, "Place"))
    ref = ref_in(chat.said("Ion"))
    await chat.press("Ana", tr(lang, "Claim"), from_notification=True)
    await chat.press("Ana", tr(lang, "Finish"))
    await chat.send("Ana", "15m")
    await chat.send("Ana", "Replaced it")
    await chat.send("Bogdan", ref)  # another assistant sees it but may not reopen it
    assert tr(lang, "Reopen") not in [b.label for b in chat.buttons_for("Bogdan")]
    await chat.send("Ana", ref)
    reopen = next(b for b in chat.buttons_for("Ana") if b.label == tr(lang, "Reopen"))
    await chat.press_payload("Bogdan", reopen.payload)
    assert (await request(chat, ref)).status is Status.RESOLVED
    await chat.press_payload("Ana", reopen.payload)
    chat.expect("Ana", tr(lang, "Why is {ref} reopened? The person who placed it will read this.",
                          ref=ref))
    await chat.send("Ana", "   ")
    chat.expect("Ana", tr(lang, "Please say why it is reopened."))
    await chat.send("Ana", "The new mouse is faulty too")
    chat.expect("Ana", tr(lang, "{ref} is in progress again; the person who placed it is told.",
                          ref=ref))
    req = await request(chat, ref)
    assert req.status is Status.IN_PROGRESS and req.events[-1].action == "staff_reopen"
    assert chat.notices("Ion")[-1] == tr(
        lang, "{actor} reopened {ref}; it is in progress again: {reason}", actor="Ana", ref=ref,
        reason="The new mouse is faulty too")
    await chat.send("Ion", f"/history {ref}")
    chat.expect("Ion", tr(lang, "reopened it: “{reason}”", reason="The new mouse is faulty too"))


async def test_my_lists_only_own_work_while_staff_see_all(chat: Chat) -> None:
    await chat.add_person("Sofia", Role.SUPERVISOR)
    await describe(chat, "Ion", "en", "Mouse is dead")
    await chat.press("Ion", "Place")
    ref = ref_in(chat.said("Ion"))
    await chat.press("Ana", "Claim", from_notification=True)
    await chat.send("Bogdan", "/my")
    assert ref not in chat.said("Bogdan")
    await chat.send("Bogdan", ref)
    chat.expect("Bogdan", "Subject: Mouse is dead")
    assert [b.label for b in chat.buttons_for("Bogdan")] == [
        "Comment", "Internal note", "History"]


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_wait_for_more_information_then_back_to_the_queue(
        chat: Chat, clock: ManualClock, lang: str) -> None:
    await speak(chat, lang)
    await describe(chat, "Ion", lang, "Mouse is dead")
    await chat.press("Ion", tr(lang, "Place"))
    ref = ref_in(chat.said("Ion"))
    await chat.press("Ana", tr(lang, "Claim"), from_notification=True)
    await chat.send("Ana", ref)
    await chat.press("Ana", tr(lang, "Wait"))
    await chat.press("Ana", tr(lang, "A question for the customer"))
    await chat.send("Ana", "Which mouse model?")
    await chat.press("Ana", tr(lang, "Back to the queue after {n} days", n=3))
    chat.expect("Ana", tr(lang, "Without an answer it goes back to the queue after {n} days.",
                          n=3))
    assert (await request(chat, ref)).wait_requeue
    clock.advance(days=3)
    assert chat.app.timer_worker is not None
    await chat.app.timer_worker.drain()
    await chat.deliver()
    req = await request(chat, ref)
    assert req.status is Status.OPEN and req.assignee_id is None
    assert req.claim_due == clock.now() + timedelta(minutes=req.sla_claim_minutes)
    assert req.events[-1].action == "auto_requeue"
    assert chat.notices("Ana")[-1] == tr(
        lang, "{ref}: no answer from the customer within {days} days; it is back in the queue.",
        ref=ref, days=3)
    assert tr(lang, "Claim") in [b.label for b in chat.notified_buttons("Bogdan")]


async def test_requeue_days_are_checked_in_the_domain() -> None:
    from core.errors import Invalid
    from core.kinds import WaitReason
    from tests.core.test_permissions import AT, HOLDER, request_in

    for days in (0, 31):
        req = request_in(Status.IN_PROGRESS)
        with pytest.raises(Invalid):
            req.wait(HOLDER, WaitReason.CUSTOMER, AT, question="Model?", requeue_days=days)
        assert req.status is Status.IN_PROGRESS


async def counts(chat: Chat, *refs: str) -> list[tuple[int, int]]:
    """(comments, attachments) stored for each request."""
    found = []
    async with chat.app.engine.connect() as conn:
        for ref in refs:
            rid = (await request(chat, ref)).id
            comments = (await conn.execute(text(
                "SELECT count(*) FROM comments WHERE request_id = :r"), {"r": rid})).scalar_one()
            files = (await conn.execute(text(
                "SELECT count(*) FROM attachments WHERE request_id = :r"), {"r": rid})).scalar_one()
            found.append((comments, files))
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_merge_moves_everything_and_later_messages_land_on_the_target(
        chat: Chat, lang: str) -> None:
    await speak(chat, lang)
    await describe(chat, "Ion", lang, "Printer jams")
    await chat.press("Ion", tr(lang, "Place"))
    duplicate = ref_in(chat.said("Ion"))
    await chat.press("Ana", tr(lang, "Claim"), from_notification=True)
    await send_file(chat, "Ion", file())  # his only live request: the duplicate
    await chat.send("Ana", duplicate)
    await chat.press("Ana", tr(lang, "Comment"))
    await chat.send("Ana", "Looking at it")
    await chat.send("Ion", duplicate)
    old_comment = next(b for b in chat.buttons_for("Ion") if b.label == tr(lang, "Comment"))
    await describe(chat, "Ion", lang, "Printer on floor 2 jams")
    await chat.press("Ion", tr(lang, "Place"))
    target = ref_in(chat.said("Ion"))
    before = await counts(chat, duplicate, target)
    assert before == [(1, 1), (0, 0)]

    await chat.send("Ana", duplicate)
    await chat.press("Ana", tr(lang, "Merge into HD-…"))
    await chat.send("Ana", "printer")  # not a reference: explained, nothing changes
    chat.expect("Ana", tr(lang, "Please write a reference like HD-2026-000042, or send /cancel."))
    await chat.send("Ana", duplicate)  # itself: refused
    chat.expect("Ana", tr(lang, "A request cannot be merged into itself."))
    assert await counts(chat, duplicate, target) == before  # the dialog goes on
    await chat.send("Ana", target.lower())
    chat.expect("Ana", tr(lang, "{ref} is merged into {target}: {comments} comments and {files} "
                                "files moved; the person who placed it is told to follow "
                                "{target}.", ref=duplicate, target=target, comments=1, files=1))
    after = await counts(chat, duplicate, target)
    assert after == [(0, 0), (1, 1)]  # every comment and file, moved
    dup = await request(chat, duplicate)
    assert dup.status is Status.CLOSED and dup.resolution_method.value == "merged"
    assert chat.notices("Ion")[-1] == tr(
        lang, "{ref} was merged into {target}: please follow {target} from now on.",
        ref=duplicate, target=target)
    # Both histories name the other.
    await chat.send("Ana", f"/history {duplicate}")
    chat.expect("Ana", tr(lang, "merged it into {ref}", ref=target))
    await chat.send("Ana", f"/history {target}")
    chat.expect("Ana", tr(lang, "merged {ref} into it", ref=duplicate))
    # A message for the merged request lands on the target.
    await chat.press_payload("Ion", old_comment.payload)
    await chat.send("Ion", "It jams again")
    assert await counts(chat, duplicate, target) == [(0, 0), (2, 1)]
    assert (await request(chat, target)).comments[-1].body == "It jams again"


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_split_links_both_ways_and_keeps_everything(chat: Chat, lang: str) -> None:
    await chat.add_type("Monitors")
    await speak(chat, lang)
    await describe(chat, "Ion", lang, "Printer jams and the monitor flickers")
    await chat.press("Ion", tr(lang, "Place"))
    ref = ref_in(chat.said("Ion"))
    await chat.press("Ana", tr(lang, "Claim"), from_notification=True)
    await send_file(chat, "Ion", file())
    await chat.send("Ana", ref)
    await chat.press("Ana", tr(lang, "Comment"))
    await chat.send("Ana", "Two problems here")
    before = await counts(chat, ref)
    assert before == [(1, 1)]
    await chat.send("Ana", ref)
    await chat.press("Ana", tr(lang, "Split"))
    await chat.send("Ana", "y" * 121)
    chat.expect("Ana", tr(lang, "A subject is one line of at most {limit} characters.",
                          limit=120))
    await chat.send("Ana", "Monitor flickers")
    chat.expect("Ana", tr(lang, "Describe that part of the problem."))
    await chat.send("Ana", "The monitor on desk 4 flickers")
    await chat.press("Ana", "Monitors")
    new = ref_in(chat.said("Ana"))
    chat.expect("Ana", tr(lang, "{new} is split off {ref}; both histories name the other.",
                          new=new, ref=ref))
    created = await request(chat, new)
    original = await request(chat, ref)
    assert created.subject == "Monitor flickers" and created.initiator_id == original.initiator_id
    assert created.status is Status.OPEN and original.status is Status.IN_PROGRESS
    assert await counts(chat, ref, new) == [(1, 1), (0, 0)]  # nothing lost or copied
    assert any(new in t for t in chat.notices("Bogdan"))  # offered like any new request
    await chat.send("Ana", f"/history {ref}")
    chat.expect("Ana", tr(lang, "split off {ref}", ref=new))
    await chat.send("Ana", f"/history {new}")
    chat.expect("Ana", tr(lang, "split it off {ref}", ref=ref))


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_a_draft_survives_a_restart_of_the_process_and_of_redis(
        tmp_path: Path, clock: ManualClock, lang: str) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/drafts.db"
    first = await bootstrap(settings_for(url), clock=clock, redis=embedded_redis())
    try:
        chat = Chat(first)
        await chat.add_type("Peripherals")
        await chat.add_person("Ion", Role.INITIATOR)
        await chat.add_person("Ana", Role.ASSISTANT)
        await speak(chat, lang)
        await describe(chat, "Ana", lang, "Client's scanner is offline")
        await chat.press("Ana", tr(lang, "Save draft"))
        chat.expect("Ana", tr(lang, "Saved as a draft; nobody is told. Send /drafts to "
                                    "continue it."))
        async with first.engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar_one() == 0
            assert (await conn.execute(text("SELECT count(*) FROM requests"))).scalar_one() == 0
        await chat.send("Ion", "/drafts")
        chat.expect("Ion", tr(lang, "Drafts are for staff."))
    finally:
        await first.close()
    # A new process with a new, empty Redis: the draft is still there (in the database).
    second = await bootstrap(settings_for(url), clock=clock, redis=embedded_redis())
    try:
        chat = Chat(second)
        await chat.send("Ana", "/drafts")
        chat.expect("Ana", tr(lang, "Your drafts:"), "1. Client's scanner is offline")
        await chat.press("Ana", tr(lang, "Continue {n}", n=1))
        chat.expect("Ana", tr(lang, "Subject: {subject}", subject="Client's scanner is offline"))
        await chat.press("Ana", tr(lang, "Place"))
        ref = ref_in(chat.said("Ana"))
        assert (await request(chat, ref)).description == "Client's scanner is offline"
        await chat.send("Ana", "/drafts")
        chat.expect("Ana", tr(lang, "You have no drafts."))
        # Save another and delete it.
        await describe(chat, "Ana", lang, "Toner low")
        await chat.press("Ana", tr(lang, "Save draft"))
        await chat.send("Ana", "/drafts")
        delete = next(b for b in chat.buttons_for("Ana") if b.label == tr(lang, "Delete {n}", n=1))
        await chat.press_payload("Ana", delete.payload)
        chat.expect("Ana", tr(lang, "The draft is deleted."))
        await chat.press_payload("Ana", delete.payload)  # again: stale, nothing changes
        chat.expect("Ana", tr(lang, "This button is no longer valid."))
        await chat.send("Ana", "/drafts")
        chat.expect("Ana", tr(lang, "You have no drafts."))
    finally:
        await second.close()
