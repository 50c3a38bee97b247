"""The dialogs themselves: commands, wizard steps and button handlers.

Every handler takes the ``Turn`` and returns the replies for the sender. Anything that
changes a request goes through ``core.services``; refusals raise and are answered by the
engine in the sender's language.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from conversations import attachments, clients, history, notices, workflow
from conversations.views import (
    button,
    confirm_buttons,
    help_text,
    left_text,
    more_work_buttons,
    rating_buttons,
    resolution_label,
    status_label,
    wait_label,
    waiting_buttons,
    work_buttons,
)
from core import permissions, services, sla
from core.actions import Action
from core.durations import format_duration, parse_duration
from core.errors import Invalid, NotFound, Refused
from core.i18n import LANGUAGE_NAMES, N_, _, format_datetime, use_language
from core.kinds import Act, Resolution, Role, Status, WaitReason
from core.messages import Button, Reply
from core.model import MAX_DESCRIPTION, MAX_FIELD, Request
from core.permissions import check_internal_note

if TYPE_CHECKING:
    from conversations.engine import Turn

TextStep = Callable[["Turn", str], Awaitable[list[Reply]]]
ButtonHandler = Callable[["Turn", Action], Awaitable[list[Reply]]]
REFERENCE_PREFIX = "HD-"


# -- commands ------------------------------------------------------------------------------


async def command(turn: Turn, text: str) -> list[Reply]:
    name, _sep, arg = text.partition(" ")
    name = name.split("@")[0].lower()  # Telegram group form: /new@helpdesk_bot
    if name == "/start":
        await turn.set_state(None)
        if arg.strip().upper().startswith(REFERENCE_PREFIX):
            return await show_reference(turn, arg.strip())
        return [welcome(turn)]
    if name == "/new":
        return await start_intake(turn)
    if name == "/my":
        await turn.set_state(None)
        return await my_requests(turn)
    if name == "/help":
        return [Reply(help_text(turn.is_staff))]
    if name == "/language":
        return [language_menu(turn)]
    if name == "/note":
        return await note_command(turn, arg)
    if name == "/notices":
        return await notices.notices_command(turn, arg)
    if name == "/history":
        return await history.command(turn, arg)
    if name == "/cancel":
        had_dialog = turn.state.state is not None
        await turn.set_state(None)
        if had_dialog:
            return [Reply(_("Stopped. Nothing was changed."))]
        return [Reply(_("There is nothing to stop."))]
    shown = name[:30]
    return [Reply(_("I don't know the command {command}. Send /help to see what I can do.",
                    command=shown))]


def welcome(turn: Turn) -> Reply:
    e = turn.engine
    if turn.is_staff:
        text = _("Hello {name}! New requests for you will arrive here.", name=turn.person.name)
        buttons = (button(e.codec, _("My queue"), "my"), button(e.codec, _("New request"), "new"))
    else:
        text = _("Hello {name}! I am the helpdesk bot: tell me what is wrong and I will find "
                 "someone to help.", name=turn.person.name)
        buttons = (button(e.codec, _("New request"), "new"),
                   button(e.codec, _("My requests"), "my"))
    return Reply(text + "\n" + help_text(turn.is_staff), buttons)


async def unexpected_text(turn: Turn, text: str) -> list[Reply]:
    e = turn.engine
    if turn.state.state in ("intake.type", "intake.assignee", "intake.summary",
                            "wait.autoclose", "reopen.ask"):
        return [Reply(_("Please choose one of the options above, or send /cancel."))]
    if text.upper().startswith(REFERENCE_PREFIX) and len(text) < 40:
        return await show_reference(turn, text)
    answered = await workflow.free_text(turn, text)
    if answered is not None:
        return answered
    if not text:
        hint = _("I didn't get any text.")
    else:
        hint = _("I didn't understand that.")
    return [Reply(hint + " " + _("Send /new to place a request or /help to see what I can do."),
                  (button(e.codec, _("New request"), "new"),))]


# -- intake wizard -------------------------------------------------------------------------


async def start_intake(turn: Turn) -> list[Reply]:
    e = turn.engine
    async with e.uow_factory() as uow:
        types = await uow.types.list(include_internal=turn.is_staff)
    if not types:
        await turn.set_state(None)
        return [Reply(_("No request types are configured yet; please tell your helpdesk admin."))]
    await turn.set_state("intake.type")
    return [Reply(_("What is it about?"),
                  tuple(button(e.codec, t.name, "type", 0, str(t.id)) for t in types))]


async def on_type(turn: Turn, action: Action) -> list[Reply]:
    e = turn.engine
    async with e.uow_factory() as uow:
        rtype = await uow.types.get(int(action.arg or 0))
        assistants = [p for p in await uow.people.list(Role.ASSISTANT) if p.active]
    if rtype is not None and rtype.assistant_ids:  # routing: only the type's assistants
        assistants = [p for p in assistants if p.id in rtype.assistant_ids]
    if rtype is None or not rtype.active or (rtype.internal and not turn.is_staff):
        return await start_intake(turn)
    if not assistants:
        await turn.set_state("intake.describe", type_id=rtype.id, target_id=None)
        return [Reply(_("Describe the problem in a few words."))]
    await turn.set_state("intake.assignee", type_id=rtype.id)
    buttons = (button(e.codec, _("Anyone"), "asg", 0, "0"),) + tuple(
        button(e.codec, p.name, "asg", 0, str(p.id)) for p in assistants
    )
    return [Reply(_("Who should handle it? If you choose nobody, every assistant can take it."),
                  buttons)]


async def on_assignee(turn: Turn, action: Action) -> list[Reply]:
    if turn.state.state != "intake.assignee" or "type_id" not in turn.state.data:
        return [_stale()]
    target = int(action.arg or 0) or None
    await turn.set_state("intake.describe", type_id=turn.state.data["type_id"], target_id=target)
    return [Reply(_("Describe the problem in a few words."))]


async def on_description(turn: Turn, text: str) -> list[Reply]:
    if not text:
        return [Reply(_("Please describe the problem in a few words."))]
    if len(text) > MAX_DESCRIPTION:
        return [Reply(_("That is too long ({length} characters); please keep it under {limit}.",
                        length=len(text), limit=MAX_DESCRIPTION))]
    data = {**turn.state.data, "description": text}
    return await _next_field(turn, data)


async def _next_field(turn: Turn, data: dict[str, Any]) -> list[Reply]:
    """Ask the type's next required extra field, or show the summary when all are given."""
    async with turn.engine.uow_factory() as uow:
        rtype = await uow.types.get(int(str(data["type_id"])))
    filled: dict[str, str] = _fields(data)
    missing = [name for name in (rtype.fields if rtype else ()) if name not in filled]
    if missing:
        await turn.set_state("intake.field", **{**data, "fields": filled, "field": missing[0]})
        return [Reply(_("{field}:", field=missing[0]))]
    await turn.set_state("intake.summary", **data)
    return [await _summary(turn, data)]


