"""On-site visits in chat (issue 18): propose, accept or ask for another time, move, cancel,
mark done, and ``/agenda``.

The technician (the assistant holding a request of an on-site type) presses *Propose a
visit* on the card, writes the date and time (their time zone) and picks a duration; the
person who asked gets *Accept* / *Another time*. Another time asks for their date and time
(the duration stays) and goes back to the technician the same way. Every button carries the
visit's id and version: a button about a proposal since replaced is refused as stale.
Every change goes through ``core.visit_service``; who may do what is decided in
``core.permissions.check_visit``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from conversations.views import button, stale
from core import permissions, visit_service
from core.actions import Action, ActionCodec
from core.durations import format_duration, parse_duration
from core.errors import Invalid, NotFound
from core.i18n import N_, Text, _, format_datetime, translate
from core.messages import Button, Invitation, Reply
from core.model import Request
from core.notifications import Notification
from core.timers import parse_until
from core.visits import VISIT_STATUS_LABELS, Clash, Visit

if TYPE_CHECKING:
    from conversations.engine import Turn

DURATIONS = (30, 60, 120, 240)  # the duration buttons (minutes); any other may be typed
WHEN_STATE, DURATION_STATE, WORK_STATE = "visit.when", "visit.duration", "visit.work"


def _zone(turn: Turn) -> str:
    return turn.person.timezone or turn.engine.default_timezone


def _tag(visit: Visit) -> str:
    """The button argument naming the visit as shown: ``id.version`` (hex)."""
    return f"{visit.id or 0:x}.{visit.version:x}"


def _untag(arg: str) -> tuple[int, int] | None:
    first, _sep, second = arg.partition(".")
    try:
        return int(first, 16), int(second, 16)
    except ValueError:
        return None


def when_text(start: datetime, minutes: int, zone: str) -> str:
    """"7 Dec 2026, 10:00 (1 hour)" in the reader's language and time zone."""
    return f"{format_datetime(start, zone)} ({format_duration(minutes)})"


def _clash_text(exc: Clash, zone: str) -> str:
    return _("That overlaps the visit for {ref} at {date}.", ref=exc.reference,
             date=when_text(exc.start, exc.minutes, zone))


# -- the card ----------------------------------------------------------------------------


async def card_lines(turn: Turn, req: Request) -> tuple[list[str], tuple[Button, ...]]:
    """The visits on the card (work orders), and the buttons the reader may press now."""
    e, zone = turn.engine, _zone(turn)
    async with e.uow_factory(read_only=True) as uow:
        rtype = await uow.types.get(req.type_id)
        visits = await uow.visits.for_request(req.id or 0)
    on_site = bool(rtype and rtype.on_site)
    if not on_site and not visits:
        return [], ()
    lines = []
    for visit in visits[-3:]:
        label = translate(Text(VISIT_STATUS_LABELS[visit.status]))
        lines.append(_("Visit: {when}, {name} — {status}", when=when_text(
            visit.start, visit.minutes, zone), name=visit.technician_name, status=label))
        if visit.work_done:
            lines.append(_("Work done: {text}", text=visit.work_done))
    live = next((v for v in visits if v.status.is_live), None)
    status = live.status.value if live else "none"
    by_tech = live.proposed_by_technician() if live else True
    me, c, rid = turn.person, e.codec, req.id or 0

    def may(act: str) -> bool:
        return permissions.allows_visit(act, me, req, status, by_tech, on_site)

    buttons: tuple[Button, ...] = ()
    if may("propose"):
        buttons += (button(c, _("Propose a visit"), "vprop", rid),)
    if live is not None and may("answer"):
        buttons += answer_buttons(c, rid, _tag(live))
    if may("move"):
        buttons += (button(c, _("Move the visit"), "vprop", rid, "m"),)
    if may("done"):
        buttons += (button(c, _("Visit done"), "vdone", rid),)
    if may("cancel"):
        buttons += (button(c, _("Cancel the visit"), "vcancel", rid),)
    return lines, buttons


def answer_buttons(codec: ActionCodec, request_id: int, tag: str) -> tuple[Button, ...]:
    """Accept / Another time, for the proposal ``tag`` (``_tag``)."""
    return (button(codec, _("Accept"), "vok", request_id, tag),
            button(codec, _("Another time"), "valt", request_id, tag))


# -- propose / move / another time --------------------------------------------------------


