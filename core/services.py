"""Service layer: one plain async function per use case.

Each takes a fresh unit of work, loads what it needs, lets the aggregate decide, saves
with compare-and-set and writes the resulting notifications in the same transaction.
Nothing is committed unless the whole use case succeeds.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from core import sla
from core.clock import Clock
from core.errors import ConcurrentChange, Invalid, NotFound
from core.i18n import N_
from core.kinds import Act, Resolution, Role, Status, TimerKind, WaitReason
from core.model import Person, Request
from core.notifications import Notification, confirm_key, offer_key, work_key
from core.permissions import can_see, check
from core.ports import UnitOfWork, UnitOfWorkFactory
from core.timers import RUNNING, VISIT_KINDS, Timer, plan

CAS_DEADLINE = 30.0  # seconds a use case keeps re-deciding while others change the request
SNIPPET = 120


async def load_person(uow: UnitOfWork, person_id: int) -> Person:
    person = await uow.people.get(person_id)
    if person is None or not person.active:
        raise NotFound(N_("Unknown person."))
    return person


async def load_visible(uow: UnitOfWork, person: Person, request_id: int) -> Request:
    """The request if ``person`` may see it; ``NotFound`` otherwise."""
    req = await uow.requests.get(request_id)
    if req is None:
        raise NotFound(N_("That request does not exist."))
    _check_visible(person, req)
    return req


def _check_visible(person: Person, req: Request) -> None:
    if not can_see(person, req):
        # Let the permission check produce the precise message (claimed by X, closed...).
        check("comment" if person.role is Role.INITIATOR else "claim", person, req)
        raise NotFound(N_("You don't have access to {ref}."), ref=req.reference)


def _snapshot(req: Request, type_name: str, **extra: Any) -> dict[str, Any]:
    desc = req.description
    if len(desc) > SNIPPET:
        desc = desc[: SNIPPET - 1].rstrip() + "…"
    return {"ref": req.reference, "type": type_name, "description": desc,
            "subject": req.subject or desc, **extra}


async def _eligible_assistants(uow: UnitOfWork, req: Request) -> list[Person]:
    """The chosen assistant, else those the type routes it to, else every assistant."""
    if req.target_id is not None:
        target = await uow.people.get(req.target_id)
        return [target] if target and target.active else []
    assistants = [p for p in await uow.people.list(Role.ASSISTANT) if p.active]
    if req.pool:
        return [p for p in assistants if p.id in req.pool]
    return assistants


async def _supervisors(uow: UnitOfWork) -> list[Person]:
    return [p for p in await uow.people.list(Role.SUPERVISOR) if p.active]


async def _sync_timers(uow: UnitOfWork, req: Request) -> None:
    """Make the stored timers match what the request's state asks for (``core.timers``)."""
    await uow.timers.sync(req.id or 0, plan(req))


async def _visit_holder_left(uow: UnitOfWork, req: Request, by: Person | None,
                             at: datetime) -> None:
    """A live visit on site of the previous holder is cancelled (issue 18)."""
    from core import visit_service

    await visit_service.holder_left(uow, req, by, at)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


async def _type_name(uow: UnitOfWork, req: Request) -> str:
    if req.type_name is not None:  # loaded with the request
        return req.type_name
    rtype = await uow.types.get(req.type_id)
    return rtype.name if rtype else "?"


async def _offer_notifications(uow: UnitOfWork, req: Request, initiator: Person) -> None:
    data = _snapshot(req, await _type_name(uow, req), initiator=initiator.name)
    if req.priority != sla.DEFAULT_PRIORITY:
        data["priority"] = req.priority
    for person in await _eligible_assistants(uow, req):
        await uow.outbox.add(
            Notification(person.id, "new_request", req.id or 0, data,
                         edit_key=offer_key(req.id or 0))
        )


# -- use cases ------------------------------------------------------------------------


async def place(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    *,
    actor_id: int,
    type_id: int,
    description: str,
    target_id: int | None = None,
    channel: str | None = None,
    initiator_id: int | None = None,
    fields: dict[str, str] | None = None,
    priority: str = sla.DEFAULT_PRIORITY,
    subject: str | None = None,
    claim: bool = False,
) -> Request:
    """Place a request (an assistant may place one on behalf of an initiator), with the
    type's extra fields; its SLA clocks start and its timers are scheduled. With ``claim``
    (staff's "Place and resolve") it is claimed by the actor at once and nobody is offered
    it; the dialog then asks time and note (``finish``)."""
    if priority not in sla.PRIORITIES:
        raise Invalid(N_("Unknown priority {priority}."), priority=priority[:20])
    async with uow_factory() as uow:
        actor = await load_person(uow, actor_id)
        initiator = await load_person(uow, initiator_id) if initiator_id else actor
        rtype = await uow.types.get(type_id)
        if rtype is None:
            raise Invalid(N_("That request type does not exist any more."))
        target = await uow.people.get(target_id) if target_id else None
        if target_id and target is None:
            raise Invalid(N_("That assistant does not exist any more."))
        req = Request.place(
            actor=actor, initiator=initiator, rtype=rtype, description=description,
            target=target, at=clock.now(), channel=channel, fields=fields, priority=priority,
            subject=subject,
        )
        if claim:
            req.claim(actor, clock.now(), channel)
        await uow.requests.add(req)
        await _sync_timers(uow, req)
        if not claim:
            await _offer_notifications(uow, req, initiator)
        if initiator.id != actor.id:  # placed for a client who phoned or e-mailed
            await uow.outbox.add(Notification(initiator.id, "placed_for_you", req.id or 0,
                                              _snapshot(req, rtype.name, by=actor.name)))
        await uow.commit()
        return req


