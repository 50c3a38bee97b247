"""Use cases of on-site visits (issue 18): propose, answer, move, cancel, mark done, remind.

Like ``core.services``: each takes a unit-of-work factory and a clock, loads, lets
``core.permissions.check_visit`` and ``core.visits`` decide, saves with compare-and-set
and writes the notifications to the outbox in the same transaction. A planned visit's
changes also queue calendar invitations (kind ``visit_invite``, sent by e-mail only, to the
initiator and the technician where they have an e-mail address).
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from core import permissions, services
from core.clock import Clock
from core.errors import ConcurrentChange, NotFound
from core.i18n import N_
from core.model import Person, Request
from core.notifications import Notification
from core.ports import UnitOfWork, UnitOfWorkFactory
from core.timers import VISIT_KINDS, Timer
from core.visits import Clash, Visit, VisitStatus, due_reminder, reminder_plan

EMAIL = "email"  # the channel invitations go by
INVITE = "visit_invite"


def visit_key(request_id: int) -> str:
    """Visit notices about one request replace each other (stale Accept buttons go)."""
    return f"visit:{request_id}"


def _status(visit: Visit | None) -> str:
    return visit.status.value if visit is not None else "none"


async def _rtype_on_site(uow: UnitOfWork, req: Request) -> bool:
    rtype = await uow.types.get(req.type_id)
    return bool(rtype and rtype.on_site)


async def _check_clash(uow: UnitOfWork, technician_id: int, start: datetime, minutes: int,
                       exclude_id: int | None) -> None:
    from datetime import timedelta

    other = await uow.visits.overlapping(technician_id, start, start + timedelta(minutes=minutes),
                                         exclude_id)
    if other is not None:
        raise Clash(other.reference, other.start, other.minutes)


def _data(req: Request, visit: Visit, **extra: Any) -> dict[str, Any]:
    return {"ref": req.reference, "subject": req.subject or req.reference,
            "start": visit.start.isoformat(), "minutes": visit.minutes,
            "visit": visit.id, "version": visit.version,
            "technician": visit.technician_name, **extra}


async def _invite(uow: UnitOfWork, req: Request, visit: Visit, method: str) -> None:
    """Calendar invitations (``REQUEST`` or ``CANCEL``) to the initiator and the technician,
    by e-mail, where they have an e-mail address."""
    data = _data(req, visit, uid=visit.uid, sequence=visit.sequence, method=method,
                 via=EMAIL)
    for person_id in dict.fromkeys((req.initiator_id, visit.technician_id)):
        if any(a.channel == EMAIL for a in await uow.people.accounts(person_id)):
            await uow.outbox.add(Notification(person_id, INVITE, req.id or 0, data))


async def _history(uow: UnitOfWork, req: Request, actor: Person, action: str, visit: Visit,
                   at: datetime) -> None:
    """A line in the request's history (appended: it cannot conflict with anything)."""
    req.record_visit(actor, action, at, {"visit": visit.id, "start": visit.start.isoformat(),
                                         "minutes": visit.minutes})
    await uow.requests.append(req)


async def _sync_reminders(uow: UnitOfWork, visit: Visit, now: datetime) -> None:
    await uow.timers.sync(visit.request_id, reminder_plan(visit, now), VISIT_KINDS)


Step = Callable[[UnitOfWork, Person, Request, Visit | None], Awaitable[Visit]]


async def _visit_change(uow_factory: UnitOfWorkFactory, clock: Clock, actor_id: int,
                        request_id: int, step: Step) -> Visit:
    """Load the actor, the request and its live visit; apply ``step``; commit. A concurrent
    change starts again (the step then re-decides on what is stored)."""
    deadline = time.monotonic() + services.CAS_DEADLINE
    while True:
        async with uow_factory() as uow:
            actor = await services.load_person(uow, actor_id)
            req = await services.load_visible(uow, actor, request_id)
            visit = await uow.visits.live(request_id)
            try:
                result = await step(uow, actor, req, visit)
                await _sync_reminders(uow, result, clock.now())
                await uow.commit()
                return result
            except ConcurrentChange:
                if time.monotonic() >= deadline:
                    raise
        await asyncio.sleep(random.uniform(0, 0.05))  # noqa: S311 - jitter, not security


def _check_version(visit: Visit | None, visit_id: int | None, version: int | None) -> None:
    """A button about an earlier state of the visit (a proposal since replaced) is stale."""
    if visit_id is None:
        return
    if visit is None or visit.id != visit_id or (version is not None and visit.version != version):
        raise NotFound(N_("This button is no longer valid."))


