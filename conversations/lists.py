"""Lists and cards: what a person sees of their requests, with the buttons they may press.

Handlers take the ``Turn`` and return the replies for the sender; ``conversations.flows``
registers them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from conversations import attachments, free_text, history, scripts, visits
from conversations.views import (
    button,
    confirm_buttons,
    left_text,
    more_work_buttons,
    rating_buttons,
    resolution_label,
    status_label,
    wait_label,
    waiting_buttons,
)
from core import permissions, services, sla
from core.actions import Action
from core.durations import format_duration
from core.errors import NotFound
from core.i18n import N_, Text, _, format_datetime, translate
from core.kinds import Act, Resolution, Status, WaitReason
from core.messages import Button, Reply
from core.model import Request, RequestLine
from core.ports import Account

if TYPE_CHECKING:
    from conversations.engine import Turn


def line(req: Request | RequestLine, type_name: str, extra: str = "") -> str:
    parts = [req.reference, type_name]
    if req.subject:
        parts.append(req.subject)
    parts.append(status_label(req.status))
    if req.assignee_name and req.status is not Status.OPEN:
        parts[-1] += f" ({req.assignee_name})"
    if req.minutes_logged:
        parts.append(_("{time} logged", time=format_duration(req.minutes_logged)))
    return "• " + " — ".join(parts) + extra



async def my_requests(turn: Turn) -> list[Reply]:
    e = turn.engine
    reqs: list[Request] | list[RequestLine]
    async with e.uow_factory(read_only=True) as uow:
        if turn.is_staff:
            reqs = await uow.requests.list_for_staff(turn.person, limit=10)
            title, empty = _("Your queue:"), _("Your queue is empty.")
        else:
            reqs = await uow.requests.lines_for_initiator(turn.person.id, limit=10)
            title, empty = _("Your requests:"), _("You have no requests yet.")
        if not reqs:
            return [Reply(empty, (button(e.codec, _("New request"), "new"),))]
        names: dict[int, str] = {}
        if any(r.type_name is None for r in reqs):  # loaded with the requests (one statement)
            names = {t.id: t.name for t in await uow.types.list()}
    lines = [title] + [line(r, r.type_name or names.get(r.type_id, "?")) for r in reqs]
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
        placer_id = next((ev.actor_id for ev in req.events if ev.action == "place"), None)
        placer = (await uow.people.get(placer_id)
                  if placer_id and placer_id != req.initiator_id else None)
        accounts = (await uow.people.accounts(req.initiator_id)
                    if turn.is_staff and req.initiator_id != turn.person.id else [])
        organization = (await uow.organizations.get(req.organization_id)
                        if turn.is_staff and req.organization_id else None)
    lines = [
        f"{req.reference} — {rtype.name if rtype else '?'}",
        _("Subject: {subject}", subject=req.subject or "—"),
        _("Status: {status}", status=status_label(req.status)),
        _("From: {name}", name=initiator.name if initiator else "?"),
    ]
    if placer is not None:  # placed for a client who phoned or e-mailed
        lines.append(_("Placed by {name} for the client", name=placer.name))
    contacts = contact_line(accounts)
    if contacts:
        lines.append(_("Contact: {contacts}", contacts=contacts))
    if organization is not None:
        lines.append(_("Organization: {name}", name=organization.name))
    lines += [
        _("Placed: {date}", date=format_datetime(
            req.created_at, turn.person.timezone or turn.engine.default_timezone)),
        _("Problem: {description}", description=req.description),
    ]
    lines += [f"{name}: {value}" for name, value in req.fields.items()]
    if req.priority != sla.DEFAULT_PRIORITY:
        lines.append(_("Priority: {priority}", priority=sla.priority_label(req.priority)))
    if req.assignee_name:
        lines.append(_("Assistant: {name}", name=req.assignee_name))
    if req.minutes_logged:
        lines.append(_("Time logged: {time}", time=format_duration(req.minutes_logged)))
    if req.resolution_note:
        lines.append(_("Note: {note}", note=req.resolution_note))
    lines += await attachments.card_lines(turn, req.id or 0)
    lines += await scripts.card_lines(turn, req.id or 0)  # troubleshooting answers (issue 18)
    lines.extend(workflow_lines(turn, req))
    visit_lines, visit_buttons = await visits.card_lines(turn, req)  # issue 18
    lines += visit_lines
    await free_text.remember_card(turn, req.id or 0)
    buttons = _card_buttons(turn, req)
    return [Reply("\n".join(lines), buttons[:-1] + visit_buttons + buttons[-1:])]



CONTACT_LABELS = {"sms": N_("phone"), "email": N_("e-mail"), "telegram": N_("Telegram"),
                  "slack": N_("Slack")}


def contact_line(accounts: list[Account]) -> str:
    """How staff can reach the person who placed it: phone, e-mail, Telegram, Slack."""
    parts = []
    for account in accounts:
        label = CONTACT_LABELS.get(account.channel)
        if label is None:
            continue
        address = account.address
        if account.channel == "slack":
            address = f"<@{address}>"
        parts.append(f"{translate(Text(label))} {address}")
    return ", ".join(parts)


def workflow_lines(turn: Turn, req: Request) -> list[str]:
    """Waiting reason, resolution method, SLA time left and the rating, as the card shows."""
    now, zone = turn.engine.clock.now(), turn.person.timezone or turn.engine.default_timezone
    lines: list[str] = []
    if req.status is Status.WAITING and req.wait_reason is not None:
        label = wait_label(req.wait_reason)
        if req.wait_reason is WaitReason.UNTIL and req.wait_until is not None:
            label = _("on hold until {date}", date=format_datetime(req.wait_until, zone))
        lines.append(_("Waiting: {reason}", reason=label))
        answer_by = _answer_by(req)
        if answer_by is not None and req.initiator_id == turn.person.id:
            lines.append(_("Please answer by {date}; without an answer it closes by itself "
                           "then.", date=format_datetime(answer_by, zone)))
        elif answer_by is not None:
            lines.append(_("Closes by itself on {date} without an answer.",
                           date=format_datetime(answer_by, zone)))
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



def _answer_by(req: Request) -> datetime | None:
    """When a question to the customer closes the request unanswered (001, 003)."""
    if (req.wait_reason is WaitReason.CUSTOMER and req.wait_autoclose_days
            and req.wait_since is not None):
        return req.wait_since + timedelta(days=req.wait_autoclose_days)
    return None


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
            if permissions.allows(Act.REASSIGN, turn.person, req):
                extra += (button(c, _("Reassign"), "reassign", rid),)
            if permissions.allows(Act.SPLIT, turn.person, req):
                extra += (button(c, _("Split"), "split", rid),)
            if permissions.allows(Act.MERGE, turn.person, req):
                extra += (button(c, _("Merge into HD-…"), "merge", rid),)
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
    if not me.role.is_staff:
        return ()

    def may(act: Act) -> bool:  # staff see every request (STAFF_SEE_ALL), act on their own
        return permissions.allows(act, me, req)

    if req.status is Status.OPEN:
        # Finish without claiming (004): it is claimed for the person finishing.
        return tuple(b for b, act in ((button(c, _("Claim"), "claim", rid), Act.CLAIM),
                                      (button(c, _("Finish"), "finish", rid), Act.FINISH))
                     if may(act))
    if req.status is Status.WAITING:
        return waiting_buttons(c, rid) if may(Act.RESUME) else ()
    if req.status is Status.IN_PROGRESS:
        if not may(Act.FINISH):
            return ()
        extra = (button(c, _("Correct time"), "correct", rid),) if req.was_resolved else ()
        return more_work_buttons(c, rid) + extra
    if req.status is Status.RESOLVED:
        found: tuple[Button, ...] = ()
        if may(Act.CORRECT_TIME):
            found += (button(c, _("Correct time"), "correct", rid),)
        if may(Act.STAFF_REOPEN):
            found += (button(c, _("Reopen"), "sreopen", rid),)
        return found
    return ()