async def _actor_and_request(uow: UnitOfWork, actor_id: int,
                             request_id: int) -> tuple[Person, Request]:
    """``load_person`` + ``load_visible`` in one read (same refusals, same order)."""
    found = await uow.requests.get_with_person(request_id, actor_id)
    person = found[1] if found is not None else None
    if found is None or person is None or not person.active:
        actor = await load_person(uow, actor_id)  # raises for an unknown actor first
        return actor, await load_visible(uow, actor, request_id)
    _check_visible(person, found[0])
    return person, found[0]


Mutation = Callable[[UnitOfWork, Person, Request], Awaitable[None]]


async def _change(
    uow_factory: UnitOfWorkFactory, actor_id: int, request_id: int, mutate: Mutation,
    *, append_only: Callable[[Request], bool] | None = None,
) -> Request:
    """Load, mutate, compare-and-set save, commit; on a concurrent change start again (with
    a short random pause) until ``CAS_DEADLINE``. When ``append_only(req)`` says the change
    only added comments/events, it is appended without the version check: it cannot
    conflict with anything, so it never fails because others write at the same time."""
    deadline = time.monotonic() + CAS_DEADLINE
    pause = 0.005
    while True:
        async with uow_factory() as uow:
            actor, req = await _actor_and_request(uow, actor_id, request_id)
            await mutate(uow, actor, req)
            if append_only is not None and append_only(req):
                await uow.requests.append(req)
                await uow.commit()
                return req
            try:
                await uow.requests.save(req)
            except ConcurrentChange:
                if time.monotonic() >= deadline:
                    raise ConcurrentChange(f"request {request_id} kept changing") from None
            else:
                await _sync_timers(uow, req)
                await uow.commit()
                return req
        await asyncio.sleep(random.uniform(0, pause))  # noqa: S311 - jitter, not security
        pause = min(pause * 2, 0.2)


async def claim(
    uow_factory: UnitOfWorkFactory, clock: Clock, *, actor_id: int, request_id: int,
    channel: str | None = None,
) -> Request:
    """First claim wins; the others get ``Refused('Already claimed by …')``."""

    async def mutate(uow: UnitOfWork, actor: Person, req: Request) -> None:
        req.claim(actor, clock.now(), channel)
        type_name = await _type_name(uow, req)
        data = _snapshot(req, type_name, assignee=actor.name)
        await uow.outbox.add(Notification(req.initiator_id, "claimed", request_id, data))
        # Only the assistants whose offer message exists have anything to edit.
        await uow.outbox.add_for_holders(
            Notification(0, "offer_taken", request_id, data,
                         edit_key=offer_key(request_id), edit_only=True), actor.id)

    return await _change(uow_factory, actor_id, request_id, mutate)


async def reassign(
    uow_factory: UnitOfWorkFactory, clock: Clock, *, actor_id: int, request_id: int,
    to_id: int, channel: str | None = None,
) -> Request:
    """A supervisor hands a live request to another assistant (003). The new assistant gets
    it with the work buttons, the previous one is told (their stale buttons are retired), the
    initiator is told who helps them now; an open request's offers are withdrawn."""

    async def mutate(uow: UnitOfWork, actor: Person, req: Request) -> None:
        to = await uow.people.get(to_id)
        if to is None:
            raise NotFound(N_("Unknown person."))
        was_open = req.status is Status.OPEN
        previous = req.reassign(actor, to, clock.now(), channel)
        await _visit_holder_left(uow, req, actor, clock.now())
        data = _snapshot(req, await _type_name(uow, req), assignee=to.name, by=actor.name)
        if previous is not None and previous != actor.id:
            old = await uow.people.get(previous)
            data["previous"] = old.name if old else "?"
            # A new message under the offer key retires the buttons of the message the
            # previous assistant claimed from; one under the work key edits their last
            # work notice (if any) in place.
            await uow.outbox.add(Notification(previous, "reassigned_away", request_id, data,
                                              edit_key=offer_key(request_id)))
            await uow.outbox.add(Notification(previous, "reassigned_away", request_id, data,
                                              edit_key=work_key(request_id), edit_only=True))
        if to.id != actor.id:
            await uow.outbox.add(Notification(to.id, "reassigned_to", request_id, data,
                                              edit_key=work_key(request_id)))
        if was_open:
            for person in await _eligible_assistants(uow, req):
                if person.id != to.id:
                    await uow.outbox.add(Notification(
                        person.id, "offer_taken", request_id, data,
                        edit_key=offer_key(request_id), edit_only=True))
        await uow.outbox.add(Notification(req.initiator_id, "reassigned", request_id, data))

    return await _change(uow_factory, actor_id, request_id, mutate)