async def on_field(turn: Turn, text: str) -> list[Reply]:
    data = dict(turn.state.data)
    name = str(data.pop("field", ""))
    if not text:
        return [Reply(_("Please fill in “{field}”.", field=name))]
    if len(text) > MAX_FIELD:
        return [Reply(_("That is too long ({length} characters); please keep it under {limit}.",
                        length=len(text), limit=MAX_FIELD))]
    data["fields"] = {**_fields(data), name: text}
    return await _next_field(turn, data)


def _fields(data: dict[str, object]) -> dict[str, str]:
    """The extra fields entered so far in an intake dialog."""
    fields = data.get("fields")
    return {str(k): str(v) for k, v in fields.items()} if isinstance(fields, dict) else {}


async def _summary(turn: Turn, data: dict[str, object]) -> Reply:
    e = turn.engine
    async with e.uow_factory() as uow:
        rtype = await uow.types.get(int(str(data["type_id"])))
        target_id = data.get("target_id")
        target = await uow.people.get(int(str(target_id))) if target_id else None
    text = "\n".join([
        _("Please check your request:"),
        _("Type: {type}", type=rtype.name if rtype else "?"),
        _("Assistant: {name}", name=target.name if target else _("anyone")),
        _("Problem: {description}", description=data["description"]),
        *(f"{name}: {value}" for name, value in _fields(data).items()),
        _("Priority: {priority}", priority=sla.priority_label(_priority(data))),
    ])
    if data.get("client_label"):
        text += "\n" + _("For: {name}", name=data["client_label"])
    buttons: tuple[Button, ...] = (button(e.codec, _("Place"), "place"),
                                   button(e.codec, _("Cancel"), "drop"),
                                   button(e.codec, _("Priority"), "prio"))
    if turn.is_staff:
        buttons += (button(e.codec, _("For a client"), "client"),)
    return Reply(text, buttons)


