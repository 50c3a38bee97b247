"""Whole forms at once (Slack modals) and the overview page (Slack's App Home).

The step-by-step dialog in ``flows`` asks one question per message; channels with forms
collect type, assistant and description (or time spent and resolution note) in one go.
These functions describe such forms, validate a submission through ``core.services`` and
answer with per-field errors (nothing changed) or the replies for the person. Everything
is translated into the person's language; nothing raises for bad input.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from conversations import scripts
from conversations.lists import action_buttons, line
from conversations.views import button
from core import permissions, services, sla
from core.actions import Action, BadPayload
from core.durations import format_duration, parse_duration
from core.errors import DomainError
from core.forms import (
    FINISH_FORM,
    REQUEST_FORM,
    Choice,
    Entry,
    Form,
    FormField,
    FormResult,
    Overview,
    Section,
)
from core.i18n import _, translate
from core.kinds import Role
from core.messages import Inbound, Reply
from core.model import MAX_DESCRIPTION, MAX_NOTE, Request

if TYPE_CHECKING:
    from conversations.engine import Conversations, Turn

log = logging.getLogger(__name__)
T = TypeVar("T")

# Field names of the two forms (adapters use them as block ids).
TYPE, ASSISTANT, DESCRIPTION, PRIORITY = "type", "assistant", "description", "priority"
TIME, NOTE = "time", "note"
ANYONE = "0"
# Which field a refusal belongs to, by its message id; others go to the form's first field.
_FIELD_OF = {
    "That request type does not exist any more.": TYPE,
    "The type “{type}” is no longer offered.": TYPE,
    "The type “{type}” is for staff only.": TYPE,
    "That assistant does not exist any more.": ASSISTANT,
    "{name} is not an assistant.": ASSISTANT,
    "Unknown priority {priority}.": PRIORITY,
    "Please describe the problem in a few words.": DESCRIPTION,
    "I couldn't read that time. Write it like 1h30, 90m, 1:30 or 45.": TIME,
    "The time spent must be more than zero.": TIME,
    "At most 24 hours can be logged at a time.": TIME,
    "Please write a short resolution note.": NOTE,
}
# Buttons that open a form on channels with forms, instead of a step-by-step dialog.
FORM_FOR_ACTION = {"new": REQUEST_FORM, "finish": FINISH_FORM}
OVERVIEW_LIMIT = 10
SNIPPET = 100


async def _in_turn(engine: Conversations, inbound: Inbound, work: Callable[[Turn], Awaitable[T]],
                   fallback: Callable[[str], T]) -> T:
    """Run ``work`` in the person's turn; refusals and failures become ``fallback(message)``."""
    async with engine.turn(inbound) as turn:
        if turn is None:
            return fallback(_("Sorry, this helpdesk only serves registered people."))
        try:
            return await work(turn)
        except DomainError as exc:
            return fallback(translate(exc.text))
        except Exception:
            log.exception("failed to handle the form for %s", inbound)
            return fallback(_("Sorry, something went wrong on our side. Please try again."))


def _replies(message: str) -> list[Reply]:
    return [Reply(message, toast=message)]


# -- opening a form -------------------------------------------------------------------------


def opens_form(engine: Conversations, payload: str) -> bool:
    """Whether the button carrying ``payload`` opens a form (decided from the payload alone,
    without touching any store: Slack must open the modal within 3 s of the press)."""
    try:
        return engine.codec.unpack(payload).name in FORM_FOR_ACTION
    except BadPayload:
        return False


async def open_form(engine: Conversations, inbound: Inbound,
                    kind: str | None = None) -> Form | list[Reply] | None:
    """The form ``kind``, or the one the pressed button (``inbound.payload``) opens.

    Returns replies instead when the person may not fill it in now (no types configured,
    not the holder...), and None when the pressed button opens no form (handle it as usual).
    """
    action = None
    if kind is None:
        try:
            action = engine.codec.unpack(inbound.payload or "")
        except BadPayload:
            return None
        kind = FORM_FOR_ACTION.get(action.name)
        if kind is None:
            return None
    request_id = action.request_id if action else 0

    async def work(turn: Turn) -> Form | list[Reply]:
        if kind == REQUEST_FORM:
            return await _request_form(turn)
        if kind == FINISH_FORM:
            return await _finish_form(turn, request_id)
        return [Reply(_("This button is no longer valid."))]

    return await _in_turn(engine, inbound, work, _replies)