async def deactivate_person(uow_factory: UnitOfWorkFactory, clock: Clock, *,
                            person_id: int) -> list[str]:
    """Turn a person off: they get nothing and can do nothing. Requests they hold go back to
    the queue (the initiators are told, assistants are offered them again). Returns the
    references released."""
    released: list[str] = []
    async with uow_factory() as uow:
        person = await uow.people.get(person_id)
        if person is None:
            raise NotFound(N_("Unknown person."))
        await uow.people.set_active(person_id, False)
        held = await uow.requests.held_by(person_id)
        for req in held:
            if req.release_by_deactivation(clock.now()) is None:
                continue
            await _visit_holder_left(uow, req, None, clock.now())
            await uow.requests.save(req)
            await _sync_timers(uow, req)
            initiator = await uow.people.get(req.initiator_id)
            data = _snapshot(req, await _type_name(uow, req), actor=person.name)
            await uow.outbox.add(Notification(req.initiator_id, "released", req.id or 0, data))
            if initiator is not None:
                await _offer_notifications(uow, req, initiator)
            released.append(req.reference)
        await uow.commit()
    return released


ROLE_RANK = {Role.INITIATOR: 0, Role.ASSISTANT: 1, Role.SUPERVISOR: 2}


async def link_accounts(uow_factory: UnitOfWorkFactory, *, first_id: int,
                        second_id: int) -> Person:
    """Join two people who turned out to be one (``/link``): the one who asked for the code
    (``first_id``) stays, unless the other has a higher role (an assistant linking a fresh
    initiator account keeps being an assistant). Everything of the other moves over."""
    async with uow_factory() as uow:
        first = await load_person(uow, first_id)
        second = await load_person(uow, second_id)
        keep, gone = first, second
        if ROLE_RANK[second.role] > ROLE_RANK[first.role]:
            keep, gone = second, first
        await uow.people.merge(keep.id, gone.id)
        await uow.commit()
        survivor = await uow.people.get(keep.id)
    assert survivor is not None
    return survivor


async def set_priority(
    uow_factory: UnitOfWorkFactory, clock: Clock, *, actor_id: int, request_id: int,
    priority: str, channel: str | None = None,
) -> Request:
    """Triage by staff: the request takes the type's SLA policy for ``priority``; its
    running clocks (and timers) move by the difference."""

    async def mutate(uow: UnitOfWork, actor: Person, req: Request) -> None:
        rtype = await uow.types.get(req.type_id)
        policy = rtype.policy(priority) if rtype else sla.SlaPolicy()
        changed = req.set_priority(actor, priority, policy, clock.now(), channel)
        if changed and req.assignee_id is not None and req.assignee_id != actor.id:
            # A supervisor's triage reaches the assistant working on it.
            data = _snapshot(req, rtype.name if rtype else "?", by=actor.name,
                             priority=priority)
            await uow.outbox.add(Notification(req.assignee_id, "priority_changed",
                                              request_id, data))

    return await _change(uow_factory, actor_id, request_id, mutate)


async def release(
    uow_factory: UnitOfWorkFactory, clock: Clock, *, actor_id: int, request_id: int,
    channel: str | None = None,
) -> Request:
    """Back to the queue; eligible assistants are offered it again."""

    async def mutate(uow: UnitOfWork, actor: Person, req: Request) -> None:
        req.release(actor, clock.now(), channel)
        await _visit_holder_left(uow, req, actor, clock.now())
        initiator = await load_person(uow, req.initiator_id)
        data = _snapshot(req, await _type_name(uow, req), actor=actor.name)
        await uow.outbox.add(Notification(req.initiator_id, "released", request_id, data))
        await _offer_notifications(uow, req, initiator)

    return await _change(uow_factory, actor_id, request_id, mutate)