async def on_for_client(turn: Turn, action: Action) -> list[Reply]:
    """Staff placing a request for a client who phoned or e-mailed: ask who it is."""
    if (turn.state.state != "intake.summary" or "description" not in turn.state.data
            or not turn.is_staff):
        return [_stale()]
    await turn.set_state("intake.client", **turn.state.data)
    return [Reply(_("Who is it for? Write their name, or their name with a phone number "
                    "(+40 721 234 567) or an e-mail address."))]


async def on_client(turn: Turn, text: str) -> list[Reply]:
    data = dict(turn.state.data)
    contact = clients.parse_contact(text)
    if contact is None:
        return [Reply(_("Please write a name, a phone number or an e-mail address."))]
    if contact.channel is None:
        async with turn.engine.uow_factory(read_only=True) as uow:
            person = await uow.people.by_name(contact.name)
        if person is None:
            return [Reply(_("There is nobody called {name} yet. Write their name with a phone "
                            "number or an e-mail address to register them.",
                            name=contact.name[:60]))]
        data.update(initiator_id=person.id, client=None, client_label=person.name)
    else:  # registered (if new) only when the request is placed
        data.update(initiator_id=None, client=[contact.name, contact.channel, contact.address],
                    client_label=" ".join(filter(None, (contact.name, contact.address))))
    await turn.set_state("intake.summary", **data)
    return [await _summary(turn, data)]


async def _initiator_for(turn: Turn, data: dict[str, Any]) -> int | None:
    """The client chosen on the summary (registered now when their account is new)."""
    if data.get("initiator_id"):
        return int(data["initiator_id"])
    if not data.get("client") or not turn.is_staff:
        return None
    name, channel, address = (str(v) for v in data["client"])
    async with turn.engine.uow_factory() as uow:
        person = await clients.find_or_register(uow, clients.Contact(name, channel, address))
        await uow.commit()
    return person.id if person else None


async def _triage(turn: Turn, action: Action) -> list[Reply]:
    e, rid = turn.engine, action.request_id
    if not action.arg:
        req = await services.check_allowed(e.uow_factory, actor_id=turn.person.id,
                                           request_id=rid, act="priority")
        return [Reply(_("How urgent is {ref}? Now: {priority}.", ref=req.reference,
                        priority=sla.priority_label(req.priority)), tuple(
            button(e.codec, sla.priority_label(p), "prio", rid, p) for p in sla.PRIORITIES))]
    await services.set_priority(e.uow_factory, e.clock, actor_id=turn.person.id,
                                request_id=rid, priority=action.arg, channel=turn.channel)
    return await card(turn, rid)


def _priority(data: dict[str, object]) -> str:
    priority = str(data.get("priority") or sla.DEFAULT_PRIORITY)
    return priority if priority in sla.PRIORITIES else sla.DEFAULT_PRIORITY