async def propose(uow_factory: UnitOfWorkFactory, clock: Clock, *, actor_id: int,
                  request_id: int, start: datetime, minutes: int) -> Visit:
    """The technician proposes (or proposes again) a visit; the other side is asked."""

    async def step(uow: UnitOfWork, actor: Person, req: Request, visit: Visit | None) -> Visit:
        permissions.check_visit("propose", actor, req, _status(visit),
                                on_site=await _rtype_on_site(uow, req))
        now = clock.now()
        await _check_clash(uow, actor.id, start, minutes, None)
        if visit is None:
            visit = Visit(None, request_id, actor.id, VisitStatus.PROPOSED, start, minutes,
                          actor.id, f"{uuid.uuid4()}@helpdesk", now, now,
                          technician_name=actor.name, reference=req.reference)
            visit.propose(actor.id, start, minutes, now)
            await uow.visits.add(visit)
        else:
            visit.technician_id, visit.technician_name = actor.id, actor.name
            visit.propose(actor.id, start, minutes, now)
            await uow.visits.save(visit)
        await _history(uow, req, actor, "visit_proposed", visit, now)
        await _ask(uow, req, visit, actor)
        return visit

    return await _visit_change(uow_factory, clock, actor_id, request_id, step)


async def _ask(uow: UnitOfWork, req: Request, visit: Visit, by: Person) -> None:
    """Tell the side that answers a proposal (with Accept / Another time)."""
    data = _data(req, visit, by=by.name)
    if visit.proposed_by_technician():
        recipients = [req.initiator_id]
    else:
        recipients = [visit.technician_id]
    for person_id in recipients:
        if person_id != by.id:
            await uow.outbox.add(Notification(person_id, "visit_proposed", req.id or 0, data,
                                              edit_key=visit_key(req.id or 0)))


async def answer(uow_factory: UnitOfWorkFactory, clock: Clock, *, actor_id: int,
                 request_id: int, visit_id: int | None = None, version: int | None = None,
                 start: datetime | None = None, minutes: int | None = None) -> Visit:
    """Accept the proposal (``start`` None) or propose another time (a counter-proposal)."""

    async def step(uow: UnitOfWork, actor: Person, req: Request, visit: Visit | None) -> Visit:
        _check_version(visit, visit_id, version)  # a replaced proposal's buttons: stale
        permissions.check_visit(
            "answer", actor, req, _status(visit),
            visit.proposed_by_technician() if visit is not None else True,
            on_site=await _rtype_on_site(uow, req))
        assert visit is not None
        now = clock.now()
        if start is not None:
            visit.propose(actor.id, start, minutes or visit.minutes, now)
            await _check_clash(uow, visit.technician_id, visit.start, visit.minutes, visit.id)
            await uow.visits.save(visit)
            await _history(uow, req, actor, "visit_proposed", visit, now)
            await _ask(uow, req, visit, actor)
            return visit
        await _check_clash(uow, visit.technician_id, visit.start, visit.minutes, visit.id)
        visit.accept(now)
        await uow.visits.save(visit)
        await _history(uow, req, actor, "visit_planned", visit, now)
        data = _data(req, visit, by=actor.name)
        for person_id in dict.fromkeys((req.initiator_id, visit.technician_id)):
            await uow.outbox.add(Notification(person_id, "visit_planned", req.id or 0, data,
                                              edit_key=visit_key(req.id or 0)))
        await _invite(uow, req, visit, "REQUEST")
        return visit

    return await _visit_change(uow_factory, clock, actor_id, request_id, step)


async def move(uow_factory: UnitOfWorkFactory, clock: Clock, *, actor_id: int,
               request_id: int, start: datetime, minutes: int) -> Visit:
    """The technician moves a planned visit: an updated invitation (SEQUENCE + 1)."""

    async def step(uow: UnitOfWork, actor: Person, req: Request, visit: Visit | None) -> Visit:
        permissions.check_visit("move", actor, req, _status(visit),
                                on_site=await _rtype_on_site(uow, req))
        assert visit is not None
        await _check_clash(uow, actor.id, start, minutes, visit.id)
        visit.technician_id, visit.technician_name = actor.id, actor.name
        visit.move(actor.id, start, minutes, clock.now())
        await uow.visits.save(visit)
        await _history(uow, req, actor, "visit_moved", visit, clock.now())
        await uow.outbox.add(Notification(req.initiator_id, "visit_moved", req.id or 0,
                                          _data(req, visit, by=actor.name),
                                          edit_key=visit_key(req.id or 0)))
        await _invite(uow, req, visit, "REQUEST")
        return visit

    return await _visit_change(uow_factory, clock, actor_id, request_id, step)