async def cancel(
    uow_factory: UnitOfWorkFactory, clock: Clock, *, actor_id: int, request_id: int,
    channel: str | None = None,
) -> Request:
    async def mutate(uow: UnitOfWork, actor: Person, req: Request) -> None:
        req.cancel(actor, clock.now(), channel)
        data = _snapshot(req, await _type_name(uow, req), actor=actor.name)
        for person in await _eligible_assistants(uow, req):
            await uow.outbox.add(
                Notification(person.id, "offer_cancelled", request_id, data,
                             edit_key=offer_key(request_id), edit_only=True)
            )

    return await _change(uow_factory, actor_id, request_id, mutate)


async def ask_release(
    uow_factory: UnitOfWorkFactory, clock: Clock, *, actor_id: int, request_id: int,
    channel: str | None = None,
) -> Request:
    async def mutate(uow: UnitOfWork, actor: Person, req: Request) -> None:
        req.ask_release(actor, clock.now(), channel)
        data = _snapshot(req, await _type_name(uow, req), initiator=actor.name)
        if req.assignee_id:
            await uow.outbox.add(
                Notification(req.assignee_id, "release_asked", request_id, data,
                             edit_key=work_key(request_id))
            )

    return await _change(uow_factory, actor_id, request_id, mutate)


async def finish(
    uow_factory: UnitOfWorkFactory, clock: Clock, *, actor_id: int, request_id: int,
    minutes: int, note: str, channel: str | None = None,
    method: Resolution = Resolution.SOLVED,
) -> Request:
    """Resolve it with a method (solved, no customer response, rejected); the initiator gets
    the resolution with Confirm / Dispute. Spam is closed at once and nobody is asked."""

    async def mutate(uow: UnitOfWork, actor: Person, req: Request) -> None:
        was_open = req.status is Status.OPEN
        req.finish(actor, minutes, note, clock.now(), channel, method=method)
        if was_open:  # finished without claiming: the others' offers are withdrawn
            taken = _snapshot(req, await _type_name(uow, req), assignee=actor.name)
            for person in await _eligible_assistants(uow, req):
                if person.id != actor.id:
                    await uow.outbox.add(
                        Notification(person.id, "offer_taken", request_id, taken,
                                     edit_key=offer_key(request_id), edit_only=True))
        if method is Resolution.SPAM:
            return
        extra = {} if method is Resolution.SOLVED else {"method": method.value}
        data = _snapshot(req, await _type_name(uow, req), assignee=actor.name,
                         minutes=req.minutes_logged, note=req.resolution_note, **extra)
        await uow.outbox.add(
            Notification(req.initiator_id, "resolved", request_id, data,
                         edit_key=confirm_key(request_id))
        )

    return await _change(uow_factory, actor_id, request_id, mutate)


async def correct_time(
    uow_factory: UnitOfWorkFactory, clock: Clock, *, actor_id: int, request_id: int,
    total_minutes: int, channel: str | None = None,
) -> Request:
    async def mutate(uow: UnitOfWork, actor: Person, req: Request) -> None:
        before = req.minutes_logged
        req.correct_time(actor, total_minutes, clock.now(), channel)
        data = _snapshot(req, await _type_name(uow, req), assignee=actor.name,
                         minutes=req.minutes_logged, before=before, note=req.resolution_note)
        await uow.outbox.add(
            Notification(req.initiator_id, "time_corrected", request_id, data,
                         edit_key=confirm_key(request_id))
        )

    return await _change(uow_factory, actor_id, request_id, mutate)


async def confirm(
    uow_factory: UnitOfWorkFactory, clock: Clock, *, actor_id: int, request_id: int,
    seen_minutes: int | None = None, channel: str | None = None,
) -> Request:
    """Close the request. ``seen_minutes`` is the time the initiator was shown: if it has
    changed since, the confirmation is refused so nobody confirms a time they did not see."""

    async def mutate(uow: UnitOfWork, actor: Person, req: Request) -> None:
        if seen_minutes is not None and req.status is Status.RESOLVED:
            if seen_minutes != req.minutes_logged:
                raise Invalid(
                    N_("The logged time has changed since; please check the latest message.")
                )
        req.confirm(actor, clock.now(), channel)
        data = _snapshot(req, await _type_name(uow, req), initiator=actor.name,
                         minutes=req.minutes_logged)
        if req.resolved_by_id:
            await uow.outbox.add(
                Notification(req.resolved_by_id, "confirmed", request_id, data,
                             edit_key=work_key(request_id))
            )

    return await _change(uow_factory, actor_id, request_id, mutate)