async def on_priority(turn: Turn, action: Action) -> list[Reply]:
    """Priority on the summary (or, with a request, on a staff member's card): without an
    argument, offer the choices; with one, set it and show the summary (the card) again."""
    e, data = turn.engine, turn.state.data
    if action.request_id:
        return await _triage(turn, action)
    if turn.state.state != "intake.summary" or "description" not in data:
        return [_stale()]
    if not action.arg:
        return [Reply(_("How urgent is it?"), tuple(
            button(e.codec, sla.priority_label(p), "prio", 0, p) for p in sla.PRIORITIES))]
    if action.arg not in sla.PRIORITIES:
        return [_stale()]
    data = {**data, "priority": action.arg}
    await turn.set_state("intake.summary", **data)
    return [await _summary(turn, data)]


async def on_place(turn: Turn, action: Action) -> list[Reply]:
    e, data = turn.engine, turn.state.data
    if turn.state.state != "intake.summary" or "description" not in data:
        return [Reply(_("There is nothing to place. Send /new to start a request."))]
    try:
        req = await services.place(
            e.uow_factory, e.clock, actor_id=turn.person.id, type_id=int(data["type_id"]),
            description=str(data["description"]), target_id=data.get("target_id"),
            channel=turn.channel, fields=_fields(data), priority=_priority(data),
            initiator_id=await _initiator_for(turn, data),
        )
    except (Invalid, Refused):
        await turn.set_state(None)
        raise
    await turn.set_state(None)
    if req.initiator_id != turn.person.id:
        return [Reply(_("Request {ref} is placed for {name}; they are told on their channel.",
                        ref=req.reference, name=str(data.get("client_label") or "?")),
                      (button(e.codec, req.reference, "view", req.id or 0),), edit=True)]
    return [Reply(_("Request {ref} is placed. I will tell you when someone takes it.",
                    ref=req.reference),
                  (button(e.codec, _("My requests"), "my"),), edit=True)]


async def on_drop(turn: Turn, action: Action) -> list[Reply]:
    await turn.set_state(None)
    return [Reply(_("Discarded; nothing was placed."), edit=True)]


# -- lists and cards -----------------------------------------------------------------------


def _line(req: Request, type_name: str, extra: str = "") -> str:
    parts = [req.reference, type_name, status_label(req.status)]
    if req.assignee_name and req.status is not Status.OPEN:
        parts[-1] += f" ({req.assignee_name})"
    if req.minutes_logged:
        parts.append(_("{time} logged", time=format_duration(req.minutes_logged)))
    return "• " + " — ".join(parts) + extra


async def my_requests(turn: Turn) -> list[Reply]:
    e = turn.engine
    async with e.uow_factory(read_only=True) as uow:
        if turn.is_staff:
            reqs = await uow.requests.list_for_staff(turn.person, limit=10)
            title, empty = _("Your queue:"), _("Your queue is empty.")
        else:
            reqs = await uow.requests.list_for_initiator(turn.person.id, limit=10)
            title, empty = _("Your requests:"), _("You have no requests yet.")
        if not reqs:
            return [Reply(empty, (button(e.codec, _("New request"), "new"),))]
        names: dict[int, str] = {}
        if any(r.type_name is None for r in reqs):  # loaded with the requests (one statement)
            names = {t.id: t.name for t in await uow.types.list()}
    lines = [title] + [_line(r, r.type_name or names.get(r.type_id, "?")) for r in reqs]
    buttons = tuple(button(e.codec, r.reference, "view", r.id or 0) for r in reqs)
    return [Reply("\n".join(lines), buttons)]


async def show_reference(turn: Turn, reference: str) -> list[Reply]:
    e = turn.engine
    async with e.uow_factory() as uow:
        req = await uow.requests.by_reference(reference)
    if req is None:
        raise NotFound(N_("There is no request {ref}."), ref=reference.strip()[:40])
    return await card(turn, req.id or 0)


async def on_view(turn: Turn, action: Action) -> list[Reply]:
    return await card(turn, action.request_id)