async def cancel(uow_factory: UnitOfWorkFactory, clock: Clock, *, actor_id: int,
                 request_id: int) -> Visit:
    """The technician cancels the proposed or planned visit (``METHOD:CANCEL`` if invited)."""

    async def step(uow: UnitOfWork, actor: Person, req: Request, visit: Visit | None) -> Visit:
        permissions.check_visit("cancel", actor, req, _status(visit),
                                on_site=await _rtype_on_site(uow, req))
        assert visit is not None
        visit.cancel(clock.now())
        await uow.visits.save(visit)
        await _history(uow, req, actor, "visit_cancelled", visit, clock.now())
        await uow.outbox.add(Notification(req.initiator_id, "visit_cancelled", req.id or 0,
                                          _data(req, visit, by=actor.name),
                                          edit_key=visit_key(req.id or 0)))
        if visit.invited:
            await _invite(uow, req, visit, "CANCEL")
        return visit

    return await _visit_change(uow_factory, clock, actor_id, request_id, step)


async def done(uow_factory: UnitOfWorkFactory, clock: Clock, *, actor_id: int,
               request_id: int, work_done: str) -> Visit:
    """The technician marks the planned visit done, with the work done."""

    async def step(uow: UnitOfWork, actor: Person, req: Request, visit: Visit | None) -> Visit:
        permissions.check_visit("done", actor, req, _status(visit),
                                on_site=await _rtype_on_site(uow, req))
        assert visit is not None
        visit.done(work_done, clock.now())
        await uow.visits.save(visit)
        await _history(uow, req, actor, "visit_done", visit, clock.now())
        await uow.outbox.add(Notification(req.initiator_id, "visit_done", req.id or 0,
                                          _data(req, visit, work=visit.work_done)))
        return visit

    return await _visit_change(uow_factory, clock, actor_id, request_id, step)


async def check(uow_factory: UnitOfWorkFactory, *, actor_id: int, request_id: int,
                act: str) -> tuple[Request, Visit | None]:
    """Whether ``act`` is allowed now (before a dialog asks anything); the request and its
    live visit."""
    async with uow_factory(read_only=True) as uow:
        actor = await services.load_person(uow, actor_id)
        req = await services.load_visible(uow, actor, request_id)
        visit = await uow.visits.live(request_id)
        permissions.check_visit(
            act, actor, req, _status(visit),
            visit.proposed_by_technician() if visit is not None else True,
            on_site=await _rtype_on_site(uow, req))
    return req, visit


async def fire_reminder(uow_factory: UnitOfWorkFactory, clock: Clock, timer: Timer) -> str:
    """A visit reminder is due: the technician and the initiator are reminded (once)."""
    async with uow_factory() as uow:
        now = clock.now()
        visit = await uow.visits.live(timer.request_id)
        req = await uow.requests.get(timer.request_id)
        outcome = "stale"
        if (visit is not None and req is not None and not req.status.is_final
                and due_reminder(visit, timer.kind, now)):
            visit.reminded.add(timer.kind.value)
            visit.version += 1
            await uow.visits.save(visit)
            data = _data(req, visit, when=timer.kind.value)
            for person_id in dict.fromkeys((visit.technician_id, req.initiator_id)):
                await uow.outbox.add(Notification(person_id, "visit_reminder", req.id or 0,
                                                  data))
            outcome = "fired"
        if not await uow.timers.mark_fired(timer.id, now, outcome):
            return "gone"
        if visit is not None:
            await _sync_reminders(uow, visit, now)
        await uow.commit()
        return outcome


async def visits_of(uow_factory: UnitOfWorkFactory, request_id: int) -> list[Visit]:
    """Every visit of a request (the card shows them)."""
    async with uow_factory(read_only=True) as uow:
        return await uow.visits.for_request(request_id)


async def holder_left(uow: UnitOfWork, req: Request, by: Person | None, now: datetime) -> None:
    """The request changed hands (released, reassigned, its holder deactivated): the live
    visit of the technician who no longer holds it is cancelled — invitations cancelled,
    reminders dropped, the person who asked told; the new holder proposes anew."""
    visit = await uow.visits.live(req.id or 0)
    if visit is None or visit.technician_id == req.assignee_id:
        return
    visit.cancel(now)
    await uow.visits.save(visit)
    await uow.outbox.add(Notification(req.initiator_id, "visit_cancelled", req.id or 0,
                                      _data(req, visit, by=by.name if by else "—"),
                                      edit_key=visit_key(req.id or 0)))
    if visit.invited:
        await _invite(uow, req, visit, "CANCEL")
    await _sync_reminders(uow, visit, now)