async def dispute(
    uow_factory: UnitOfWorkFactory, clock: Clock, *, actor_id: int, request_id: int,
    reason: str, channel: str | None = None,
) -> Request:
    async def mutate(uow: UnitOfWork, actor: Person, req: Request) -> None:
        req.dispute(actor, reason, clock.now(), channel)
        data = _snapshot(req, await _type_name(uow, req), initiator=actor.name,
                         minutes=req.minutes_logged, reason=reason.strip())
        if req.assignee_id:
            await uow.outbox.add(
                Notification(req.assignee_id, "disputed", request_id, data,
                             edit_key=work_key(request_id))
            )
        # Seed 000's last step (a call or e-mail to the company): supervisors are told.
        for person in await _supervisors(uow):
            if person.id != req.assignee_id:
                await uow.outbox.add(Notification(
                    person.id, "dispute_escalated", request_id,
                    {**data, "assignee": req.assignee_name or "—"}))

    return await _change(uow_factory, actor_id, request_id, mutate)


async def comment(
    uow_factory: UnitOfWorkFactory, clock: Clock, *, actor_id: int, request_id: int,
    body: str, channel: str | None = None, internal: bool = False,
) -> Request:
    """A public comment reaches the other side (initiator ↔ assignee); an internal note
    reaches the staff on the request (assignee, who resolved it) and never the initiator.
    A message for a merged request lands on the request it was merged into."""
    request_id = await merged_target(uow_factory, request_id)

    status: list[Status] = []

    async def mutate(uow: UnitOfWork, actor: Person, req: Request) -> None:
        replying = req.is_reply(actor, internal)
        status[:] = [req.status]
        req.comment(actor, body, clock.now(), channel, internal=internal)
        data = _snapshot(req, await _type_name(uow, req), author=actor.name, body=body.strip())
        if replying and req.assignee_id:
            # The answer to the assistant's question: it is back in progress (001).
            await uow.outbox.add(Notification(req.assignee_id, "replied", request_id, data,
                                              edit_key=work_key(request_id)))
            return
        if internal:
            recipients = {req.assignee_id, req.resolved_by_id} - {actor.id, req.initiator_id}
            kind = "internal_note"
        else:
            recipients = {req.initiator_id, req.assignee_id} - {actor.id}
            kind = "comment"
        for person_id in sorted(r for r in recipients if r is not None):
            await uow.outbox.add(Notification(person_id, kind, request_id, data))

    # A comment that does not move the request (not an answer to a question) is appended.
    return await _change(uow_factory, actor_id, request_id, mutate,
                         append_only=lambda req: [req.status] == status)


async def check_allowed(
    uow_factory: UnitOfWorkFactory, *, actor_id: int, request_id: int, act: str
) -> Request:
    """Refuse early (before asking for time or a note) when the action is not allowed."""
    async with uow_factory() as uow:
        actor = await load_person(uow, actor_id)
        req = await load_visible(uow, actor, request_id)
        check(act, actor, req)
        return req


async def report_undelivered(
    uow_factory: UnitOfWorkFactory, *, channel: str, address: str, error_code: str | None,
    excerpt: str,
) -> None:
    """Tell every supervisor that a message to ``address`` could not be delivered
    (never about a supervisor's own messages, so a failing supervisor cannot loop)."""
    async with uow_factory() as uow:
        person = await uow.people.by_account(channel, address)
        if person is not None and person.role is Role.SUPERVISOR:
            return
        data = {"name": person.name if person else address, "phone": address,
                "code": error_code or "?", "text": excerpt}
        for supervisor in await uow.people.list(Role.SUPERVISOR):
            if supervisor.active:
                await uow.outbox.add(Notification(supervisor.id, "sms_failed", 0, data))
        await uow.commit()


# -- waiting, reopening, rating (SPEC §3) ----------------------------------------------


async def wait(
    uow_factory: UnitOfWorkFactory, clock: Clock, *, actor_id: int, request_id: int,
    reason: WaitReason, question: str | None = None, until: datetime | None = None,
    autoclose_days: int | None = None, channel: str | None = None,
    requeue_days: int | None = None,
) -> Request:
    """Put an in-progress request on hold. A question for the customer is always sent to
    them (even with status notices off); other waits are status notices."""

    async def mutate(uow: UnitOfWork, actor: Person, req: Request) -> None:
        req.wait(actor, reason, clock.now(), channel, question=question, until=until,
                 autoclose_days=autoclose_days, requeue_days=requeue_days)
        data = _snapshot(req, await _type_name(uow, req), assignee=actor.name,
                         reason=reason.value, until=_iso(until), days=autoclose_days)
        if reason is WaitReason.CUSTOMER:
            data["question"] = (question or "").strip()
            await uow.outbox.add(Notification(req.initiator_id, "question", request_id, data))
        else:
            await uow.outbox.add(Notification(req.initiator_id, "waiting", request_id, data))

    return await _change(uow_factory, actor_id, request_id, mutate)