async def card(turn: Turn, request_id: int) -> list[Reply]:
    e = turn.engine
    async with e.uow_factory() as uow:
        req = await services.load_visible(uow, turn.person, request_id)
        rtype = await uow.types.get(req.type_id)
        initiator = await uow.people.get(req.initiator_id)
    lines = [
        f"{req.reference} — {rtype.name if rtype else '?'}",
        _("Status: {status}", status=status_label(req.status)),
        _("From: {name}", name=initiator.name if initiator else "?"),
        _("Placed: {date}", date=format_datetime(
            req.created_at, turn.person.timezone or turn.engine.default_timezone)),
        _("Problem: {description}", description=req.description),
    ]
    if req.priority != sla.DEFAULT_PRIORITY:
        lines.append(_("Priority: {priority}", priority=sla.priority_label(req.priority)))
    if req.assignee_name:
        lines.append(_("Assistant: {name}", name=req.assignee_name))
    if req.minutes_logged:
        lines.append(_("Time logged: {time}", time=format_duration(req.minutes_logged)))
    if req.resolution_note:
        lines.append(_("Note: {note}", note=req.resolution_note))
    lines += await attachments.card_lines(turn, req.id or 0)
    lines.extend(_workflow_lines(turn, req))
    return [Reply("\n".join(lines), _card_buttons(turn, req))]


def _workflow_lines(turn: Turn, req: Request) -> list[str]:
    """Waiting reason, resolution method, SLA time left and the rating, as the card shows."""
    now, zone = turn.engine.clock.now(), turn.person.timezone or turn.engine.default_timezone
    lines: list[str] = []
    if req.status is Status.WAITING and req.wait_reason is not None:
        label = wait_label(req.wait_reason)
        if req.wait_reason is WaitReason.UNTIL and req.wait_until is not None:
            label = _("on hold until {date}", date=format_datetime(req.wait_until, zone))
        lines.append(_("Waiting: {reason}", reason=label))
    if req.resolution_method not in (None, Resolution.SOLVED):
        lines.append(_("Resolution: {method}", method=resolution_label(req.resolution_method)))
    if req.status is Status.OPEN and req.claim_due is not None:
        lines.append(_("Time to claim: {left}", left=left_text(_left_minutes(req.claim_due, now))))
    left = sla.resolve_left(req, now)
    if req.status in (Status.OPEN, Status.IN_PROGRESS, Status.WAITING) and left is not None:
        text = _("Time to resolve: {left}", left=left_text(_ceil_minutes(left)))
        if sla.resolve_paused(req):
            text += " " + _("(paused while waiting)")
        lines.append(text)
    if req.status is Status.RESOLVED and req.feedback_until is not None:
        lines.append(_("Closes by itself on {date} unless confirmed or reopened.",
                       date=format_datetime(req.feedback_until, zone)))
    if (req.initiator_id == turn.person.id and req.status is Status.CLOSED
            and req.awaits_rating):
        lines.append(_("How would you rate the help? 1 = poor, 5 = excellent."))
    if req.rating is not None and (turn.is_staff or req.initiator_id == turn.person.id):
        lines.append(_("Rating: {stars}/5", stars=req.rating.stars))
    return lines


