"""A request's history as one person reads it: ``/history [HD-…]``, the card's History button
and the link pages.

Every event of the request (placed, claimed, comments, waiting, finished, confirmed…) becomes
one line with who and when, in the reader's language and time zone, oldest first; only the
last ``LIMIT`` are shown, with the number of earlier ones. The initiator sees the public lines
only (even a member of staff on a request they placed for themselves); assistants and
supervisors see internal notes too (``core.permissions``). A line is internal when its event
says so (``details["internal"]``), when the comment it recorded is internal, or when it is a
staff-only event (SLA warnings).
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from conversations.views import REFERENCE_PREFIX, button, status_label
from core import services
from core.actions import Action
from core.durations import format_duration
from core.errors import NotFound
from core.i18n import N_, _, format_datetime, ngettext, use_language
from core.kinds import Status
from core.messages import Button, Reply
from core.model import Comment, Person, Request
from core.permissions import can_see, can_see_internal
from core.sla import priority_label

if TYPE_CHECKING:
    from conversations.engine import Conversations, Turn

LIMIT = 20  # lines shown; the number of earlier ones is said
SNIPPET = 200  # characters of a comment shown in a line
MENU = 10  # requests offered by /history without a reference
# Events that record a comment (its text is shown on their line).
COMMENT_ACTIONS = frozenset({"comment", "dispute", "reopen", "reply", "staff_reopen"})
# Events only staff see, whatever their details say.
STAFF_ONLY_ACTIONS = frozenset({"sla_warning", "sla_breach", "priority"})  # staff triage


@dataclass(frozen=True)
class Line:
    """One interaction on a request, before it is worded for a reader."""

    at: datetime
    action: str
    actor_id: int | None
    internal: bool
    from_status: Status | None = None
    to_status: Status | None = None
    details: dict[str, Any] = field(default_factory=dict)
    body: str | None = None


def lines_of(req: Request) -> list[Line]:
    """Every event of ``req`` in order, each with the text of the comment it recorded.

    A comment is matched to its event by author and moment (they are written together); a
    comment no event claims still gets a line of its own, so nothing is ever left out."""
    pending: dict[tuple[int, datetime], deque[Comment]] = defaultdict(deque)
    for written in req.comments:
        pending[(written.author_id, written.at)].append(written)
    lines: list[Line] = []
    for event in req.events:
        details = dict(event.details or {})
        comment: Comment | None = None
        body: str | None = None
        if event.action in COMMENT_ACTIONS:
            queue = pending.get((event.actor_id or 0, event.at))
            comment = queue.popleft() if queue else None
            body = comment.body if comment else details.get("body") or details.get("reason")
        internal = (bool(details.get("internal")) or bool(comment and comment.internal)
                    or event.action in STAFF_ONLY_ACTIONS)
        lines.append(Line(event.at, event.action, event.actor_id, internal, event.from_status,
                          event.to_status, details, str(body) if body is not None else None))
    for queue in pending.values():
        for comment in queue:
            lines.append(Line(comment.at, "comment", comment.author_id, comment.internal,
                              body=comment.body))
    lines.sort(key=lambda line: line.at)  # stable: events keep their order
    return lines


def visible_lines(req: Request, reader: Person) -> list[Line]:
    """The lines ``reader`` may read: none unless they may see the request; internal ones
    only for staff."""
    if not can_see(reader, req):
        return []
    staff = can_see_internal(reader, req)
    return [line for line in lines_of(req) if staff or not line.internal]


def _snippet(text: str | None) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= SNIPPET else flat[: SNIPPET - 1].rstrip() + "…"


def _minutes(value: Any) -> str:
    try:
        return format_duration(int(value))
    except (TypeError, ValueError):
        return "?"


def describe(line: Line) -> str:
    """What happened, in the current reader's language (call inside ``use_language``)."""
    d = line.details
    match line.action:
        case "place":
            return _("placed the request ({type})", type=d.get("type", "?"))
        case "claim":
            return _("claimed it")
        case "release":
            return _("released it back to the queue")
        case "cancel":
            return _("cancelled it")
        case "finish":
            return _("resolved it with {time} logged", time=_minutes(d.get("total",
                                                                           d.get("minutes"))))
        case "correct_time":
            return _("corrected the time: {before} → {time}", before=_minutes(d.get("from")),
                     time=_minutes(d.get("to")))
        case "confirm":
            return _("confirmed it ({time})", time=_minutes(d.get("minutes")))
        case "dispute":
            return _("disputed it: “{reason}”", reason=_snippet(line.body))
        case "ask_release":
            return _("asked for it to be released")
        case "split":
            return _("split off {ref}", ref=d.get("to", "?"))
        case "split_from":
            return _("split it off {ref}", ref=d.get("from", "?"))
        case "merge":
            return _("merged it into {ref}", ref=d.get("into", "?"))
        case "merged_from":
            return _("merged {ref} into it", ref=d.get("from", "?"))
        case "staff_reopen":
            return _("reopened it: “{reason}”", reason=_snippet(line.body))
        case "rate":
            return _("rated it")
        case "attach":
            return _("attached a file")
        case "priority":
            return _("priority: {before} → {after}", before=priority_label(d.get("from")),
                     after=priority_label(d.get("to")))
        case "sla_warning":
            return _("SLA warning")
        case "sla_breach":
            return _("SLA deadline missed")
        case "visit_proposed":  # visits on site (issue 18)
            return _("proposed a visit ({time})", time=_minutes(d.get("minutes")))
        case "visit_planned":
            return _("accepted the visit")
        case "visit_moved":
            return _("moved the visit ({time})", time=_minutes(d.get("minutes")))
        case "visit_cancelled":
            return _("cancelled the visit")
        case "visit_done":
            return _("marked the visit done")
    if line.body is not None:
        if line.internal:
            return _("internal note: “{body}”", body=_snippet(line.body))
        return _("comment: “{body}”", body=_snippet(line.body))
    if line.from_status is not None and line.to_status is not None \
            and line.from_status is not line.to_status:
        return _("status: {before} → {after}", before=status_label(line.from_status),
                 after=status_label(line.to_status))
    return _("updated it")