async def resume(
    uow_factory: UnitOfWorkFactory, clock: Clock, *, actor_id: int, request_id: int,
    channel: str | None = None,
) -> Request:
    """The assignee takes a waiting request back into work; the SLA clock restarts."""

    async def mutate(uow: UnitOfWork, actor: Person, req: Request) -> None:
        req.resume(actor, clock.now(), channel)
        data = _snapshot(req, await _type_name(uow, req), assignee=actor.name)
        await uow.outbox.add(Notification(req.initiator_id, "resumed", request_id, data))

    return await _change(uow_factory, actor_id, request_id, mutate)


async def reopen(
    uow_factory: UnitOfWorkFactory, clock: Clock, *, actor_id: int, request_id: int,
    message: str, channel: str | None = None,
) -> Request:
    """Inside the feedback window the initiator reopens it to the assistant who resolved it."""

    async def mutate(uow: UnitOfWork, actor: Person, req: Request) -> None:
        req.reopen(actor, message, clock.now(), channel)
        data = _snapshot(req, await _type_name(uow, req), initiator=actor.name,
                         body=message.strip())
        if req.assignee_id:
            await uow.outbox.add(Notification(req.assignee_id, "reopened", request_id, data,
                                              edit_key=work_key(request_id)))

    return await _change(uow_factory, actor_id, request_id, mutate)


async def merge(
    uow_factory: UnitOfWorkFactory, clock: Clock, *, actor_id: int, request_id: int,
    target_reference: str, channel: str | None = None,
) -> tuple[Request, Request, tuple[int, int]]:
    """Close a duplicate into another request (resolution *merged*): its comments and
    attachments move to the target, both histories name the other, the initiator is told
    which reference to follow. Returns (duplicate, target, (comments, files) moved)."""
    deadline = time.monotonic() + CAS_DEADLINE
    while time.monotonic() < deadline:
        async with uow_factory() as uow:
            actor = await load_person(uow, actor_id)
            req = await load_visible(uow, actor, request_id)
            target = await uow.requests.by_reference(target_reference)
            if target is None or not can_see(actor, target):
                raise NotFound(N_("There is no request {ref}."), ref=target_reference.strip()[:40])
            req.merge_into(actor, target, clock.now(), channel)
            try:
                await uow.requests.save(req)
                await uow.requests.save(target)
            except ConcurrentChange:
                continue
            moved = await uow.requests.move_children(req.id or 0, target.id or 0)
            await _sync_timers(uow, req)
            await _sync_timers(uow, target)
            data = _snapshot(req, await _type_name(uow, req), target=target.reference,
                             actor=actor.name)
            await uow.outbox.add(Notification(req.initiator_id, "merged", request_id, data,
                                              edit_key=confirm_key(request_id)))
            for person in await _eligible_assistants(uow, req):  # the offer, if still open
                await uow.outbox.add(Notification(person.id, "offer_cancelled", request_id,
                                                  data, edit_key=offer_key(request_id),
                                                  edit_only=True))
            await uow.commit()
            return req, target, moved
    raise ConcurrentChange(f"request {request_id} kept changing")


async def split(
    uow_factory: UnitOfWorkFactory, clock: Clock, *, actor_id: int, request_id: int,
    type_id: int, subject: str, description: str, channel: str | None = None,
) -> tuple[Request, Request]:
    """A new request from a part of the problem (same initiator, the chosen type), linked
    both ways in the histories; it is offered like any new request and the initiator is
    told. Returns (original, new)."""
    deadline = time.monotonic() + CAS_DEADLINE
    while time.monotonic() < deadline:
        async with uow_factory() as uow:
            actor = await load_person(uow, actor_id)
            source = await load_visible(uow, actor, request_id)
            check(Act.SPLIT, actor, source)
            initiator = await load_person(uow, source.initiator_id)
            rtype = await uow.types.get(type_id)
            if rtype is None:
                raise Invalid(N_("That request type does not exist any more."))
            now = clock.now()
            new = Request.place(actor=actor, initiator=initiator, rtype=rtype,
                                description=description, target=None, at=now,
                                channel=channel, subject=subject, priority=source.priority,
                                fields={name: source.fields.get(name, "—")
                                        for name in rtype.fields})
            await uow.requests.add(new)
            source.split_off(actor, new, now, channel)
            try:
                await uow.requests.save(source)
                await uow.requests.save(new)
            except ConcurrentChange:
                continue
            await _sync_timers(uow, new)
            await _offer_notifications(uow, new, initiator)
            if initiator.id != actor.id:
                await uow.outbox.add(Notification(initiator.id, "placed_for_you", new.id or 0,
                                                  _snapshot(new, rtype.name, by=actor.name)))
            await uow.commit()
            return source, new
    raise ConcurrentChange(f"request {request_id} kept changing")