def _ceil_minutes(delta: timedelta) -> int:
    """Whole minutes, rounded up: "1 minute left" until the very end."""
    return -(-int(delta.total_seconds()) // 60)


def _left_minutes(due: datetime, now: datetime) -> int:
    return _ceil_minutes(due - now)


def _card_buttons(turn: Turn, req: Request) -> tuple[Button, ...]:
    """The action buttons, then (on a live request) Comment, and Internal note for staff;
    History last."""
    c, rid = turn.engine.codec, req.id or 0
    extra: tuple[Button, ...] = ()
    if not req.status.is_final:
        extra = (button(c, _("Comment"), "comment", rid),)
        if turn.is_staff:
            extra += (button(c, _("Internal note"), "comment", rid, "i"),)
            if permissions.allows(Act.PRIORITY, turn.person, req):
                extra += (button(c, _("Priority"), "prio", rid),)
    return action_buttons(turn, req) + extra + (history.history_button(turn, req),)


def action_buttons(turn: Turn, req: Request) -> tuple[Button, ...]:
    """What the person may do now on the request (lists and home pages show these)."""
    c, rid, me = turn.engine.codec, req.id or 0, turn.person
    if req.initiator_id == me.id:
        if req.status is Status.OPEN:
            return (button(c, _("Cancel request"), "cancel", rid),)
        if req.status in (Status.IN_PROGRESS, Status.WAITING):
            return (button(c, _("Cancel request"), "cancel", rid),)
        if req.status is Status.RESOLVED:
            return confirm_buttons(c, rid, req.minutes_logged)
        if req.status is Status.CLOSED and req.awaits_rating:
            return rating_buttons(c, rid)
        return ()
    if req.status is Status.OPEN:
        return (button(c, _("Claim"), "claim", rid),)
    if req.status is Status.WAITING:
        return waiting_buttons(c, rid)
    if req.status is Status.IN_PROGRESS:
        extra = (button(c, _("Correct time"), "correct", rid),) if req.was_resolved else ()
        return more_work_buttons(c, rid) + extra
    if req.status is Status.RESOLVED:
        return (button(c, _("Correct time"), "correct", rid),)
    return ()


# -- request actions -----------------------------------------------------------------------


async def on_claim(turn: Turn, action: Action) -> list[Reply]:
    e = turn.engine
    req = await services.claim(e.uow_factory, e.clock, actor_id=turn.person.id,
                               request_id=action.request_id, channel=turn.channel)
    return [Reply(
        _("You claimed {ref}. Contact the person who placed it; press Finish when done.",
          ref=req.reference),
        work_buttons(e.codec, req.id or 0), edit=True,
    )]


async def on_release(turn: Turn, action: Action) -> list[Reply]:
    e = turn.engine
    req = await services.release(e.uow_factory, e.clock, actor_id=turn.person.id,
                                 request_id=action.request_id, channel=turn.channel)
    return [Reply(_("You released {ref}; it is back in the queue.", ref=req.reference), edit=True)]


async def on_cancel(turn: Turn, action: Action) -> list[Reply]:
    e = turn.engine
    try:
        req = await services.cancel(e.uow_factory, e.clock, actor_id=turn.person.id,
                                    request_id=action.request_id, channel=turn.channel)
    except Refused as exc:
        if exc.code != "claimed":
            raise
        name = exc.text.params.get("name", "?")
        message = _("{ref} is already claimed by {name}, so it can't be cancelled now.",
                    **exc.text.params)
        return [Reply(message,
                      (button(e.codec, _("Ask {name} to release it", name=name), "askrel",
                              action.request_id),),
                      toast=message)]
    return [Reply(_("{ref} is cancelled.", ref=req.reference), edit=True)]


async def on_ask_release(turn: Turn, action: Action) -> list[Reply]:
    e = turn.engine
    req = await services.ask_release(e.uow_factory, e.clock, actor_id=turn.person.id,
                                     request_id=action.request_id, channel=turn.channel)
    return [Reply(_("I asked {name} to release {ref}. You can cancel it once it is back in the "
                    "queue.", name=req.assignee_name or "?", ref=req.reference), edit=True)]


async def on_finish(turn: Turn, action: Action) -> list[Reply]:
    e = turn.engine
    req = await services.check_allowed(e.uow_factory, actor_id=turn.person.id,
                                       request_id=action.request_id, act="finish")
    await turn.set_state("finish.time", request_id=req.id)
    text = _("How much time did you spend on {ref}? For example 1h30, 90m, 1:30 or 45.",
             ref=req.reference)
    if req.minutes_logged:
        text += "\n" + _("Already logged: {time}; this adds to it.",
                         time=format_duration(req.minutes_logged))
    return [Reply(text)]


async def on_finish_time(turn: Turn, text: str) -> list[Reply]:
    minutes = parse_duration(text)
    await turn.set_state("finish.note", **turn.state.data, minutes=minutes)
    return [Reply(_("{time} noted. Now a short resolution note for the person who asked:",
                    time=format_duration(minutes)))]


async def on_finish_note(turn: Turn, text: str) -> list[Reply]:
    e, data = turn.engine, turn.state.data
    method = workflow.check_method(data.get("method"))
    req = await services.finish(e.uow_factory, e.clock, actor_id=turn.person.id,
                                request_id=int(data["request_id"]), minutes=int(data["minutes"]),
                                note=text, channel=turn.channel, method=method)
    await turn.set_state(None)
    return [Reply(_("{ref} is resolved with {time} logged; the person who asked will confirm it.",
                    ref=req.reference, time=format_duration(req.minutes_logged)))]


async def on_correct(turn: Turn, action: Action) -> list[Reply]:
    e = turn.engine
    req = await services.check_allowed(e.uow_factory, actor_id=turn.person.id,
                                       request_id=action.request_id, act="correct_time")
    await turn.set_state("correct.time", request_id=req.id)
    return [Reply(_("Logged on {ref}: {time}. What should the total be?", ref=req.reference,
                    time=format_duration(req.minutes_logged)))]


async def on_correct_time(turn: Turn, text: str) -> list[Reply]:
    e = turn.engine
    minutes = parse_duration(text)
    req = await services.correct_time(e.uow_factory, e.clock, actor_id=turn.person.id,
                                      request_id=int(turn.state.data["request_id"]),
                                      total_minutes=minutes, channel=turn.channel)
    await turn.set_state(None)
    return [Reply(_("{ref}: the time is now {time}; the person who asked will confirm it again.",
                    ref=req.reference, time=format_duration(req.minutes_logged)))]


async def on_confirm(turn: Turn, action: Action) -> list[Reply]:
    e = turn.engine
    seen = int(action.arg) if action.arg.isdigit() else None
    req = await services.confirm(e.uow_factory, e.clock, actor_id=turn.person.id,
                                 request_id=action.request_id, seen_minutes=seen,
                                 channel=turn.channel)
    # The message that carried Confirm / Dispute now asks for the rating (SPEC: rate, 001);
    # the closed request's card keeps offering it until it is given.
    text = _("Thank you! {ref} is confirmed with {time} and closed.", ref=req.reference,
             time=format_duration(req.minutes_logged))
    # Link pages (web) are single-use: the rating is left to the closed request's card there.
    if turn.channel != "web" and req.awaits_rating:
        text += "\n" + _("How would you rate the help? 1 = poor, 5 = excellent.")
        return [Reply(text, rating_buttons(e.codec, req.id or 0), edit=True)]
    return [Reply(text, edit=True)]


async def on_dispute(turn: Turn, action: Action) -> list[Reply]:
    e = turn.engine
    req = await services.check_allowed(e.uow_factory, actor_id=turn.person.id,
                                       request_id=action.request_id, act="dispute")
    await turn.set_state("dispute.reason", request_id=req.id)
    return [Reply(_("What is wrong with {ref}? Your message goes to {name}.", ref=req.reference,
                    name=req.assignee_name or "?"))]


async def on_dispute_reason(turn: Turn, text: str) -> list[Reply]:
    e = turn.engine
    req = await services.dispute(e.uow_factory, e.clock, actor_id=turn.person.id,
                                 request_id=int(turn.state.data["request_id"]), reason=text,
                                 channel=turn.channel)
    await turn.set_state(None)
    return [Reply(_("Sent to {name}. {ref} is back in progress.", name=req.assignee_name or "?",
                    ref=req.reference))]


def language_menu(turn: Turn) -> Reply:
    c = turn.engine.codec
    return Reply(_("Choose your language:"),
                 tuple(button(c, name, "lang", 0, code) for code, name in LANGUAGE_NAMES.items()))


async def on_language(turn: Turn, action: Action) -> list[Reply]:
    if action.arg not in LANGUAGE_NAMES:
        return [_stale()]
    async with turn.engine.uow_factory() as uow:
        await uow.people.set_language(turn.person.id, action.arg)
        await uow.commit()
    turn.person.language = action.arg
    with use_language(action.arg):
        return [Reply(_("From now on I will write to you in English."), edit=True)]


async def on_comment(turn: Turn, action: Action) -> list[Reply]:
    e, internal = turn.engine, action.arg == "i"
    req = await services.check_allowed(e.uow_factory, actor_id=turn.person.id,
                                       request_id=action.request_id, act="comment")
    if internal:
        check_internal_note(turn.person)
    await turn.set_state("comment.body", request_id=req.id, internal=internal)
    if internal:
        return [Reply(_("Write the internal note on {ref} (the person who asked will not see "
                        "it):", ref=req.reference))]
    return [Reply(_("Write your comment on {ref}:", ref=req.reference))]


async def on_comment_body(turn: Turn, text: str) -> list[Reply]:
    data = turn.state.data
    return await _add_comment(turn, int(data["request_id"]), text, bool(data.get("internal")))


async def _add_comment(turn: Turn, request_id: int, text: str, internal: bool) -> list[Reply]:
    e = turn.engine
    req = await services.comment(e.uow_factory, e.clock, actor_id=turn.person.id,
                                 request_id=request_id, body=text, channel=turn.channel,
                                 internal=internal)
    await turn.set_state(None)
    if internal:
        return [Reply(_("Internal note added to {ref}.", ref=req.reference))]
    return [Reply(_("Comment added to {ref}.", ref=req.reference))]


async def note_command(turn: Turn, arg: str) -> list[Reply]:
    """``/note HD-2026-000042 text``: an internal note without the buttons."""
    check_internal_note(turn.person)
    reference, _sep, text = arg.strip().partition(" ")
    if not reference.upper().startswith(REFERENCE_PREFIX) or not text.strip():
        return [Reply(_("Write it like this: /note HD-2026-000042 your note"))]
    async with turn.engine.uow_factory() as uow:
        req = await uow.requests.by_reference(reference)
    if req is None:
        raise NotFound(N_("There is no request {ref}."), ref=reference[:40])
    return await _add_comment(turn, req.id or 0, text, internal=True)


async def on_new(turn: Turn, action: Action) -> list[Reply]:
    return await start_intake(turn)


async def on_my(turn: Turn, action: Action) -> list[Reply]:
    await turn.set_state(None)
    return await my_requests(turn)


def _stale() -> Reply:
    message = _("This button is no longer valid.")
    return Reply(message, toast=message)


TEXT_STEPS: dict[str, TextStep] = {
    "intake.describe": on_description,
    "intake.field": on_field,
    "intake.client": on_client,
    "finish.time": on_finish_time,
    "finish.note": on_finish_note,
    "correct.time": on_correct_time,
    "dispute.reason": on_dispute_reason,
    "comment.body": on_comment_body,
    **workflow.TEXT_STEPS,
}

BUTTONS: dict[str, ButtonHandler] = {
    "notices": notices.on_notices,
    "new": on_new,
    "my": on_my,
    "type": on_type,
    "asg": on_assignee,
    "place": on_place,
    "drop": on_drop,
    "prio": on_priority,
    "client": on_for_client,
    "view": on_view,
    "claim": on_claim,
    "release": on_release,
    "cancel": on_cancel,
    "askrel": on_ask_release,
    "finish": on_finish,
    "correct": on_correct,
    "confirm": on_confirm,
    "dispute": on_dispute,
    "lang": on_language,
    "comment": on_comment,
    "history": history.on_history,
    **workflow.BUTTONS,
}