def render(req: Request, lines: list[Line], names: dict[int, str], timezone: str,
           limit: int = LIMIT) -> str:
    """The history text: a title, how many earlier lines are left out, then the last
    ``limit`` lines, oldest first (call inside ``use_language``)."""
    text = [_("History of {ref}:", ref=req.reference)]
    earlier = max(0, len(lines) - limit)
    if earlier:
        text.append(ngettext("({n} earlier event not shown)", "({n} earlier events not shown)",
                             earlier))
    for line in lines[earlier:]:
        who = names.get(line.actor_id or 0) if line.actor_id is not None else None
        text.append(_("• {when} — {who}: {what}", when=format_datetime(line.at, timezone),
                      who=who or _("Helpdesk"), what=describe(line)))
    if not lines:
        text.append(_("Nothing has happened yet."))
    return "\n".join(text)


async def history_text(engine: Conversations, reader: Person, request_id: int) -> str:
    """The history of ``request_id`` as ``reader`` reads it (in the current language);
    raises ``DomainError`` when they may not see the request."""
    async with engine.uow_factory() as uow:
        req = await services.load_visible(uow, reader, request_id)
        lines = visible_lines(req, reader)
        names: dict[int, str] = {}
        for actor_id in {line.actor_id for line in lines if line.actor_id is not None}:
            person = await uow.people.get(actor_id)
            if person is not None:
                names[actor_id] = person.name
    return render(req, lines, names, reader.timezone or engine.default_timezone)


async def for_person(engine: Conversations, person_id: int, request_id: int) -> str:
    """The history as ``person_id`` reads it, in their language (link pages show it under the
    card); raises ``DomainError`` when they may not see the request."""
    async with engine.uow_factory() as uow:
        person = await uow.people.get(person_id)
    if person is None:
        raise NotFound(N_("Unknown person."))
    with use_language(person.language or engine.default_language):
        return await history_text(engine, person, request_id)


# -- the dialog: /history, the History button ----------------------------------------------


def history_button(turn: Turn, req: Request) -> Button:
    """The card's History button."""
    return button(turn.engine.codec, _("History"), "history", req.id or 0)


async def show(turn: Turn, request_id: int) -> list[Reply]:
    text = await history_text(turn.engine, turn.person, request_id)
    return [Reply(text, (button(turn.engine.codec, _("Back to the request"), "view",
                                request_id),))]


async def on_history(turn: Turn, action: Action) -> list[Reply]:
    return await show(turn, action.request_id)


async def command(turn: Turn, arg: str) -> list[Reply]:
    """``/history HD-2026-000042``; without a reference, the person's requests to choose
    from (straight to the history when there is only one)."""
    reference = arg.strip()
    if reference:
        if not reference.upper().startswith(REFERENCE_PREFIX) or " " in reference:
            return [Reply(_("Write it like this: /history HD-2026-000042"))]
        async with turn.engine.uow_factory() as uow:
            req = await uow.requests.by_reference(reference)
        if req is None:
            raise NotFound(N_("There is no request {ref}."), ref=reference[:40])
        return await show(turn, req.id or 0)
    async with turn.engine.uow_factory() as uow:
        if turn.is_staff:
            reqs = await uow.requests.list_for_staff(turn.person, limit=MENU)
        else:
            reqs = await uow.requests.list_for_initiator(turn.person.id, limit=MENU)
    if not reqs:
        empty = _("Your queue is empty.") if turn.is_staff else _("You have no requests yet.")
        return [Reply(empty)]
    if len(reqs) == 1:
        return await show(turn, reqs[0].id or 0)
    codec = turn.engine.codec
    return [Reply(_("Which request's history? Or send /history HD-2026-000042."),
                  tuple(button(codec, r.reference, "history", r.id or 0) for r in reqs))]