async def merged_target(uow_factory: UnitOfWorkFactory, request_id: int) -> int:
    """Where messages for ``request_id`` go: the request it was merged into, if any."""
    async with uow_factory() as uow:
        for _hop in range(5):  # a chain of merges, never a loop
            req = await uow.requests.get(request_id)
            if req is None or req.merged_into_id is None:
                break
            request_id = req.merged_into_id
    return request_id


async def staff_reopen(
    uow_factory: UnitOfWorkFactory, clock: Clock, *, actor_id: int, request_id: int,
    reason: str, channel: str | None = None,
) -> Request:
    """Staff take a resolved request back into work (seed 004: resolved → open again);
    the initiator is told why, and the assignee when someone else reopened it."""

    async def mutate(uow: UnitOfWork, actor: Person, req: Request) -> None:
        req.staff_reopen(actor, reason, clock.now(), channel)
        data = _snapshot(req, await _type_name(uow, req), actor=actor.name,
                         reason=reason.strip())
        await uow.outbox.add(Notification(req.initiator_id, "staff_reopened", request_id, data,
                                          edit_key=confirm_key(request_id)))
        if req.assignee_id and req.assignee_id != actor.id:
            await uow.outbox.add(Notification(req.assignee_id, "staff_reopened", request_id,
                                              data, edit_key=work_key(request_id)))

    return await _change(uow_factory, actor_id, request_id, mutate)


async def rate(
    uow_factory: UnitOfWorkFactory, clock: Clock, *, actor_id: int, request_id: int,
    stars: int, comment: str | None = None, channel: str | None = None,
) -> Request:
    """The initiator rates the help (1–5, optional message); it is kept against the
    assistant who resolved the request, who is told."""

    async def mutate(uow: UnitOfWork, actor: Person, req: Request) -> None:
        rating = req.rate(actor, stars, clock.now(), channel, comment)
        data = _snapshot(req, await _type_name(uow, req), initiator=actor.name,
                         stars=rating.stars, comment=rating.comment)
        if rating.assistant_id:
            await uow.outbox.add(Notification(rating.assistant_id, "rated", request_id, data))

    return await _change(uow_factory, actor_id, request_id, mutate)


# -- timers (core.timers): what the clock does ------------------------------------------


async def fire_timer(uow_factory: UnitOfWorkFactory, clock: Clock, timer: Timer) -> str:
    """Apply a due timer: ``fired``, ``stale`` (the request moved on: nothing done) or
    ``gone`` (fired or cancelled meanwhile). The effect, its notifications and the
    timer's "fired" mark are one transaction, so a timer never acts twice."""
    if timer.kind in VISIT_KINDS:  # a visit's reminder (issue 18)
        from core import visit_service

        return await visit_service.fire_reminder(uow_factory, clock, timer)
    deadline = time.monotonic() + CAS_DEADLINE
    while time.monotonic() < deadline:
        async with uow_factory() as uow:
            now = clock.now()
            req = await uow.requests.get(timer.request_id)
            if req is None:
                gone = not await uow.timers.mark_fired(timer.id, now, "stale")
                await uow.commit()
                return "gone" if gone else "stale"
            outcome = "fired" if await _apply_timer(uow, req, timer.kind, now) else "stale"
            try:
                # Saved even when stale: the request row is locked before any timer row, in
                # the same order as every use case (no deadlock), and checked for changes.
                await uow.requests.save(req)
            except ConcurrentChange:
                await asyncio.sleep(random.uniform(0, 0.05))  # noqa: S311 - jitter
                continue
            if not await uow.timers.mark_fired(timer.id, now, outcome):
                return "gone"
            # A stale timer (moved meanwhile) is scheduled again from the request's state.
            await _sync_timers(uow, req)
            await uow.commit()
            return outcome
    raise ConcurrentChange(f"request {timer.request_id} kept changing")