def _ask_when(turn: Turn, ref: str) -> Reply:
    return Reply(_("When should the visit for {ref} start? Write the date and time in your "
                   "time zone ({zone}), e.g. 2026-12-07 10:00, 07.12.2026 10:00 or tomorrow "
                   "14:00.", ref=ref, zone=_zone(turn)))


async def on_propose(turn: Turn, action: Action) -> list[Reply]:
    """*Propose a visit* (``arg`` empty) or *Move the visit* (``arg`` ``m``)."""
    if action.arg not in ("", "m"):
        return [stale()]
    act = "move" if action.arg == "m" else "propose"
    req, _visit = await visit_service.check(turn.engine.uow_factory, actor_id=turn.person.id,
                                            request_id=action.request_id, act=act)
    await turn.set_state(WHEN_STATE, request_id=req.id, mode=act, ref=req.reference)
    return [_ask_when(turn, req.reference)]


async def on_another_time(turn: Turn, action: Action) -> list[Reply]:
    """*Another time*: the other side proposes their own date and time."""
    tag = _untag(action.arg)
    if tag is None:
        return [stale()]
    req, visit = await visit_service.check(turn.engine.uow_factory, actor_id=turn.person.id,
                                           request_id=action.request_id, act="answer")
    if visit is None or (visit.id, visit.version) != tag:
        return [stale()]
    await turn.set_state(WHEN_STATE, request_id=req.id, mode="answer", ref=req.reference,
                         visit=visit.id, version=visit.version, minutes=visit.minutes)
    return [_ask_when(turn, req.reference)]


async def on_when(turn: Turn, text: str) -> list[Reply]:
    """The date and time typed: read in the person's time zone; then the duration (a
    counter-proposal keeps the proposed duration)."""
    e, data = turn.engine, turn.state.data
    start = parse_until(text, e.clock.now(), _zone(turn)) if text else None
    if start is None:
        return [Reply(_("I couldn't read that date and time. For example 2026-12-07 10:00, "
                        "07.12.2026 10:00 or tomorrow 14:00; /cancel stops."))]
    if start <= e.clock.now():
        return [Reply(_("That moment has already passed; please give a later one."))]
    if data.get("mode") == "answer":
        return await _submit(turn, start, int(data.get("minutes") or 60))
    await turn.set_state(DURATION_STATE, **data, start=start.isoformat())
    c, rid = e.codec, int(data["request_id"])
    return [Reply(_("How long will the visit take? Choose, or write it like 1h30 or 45.") ,
                  tuple(button(c, format_duration(m), "vdur", rid, str(m)) for m in DURATIONS))]


async def on_duration_text(turn: Turn, text: str) -> list[Reply]:
    return await _with_duration(turn, parse_duration(text))


async def on_duration(turn: Turn, action: Action) -> list[Reply]:
    data = turn.state.data
    if (turn.state.state != DURATION_STATE or not action.arg.isdigit()
            or int(data.get("request_id") or 0) != action.request_id):
        return [stale()]
    return await _with_duration(turn, int(action.arg))


async def _with_duration(turn: Turn, minutes: int) -> list[Reply]:
    start = datetime.fromisoformat(str(turn.state.data["start"]))
    return await _submit(turn, start, minutes)


async def _submit(turn: Turn, start: datetime, minutes: int) -> list[Reply]:
    e, data, zone = turn.engine, turn.state.data, _zone(turn)
    rid, mode = int(data["request_id"]), data.get("mode")
    try:
        if mode == "move":
            visit = await visit_service.move(e.uow_factory, e.clock, actor_id=turn.person.id,
                                             request_id=rid, start=start, minutes=minutes)
        elif mode == "answer":
            visit = await visit_service.answer(
                e.uow_factory, e.clock, actor_id=turn.person.id, request_id=rid,
                visit_id=int(data["visit"]), version=int(data["version"]), start=start,
                minutes=minutes)
        else:
            visit = await visit_service.propose(e.uow_factory, e.clock,
                                                actor_id=turn.person.id, request_id=rid,
                                                start=start, minutes=minutes)
    except Clash as exc:  # the step stays: another time may be written
        return [Reply(_clash_text(exc, zone) + " " + _("Please write another time."))]
    await turn.set_state(None)
    when = when_text(visit.start, visit.minutes, zone)
    if mode == "move":
        return [Reply(_("The visit for {ref} is moved to {when}.", ref=data.get("ref"),
                        when=when))]
    return [Reply(_("Visit for {ref} proposed: {when}. You will be told the answer.",
                    ref=data.get("ref"), when=when))]


