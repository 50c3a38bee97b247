"""Service layer: one plain async function per use case.

Each takes a fresh unit of work, loads what it needs, lets the aggregate decide, saves
with compare-and-set and writes the resulting notifications in the same transaction.
Nothing is committed unless the whole use case succeeds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from core.clock import Clock
from core.errors import ConcurrentChange, Invalid, NotFound
from core.i18n import N_
from core.kinds import Role, Status
from core.model import Person, Request
from core.notifications import Notification, confirm_key, offer_key, work_key
from core.permissions import can_see, check
from core.ports import UnitOfWork, UnitOfWorkFactory

CAS_ATTEMPTS = 5
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
    if not can_see(person, req):
        # Let the permission check produce the precise message (claimed by X, closed...).
        check("comment" if person.role is Role.INITIATOR else "claim", person, req)
        raise NotFound(N_("You don't have access to {ref}."), ref=req.reference)
    return req


def _snapshot(req: Request, type_name: str, **extra: Any) -> dict[str, Any]:
    desc = req.description
    if len(desc) > SNIPPET:
        desc = desc[: SNIPPET - 1].rstrip() + "…"
    return {"ref": req.reference, "type": type_name, "description": desc, **extra}


async def _eligible_assistants(uow: UnitOfWork, req: Request) -> list[Person]:
    if req.target_id is not None:
        target = await uow.people.get(req.target_id)
        return [target] if target and target.active else []
    return [p for p in await uow.people.list(Role.ASSISTANT) if p.active]


async def _type_name(uow: UnitOfWork, req: Request) -> str:
    rtype = await uow.types.get(req.type_id)
    return rtype.name if rtype else "?"


async def _offer_notifications(uow: UnitOfWork, req: Request, initiator: Person) -> None:
    data = _snapshot(req, await _type_name(uow, req), initiator=initiator.name)
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
) -> Request:
    """Place a request (an assistant may place one on behalf of an initiator)."""
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
            target=target, at=clock.now(), channel=channel,
        )
        await uow.requests.add(req)
        await _offer_notifications(uow, req, initiator)
        await uow.commit()
        return req


Mutation = Callable[[UnitOfWork, Person, Request], Awaitable[None]]


async def _change(
    uow_factory: UnitOfWorkFactory, actor_id: int, request_id: int, mutate: Mutation
) -> Request:
    """Load, mutate, compare-and-set save, commit; on a concurrent change start again."""
    for _attempt in range(CAS_ATTEMPTS):
        async with uow_factory() as uow:
            actor = await load_person(uow, actor_id)
            req = await load_visible(uow, actor, request_id)
            await mutate(uow, actor, req)
            try:
                await uow.requests.save(req)
            except ConcurrentChange:
                continue
            await uow.commit()
            return req
    raise ConcurrentChange(f"request {request_id} kept changing")


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
        for person in await _eligible_assistants(uow, req):
            if person.id != actor.id:
                await uow.outbox.add(
                    Notification(person.id, "offer_taken", request_id, data,
                                 edit_key=offer_key(request_id), edit_only=True)
                )

    return await _change(uow_factory, actor_id, request_id, mutate)


async def release(
    uow_factory: UnitOfWorkFactory, clock: Clock, *, actor_id: int, request_id: int,
    channel: str | None = None,
) -> Request:
    """Back to the queue; eligible assistants are offered it again."""

    async def mutate(uow: UnitOfWork, actor: Person, req: Request) -> None:
        req.release(actor, clock.now(), channel)
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
) -> Request:
    async def mutate(uow: UnitOfWork, actor: Person, req: Request) -> None:
        req.finish(actor, minutes, note, clock.now(), channel)
        data = _snapshot(req, await _type_name(uow, req), assignee=actor.name,
                         minutes=req.minutes_logged, note=req.resolution_note)
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

    return await _change(uow_factory, actor_id, request_id, mutate)


async def comment(
    uow_factory: UnitOfWorkFactory, clock: Clock, *, actor_id: int, request_id: int,
    body: str, channel: str | None = None, internal: bool = False,
) -> Request:
    """A public comment reaches the other side (initiator ↔ assignee); an internal note
    reaches the staff on the request (assignee, who resolved it) and never the initiator."""

    async def mutate(uow: UnitOfWork, actor: Person, req: Request) -> None:
        req.comment(actor, body, clock.now(), channel, internal=internal)
        data = _snapshot(req, await _type_name(uow, req), author=actor.name, body=body.strip())
        if internal:
            recipients = {req.assignee_id, req.resolved_by_id} - {actor.id, req.initiator_id}
            kind = "internal_note"
        else:
            recipients = {req.initiator_id, req.assignee_id} - {actor.id}
            kind = "comment"
        for person_id in sorted(r for r in recipients if r is not None):
            await uow.outbox.add(Notification(person_id, kind, request_id, data))

    return await _change(uow_factory, actor_id, request_id, mutate)


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