def _minutes(delta: timedelta) -> int:
    """Whole minutes, rounded up (a warning never says less time than is left)."""
    seconds = max(0, int(delta.total_seconds()))
    return -(-seconds // 60)


async def _apply_timer(uow: UnitOfWork, req: Request, kind: TimerKind, now: datetime) -> bool:
    """Re-check the request and act; False (nothing done) when the timer is stale."""
    rid = req.id or 0
    flags = req.sla_flags
    if kind in (TimerKind.CLAIM_WARN, TimerKind.CLAIM_BREACH):
        if req.status is not Status.OPEN or req.claim_due is None:
            return False
        limit = req.sla_claim_minutes
        if kind is TimerKind.CLAIM_WARN:
            if "claim_warned" in flags or now < req.claim_due - sla.warn_before(limit):
                return False
            req.mark_sla("claim_warned", now)
            data = _snapshot(req, await _type_name(uow, req), clock="claim",
                             left=_minutes(req.claim_due - now))
            for person in await _eligible_assistants(uow, req):
                await uow.outbox.add(Notification(person.id, "sla_warning", rid, data))
            return True
        if "claim_breached" in flags or now < req.claim_due:
            return False
        req.mark_sla("claim_breached", now)
        data = _snapshot(req, await _type_name(uow, req), clock="claim", limit=limit)
        for person in await _supervisors(uow):
            await uow.outbox.add(Notification(person.id, "sla_breach", rid, data))
        return True
    if kind in (TimerKind.RESOLVE_WARN, TimerKind.RESOLVE_BREACH):
        if req.status not in RUNNING or req.resolve_due is None:
            return False
        limit = req.sla_resolve_minutes
        if kind is TimerKind.RESOLVE_WARN:
            if "resolve_warned" in flags or now < req.resolve_due - sla.warn_before(limit):
                return False
            req.mark_sla("resolve_warned", now)
            data = _snapshot(req, await _type_name(uow, req), clock="resolve",
                             left=_minutes(req.resolve_due - now))
            if req.assignee_id:
                recipients = [req.assignee_id]
            else:
                recipients = [p.id for p in await _eligible_assistants(uow, req)]
            for person_id in recipients:
                await uow.outbox.add(Notification(person_id, "sla_warning", rid, data))
            return True
        if "resolve_breached" in flags or now < req.resolve_due:
            return False
        req.mark_sla("resolve_breached", now)
        data = _snapshot(req, await _type_name(uow, req), clock="resolve", limit=limit,
                         assignee=req.assignee_name)
        for person in await _supervisors(uow):
            await uow.outbox.add(Notification(person.id, "sla_breach", rid, data))
        return True
    if kind is TimerKind.WAIT_UNTIL:
        if (req.status is not Status.WAITING or req.wait_reason is not WaitReason.UNTIL
                or req.wait_until is None or now < req.wait_until):
            return False
        until = req.wait_until
        req.resume(None, now)
        data = _snapshot(req, await _type_name(uow, req), until=_iso(until),
                         assignee=req.assignee_name)
        if req.assignee_id:
            await uow.outbox.add(Notification(req.assignee_id, "wait_over", rid, data,
                                              edit_key=work_key(rid)))
        await uow.outbox.add(Notification(req.initiator_id, "resumed", rid, data))
        return True
    if kind is TimerKind.WAIT_AUTOCLOSE:
        if (req.status is not Status.WAITING or req.wait_reason is not WaitReason.CUSTOMER
                or not req.wait_autoclose_days or req.wait_since is None
                or now < req.wait_since + timedelta(days=req.wait_autoclose_days)):
            return False
        days = req.wait_autoclose_days
        if req.wait_requeue:  # back to the queue instead of closed (003)
            previous = req.assignee_id
            req.requeue_no_response(now)
            initiator = await uow.people.get(req.initiator_id)
            if initiator is not None:
                await _offer_notifications(uow, req, initiator)
            if previous:
                data = _snapshot(req, await _type_name(uow, req), days=days)
                await uow.outbox.add(Notification(previous, "requeued", rid, data,
                                                  edit_key=work_key(rid)))
            return True
        req.close_no_response(now)
        data = _snapshot(req, await _type_name(uow, req), days=days,
                         assignee=req.assignee_name)
        # A resolution: always sent to the initiator (001).
        await uow.outbox.add(Notification(req.initiator_id, "closed_no_response", rid, data))
        if req.assignee_id:
            await uow.outbox.add(Notification(req.assignee_id, "closed_no_response", rid,
                                              data, edit_key=work_key(rid)))
        return True
    if kind is TimerKind.DISPUTE_REMIND:
        disputed = req.unsettled_dispute_at if req.status in RUNNING else None
        if disputed is None or "dispute_reminded" in flags:
            return False
        req.mark_dispute_reminded(now)
        data = _snapshot(req, await _type_name(uow, req), assignee=req.assignee_name or "—",
                         since=disputed.isoformat())
        for person in await _supervisors(uow):
            await uow.outbox.add(Notification(person.id, "dispute_reminder", rid, data))
        return True
    if kind is TimerKind.FEEDBACK_CLOSE:
        if (req.status is not Status.RESOLVED or req.feedback_until is None
                or now < req.feedback_until):
            return False
        req.close_unconfirmed(now)
        data = _snapshot(req, await _type_name(uow, req), minutes=req.minutes_logged,
                         assignee=req.assignee_name)
        if req.resolved_by_id:
            await uow.outbox.add(Notification(req.resolved_by_id, "auto_closed", rid, data,
                                              edit_key=work_key(rid)))
        # The initiator may still rate it (1-5 buttons on this notice).
        rate = req.awaits_rating
        await uow.outbox.add(Notification(req.initiator_id, "auto_closed", rid,
                                          {**data, "rate": rate},
                                          edit_key=confirm_key(rid)))
        return True
    return False
