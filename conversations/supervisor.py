"""The supervisor's chat commands: ``/queue``, ``/reassign``, ``/stats`` and ``/report``.

``/queue`` shows every live request (open, in progress, waiting) with its assistant and SLA
time left, overdue first, in pages with Previous / Next. Supervisors may open every line;
an assistant sees the same queue but opens only what they may see (someone else's claimed
request is a line without a button). Who may do what is decided in ``core.permissions``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from conversations.views import REFERENCE_PREFIX, button, left_text, stale, status_label
from core import permissions, services, sla
from core.actions import Action
from core.durations import format_duration
from core.errors import Invalid, NotFound
from core.i18n import N_, _
from core.kinds import Role, Status
from core.messages import Attachment, Button, Reply
from core.model import Request
from core.report_ports import GROUPINGS, Period, Stats

if TYPE_CHECKING:
    from conversations.engine import Turn

PAGE_SIZE = 10


# -- /queue ----------------------------------------------------------------------------------


async def queue_command(turn: Turn, arg: str) -> list[Reply]:
    """``/queue`` or, for supervisors, ``/queue ORGANIZATION`` (that organization's requests)."""
    permissions.check_role_action("queue", turn.person)
    organization_id = 0
    name = " ".join(arg.split())
    if name:
        permissions.check_role_action("organization_requests", turn.person)
        async with turn.engine.uow_factory(read_only=True) as uow:
            org = await uow.organizations.by_name(name)
        if org is None:
            raise NotFound(N_("There is no organization called {name}."), name=name[:60])
        organization_id = org.id
    return [await queue_page(turn, 0, organization_id)]


async def on_queue(turn: Turn, action: Action) -> list[Reply]:
    """Previous / Next: ``arg`` is ``PAGE`` or ``PAGE.ORGANIZATION``."""
    permissions.check_role_action("queue", turn.person)
    page_text, _sep, org_text = action.arg.partition(".")
    if not page_text.isdigit() or (org_text and not org_text.isdigit()):
        return [stale()]
    organization_id = int(org_text or 0)
    if organization_id:
        permissions.check_role_action("organization_requests", turn.person)
    reply = await queue_page(turn, int(page_text), organization_id)
    return [Reply(reply.text, reply.buttons, edit=True)]


async def queue_page(turn: Turn, page: int, organization_id: int = 0) -> Reply:
    e = turn.engine
    now = e.clock.now()
    async with e.uow_factory(read_only=True) as uow:
        reqs, total = await uow.requests.queue(page * PAGE_SIZE, PAGE_SIZE, now,
                                               organization_id or None)
        names = {t.id: t.name for t in await uow.types.list_all()}
    if not reqs:
        if page:
            return await queue_page(turn, 0, organization_id)
        return Reply(_("The queue is empty: no open, in-progress or waiting requests."))
    pages = -(-total // PAGE_SIZE)
    lines = [_("Queue, page {page} of {pages} ({total} live requests):", page=page + 1,
               pages=pages, total=total)]
    buttons: list[Button] = []
    for req in reqs:
        lines.append(queue_line(req, names.get(req.type_id, "?"), now))
        if not permissions.queue_read_only(turn.person, req):
            buttons.append(button(e.codec, req.reference, "view", req.id or 0))
    suffix = f".{organization_id}" if organization_id else ""
    if page > 0:
        buttons.append(button(e.codec, _("Previous"), "queue", 0, f"{page - 1}{suffix}"))
    if page + 1 < pages:
        buttons.append(button(e.codec, _("Next"), "queue", 0, f"{page + 1}{suffix}"))
    return Reply("\n".join(lines), tuple(buttons))


def queue_line(req: Request, type_name: str, now: datetime) -> str:
    """``• HD-… — Type — in progress (Ana) — 2 h left``."""
    state = status_label(req.status)
    if req.assignee_name and req.status is not Status.OPEN:
        state += f" ({req.assignee_name})"
    parts = [req.reference, type_name, state]
    if req.priority != sla.DEFAULT_PRIORITY:
        parts.append(sla.priority_label(req.priority))
    left: timedelta | None
    if req.status is Status.OPEN and req.claim_due is not None:
        left = req.claim_due - now
    else:
        left = sla.resolve_left(req, now)
    if left is not None:
        text = left_text(-(-int(left.total_seconds()) // 60))
        if sla.resolve_paused(req) and req.status is not Status.OPEN:
            text += " " + _("(paused while waiting)")
        parts.append(text)
    return "• " + " — ".join(parts)


# -- /reassign -------------------------------------------------------------------------------


async def reassign_command(turn: Turn, arg: str) -> list[Reply]:
    """``/reassign HD-… NAME``; without a name, the choice of assistants."""
    ref, _sep, name = arg.strip().partition(" ")
    if not ref.upper().startswith(REFERENCE_PREFIX):
        return [Reply(_("Write /reassign HD-… NAME, e.g. /reassign HD-2026-000042 Ana."))]
    e = turn.engine
    async with e.uow_factory(read_only=True) as uow:
        req = await uow.requests.by_reference(ref)
        if req is None:
            raise NotFound(N_("There is no request {ref}."), ref=ref[:40])
        permissions.check("reassign", turn.person, req)
        name = " ".join(name.split())
        if not name:
            return [await _choices(turn, req)]
        to = await uow.people.by_name(name)
    if to is None or not to.active or not to.role.is_staff:
        raise Invalid(N_("There is no assistant called {name}."), name=name[:60])
    return await _reassign(turn, req.id or 0, to.id)


async def on_reassign(turn: Turn, action: Action) -> list[Reply]:
    """The card's Reassign button (no ``arg``: the choice), then an assistant (``arg`` = id)."""
    e = turn.engine
    if not action.arg:
        req = await services.check_allowed(e.uow_factory, actor_id=turn.person.id,
                                           request_id=action.request_id, act="reassign")
        return [await _choices(turn, req)]
    if not action.arg.isdigit():
        return [stale()]
    replies = await _reassign(turn, action.request_id, int(action.arg))
    return [Reply(r.text, r.buttons, edit=True) for r in replies]


async def _choices(turn: Turn, req: Request) -> Reply:
    e = turn.engine
    async with e.uow_factory(read_only=True) as uow:
        staff = [p for p in await uow.people.list() if p.active and p.role.is_staff
                 and p.id not in (req.assignee_id, req.initiator_id)]
    staff.sort(key=lambda p: (p.role is Role.SUPERVISOR, p.name.casefold()))
    if not staff:
        return Reply(_("There is nobody else to give {ref} to.", ref=req.reference))
    rid = req.id or 0
    return Reply(_("Who should take over {ref}?", ref=req.reference),
                 tuple(button(e.codec, p.name, "reassign", rid, str(p.id)) for p in staff[:20]))


async def _reassign(turn: Turn, request_id: int, to_id: int) -> list[Reply]:
    e = turn.engine
    req = await services.reassign(e.uow_factory, e.clock, actor_id=turn.person.id,
                                  request_id=request_id, to_id=to_id, channel=turn.channel)
    return [Reply(_("{ref} now belongs to {name}; they, the previous assistant and the person "
                    "who asked were told.", ref=req.reference, name=req.assignee_name or "?"))]


# -- /stats ----------------------------------------------------------------------------------


async def stats_command(turn: Turn) -> list[Reply]:
    """Today and this week (from Monday), in the supervisor's time zone."""
    permissions.check_role_action("stats", turn.person)
    e = turn.engine
    if e.reports is None:
        return [Reply(_("Sorry, something went wrong on our side. Please try again."))]
    zone = ZoneInfo(turn.person.timezone or e.default_timezone)
    local = e.clock.now().astimezone(zone)
    today = local.replace(hour=0, minute=0, second=0, microsecond=0)
    week = today - timedelta(days=today.weekday())
    day_stats = await e.reports.stats(today.astimezone(UTC))
    week_stats = await e.reports.stats(week.astimezone(UTC))
    return [Reply(_("Today:") + "\n" + _stats_text(day_stats) + "\n\n" + _("This week:")
                  + "\n" + _stats_text(week_stats))]


def _stats_text(s: Stats) -> str:
    def minutes(value: int | None) -> str:
        return format_duration(value) if value is not None else "—"

    rating = f"{s.average_rating:.2f}" if s.average_rating is not None else "—"
    return "\n".join([
        _("placed {n}, claimed {claimed}, resolved {resolved}, confirmed {confirmed}, "
          "SLA breaches {breached}", n=s.placed, claimed=s.claimed, resolved=s.resolved,
          confirmed=s.confirmed, breached=s.breached),
        _("median time to claim {claim}, to resolve {resolve}; average rating {rating}",
          claim=minutes(s.median_claim_minutes), resolve=minutes(s.median_resolve_minutes),
          rating=rating),
    ])


# -- /report ---------------------------------------------------------------------------------


async def report_command(turn: Turn, arg: str) -> list[Reply]:
    """``/report [organization|assistant|type|initiator]``: this month's hours as a CSV file
    where the channel takes files, and always a short summary."""
    permissions.check_role_action("report", turn.person)
    e = turn.engine
    by = arg.strip().lower() or "organization"
    if by not in GROUPINGS:
        return [Reply(_("Write /report organization, assistant, type or initiator."))]
    if e.reports is None:
        return [Reply(_("Sorry, something went wrong on our side. Please try again."))]
    zone_name = turn.person.timezone or e.default_timezone
    local = e.clock.now().astimezone(ZoneInfo(zone_name)).date()
    first = local.replace(day=1)
    period = Period(first, local, zone_name)
    report = await e.reports.time(period, by)
    lines = [_("Hours from {first} to {last}: confirmed / unconfirmed / disputed",
               first=first.isoformat(), last=local.isoformat())]
    for row in report.rows[:15]:
        lines.append(f"• {row.label}: {hours(row.confirmed)} / {hours(row.unconfirmed)} / "
                     f"{hours(row.disputed)}")
    if not report.rows:
        lines.append(_("No time was logged in this period."))
    attachments: tuple[Attachment, ...] = ()
    if e.report_files is not None and report.rows:
        key, name, size = await e.report_files.time_file(report)
        attachments = (Attachment(name, "text/csv", size, key=key),)
    return [Reply("\n".join(lines), attachments=attachments)]


def hours(minutes: int) -> str:
    return f"{minutes / 60:.2f} h"