# -- accept / cancel / done ------------------------------------------------------------------


async def on_accept(turn: Turn, action: Action) -> list[Reply]:
    e, tag = turn.engine, _untag(action.arg)
    if tag is None:
        return [stale()]
    try:
        visit = await visit_service.answer(e.uow_factory, e.clock, actor_id=turn.person.id,
                                           request_id=action.request_id, visit_id=tag[0],
                                           version=tag[1])
    except Clash as exc:
        message = _clash_text(exc, _zone(turn))
        return [Reply(message, toast=message)]
    except NotFound as exc:
        if exc.text.msgid == "This button is no longer valid.":
            return [stale()]
        raise
    return [Reply(_("Visit for {ref} planned: {when}, {name}.", ref=visit.reference,
                    when=when_text(visit.start, visit.minutes, _zone(turn)),
                    name=visit.technician_name), edit=True)]


async def on_cancel(turn: Turn, action: Action) -> list[Reply]:
    e = turn.engine
    visit = await visit_service.cancel(e.uow_factory, e.clock, actor_id=turn.person.id,
                                       request_id=action.request_id)
    return [Reply(_("The visit for {ref} on {when} is cancelled.", ref=visit.reference,
                    when=when_text(visit.start, visit.minutes, _zone(turn))), edit=True)]


async def on_done(turn: Turn, action: Action) -> list[Reply]:
    req, _visit = await visit_service.check(turn.engine.uow_factory, actor_id=turn.person.id,
                                            request_id=action.request_id, act="done")
    await turn.set_state(WORK_STATE, request_id=req.id, ref=req.reference)
    return [Reply(_("What was done on the visit for {ref}?", ref=req.reference))]


async def on_work_done(turn: Turn, text: str) -> list[Reply]:
    e, data = turn.engine, turn.state.data
    visit = await visit_service.done(e.uow_factory, e.clock, actor_id=turn.person.id,
                                     request_id=int(data["request_id"]), work_done=text)
    await turn.set_state(None)
    return [Reply(_("The visit for {ref} is done.", ref=visit.reference))]


# -- /agenda -----------------------------------------------------------------------------------


async def agenda_command(turn: Turn, arg: str) -> list[Reply]:
    """``/agenda`` (this week), ``/agenda today``; supervisors ``/agenda NAME`` (an
    assistant's) and ``/agenda all`` (every technician's)."""
    permissions.check_role_action("agenda", turn.person)
    words = arg.split()
    span = "d" if words and words[-1].casefold() in ("today", "day") else "w"
    if span == "d":
        words = words[:-1]
    name = " ".join(words)
    person_id = turn.person.id
    if name.casefold() == "all":
        permissions.check_role_action("agenda_others", turn.person)
        person_id = 0
    elif name:
        permissions.check_role_action("agenda_others", turn.person)
        async with turn.engine.uow_factory(read_only=True) as uow:
            who = await uow.people.by_name(name)
        if who is None or not who.role.is_staff:
            raise Invalid(N_("There is no assistant called {name}."), name=name[:60])
        person_id = who.id
    await turn.set_state(None)
    return [await agenda_page(turn, person_id, span, 0)]


async def on_agenda(turn: Turn, action: Action) -> list[Reply]:
    """Today / This week / Previous / Next: ``arg`` is ``PERSON.SPAN.OFFSET``."""
    permissions.check_role_action("agenda", turn.person)
    parts = action.arg.split(".")
    if (len(parts) != 3 or not parts[0].isdigit() or parts[1] not in ("d", "w")
            or not parts[2].lstrip("-").isdigit() or abs(int(parts[2])) > 520):
        return [stale()]
    person_id = int(parts[0])
    if person_id != turn.person.id:
        permissions.check_role_action("agenda_others", turn.person)
    reply = await agenda_page(turn, person_id, parts[1], int(parts[2]))
    return [Reply(reply.text, reply.buttons, edit=True)]