async def _request_form(turn: Turn) -> Form | list[Reply]:
    e = turn.engine
    async with e.uow_factory() as uow:
        types = await uow.types.list(include_internal=turn.is_staff)
        assistants = [p for p in await uow.people.list(Role.ASSISTANT) if p.active]
    if not types:
        return [Reply(_("No request types are configured yet; please tell your helpdesk admin."))]
    fields = [FormField(TYPE, _("What is it about?"), "select",
                        tuple(Choice(str(t.id), t.name) for t in types))]
    if assistants:
        choices = (Choice(ANYONE, _("Anyone")),) + tuple(
            Choice(str(p.id), p.name) for p in assistants)
        label = _("Who should handle it? If you choose nobody, every assistant can take it.")
        fields.append(FormField(ASSISTANT, label, "select", choices, initial=ANYONE))
    fields.append(FormField(DESCRIPTION, _("Describe the problem in a few words."), "multiline",
                            max_length=MAX_DESCRIPTION))
    fields.append(FormField(PRIORITY, _("How urgent is it?"), "select", tuple(
        Choice(p, sla.priority_label(p)) for p in sla.PRIORITIES), initial=sla.DEFAULT_PRIORITY))
    return Form(REQUEST_FORM, _("New request"), _("Place"), _("Cancel"), tuple(fields),
                context=e.codec.pack(Action(REQUEST_FORM)))


async def _finish_form(turn: Turn, request_id: int) -> Form:
    e = turn.engine
    req = await services.check_allowed(e.uow_factory, actor_id=turn.person.id,
                                       request_id=request_id, act="finish")
    hint = None
    if req.minutes_logged:
        hint = _("Already logged: {time}; this adds to it.",
                 time=format_duration(req.minutes_logged))
    fields = (
        FormField(TIME, _("How much time did you spend on {ref}? For example 1h30, 90m, 1:30 or "
                          "45.", ref=req.reference), "text", hint=hint, max_length=20),
        FormField(NOTE, _("Please write a short resolution note."), "multiline",
                  max_length=MAX_NOTE),
    )
    return Form(FINISH_FORM, _("Finish"), _("Finish"), _("Cancel"), fields,
                context=e.codec.pack(Action(FINISH_FORM, req.id or 0)))


# -- submitting a form ----------------------------------------------------------------------


async def submit_form(engine: Conversations, inbound: Inbound, kind: str,
                      values: dict[str, str], context: str = "") -> FormResult:
    """Validate and apply a submitted form: ``FormResult.errors`` per field (nothing changed)
    or the replies for the person (done)."""
    first = TYPE if kind == REQUEST_FORM else TIME
    values = {k: _clean(v) for k, v in values.items()}

    async def work(turn: Turn) -> FormResult:
        try:
            action = engine.codec.unpack(context)
        except BadPayload:
            action = None
        if action is None or action.name != kind:
            return FormResult({first: _("This button is no longer valid.")})
        try:
            if kind == REQUEST_FORM:
                return await _submit_request(turn, values)
            if kind == FINISH_FORM:
                return await _submit_finish(turn, action.request_id, values)
        except DomainError as exc:
            return FormResult({_FIELD_OF.get(exc.text.msgid, first): translate(exc.text)})
        return FormResult({first: _("This button is no longer valid.")})

    return await _in_turn(engine, inbound, work, lambda message: FormResult({first: message}))


def _clean(value: object) -> str:
    """Submitted text without control characters (newlines and tabs kept)."""
    from conversations.engine import CONTROL_CHARS

    return CONTROL_CHARS.sub("", str(value or "")).strip()


