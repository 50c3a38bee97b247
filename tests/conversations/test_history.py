"""The history view: ``/history [HD-…]`` and the card's History button show every interaction
with who and when, in the reader's language and time zone; the initiator never sees an
internal note, assistants and supervisors do."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bots.bootstrap import App, bootstrap
from conversations.history import LIMIT, lines_of, render, visible_lines
from core import permissions, services
from core.clock import ManualClock
from core.i18n import use_language
from core.kinds import Role, Status
from core.model import Comment, Event, Person, Request
from persistence.redis_store import embedded_redis
from tests.conftest import settings_for
from tests.conversations.test_story import place
from tests.harness import CHANNEL, Chat


async def add_person(chat: Chat, name: str, role: Role, language: str | None = None,
                     timezone: str | None = None) -> int:
    async with chat.app.uow_factory() as uow:
        person = await uow.people.add(name, role, language, timezone)
        await uow.people.add_account(person.id, CHANNEL, name.casefold())
        await uow.commit()
        return person.id


async def comment(chat: Chat, who: str, ref: str, text: str, internal: bool = False) -> None:
    await chat.send(who, ref)
    await chat.press(who, "Internal note" if internal else "Comment")
    await chat.send(who, text)


async def notes(chat: Chat, who: str, ref: str, bodies: list[str]) -> None:
    """Many internal notes at once, straight through the service (no chat needed)."""
    app = chat.app
    async with app.uow_factory() as uow:
        person = await uow.people.by_account(CHANNEL, who.casefold())
        req = await uow.requests.by_reference(ref)
    assert person is not None and req is not None
    for body in bodies:
        await services.comment(app.uow_factory, app.clock, actor_id=person.id,
                               request_id=req.id or 0, body=body, internal=True)


async def worked_request(chat: Chat, clock: ManualClock) -> str:
    """Placed by Ion, claimed by Bogdan, commented on both ways, with internal notes,
    resolved, disputed and corrected; one minute between steps."""
    ref = await place(chat)
    clock.advance(minutes=1)
    await chat.press("Bogdan", "Claim", from_notification=True)
    clock.advance(minutes=1)
    await comment(chat, "Bogdan", ref, "Printer is out of warranty", internal=True)
    clock.advance(minutes=1)
    await comment(chat, "Bogdan", ref, "I will come at 3 pm")
    clock.advance(minutes=1)
    await comment(chat, "Ion", ref, "Thanks, I'll be there")
    clock.advance(minutes=1)
    await chat.send("Bogdan", f"/note {ref} Ordered a new fuser")
    clock.advance(minutes=1)
    await chat.send("Bogdan", ref)
    await chat.press("Bogdan", "Finish")
    await chat.send("Bogdan", "2h")
    await chat.send("Bogdan", "Replaced the fuser")
    clock.advance(minutes=1)
    await chat.press("Ion", "Dispute", from_notification=True)
    await chat.send("Ion", "It took 10 minutes, not 2 hours")
    clock.advance(minutes=1)
    await chat.press("Bogdan", "Correct time", from_notification=True)
    await chat.send("Bogdan", "15m")
    return ref


async def test_the_initiator_sees_every_public_interaction_and_no_internal_note(
        chat: Chat, app: App) -> None:
    ref = await worked_request(chat, app.clock)  # type: ignore[arg-type]
    await chat.send("Ion", f"/history {ref}")
    said = chat.said("Ion").replace("\u202f", " ")  # CLDR: a narrow space before AM
    lines = said.splitlines()
    assert lines[0] == f"History of {ref}:"
    assert lines[1:] == [
        "• Jan 5, 2026, 9:00 AM — Ion: placed the request (Peripherals)",
        "• Jan 5, 2026, 9:01 AM — Bogdan: claimed it",
        "• Jan 5, 2026, 9:03 AM — Bogdan: comment: “I will come at 3 pm”",
        "• Jan 5, 2026, 9:04 AM — Ion: comment: “Thanks, I'll be there”",
        "• Jan 5, 2026, 9:06 AM — Bogdan: resolved it with 2 hours logged",
        "• Jan 5, 2026, 9:07 AM — Ion: disputed it: “It took 10 minutes, not 2 hours”",
        "• Jan 5, 2026, 9:08 AM — Bogdan: corrected the time: 2 hours → 15 minutes",
    ]
    assert "warranty" not in said and "fuser" not in said and "nternal" not in said
    # Confirming adds its line; the initiator still sees the history of the closed request.
    await chat.press("Ion", "Confirm", from_notification=True)
    await chat.send("Ion", f"/history {ref}")
    assert chat.said("Ion").replace("\u202f", " ").splitlines()[-1] == \
        "• Jan 5, 2026, 9:08 AM — Ion: confirmed it (15 minutes)"


async def test_assistants_and_supervisors_see_internal_notes(chat: Chat, app: App) -> None:
    ref = await worked_request(chat, app.clock)  # type: ignore[arg-type]
    await chat.send("Bogdan", f"/history {ref}")
    said = chat.said("Bogdan").replace("\u202f", " ")
    assert "• Jan 5, 2026, 9:02 AM — Bogdan: internal note: “Printer is out of warranty”" in said
    assert "• Jan 5, 2026, 9:05 AM — Bogdan: internal note: “Ordered a new fuser”" in said
    assert said.count("\n• ") == 9
    await chat.press("Ion", "Confirm", from_notification=True)
    # Closed: staff still see it (STAFF_SEE_ALL, the default)...
    await chat.send("Bogdan", f"/history {ref}")
    chat.expect("Bogdan", "confirmed it")
    # ...without it the assistant no longer has access; a supervisor still sees everything.
    permissions.configure(staff_see_all=False)
    try:
        await chat.send("Bogdan", f"/history {ref}")
        chat.expect("Bogdan", f"{ref} is closed; assistants no longer have access to it.")
    finally:
        permissions.configure(staff_see_all=True)
    await add_person(chat, "Maria", Role.SUPERVISOR)
    await chat.send("Maria", f"/history {ref}")
    chat.expect("Maria", "internal note: “Printer is out of warranty”", "confirmed it")


async def test_the_history_button_on_the_card(chat: Chat) -> None:
    ref = await place(chat)
    await chat.send("Ion", ref)
    assert [b.label for b in chat.buttons_for("Ion")] == ["Cancel request", "Comment", "History"]
    await chat.press("Ion", "History")
    chat.expect("Ion", f"History of {ref}:", "Ion: placed the request (Peripherals)")
    await chat.press("Ion", "Back to the request")
    chat.expect("Ion", f"{ref} — Peripherals", "Status: open")
    await chat.send("Ana", ref)
    assert [b.label for b in chat.buttons_for("Ana")] == [
        "Claim", "Finish", "Comment", "Internal note", "Priority", "Split", "Merge into HD-…",
        "History"]
    # A cancelled request keeps its History button (the only one left).
    await chat.press("Ion", "Cancel request")
    await chat.send("Ion", ref)
    assert [b.label for b in chat.buttons_for("Ion")] == ["History"]
    await chat.press("Ion", "History")
    chat.expect("Ion", "Ion: cancelled it")


async def test_in_the_readers_language_and_time_zone(chat: Chat, app: App) -> None:
    await add_person(chat, "Ioana", Role.INITIATOR, "ro", "Europe/Bucharest")
    await add_person(chat, "Olga", Role.ASSISTANT, "ru", "Europe/Moscow")
    await chat.send("Ioana", "/new")
    await chat.press("Ioana", "Peripherals")
    await chat.press("Ioana", "Oricare")
    await chat.send("Ioana", "Imprimanta nu merge")
    await chat.press("Ioana", "Plasare")
    ref = chat.said("Ioana").split()[1]
    app.clock.advance(hours=2)  # type: ignore[attr-defined]
    await chat.send("Olga", f"/note {ref} Проверить картридж")
    await chat.send("Ioana", f"/history {ref}")
    said = chat.said("Ioana")
    assert said.startswith(f"Istoricul cererii {ref}:")
    assert "5 ian. 2026, 11:00 — Ioana: a plasat cererea (Peripherals)" in said  # UTC+2
    assert "Проверить" not in said
    await chat.send("Olga", f"/history {ref}")
    said = chat.said("Olga").replace("\u202f", " ")
    assert said.startswith(f"История заявки {ref}:")
    assert "5 янв. 2026 г., 12:00 — Ioana: создание заявки (Peripherals)" in said  # UTC+3
    assert "14:00 — Olga: внутренняя заметка: «Проверить картридж»" in said


async def test_a_long_history_shows_the_last_lines_and_counts_the_others(chat: Chat) -> None:
    ref = await place(chat)
    await notes(chat, "Ana", ref, [f"note {n}" for n in range(1, 26)])
    for n in range(1, 4):
        await comment(chat, "Ion", ref, f"still broken {n}")
    await chat.send("Ana", f"/history {ref}")
    lines = chat.said("Ana").splitlines()
    assert lines[1] == "(9 earlier events not shown)"  # 1 placed + 25 notes + 3 comments
    assert len(lines) == 2 + LIMIT
    assert lines[2].endswith("Ana: internal note: “note 9”")
    assert lines[-1].endswith("Ion: comment: “still broken 3”")
    # Ion's own count leaves the notes out: 4 lines, nothing earlier.
    await chat.send("Ion", f"/history {ref}")
    lines = chat.said("Ion").splitlines()
    assert len(lines) == 5 and "earlier" not in chat.said("Ion")
    await notes(chat, "Ana", ref, [f"more {n}" for n in range(1, 22)])
    await chat.send("Ana", "/language")
    await chat.press("Ana", "Polski")
    await chat.send("Ana", f"/history {ref}")
    assert "(30 wcześniejszych zdarzeń nie pokazano)" in chat.said("Ana")


async def test_history_without_a_reference(chat: Chat) -> None:
    await chat.send("Ion", "/history")
    chat.expect("Ion", "You have no requests yet.")
    await chat.send("Ana", "/history")
    chat.expect("Ana", "Your queue is empty.")
    first = await place(chat)
    await chat.send("Ion", "/history")
    chat.expect("Ion", f"History of {first}:")
    second = await place(chat, text="The mouse is dead")
    await chat.send("Ion", "history")  # the SMS keyword works as well
    chat.expect("Ion", "Which request's history?")
    assert [b.label for b in chat.buttons_for("Ion")] == [second, first]
    await chat.send("Ion", "2")  # a typed digit presses the second button
    chat.expect("Ion", f"History of {first}:")


async def test_bad_history_requests_change_nothing(chat: Chat) -> None:
    ref = await place(chat)
    await chat.send("Ion", "/history printer")
    chat.expect("Ion", "Write it like this: /history HD-2026-000042")
    await chat.send("Ion", "/history HD-2026-999999")
    chat.expect("Ion", "There is no request HD-2026-999999.")
    await add_person(chat, "Petra", Role.INITIATOR)
    await chat.send("Petra", f"/history {ref}")
    chat.expect("Petra", f"You don't have access to {ref}.")
    await chat.press("Bogdan", "Claim", from_notification=True)
    permissions.configure(staff_see_all=False)  # with it (the default) Ana may read it
    try:
        await chat.send("Ana", f"/history {ref}")
        chat.expect("Ana", "Already claimed by Bogdan.")
    finally:
        permissions.configure(staff_see_all=True)


def test_comments_are_matched_to_their_events() -> None:
    """Pure: a comment and its event share author and moment; a comment no event claims still
    gets a line, and staff-only events are internal."""
    at = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    later = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    req = Request(id=1, reference="HD-2026-000001", type_id=1, description="x",
                  initiator_id=1, status=Status.IN_PROGRESS, created_at=at, updated_at=at)
    req.events = [
        Event("place", 1, at, "test", None, Status.OPEN, {"type": "Peripherals"}),
        Event("comment", 2, at, "test", Status.OPEN, Status.OPEN, {"internal": True}),
        Event("comment", 2, at, "test", Status.OPEN, Status.OPEN, {"internal": False}),
        Event("sla_warning", None, later, "clock", Status.OPEN, Status.OPEN, {}),
        Event("wait", 2, later, "test", Status.IN_PROGRESS, Status.WAITING,
              {"reason": "customer"}),
    ]
    req.comments = [Comment(2, "secret", at, internal=True), Comment(2, "hello", at),
                    Comment(1, "orphan", later)]
    lines = lines_of(req)
    assert [(line.action, line.body, line.internal) for line in lines] == [
        ("place", None, False), ("comment", "secret", True), ("comment", "hello", False),
        ("sla_warning", None, True), ("wait", None, False), ("comment", "orphan", False)]
    ion = Person(1, "Ion", Role.INITIATOR)
    ana = Person(2, "Ana", Role.ASSISTANT)
    req.assignee_id = 2
    assert [line.body for line in visible_lines(req, ion)] == [None, "hello", None, "orphan"]
    assert len(visible_lines(req, ana)) == 6
    assert visible_lines(req, Person(3, "Petra", Role.INITIATOR)) == []
    with use_language("en"):
        text = render(req, visible_lines(req, ana), {1: "Ion", 2: "Ana"}, "UTC")
    assert "— Helpdesk: SLA warning" in text
    assert "— Ana: status: in progress → waiting" in text
    assert "— Ion: comment: “orphan”" in text



async def test_staff_who_placed_a_request_for_themselves_see_no_internal_note(
        chat: Chat) -> None:
    """Internal notes never reach the initiator, even an assistant asking for help."""
    ref = await place(chat, who="Ana", text="My laptop does not start")
    await chat.press("Bogdan", "Claim", from_notification=True)
    await chat.send("Bogdan", f"/note {ref} Third laptop this year")
    await chat.send("Bogdan", f"/history {ref}")
    chat.expect("Bogdan", "internal note: “Third laptop this year”")
    await chat.send("Ana", f"/history {ref}")
    chat.expect("Ana", "Bogdan: claimed it")
    assert "Third laptop" not in chat.said("Ana") + "\n".join(chat.notices("Ana"))

# -- property: whatever the mix, the initiator never receives an internal note ----------------

STAFF = ("Ana", "Bogdan", "Maria")
WORDS = st.text(alphabet="abcdefgh ășыł🙂", max_size=20)
STEPS = st.lists(st.one_of(
    st.tuples(st.sampled_from(STAFF), st.sampled_from(["note", "button-note", "comment"]),
              WORDS),
    st.just(("Bogdan", "claim", "")),
    st.just(("Ion", "comment", "")),
), min_size=1, max_size=6)


async def mixed_comments(chat: Chat, steps: list[tuple[str, str, str]]) -> None:
    ref = await place(chat)
    ion_before = len(chat.notices("Ion"))
    accepted: dict[str, bool] = {}  # tag → internal
    for n, (who, kind, words) in enumerate(steps):
        internal = kind != "comment"
        tag = f"{'SECRET' if internal else 'PUBLIC'}{n:02d}"
        body = f"{tag} {words}"
        if kind == "claim":
            await chat.send(who, ref)
            if "Claim" in [b.label for b in chat.buttons_for(who)]:
                await chat.press(who, "Claim")
            continue
        if kind == "note":
            await chat.send(who, f"/note {ref} {body}")
        else:
            await chat.send(who, ref)
            label = "Internal note" if internal else "Comment"
            if label not in [b.label for b in chat.buttons_for(who)]:
                continue  # not theirs to comment on (claimed by another)
            await chat.press(who, label)
            await chat.send(who, body)
        if "added to" in chat.said(who):
            accepted[tag] = internal
    await chat.send("Ion", f"/history {ref}")
    seen_by_ion = "\n".join(chat.notices("Ion")[ion_before:]) + "\n" + chat.said("Ion")
    await chat.send("Maria", f"/history {ref}")
    seen_by_maria = chat.said("Maria")
    for tag, internal in accepted.items():
        assert (tag in seen_by_ion) is not internal, (tag, seen_by_ion)
        assert tag in seen_by_maria
    assert "SECRET" not in seen_by_ion and "nternal" not in seen_by_ion


def test_any_mix_of_comments_and_notes_keeps_notes_from_the_initiator(tmp_path: object) -> None:
    """One helpdesk for all examples (each places a new request): fast enough for the suite."""
    loop = asyncio.new_event_loop()
    app = loop.run_until_complete(bootstrap(
        settings_for(f"sqlite+aiosqlite:///{tmp_path}/h.db"), clock=ManualClock(),
        redis=embedded_redis()))
    try:
        chat = Chat(app)

        async def people() -> None:
            await chat.add_type("Peripherals")
            await chat.add_person("Ion", Role.INITIATOR)
            await chat.add_person("Ana", Role.ASSISTANT)
            await chat.add_person("Bogdan", Role.ASSISTANT)
            await chat.add_person("Maria", Role.SUPERVISOR)

        loop.run_until_complete(people())

        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
        @given(steps=STEPS)
        def check(steps: list[tuple[str, str, str]]) -> None:
            loop.run_until_complete(mixed_comments(chat, steps))

        check()
    finally:
        loop.run_until_complete(app.close())
        loop.close()