async def agenda_page(turn: Turn, person_id: int, span: str, offset: int) -> Reply:
    e, zone_name = turn.engine, _zone(turn)
    zone = ZoneInfo(zone_name)
    today = e.clock.now().astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    if span == "d":
        first = today + timedelta(days=offset)
        last = first + timedelta(days=1)
    else:
        first = today - timedelta(days=today.weekday()) + timedelta(weeks=offset)
        last = first + timedelta(weeks=1)
    # Whole local days (a day with a DST change is 23 or 25 hours long).
    first = first.replace(tzinfo=None).replace(tzinfo=zone)
    last = last.replace(tzinfo=None).replace(tzinfo=zone)
    async with e.uow_factory(read_only=True) as uow:
        who = await uow.people.get(person_id) if person_id else None
        visits = await uow.visits.agenda(person_id or None, first.astimezone(UTC),
                                         last.astimezone(UTC))
    if person_id and (who is None or not who.role.is_staff):
        return stale()
    from babel.dates import format_date

    from core.i18n import current_language

    language = current_language()
    days = format_date(first, "medium", locale=language)
    if span == "w":
        days += " – " + format_date(last - timedelta(days=1), "medium", locale=language)
    lines = [_("Agenda of {name}, {days}:", name=who.name if who else _("everyone"),
               days=days)]
    for visit in visits:
        label = translate(Text(VISIT_STATUS_LABELS[visit.status]))
        technician = "" if who else f" — {visit.technician_name}"
        lines.append(f"• {when_text(visit.start, visit.minutes, zone_name)} — "
                     f"{visit.reference}{technician} — {label}")
    if not visits:
        lines.append(_("No visits."))
    c, key = e.codec, str(person_id)
    buttons = [button(c, _("Previous"), "agenda", 0, f"{key}.{span}.{offset - 1}"),
               button(c, _("Next"), "agenda", 0, f"{key}.{span}.{offset + 1}")]
    other = ("w", _("This week")) if span == "d" else ("d", _("Today"))
    buttons.append(button(c, other[1], "agenda", 0, f"{key}.{other[0]}.0"))
    buttons += [button(c, v.reference, "view", v.request_id) for v in visits[:8]]
    return Reply("\n".join(lines), tuple(buttons))


# -- notifications ------------------------------------------------------------------------------


def render(codec: ActionCodec, n: Notification, timezone: str | None) -> Reply:
    """A visit notification as its recipient reads it (times in their ``timezone``)."""
    d: dict[str, Any] = dict(n.data)
    zone = timezone or "UTC"
    start = datetime.fromisoformat(str(d["start"]))
    minutes = int(d.get("minutes") or 0)
    when = when_text(start, minutes, zone)
    ref, rid = str(d.get("ref")), n.request_id
    match n.kind:
        case "visit_proposed":
            tag = f"{int(d['visit']):x}.{int(d['version']):x}"
            return Reply(_("{by} proposes a visit for {ref}: {when}. Does it suit you?",
                           by=d.get("by"), ref=ref, when=when),
                         answer_buttons(codec, rid, tag))
        case "visit_planned":
            return Reply(_("Visit for {ref} planned: {when}, {name}.", ref=ref, when=when,
                           name=d.get("technician")))
        case "visit_moved":
            return Reply(_("{by} moved the visit for {ref} to {when}.", by=d.get("by"), ref=ref,
                           when=when))
        case "visit_cancelled":
            return Reply(_("{by} cancelled the visit for {ref} on {when}.", by=d.get("by"),
                           ref=ref, when=when))
        case "visit_done":
            return Reply(_("The visit for {ref} is done: {text}", ref=ref, text=d.get("work")))
        case "visit_reminder":
            if d.get("when") == "visit_day":
                text = _("Reminder: the visit for {ref} is tomorrow, {when}.", ref=ref,
                         when=when)
            else:
                text = _("Reminder: the visit for {ref} starts in an hour, {when}.", ref=ref,
                         when=when)
            return Reply(text)
        case "visit_invite":
            cancelled = d.get("method") == "CANCEL"
            if cancelled:
                text = _("The visit for {ref} on {when} is cancelled.", ref=ref, when=when)
            else:
                text = _("Visit for {ref} planned: {when}, {name}.", ref=ref, when=when,
                         name=d.get("technician"))
            invitation = Invitation(
                uid=str(d["uid"]), sequence=int(d["sequence"]), method=str(d["method"]),
                start=start, minutes=minutes, timezone=zone,
                summary=_("Visit on site: {ref}", ref=ref),
                description=f"{ref}: {d.get('subject') or ''}".strip(" :"))
            return Reply(text, invitation=invitation)
    return Reply(_("{ref} was updated.", ref=ref))


