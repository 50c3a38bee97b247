"""Time travel with the injected ManualClock: every durable timer of the workflow fires at
its moment (and not a minute before) — auto-return, auto-close after N days, the feedback
window, SLA warning and breach — and the SLA clock pauses and restarts exactly."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bots.bootstrap import App
from core import services
from core.clock import ManualClock
from core.errors import DomainError
from core.kinds import Resolution, Role, Status, TimerKind, WaitReason
from core.model import RequestType
from core.sla import SlaPolicy


class World:
    def __init__(self, app: App, clock: ManualClock) -> None:
        self.app, self.clock, self.u = app, clock, app.uow_factory
        self.ids: dict[str, int] = {}

    async def setup(self, **type_settings: object) -> None:
        async with self.u() as uow:
            for name, role in (("Ion", Role.INITIATOR), ("Ana", Role.ASSISTANT),
                               ("Bogdan", Role.ASSISTANT), ("Sofia", Role.SUPERVISOR)):
                self.ids[name] = (await uow.people.add(name, role)).id
            rtype = await uow.types.add("Peripherals")
            settings = {"sla": {"normal": SlaPolicy(30, 480)}, **type_settings}
            await uow.types.save(RequestType(rtype.id, rtype.name, **settings))  # type: ignore[arg-type]
            self.type_id = rtype.id
            await uow.commit()

    async def place(self) -> int:
        req = await services.place(self.u, self.clock, actor_id=self.ids["Ion"],
                                   type_id=self.type_id, description="Printer jams")
        await self.notes()  # forget the offers
        return req.id or 0

    async def claimed(self) -> int:
        rid = await self.place()
        await services.claim(self.u, self.clock, actor_id=self.ids["Ana"], request_id=rid)
        await self.notes()
        return rid

    async def fire(self) -> int:
        """Fire every timer due now (what the timer worker does); how many fired."""
        fired = 0
        while True:
            async with self.u() as uow:
                due = await uow.timers.claim_due(self.clock.now(), 100, 60)
                await uow.commit()
            if not due:
                return fired
            for timer in due:
                fired += await services.fire_timer(self.u, self.clock, timer) == "fired"

    async def notes(self) -> list[tuple[str, str]]:
        """Notifications written since the last call: (recipient name, kind)."""
        names = {v: k for k, v in self.ids.items()}
        async with self.u() as uow:
            items = await uow.outbox.claim_due(self.clock.now() + timedelta(days=999), 1000, 60)
            for item in items:
                await uow.outbox.mark_sent(item.id, self.clock.now())
            await uow.commit()
        return [(names[i.notification.recipient_id], i.notification.kind) for i in items]

    async def get(self, rid: int):  # type: ignore[no-untyped-def]
        async with self.u() as uow:
            req = await uow.requests.get(rid)
            assert req is not None
            return req

    async def pending(self, rid: int) -> dict[TimerKind, object]:
        async with self.u() as uow:
            return {t.kind: t.fire_at for t in await uow.timers.pending(rid)}

    def advance(self, **delta: float) -> None:
        self.clock.advance(**delta)


@pytest.fixture
async def w(app: App, clock: ManualClock) -> World:
    world = World(app, clock)
    await world.setup()
    return world


async def test_waiting_until_returns_by_itself_and_tells_the_assignee(w: World) -> None:
    rid = await w.claimed()
    until = w.clock.now() + timedelta(hours=2)
    await services.wait(w.u, w.clock, actor_id=w.ids["Ana"], request_id=rid,
                        reason=WaitReason.UNTIL, until=until)
    assert ("Ion", "waiting") in await w.notes()
    w.advance(hours=1, minutes=59)
    await w.fire()
    assert (await w.get(rid)).status is Status.WAITING
    w.advance(minutes=1)
    assert await w.fire() >= 1
    req = await w.get(rid)
    assert req.status is Status.IN_PROGRESS and req.wait_reason is None
    assert req.events[-1].action == "resume" and req.events[-1].details["by"] == "clock"
    notes = await w.notes()
    assert ("Ana", "wait_over") in notes and ("Ion", "resumed") in notes
    assert TimerKind.WAIT_UNTIL not in await w.pending(rid)


async def test_waiting_until_does_not_pause_the_sla(w: World) -> None:
    rid = await w.claimed()
    due = (await w.get(rid)).resolve_due
    await services.wait(w.u, w.clock, actor_id=w.ids["Ana"], request_id=rid,
                        reason=WaitReason.UNTIL, until=w.clock.now() + timedelta(days=1))
    assert (await w.get(rid)).resolve_due == due


async def test_customer_question_auto_closes_after_n_days(w: World) -> None:
    rid = await w.claimed()
    await services.wait(w.u, w.clock, actor_id=w.ids["Ana"], request_id=rid,
                        reason=WaitReason.CUSTOMER, question="Which printer?",
                        autoclose_days=3)
    assert ("Ion", "question") in await w.notes()
    w.advance(days=3, minutes=-1)
    await w.fire()
    assert (await w.get(rid)).status is Status.WAITING
    w.advance(minutes=1)
    await w.fire()
    req = await w.get(rid)
    assert req.status is Status.CLOSED
    assert req.resolution_method is Resolution.NO_CUSTOMER_RESPONSE
    notes = await w.notes()
    assert ("Ion", "closed_no_response") in notes and ("Ana", "closed_no_response") in notes
    assert await w.pending(rid) == {}


async def test_the_customers_reply_resumes_and_cancels_the_auto_close(w: World) -> None:
    rid = await w.claimed()
    await services.wait(w.u, w.clock, actor_id=w.ids["Ana"], request_id=rid,
                        reason=WaitReason.CUSTOMER, question="Which printer?",
                        autoclose_days=3)
    w.advance(days=1)
    await services.comment(w.u, w.clock, actor_id=w.ids["Ion"], request_id=rid,
                           body="The one on floor 2")
    req = await w.get(rid)
    assert req.status is Status.IN_PROGRESS
    assert ("Ana", "replied") in await w.notes()
    assert TimerKind.WAIT_AUTOCLOSE not in await w.pending(rid)
    w.advance(days=5)
    await w.fire()
    assert (await w.get(rid)).status is Status.IN_PROGRESS


async def test_feedback_window_closes_unconfirmed_request(w: World) -> None:
    rid = await w.claimed()
    await services.finish(w.u, w.clock, actor_id=w.ids["Ana"], request_id=rid, minutes=30,
                          note="New toner")
    assert ("Ion", "resolved") in await w.notes()
    w.advance(hours=72, minutes=-1)
    await w.fire()
    assert (await w.get(rid)).status is Status.RESOLVED
    w.advance(minutes=1)
    await w.fire()
    assert (await w.get(rid)).status is Status.CLOSED
    notes = await w.notes()
    assert ("Ion", "auto_closed") in notes and ("Ana", "auto_closed") in notes


async def test_feedback_window_is_per_type(app: App, clock: ManualClock) -> None:
    w = World(app, clock)
    await w.setup(feedback_minutes=60)
    rid = await w.claimed()
    await services.finish(w.u, w.clock, actor_id=w.ids["Ana"], request_id=rid, minutes=30,
                          note="New toner")
    w.advance(minutes=60)
    await w.fire()
    assert (await w.get(rid)).status is Status.CLOSED


async def test_reply_inside_the_window_reopens_to_the_assignee(w: World) -> None:
    rid = await w.claimed()
    await services.finish(w.u, w.clock, actor_id=w.ids["Ana"], request_id=rid, minutes=30,
                          note="New toner")
    w.advance(hours=71)
    await services.reopen(w.u, w.clock, actor_id=w.ids["Ion"], request_id=rid,
                          message="It jams again")
    req = await w.get(rid)
    assert req.status is Status.IN_PROGRESS and req.assignee_name == "Ana"
    assert ("Ana", "reopened") in await w.notes()
    w.advance(hours=2)
    await w.fire()
    assert (await w.get(rid)).status is Status.IN_PROGRESS


async def test_reopen_after_the_window_is_refused(w: World) -> None:
    rid = await w.claimed()
    await services.finish(w.u, w.clock, actor_id=w.ids["Ana"], request_id=rid, minutes=30,
                          note="New toner")
    w.advance(hours=72)  # the timer has not fired yet: the window is over all the same
    with pytest.raises(DomainError):
        await services.reopen(w.u, w.clock, actor_id=w.ids["Ion"], request_id=rid,
                              message="It jams again")
    assert (await w.get(rid)).status is Status.RESOLVED


async def test_claim_sla_warns_assistants_at_80_percent_and_supervisors_at_breach(
        w: World) -> None:
    await w.place()
    w.advance(minutes=23, seconds=59)
    assert await w.fire() == 0
    w.advance(seconds=1)  # 24 of 30 minutes
    assert await w.fire() == 1
    assert sorted(await w.notes()) == [("Ana", "sla_warning"), ("Bogdan", "sla_warning")]
    w.advance(minutes=5, seconds=59)
    assert await w.fire() == 0
    w.advance(seconds=1)
    assert await w.fire() == 1
    assert await w.notes() == [("Sofia", "sla_breach")]
    w.advance(days=1)
    await w.fire()
    assert [n for n in await w.notes() if n[1].startswith("sla_") and "claim" in n[1]] == []


async def test_routing_warns_only_the_types_assistants(app: App, clock: ManualClock) -> None:
    w = World(app, clock)
    await w.setup()
    async with w.u() as uow:
        rtype = await uow.types.get(w.type_id)
        assert rtype is not None
        rtype.assistant_ids = (w.ids["Bogdan"],)
        await uow.types.save(rtype)
        await uow.commit()
    await services.place(w.u, w.clock, actor_id=w.ids["Ion"], type_id=w.type_id,
                         description="Printer jams")
    assert await w.notes() == [("Bogdan", "new_request")]
    w.advance(minutes=24)
    await w.fire()
    assert await w.notes() == [("Bogdan", "sla_warning")]


async def test_resolve_sla_warns_the_assignee_then_supervisors(w: World) -> None:
    rid = await w.claimed()
    w.advance(minutes=384 - 1)  # 80 % of 480 minutes, minus one
    await w.fire()
    assert [n for n in await w.notes() if n[1] == "sla_warning"] == []
    w.advance(minutes=1)
    await w.fire()
    assert await w.notes() == [("Ana", "sla_warning")]
    w.advance(minutes=96)
    await w.fire()
    assert await w.notes() == [("Sofia", "sla_breach")]
    assert "resolve_breached" in (await w.get(rid)).sla_flags


@pytest.mark.parametrize("reason", [WaitReason.CUSTOMER, WaitReason.THIRD_PARTY])
async def test_sla_pauses_while_waiting_and_restarts_with_the_exact_time_left(
        w: World, reason: WaitReason) -> None:
    rid = await w.claimed()
    w.advance(hours=2)  # 6 of 8 hours left
    await services.wait(w.u, w.clock, actor_id=w.ids["Ana"], request_id=rid, reason=reason,
                        question="Which printer?" if reason is WaitReason.CUSTOMER else None)
    req = await w.get(rid)
    assert req.resolve_due is None and req.resolve_left_seconds == 6 * 3600
    assert TimerKind.RESOLVE_BREACH not in await w.pending(rid)
    w.advance(days=5)
    await w.fire()
    assert [n for n in await w.notes() if n[1].startswith("sla_")] == []
    if reason is WaitReason.CUSTOMER:
        await services.comment(w.u, w.clock, actor_id=w.ids["Ion"], request_id=rid,
                               body="The one on floor 2")
    else:
        await services.resume(w.u, w.clock, actor_id=w.ids["Ana"], request_id=rid)
    req = await w.get(rid)
    assert req.status is Status.IN_PROGRESS
    assert req.resolve_due == w.clock.now() + timedelta(hours=6)
    pending = await w.pending(rid)
    assert pending[TimerKind.RESOLVE_BREACH] == w.clock.now() + timedelta(hours=6)
    assert pending[TimerKind.RESOLVE_WARN] == w.clock.now() + timedelta(hours=6, minutes=-96)
    w.advance(hours=6, seconds=-1)
    await w.fire()
    assert ("Sofia", "sla_breach") not in await w.notes()
    w.advance(seconds=1)
    await w.fire()
    assert ("Sofia", "sla_breach") in await w.notes()


async def test_a_moved_timer_never_fires_early(w: World) -> None:
    """A worker that leased a timer before it was moved finds it stale: nothing happens, and
    the timer is scheduled again for its new time."""
    rid = await w.claimed()
    w.advance(hours=2)
    await services.wait(w.u, w.clock, actor_id=w.ids["Ana"], request_id=rid,
                        reason=WaitReason.UNTIL, until=w.clock.now() + timedelta(hours=1))
    w.advance(hours=1)
    async with w.u() as uow:
        due = await uow.timers.claim_due(w.clock.now(), 100, 60)
        await uow.commit()
    assert [t.kind for t in due] == [TimerKind.WAIT_UNTIL]
    # Meanwhile the assistant resumes by hand and waits again until later.
    await services.resume(w.u, w.clock, actor_id=w.ids["Ana"], request_id=rid)
    await services.wait(w.u, w.clock, actor_id=w.ids["Ana"], request_id=rid,
                        reason=WaitReason.UNTIL, until=w.clock.now() + timedelta(hours=3))
    outcome = await services.fire_timer(w.u, w.clock, due[0])
    assert outcome in ("stale", "gone")
    assert (await w.get(rid)).status is Status.WAITING
    w.advance(hours=3)
    await w.fire()
    assert (await w.get(rid)).status is Status.IN_PROGRESS


async def test_spam_closes_at_once_and_asks_nobody(w: World) -> None:
    rid = await w.claimed()
    await services.finish(w.u, w.clock, actor_id=w.ids["Ana"], request_id=rid, minutes=0,
                          note="", method=Resolution.SPAM)
    req = await w.get(rid)
    assert req.status is Status.CLOSED and req.minutes_logged == 0
    assert await w.notes() == []
    assert await w.pending(rid) == {}
    with pytest.raises(DomainError):
        await services.rate(w.u, w.clock, actor_id=w.ids["Ion"], request_id=rid, stars=5)


async def test_rating_is_kept_against_the_assistant(w: World) -> None:
    rid = await w.claimed()
    await services.finish(w.u, w.clock, actor_id=w.ids["Ana"], request_id=rid, minutes=30,
                          note="New toner")
    await services.confirm(w.u, w.clock, actor_id=w.ids["Ion"], request_id=rid)
    await w.notes()
    await services.rate(w.u, w.clock, actor_id=w.ids["Ion"], request_id=rid, stars=4,
                        comment="Quick, thanks")
    req = await w.get(rid)
    assert req.rating is not None and req.rating.stars == 4
    assert req.rating.assistant_id == w.ids["Ana"] and req.rating.comment == "Quick, thanks"
    assert await w.notes() == [("Ana", "rated")]
    for bad in (0, 6):
        with pytest.raises(DomainError):
            await services.rate(w.u, w.clock, actor_id=w.ids["Ion"], request_id=rid, stars=bad)
    with pytest.raises(DomainError):
        await services.rate(w.u, w.clock, actor_id=w.ids["Ana"], request_id=rid, stars=5)


async def test_final_requests_have_no_timers(w: World) -> None:
    rid = await w.place()
    assert set(await w.pending(rid)) == {TimerKind.CLAIM_WARN, TimerKind.CLAIM_BREACH,
                                         TimerKind.RESOLVE_WARN, TimerKind.RESOLVE_BREACH}
    await services.cancel(w.u, w.clock, actor_id=w.ids["Ion"], request_id=rid)
    assert await w.pending(rid) == {}