async def _submit_request(turn: Turn, values: dict[str, str]) -> FormResult:
    e = turn.engine
    errors: dict[str, str] = {}
    type_id = int(values[TYPE]) if values.get(TYPE, "").isdigit() else 0
    if not type_id:
        errors[TYPE] = _("That request type does not exist any more.")
    target = values.get(ASSISTANT) or ANYONE
    if not target.isdigit():
        errors[ASSISTANT] = _("That assistant does not exist any more.")
    description = values.get(DESCRIPTION, "")
    if not description:
        errors[DESCRIPTION] = _("Please describe the problem in a few words.")
    elif len(description) > MAX_DESCRIPTION:
        errors[DESCRIPTION] = _("That is too long ({length} characters); please keep it under "
                                "{limit}.", length=len(description), limit=MAX_DESCRIPTION)
    if errors:
        return FormResult(errors)
    priority = values.get(PRIORITY) or sla.DEFAULT_PRIORITY
    async with e.uow_factory(read_only=True) as uow:
        rtype = await uow.types.get(type_id)
    if (rtype is not None and priority in sla.PRIORITIES
            and permissions.allows_place(turn.person, rtype)):
        # issue 18: a type with a troubleshooting script asks its questions in direct
        # messages first (the modal cannot); the intake then goes on as in a chat.
        walked = await scripts.start(turn, rtype, {"description": description,
                                                   "priority": priority})
        if walked is not None:
            return FormResult(replies=(Reply(_("Almost done: a few questions about {type} "
                                               "first.", type=rtype.name)), *walked))
    if (rtype is not None and rtype.fields and priority in sla.PRIORITIES
            and permissions.allows_place(turn.person, rtype)):
        # The modal cannot ask fields that depend on the type chosen in it: the intake goes
        # on in direct messages, one field at a time, then the usual summary and Place.
        first_field = rtype.fields[0]
        await turn.set_state("intake.field", type_id=type_id, target_id=int(target) or None,
                             description=description, priority=priority, fields={},
                             field=first_field)
        return FormResult(replies=(Reply(
            _("Almost done: {type} needs a few more details.", type=rtype.name) + "\n"
            + _("{field}:", field=first_field)),))
    req = await services.place(
        e.uow_factory, e.clock, actor_id=turn.person.id, type_id=type_id,
        description=description, target_id=int(target) or None, channel=turn.channel,
        priority=priority,
    )
    if (turn.state.state or "").startswith("intake."):
        await turn.set_state(None)  # a half-done step-by-step intake is superseded
    return FormResult(replies=(
        Reply(_("Request {ref} is placed. I will tell you when someone takes it.",
                ref=req.reference), (button(e.codec, _("My requests"), "my"),)),
    ))


async def _submit_finish(turn: Turn, request_id: int, values: dict[str, str]) -> FormResult:
    e = turn.engine
    errors: dict[str, str] = {}
    minutes = 0
    try:
        minutes = parse_duration(values.get(TIME, ""))
    except DomainError as exc:
        errors[TIME] = translate(exc.text)
    note = values.get(NOTE, "")
    if not note:
        errors[NOTE] = _("Please write a short resolution note.")
    elif len(note) > MAX_NOTE:
        errors[NOTE] = _("That is too long ({length} characters); please keep it under {limit}.",
                         length=len(note), limit=MAX_NOTE)
    if errors:
        return FormResult(errors)
    req = await services.finish(e.uow_factory, e.clock, actor_id=turn.person.id,
                                request_id=request_id, minutes=minutes, note=note,
                                channel=turn.channel)
    if (turn.state.state or "").startswith("finish."):
        await turn.set_state(None)
    return FormResult(replies=(
        Reply(_("{ref} is resolved with {time} logged; the person who asked will confirm it.",
                ref=req.reference, time=format_duration(req.minutes_logged))),
    ))


# -- the overview ---------------------------------------------------------------------------


async def overview(engine: Conversations, inbound: Inbound) -> Overview:
    """The person's page: their open requests (initiators) or their queue (staff)."""

    async def work(turn: Turn) -> Overview:
        e, me = turn.engine, turn.person
        async with e.uow_factory() as uow:
            mine = [r for r in await uow.requests.list_for_initiator(me.id, limit=50)
                    if not r.status.is_final][:OVERVIEW_LIMIT]
            queue = (await uow.requests.list_for_staff(me, limit=OVERVIEW_LIMIT)
                     if turn.is_staff else [])
            names = {t.id: t.name for t in await uow.types.list()}
        sections = []
        if turn.is_staff:
            greeting = _("Hello {name}! New requests for you will arrive here.", name=me.name)
            sections.append(Section(_("Your queue:"), _entries(turn, queue, names),
                                    _("Your queue is empty.")))
            if mine:
                sections.append(Section(_("Your requests:"), _entries(turn, mine, names), ""))
        else:
            greeting = _("Hello {name}! I am the helpdesk bot: tell me what is wrong and I will "
                         "find someone to help.", name=me.name)
            sections.append(Section(_("Your requests:"), _entries(turn, mine, names),
                                    _("You have no requests yet.")))
        return Overview(greeting, tuple(sections), (button(e.codec, _("New request"), "new"),))

    return await _in_turn(engine, inbound, work, lambda message: Overview(message, ()))


def _entries(turn: Turn, reqs: list[Request], names: dict[int, str]) -> tuple[Entry, ...]:
    entries = []
    for req in reqs:
        desc = req.description if len(req.description) <= SNIPPET else (
            req.description[: SNIPPET - 1].rstrip() + "…")
        entries.append(Entry(line(req, names.get(req.type_id, "?")) + "\n" + desc,
                             action_buttons(turn, req)))
    return tuple(entries)
