"""On-site visits (issue 18), end to end: propose → another time → accept; the `.ics` the
local SMTP server receives parses with icalendar, in the reader's time zone, with UID and
SEQUENCE; a move sends SEQUENCE+1, a cancel METHOD:CANCEL; an overlap is refused naming the
clash; the reminders fire on the injected clock. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest

from core.clock import ManualClock
from core.kinds import Role
from core.visits import VisitStatus
from tests.adapters.email.emailstack import ADDRESSES, email_helpdesk
from tests.harness import CHANNEL, Chat

TYPE = "Intervention on site"
ZONES = {"Ion": "Europe/Bucharest", "Ana": "Europe/Warsaw", "Bogdan": "UTC"}


async def setup(chat: Chat) -> None:
    await chat.add_type("Peripherals")
    type_id = await chat.add_type(TYPE)
    async with chat.app.uow_factory() as uow:
        rtype = await uow.types.get(type_id)
        assert rtype is not None
        rtype.on_site = True
        await uow.types.save(rtype)
        for name, role in (("Ion", Role.INITIATOR), ("Ana", Role.ASSISTANT),
                           ("Bogdan", Role.ASSISTANT)):
            person = await uow.people.add(name, role, "en")
            person.timezone = ZONES[name]
            await uow.people.update(person)
            await uow.people.add_account(person.id, CHANNEL, name.casefold())
            await uow.people.add_account(person.id, "email", ADDRESSES[name])
            await uow.people.set_preferred_channel(person.id, CHANNEL)
        await uow.commit()


async def place_and_claim(chat: Chat, text: str = "The boiler leaks") -> str:
    await chat.send("Ion", "/new")
    await chat.press("Ion", TYPE)
    await chat.press("Ion", "Anyone")
    await chat.send("Ion", text)
    await chat.press("Ion", "Place")
    ref = chat.said("Ion").split()[1]
    await chat.send("Ana", ref)
    await chat.press("Ana", "Claim")
    return ref


async def propose(chat: Chat, ref: str, when: str, duration: str = "1 hour",
                  button: str = "Propose a visit") -> None:
    await chat.send("Ana", ref)
    await chat.press("Ana", button)
    chat.expect("Ana", "Europe/Warsaw")
    await chat.send("Ana", when)
    await chat.press("Ana", duration)


def calendars(mails: list) -> list[icalendar.Calendar]:  # type: ignore[type-arg]
    found = []
    for mail in mails:
        for part in mail.message.walk():
            if part.get_content_type() == "text/calendar":
                found.append(icalendar.Calendar.from_ical(part.get_payload(decode=True)))
    return found


def event_of(cal: icalendar.Calendar) -> icalendar.Event:
    return cal.walk("VEVENT")[0]


async def test_propose_counter_accept_move_cancel_with_invitations(db_url: str) -> None:
    clock = ManualClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))  # Monday
    async with email_helpdesk(db_url, clock) as hd:
        chat = Chat(hd.stack.app)
        await setup(chat)
        ref = await place_and_claim(chat)

        # Ana proposes Wednesday 10:00 her time (Warsaw, UTC+1) for one hour.
        await propose(chat, ref, "2026-03-04 10:00")
        chat.expect("Ana", f"Visit for {ref} proposed")
        offer = chat.sender.to("ion")[-1].reply
        # Ion reads it in his own time zone (Bucharest, UTC+2): 11:00.
        assert "11:00" in offer.text and "Ana proposes a visit" in offer.text
        assert [b.label for b in offer.buttons] == ["Accept", "Another time"]
        stale_accept = offer.buttons[0].payload

        # Ion asks for another time: Thursday 15:00 his time.
        await chat.press("Ion", "Another time", from_notification=True)
        await chat.send("Ion", "Monday 15:00")  # unreadable: nothing changes
        chat.expect("Ion", "I couldn't read that date and time")
        await chat.send("Ion", "05.03.2026 15:00")
        chat.expect("Ion", "proposed")
        counter = chat.sender.to("ana")[-1].reply
        assert "2:00\u202fPM" in counter.text  # Warsaw (14:00)
        # Ion's old Accept button is about a replaced proposal: refused, nothing changes.
        replies = await chat.press_payload("Ion", stale_accept)
        assert replies[0].text == "This button is no longer valid."
        # Only the technician answers a counter-proposal; Bogdan is nobody here.
        await chat.press("Ana", "Accept", from_notification=True)
        chat.expect("Ana", f"Visit for {ref} planned")
        await hd.deliver()

        start = datetime(2026, 3, 5, 13, 0, tzinfo=UTC)
        uids = set()
        for who in ("Ion", "Ana"):
            cals = calendars(hd.inbox(who))
            assert len(cals) == 1, who
            cal = cals[0]
            assert str(cal["METHOD"]) == "REQUEST"
            event = event_of(cal)
            assert event.decoded("dtstart") == start
            assert event["DTSTART"].params["TZID"] == ZONES[who]
            assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == [ZONES[who]]
            assert int(event["SEQUENCE"]) == 0
            assert (event.decoded("dtend") - event.decoded("dtstart")).total_seconds() == 3600
            uids.add(str(event["UID"]))
        assert len(uids) == 1
        uid = uids.pop()

        # The card is the work order.
        await chat.send("Ion", ref)
        chat.expect("Ion", "Visit: ", "Ana — planned")

        # An overlapping visit of Ana on another request is refused, naming the clash.
        other = await place_and_claim(chat, "The heating is off")
        await propose(chat, other, "2026-03-05 14:30")
        chat.expect("Ana", f"That overlaps the visit for {ref}", "Please write another time")
        async with hd.stack.app.uow_factory() as uow:
            req = await uow.requests.by_reference(other)
            assert req is not None and await uow.visits.live(req.id or 0) is None
        await chat.send("Ana", "/cancel")

        # Ana moves the visit: an update with the same UID and SEQUENCE 1.
        await propose(chat, ref, "2026-03-06 09:00", "2 hours", button="Move the visit")
        chat.expect("Ana", "moved")
        await hd.deliver()
        for who in ("Ion", "Ana"):
            event = event_of(calendars(hd.inbox(who))[-1])
            assert str(event["UID"]) == uid and int(event["SEQUENCE"]) == 1
            assert event.decoded("dtstart") == datetime(2026, 3, 6, 8, 0, tzinfo=UTC)
        assert "Mar 6, 2026, 10:00" in chat.notices("Ion")[-1]  # Bucharest

        # Reminders: the day before, then one hour before (timers on the injected clock).
        timers = hd.stack.app.timer_worker
        assert timers is not None
        clock._now = datetime(2026, 3, 5, 7, 59, tzinfo=UTC)
        await timers.drain()
        await hd.deliver()
        assert not any("Reminder" in n for n in chat.notices("Ion"))
        clock._now = datetime(2026, 3, 5, 8, 0, tzinfo=UTC)
        await timers.drain()
        await hd.deliver()
        assert "is tomorrow" in chat.notices("Ion")[-1]
        assert "is tomorrow" in chat.notices("Ana")[-1]
        await timers.drain()
        await hd.deliver()
        assert sum("Reminder" in n for n in chat.notices("Ion")) == 1  # once
        clock._now = datetime(2026, 3, 6, 7, 0, tzinfo=UTC)
        await timers.drain()
        await hd.deliver()
        assert "starts in an hour" in chat.notices("Ion")[-1]
        assert "starts in an hour" in chat.notices("Ana")[-1]

        # Cancel: METHOD:CANCEL, same UID, SEQUENCE 2.
        await chat.send("Ana", ref)
        await chat.press("Ana", "Cancel the visit")
        chat.expect("Ana", "is cancelled")
        await hd.deliver()
        for who in ("Ion", "Ana"):
            cal = calendars(hd.inbox(who))[-1]
            event = event_of(cal)
            assert str(cal["METHOD"]) == "CANCEL"
            assert str(event["UID"]) == uid and int(event["SEQUENCE"]) == 2
            assert str(event["STATUS"]) == "CANCELLED"
        async with hd.stack.app.uow_factory() as uow:
            req = await uow.requests.by_reference(ref)
            assert req is not None
            assert [v.status for v in await uow.visits.for_request(req.id or 0)] == [
                VisitStatus.CANCELLED]
            assert await uow.timers.pending(req.id or 0) == [] or all(
                t.kind.value not in ("visit_day", "visit_hour")
                for t in await uow.timers.pending(req.id or 0))


async def test_done_visits_are_counted_and_shown_on_the_agenda(db_url: str) -> None:
    clock = ManualClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))  # Monday
    async with email_helpdesk(db_url, clock) as hd:
        chat = Chat(hd.stack.app)
        await setup(chat)
        ref = await place_and_claim(chat)
        await propose(chat, ref, "tomorrow 9:00", "1 hour")
        await chat.press("Ion", "Accept", from_notification=True)
        chat.expect("Ion", "planned")

        await chat.send("Ana", "/agenda")
        chat.expect("Ana", "Agenda of Ana", ref, "Mar 3, 2026, 9:00")
        await chat.press("Ana", "Next")
        chat.expect("Ana", "No visits.")
        await chat.press("Ana", "Today")
        chat.expect("Ana", "No visits.")
        await chat.send("Bogdan", "/agenda Ana")
        chat.expect("Bogdan", "Only supervisors can see another assistant's agenda.")
        async with hd.stack.app.uow_factory() as uow:
            sofia = await uow.people.add("Sofia", Role.SUPERVISOR, "en")
            await uow.people.add_account(sofia.id, CHANNEL, "sofia")
            await uow.commit()
        await chat.send("Sofia", "/agenda Ana")
        chat.expect("Sofia", "Agenda of Ana", ref)
        await chat.send("Sofia", "/agenda all today")
        chat.expect("Sofia", "Agenda of everyone", "No visits.")
        await chat.press("Sofia", "Next")
        chat.expect("Sofia", f"{ref} — Ana — planned")
        await chat.send("Sofia", "/agenda Nobody")
        chat.expect("Sofia", "There is no assistant called Nobody.")
        await chat.send("Ion", "/agenda")
        chat.expect("Ion", "Only assistants and supervisors have an agenda.")

        clock._now = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
        await chat.send("Ana", ref)
        await chat.press("Ana", "Visit done")
        await chat.send("Ana", "   ")
        chat.expect("Ana", "Please write what was done.")
        await chat.send("Ana", "Replaced the valve")
        chat.expect("Ana", "is done")
        await chat.send("Ion", ref)
        chat.expect("Ion", "Work done: Replaced the valve", "— done")
        await chat.send("Ion", f"/history {ref}")
        chat.expect("Ion", "Ana: proposed a visit (1 hour)", "Ion: accepted the visit",
                    "Ana: marked the visit done")
        async with hd.stack.app.uow_factory() as uow:
            totals = await uow.visits.done_totals(datetime(2026, 3, 1, tzinfo=UTC),
                                                  datetime(2026, 4, 1, tzinfo=UTC))
        assert [(t.name, t.visits, t.minutes) for t in totals] == [("Ana", 1, 60)]


@pytest.mark.parametrize("zone", ["Europe/Bucharest", "America/Sao_Paulo", "UTC"])
def test_invitation_names_the_readers_zone(zone: str) -> None:
    from adapters.email.calendar import ics
    from core.messages import Invitation

    start = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    data = ics(Invitation("u@h", 3, "REQUEST", start, 90, zone, "Visit"), "Help <h@x.io>",
               "a@x.io", start)
    event = event_of(icalendar.Calendar.from_ical(data))
    assert event.decoded("dtstart") == start
    assert event.decoded("dtstart").tzinfo is not None
    local = start.astimezone(ZoneInfo(zone))
    assert event.decoded("dtstart").utcoffset() == local.utcoffset()
    assert int(event["SEQUENCE"]) == 3


async def test_only_the_right_side_may_press_and_stale_buttons_are_refused(app) -> None:  # type: ignore[no-untyped-def]
    from tests.conversations.test_bad_input import snapshot

    app.clock._now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    chat = Chat(app)
    await setup(chat)
    ref = await place_and_claim(chat)
    async with app.uow_factory() as uow:
        req = await uow.requests.by_reference(ref)
        assert req is not None
    rid = req.id or 0
    pack = app.conversations.pack
    await propose(chat, ref, "2026-03-04 10:00")
    accept = chat.sender.to("ion")[-1].reply.buttons[0].payload
    before = await snapshot(app)
    cases = [
        ("Bogdan", accept, f"Only the person who asked for {ref} can answer this proposal."),
        ("Ana", accept, f"Only the person who asked for {ref} can answer this proposal."),
        ("Ion", pack("vprop", rid), f"Only the assistant holding {ref} can plan its visit."),
        ("Bogdan", pack("vcancel", rid), f"Only the assistant holding {ref} can plan its visit."),
        ("Ion", pack("vdone", rid), f"Only the assistant holding {ref} can plan its visit."),
        ("Ana", pack("vprop", rid, "m"), f"There is no visit to change on {ref}."),
        ("Ana", pack("vdur", rid, "60"), "This button is no longer valid."),
        ("Ana", pack("vok", rid, "zz"), "This button is no longer valid."),
        ("Ana", pack("vprop", rid, "x"), "This button is no longer valid."),
        ("Ana", pack("agenda", 0, "1.q.0"), "This button is no longer valid."),
        ("Ion", pack("agenda", 0, "1.w.0"), "Only assistants and supervisors have an agenda."),
        ("Ana", pack("agenda", 0, "3.w.0"),
         "Only supervisors can see another assistant's agenda."),
    ]
    for who, payload, message in cases:
        replies = await chat.press_payload(who, payload)
        assert replies[0].text == message, (who, payload)
    assert await snapshot(app) == before

    # A type without visits: no button on the card, and the action is refused.
    await chat.send("Ion", "/new")
    await chat.press("Ion", "Peripherals")
    await chat.press("Ion", "Anyone")
    await chat.send("Ion", "Mouse is dead")
    await chat.press("Ion", "Place")
    plain = chat.said("Ion").split()[1]
    await chat.send("Ana", plain)
    await chat.press("Ana", "Claim")
    await chat.send("Ana", plain)
    assert "Propose a visit" not in [b.label for b in chat.buttons_for("Ana")]
    async with app.uow_factory() as uow:
        other = await uow.requests.by_reference(plain)
        assert other is not None
    replies = await chat.press_payload("Ana", pack("vprop", other.id or 0))
    assert replies[0].text == "Requests of this type have no visits on site."


async def test_the_dialog_in_romanian(app) -> None:  # type: ignore[no-untyped-def]
    app.clock._now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    chat = Chat(app)
    await setup(chat)
    async with app.uow_factory() as uow:
        ion = await uow.people.by_name("Ion")
        assert ion is not None
        await uow.people.set_language(ion.id, "ro")
        await uow.commit()
    ref = await place_and_claim_ro(chat)
    await propose(chat, ref, "mâine 10:00")
    notice = chat.sender.to("ion")[-1].reply
    assert "propune o vizită" in notice.text
    assert [b.label for b in notice.buttons] == ["Accept", "Altă oră"]


async def place_and_claim_ro(chat: Chat) -> str:
    await chat.send("Ion", "/new")
    await chat.press("Ion", TYPE)
    labels = [b.label for b in chat.buttons_for("Ion")]
    await chat.press("Ion", labels[0])  # "Oricine"
    await chat.send("Ion", "Centrala curge")
    place = [b.label for b in chat.buttons_for("Ion")][0]
    await chat.press("Ion", place)
    ref = next(w for w in chat.said("Ion").split() if w.startswith("HD-"))
    await chat.send("Ana", ref)
    await chat.press("Ana", "Claim")
    return ref


async def test_releasing_the_request_cancels_its_visit(app) -> None:  # type: ignore[no-untyped-def]
    app.clock._now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    chat = Chat(app)
    await setup(chat)
    ref = await place_and_claim(chat)
    await propose(chat, ref, "tomorrow 9:00")
    await chat.press("Ion", "Accept", from_notification=True)
    await chat.send("Ana", ref)
    await chat.press("Ana", "Release")
    assert "Ana cancelled the visit for" in "\n".join(chat.notices("Ion"))
    async with app.uow_factory() as uow:
        req = await uow.requests.by_reference(ref)
        assert req is not None
        assert await uow.visits.live(req.id or 0) is None
        kinds = {t.kind.value for t in await uow.timers.pending(req.id or 0)}
    assert not kinds & {"visit_day", "visit_hour"}
    # Bogdan takes it and proposes anew.
    await chat.send("Bogdan", ref)
    await chat.press("Bogdan", "Claim")
    await chat.send("Bogdan", ref)
    assert "Propose a visit" in [b.label for b in chat.buttons_for("Bogdan")]
