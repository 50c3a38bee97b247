"""The intake wizard: type, assignee, description, extra fields, summary, place.

Handlers take the ``Turn`` and return the replies for the sender; ``conversations.flows``
registers them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from conversations import clients, free_text, kb, scripts
from conversations.views import (
    button,
)
from core import services, sla
from core.actions import Action
from core.errors import Invalid, Refused
from core.i18n import _
from core.kinds import Role
from core.messages import Button, Reply
from core.model import MAX_DESCRIPTION, MAX_FIELD, MAX_SUBJECT, RequestType, subject_from

if TYPE_CHECKING:
    from conversations.engine import Turn


from conversations import work
from conversations.views import stale


async def start_intake(turn: Turn, *, description: str = "",
                       files: list[list[Any]] | None = None) -> list[Reply]:
    """The first step: the type. ``description`` and ``files`` (kept from a free message,
    see ``conversations.free_text``) go along: the description step is then skipped and the
    files are attached once the request is placed."""
    e = turn.engine
    async with e.uow_factory() as uow:
        types = await uow.types.list(include_internal=turn.is_staff)
    if not types:
        await turn.set_state(None)
        return [Reply(_("No request types are configured yet; please tell your helpdesk admin."))]
    await turn.set_state("intake.type", **_carried({"description": description,
                                                    "files": files or []}))
    return [Reply(_("What is it about?"),
                  tuple(button(e.codec, t.name, "type", 0, str(t.id)) for t in types))]


def _carried(data: dict[str, Any]) -> dict[str, Any]:
    """What the intake carries from step to step before the description is asked."""
    return {k: data[k] for k in ("description", "files", "script", "priority") if data.get(k)}


async def _describe_or_next(turn: Turn, data: dict[str, Any]) -> list[Reply]:
    """Ask the description, unless it came with the first message (then the next field)."""
    if data.get("description"):
        return await _after_description(turn, data)
    await turn.set_state("intake.describe", **data)
    return [describe_prompt()]


async def on_type(turn: Turn, action: Action) -> list[Reply]:
    e = turn.engine
    if turn.state.state != "intake.type":
        return [stale()]  # a type menu left over from an earlier request
    async with e.uow_factory() as uow:
        rtype = await uow.types.get(int(action.arg or 0))
    carried = _carried(turn.state.data)
    if rtype is None or not rtype.active or (rtype.internal and not turn.is_staff):
        return await start_intake(turn, description=str(carried.get("description", "")),
                                  files=carried.get("files"))
    walked = await scripts.start(turn, rtype, carried)  # the type's troubleshooting script
    if walked is not None:
        return walked
    return await after_type(turn, rtype, carried)


async def after_type(turn: Turn, rtype: RequestType, carried: dict[str, Any]) -> list[Reply]:
    """The type is chosen (and its script, if any, walked): the assistant next."""
    e = turn.engine
    async with e.uow_factory(read_only=True) as uow:
        assistants = [p for p in await uow.people.list(Role.ASSISTANT) if p.active]
    if rtype.assistant_ids:  # routing: only the type's assistants
        assistants = [p for p in assistants if p.id in rtype.assistant_ids]
    if not assistants:
        return await _describe_or_next(turn, {**carried, "type_id": rtype.id,
                                              "target_id": None})
    await turn.set_state("intake.assignee", type_id=rtype.id, **carried)
    buttons = (button(e.codec, _("Anyone"), "asg", 0, "0"),) + tuple(
        button(e.codec, p.name, "asg", 0, str(p.id)) for p in assistants
    )
    return [Reply(_("Who should handle it? If you choose nobody, every assistant can take it."),
                  buttons)]



async def on_assignee(turn: Turn, action: Action) -> list[Reply]:
    if turn.state.state != "intake.assignee" or "type_id" not in turn.state.data:
        return [stale()]
    target = int(action.arg or 0) or None
    return await _describe_or_next(turn, {**_carried(turn.state.data),
                                          "type_id": turn.state.data["type_id"],
                                          "target_id": target})


def describe_prompt() -> Reply:
    """The subject first: one short line; a longer message gives its first line."""
    return Reply(_("Describe the problem in a few words.") + "\n" + _(
        "The first line is its subject (at most {limit} characters); write more on the next "
        "lines if you like.", limit=MAX_SUBJECT))



async def on_description(turn: Turn, text: str) -> list[Reply]:
    if not text:
        return [Reply(_("Please describe the problem in a few words."))]
    if len(text) > MAX_DESCRIPTION:
        return [Reply(_("That is too long ({length} characters); please keep it under {limit}.",
                        length=len(text), limit=MAX_DESCRIPTION))]
    data = {**turn.state.data, "description": text, "subject": subject_from(text)}
    return await _after_description(turn, data)


# -- knowledge base (issue 18): matching articles are offered after the description --------
async def _after_description(turn: Turn, data: dict[str, Any]) -> list[Reply]:
    """Offer matching articles (``conversations.kb``), else go on with the next field."""
    offered = await kb.offer(turn, data)
    return offered if offered is not None else await _next_field(turn, data)


async def after_offer(turn: Turn, data: dict[str, Any]) -> list[Reply]:
    """"No, place the request" on the offered articles: the intake goes on."""
    return await _next_field(turn, data)


async def on_edit_subject(turn: Turn, action: Action) -> list[Reply]:
    """``Subject`` on the summary: write a different subject."""
    if turn.state.state != "intake.summary" or "description" not in turn.state.data:
        return [stale()]
    await turn.set_state("intake.subject", **turn.state.data)
    return [Reply(_("The subject now: {subject}\nWrite a new one (at most {limit} characters).",
                    subject=str(turn.state.data.get("subject") or ""), limit=MAX_SUBJECT))]


async def on_subject(turn: Turn, text: str) -> list[Reply]:
    if not text.strip():
        return [Reply(_("Please write a short subject."))]
    if len(text) > MAX_SUBJECT or "\n" in text.strip():
        return [Reply(_("A subject is one line of at most {limit} characters.",
                        limit=MAX_SUBJECT))]
    data = {**turn.state.data, "subject": " ".join(text.split())}
    await turn.set_state("intake.summary", **data)
    return [await summary(turn, data)]



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
    return [await summary(turn, data)]



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



async def summary(turn: Turn, data: dict[str, object]) -> Reply:
    """The intake's summary with Place, Cancel, Priority, Subject (and staff's buttons)."""
    e = turn.engine
    async with e.uow_factory() as uow:
        rtype = await uow.types.get(int(str(data["type_id"])))
        target_id = data.get("target_id")
        target = await uow.people.get(int(str(target_id))) if target_id else None
    text = "\n".join([
        _("Please check your request:"),
        _("Type: {type}", type=rtype.name if rtype else "?"),
        _("Assistant: {name}", name=target.name if target else _("anyone")),
        _("Subject: {subject}", subject=_subject(data)),
        _("Problem: {description}", description=data["description"]),
        *(f"{name}: {value}" for name, value in _fields(data).items()),
        _("Priority: {priority}", priority=sla.priority_label(_priority(data))),
    ])
    if data.get("client_label"):
        text += "\n" + _("For: {name}", name=data["client_label"])
    path = scripts.path_of(data)
    if path is not None:  # the troubleshooting answers (with the notes, for staff)
        text += "\n" + "\n".join(scripts.path_lines(turn, path))
    buttons: tuple[Button, ...] = (button(e.codec, _("Place"), "place"),
                                   button(e.codec, _("Cancel"), "drop"),
                                   button(e.codec, _("Priority"), "prio"),
                                   button(e.codec, _("Subject"), "subj"))
    if turn.is_staff:
        buttons += (button(e.codec, _("For a client"), "client"),
                    button(e.codec, _("Place and resolve"), "place", 0, "resolve"),
                    button(e.codec, _("Save draft"), "draft"))
    return Reply(text, buttons)


def _subject(data: dict[str, object]) -> str:
    return str(data.get("subject") or subject_from(str(data.get("description") or "")))



async def on_for_client(turn: Turn, action: Action) -> list[Reply]:
    """Staff placing a request for a client who phoned or e-mailed: ask who it is."""
    if (turn.state.state != "intake.summary" or "description" not in turn.state.data
            or not turn.is_staff):
        return [stale()]
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
    return [await summary(turn, data)]



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



def _priority(data: dict[str, object]) -> str:
    priority = str(data.get("priority") or sla.DEFAULT_PRIORITY)
    return priority if priority in sla.PRIORITIES else sla.DEFAULT_PRIORITY



async def on_priority(turn: Turn, action: Action) -> list[Reply]:
    """Priority on the summary (or, with a request, on a staff member's card): without an
    argument, offer the choices; with one, set it and show the summary (the card) again."""
    e, data = turn.engine, turn.state.data
    if action.request_id:
        return await work.triage(turn, action)
    if turn.state.state != "intake.summary" or "description" not in data:
        return [stale()]
    if not action.arg:
        return [Reply(_("How urgent is it?"), tuple(
            button(e.codec, sla.priority_label(p), "prio", 0, p) for p in sla.PRIORITIES))]
    if action.arg not in sla.PRIORITIES:
        return [stale()]
    data = {**data, "priority": action.arg}
    await turn.set_state("intake.summary", **data)
    return [await summary(turn, data)]



async def on_place(turn: Turn, action: Action) -> list[Reply]:
    e, data = turn.engine, turn.state.data
    if turn.state.state != "intake.summary" or "description" not in data:
        return [Reply(_("There is nothing to place. Send /new to start a request."))]
    resolve = action.arg == "resolve" and turn.is_staff
    try:
        req = await services.place(
            e.uow_factory, e.clock, actor_id=turn.person.id, type_id=int(data["type_id"]),
            description=str(data["description"]), target_id=data.get("target_id"),
            channel=turn.channel, fields=_fields(data), priority=_priority(data),
            initiator_id=await _initiator_for(turn, data), subject=_subject(data),
            claim=resolve,
        )
        if data.get("draft_id"):  # a continued draft is placed: it is no longer a draft
            async with e.uow_factory() as uow:
                await uow.drafts.delete(turn.person.id, int(data["draft_id"]))
                await uow.commit()
    except (Invalid, Refused):
        await turn.set_state(None)
        raise
    await turn.set_state(None)
    await scripts.attach(turn, req.id or 0, data)  # the troubleshooting answers, if any
    attached = await free_text.attach_kept(turn, req.id or 0, free_text.pending_files(data))
    if resolve:  # resolved at first contact (003 "Wyślij i rozstrzygnij"): time and note
        await turn.set_state("finish.time", request_id=req.id)
        return [Reply(_("Request {ref} is placed and claimed by you. How much time did you "
                        "spend on it? For example 1h30, 90m, 1:30 or 45.", ref=req.reference),
                      edit=True), *attached]
    if req.initiator_id != turn.person.id:
        return [Reply(_("Request {ref} is placed for {name}; they are told on their channel.",
                        ref=req.reference, name=str(data.get("client_label") or "?")),
                      (button(e.codec, req.reference, "view", req.id or 0),), edit=True),
                *attached]
    return [Reply(_("Request {ref} is placed. I will tell you when someone takes it.",
                    ref=req.reference),
                  (button(e.codec, _("My requests"), "my"),), edit=True), *attached]



async def on_drop(turn: Turn, action: Action) -> list[Reply]:
    await turn.set_state(None)
    return [Reply(_("Discarded; nothing was placed."), edit=True)]



async def on_new(turn: Turn, action: Action) -> list[Reply]:
    """New request; a message waiting for "which request?" / "reopen?" becomes its
    description (nothing the person wrote is lost)."""
    data = turn.state.data
    if turn.state.state in free_text.PENDING_STATES and not turn.is_staff:
        return await start_intake(turn, description=free_text.joined(
            free_text.pending_texts(data)), files=free_text.pending_files(data))
    return await start_intake(turn)



async def more_description(turn: Turn, text: str) -> list[Reply]:
    """Text typed while the intake waits for a button: it becomes (part of) the description,
    and the same choice is offered again (nothing the person wrote is lost)."""
    data = dict(turn.state.data)
    description = "\n".join(filter(None, (str(data.get("description") or ""), text)))
    if len(description) > MAX_DESCRIPTION:
        return [Reply(_("That is too long ({length} characters); please keep it under {limit}.",
                        length=len(description), limit=MAX_DESCRIPTION))]
    data["description"] = description
    state = turn.state.state or ""
    await turn.set_state(state, **data)
    if state == "intake.summary":
        return [Reply(_("Added to the description.")), await summary(turn, data)]
    noted = Reply(_("Noted as the description of your request. Please choose one of the "
                    "options above, or send /cancel."))
    menu = await _menu_again(turn, state, data)
    return [noted] + ([menu] if menu is not None else [])


async def unfinished(turn: Turn) -> list[Reply] | None:
    """An intake that already holds what the person wrote, taken up again after something
    else was shown (``/my``): a reminder and its pending step; None when there is none (the
    dialog may then be dropped: nothing written is lost)."""
    state, data = turn.state.state or "", dict(turn.state.data)
    if state not in ("intake.type", "intake.assignee", "intake.summary") \
            or not data.get("description"):
        return None
    step = await (summary(turn, data) if state == "intake.summary"
                  else _menu_again(turn, state, data))
    if step is None:
        return None
    return [Reply(_("Your new request is not placed yet; I kept what you wrote. Go on "
                    "below, or send /cancel to drop it.")), step]


async def typed_choice(turn: Turn, text: str) -> list[Reply] | None:
    """Text that spells one of the open type or assignee choices ("peripherals", "Ana",
    case and spaces aside) presses that button; None when it names none of them."""
    state = turn.state.state or ""
    menu = await _menu_again(turn, state, dict(turn.state.data))
    wanted = " ".join(text.split()).casefold()
    for choice in menu.buttons if menu is not None else ():
        if " ".join(choice.label.split()).casefold() == wanted:
            action = turn.engine.codec.unpack(choice.payload)
            return await (on_type if state == "intake.type" else on_assignee)(turn, action)
    return None


async def _menu_again(turn: Turn, state: str, data: dict[str, Any]) -> Reply | None:
    """The type or assignee choices again (the menu is the newest message then)."""
    e = turn.engine
    async with e.uow_factory(read_only=True) as uow:
        if state == "intake.type":
            types = await uow.types.list(include_internal=turn.is_staff)
            return Reply(_("What is it about?"),
                         tuple(button(e.codec, t.name, "type", 0, str(t.id)) for t in types))
        rtype = await uow.types.get(int(str(data.get("type_id") or 0)))
        assistants = [p for p in await uow.people.list(Role.ASSISTANT) if p.active]
    if rtype is None:
        return None
    if rtype.assistant_ids:
        assistants = [p for p in assistants if p.id in rtype.assistant_ids]
    return Reply(_("Who should handle it? If you choose nobody, every assistant can take it."),
                 (button(e.codec, _("Anyone"), "asg", 0, "0"),) + tuple(
                     button(e.codec, p.name, "asg", 0, str(p.id)) for p in assistants))
