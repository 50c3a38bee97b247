"""Durable timers: rows that survive restarts, leased with ``FOR UPDATE SKIP LOCKED`` so that
several worker processes never fire one twice."""

from __future__ import annotations

import asyncio
import sys
import warnings
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bots.bootstrap import App, bootstrap
from bots.timer_worker import TimerWorker
from core import services
from core.clock import ManualClock
from core.kinds import Role, Status, TimerKind, WaitReason
from persistence.db import make_engine, make_sessionmaker
from persistence.redis_store import embedded_redis
from persistence.tables import EventRow, OutboxRow, TimerRow
from persistence.uow import uow_factory
from tests.conftest import settings_for

HERE = Path(__file__).resolve().parent


async def people(app: App) -> tuple[int, int, int, int]:
    async with app.uow_factory() as uow:
        ion = await uow.people.add("Ion", Role.INITIATOR)
        ana = await uow.people.add("Ana", Role.ASSISTANT)
        sofia = await uow.people.add("Sofia", Role.SUPERVISOR)
        rtype = await uow.types.add("Peripherals")
        await uow.commit()
    return ion.id, ana.id, sofia.id, rtype.id


async def placed(app: App, clock: ManualClock) -> tuple[int, int]:
    """Ion's "Printer jams", placed now: (its id, Ana's id)."""
    ion, ana, _sofia, type_id = await people(app)
    req = await services.place(app.uow_factory, clock, actor_id=ion, type_id=type_id,
                               description="Printer jams")
    return req.id or 0, ana


async def test_store_schedules_moves_and_cancels(db_url: str) -> None:
    clock = ManualClock()
    app = await bootstrap(settings_for(db_url), clock=clock, redis=embedded_redis())
    try:
        rid, ana = await placed(app, clock)
        t0 = clock.now()
        async with app.uow_factory() as uow:
            pending = {t.kind: t.fire_at for t in await uow.timers.pending(rid)}
            assert pending[TimerKind.CLAIM_BREACH] == t0 + timedelta(minutes=30)
            assert await uow.timers.pending_count() == 4
            # Nothing is due yet; a lease hides a due timer from other workers.
            assert await uow.timers.claim_due(clock.now(), 10, 60) == []
            first = await uow.timers.claim_due(t0 + timedelta(minutes=24), 10, 60)
            assert [t.kind for t in first] == [TimerKind.CLAIM_WARN]
            assert await uow.timers.claim_due(t0 + timedelta(minutes=24), 10, 60) == []
            assert await uow.timers.mark_fired(first[0].id, clock.now(), "fired")
            assert not await uow.timers.mark_fired(first[0].id, clock.now(), "fired")
            await uow.commit()
        await services.claim(app.uow_factory, clock, actor_id=ana, request_id=rid)
        async with app.uow_factory() as uow:
            kinds = {t.kind for t in await uow.timers.pending(rid)}
        assert kinds == {TimerKind.RESOLVE_WARN, TimerKind.RESOLVE_BREACH}
    finally:
        await app.close()


async def test_replacing_every_timer_keeps_the_identity_map_sound(db_url: str) -> None:
    """Regression: obsolete timers used to be removed with a bulk DELETE that left them in
    the session; on SQLite the new row took a deleted row's id and the flush warned
    "Identity map already had an identity for TimerRow" (an error under -W error)."""
    clock = ManualClock()
    app = await bootstrap(settings_for(db_url), clock=clock, redis=embedded_redis())
    try:
        rid, _ana = await placed(app, clock)
        later = clock.now() + timedelta(days=3)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            async with app.uow_factory() as uow:
                old = {t.id for t in await uow.timers.pending(rid)}
                await uow.timers.sync(rid, {TimerKind.FEEDBACK_CLOSE: later})
                new = await uow.timers.pending(rid)
                await uow.commit()
        assert [t.kind for t in new] == [TimerKind.FEEDBACK_CLOSE]
        assert new[0].id not in old
    finally:
        await app.close()


async def test_sync_keeps_unchanged_timers_replaces_moved_ones_and_leaves_other_kinds(
        db_url: str) -> None:
    """One statement on both databases (a CTE on PostgreSQL, a view's trigger on SQLite):
    a timer wanted as it is keeps its id and attempts; one whose time moved is replaced
    (new id, attempts 0); unwanted ones of the synced kinds go; other kinds stay, and a
    wanted kind that is not synced is not duplicated."""
    clock = ManualClock()
    app = await bootstrap(settings_for(db_url), clock=clock, redis=embedded_redis())
    try:
        rid, _ana = await placed(app, clock)
        t0 = clock.now()
        day = t0 + timedelta(days=1)
        async with app.uow_factory() as uow:
            await uow.timers.sync(rid, {TimerKind.VISIT_DAY: day},
                                  frozenset({TimerKind.VISIT_DAY, TimerKind.VISIT_HOUR}))
            await uow.commit()
        async with app.uow_factory() as uow:
            before = {t.kind: t for t in await uow.timers.pending(rid)}
            warn, breach = before[TimerKind.CLAIM_WARN], before[TimerKind.CLAIM_BREACH]
            # attempts 1, still pending, due when it was
            await uow.timers.mark_failed(warn.id, "flaky", warn.fire_at)
            await uow.commit()
        moved = breach.fire_at + timedelta(minutes=5)
        async with app.uow_factory() as uow:
            await uow.timers.sync(rid, {TimerKind.CLAIM_WARN: warn.fire_at,
                                        TimerKind.CLAIM_BREACH: moved,
                                        TimerKind.VISIT_DAY: t0})
            await uow.commit()
        async with app.uow_factory() as uow:
            after = await uow.timers.pending(rid)
        by_kind = {t.kind: t for t in after}
        assert sorted(t.kind.value for t in after) == sorted(
            k.value for k in (TimerKind.CLAIM_WARN, TimerKind.CLAIM_BREACH,
                              TimerKind.VISIT_DAY))
        assert (by_kind[TimerKind.CLAIM_WARN].id, by_kind[TimerKind.CLAIM_WARN].attempts) \
            == (warn.id, 1)
        assert by_kind[TimerKind.CLAIM_BREACH].id != breach.id
        assert (by_kind[TimerKind.CLAIM_BREACH].fire_at,
                by_kind[TimerKind.CLAIM_BREACH].attempts) == (moved, 0)
        assert by_kind[TimerKind.VISIT_DAY].fire_at == day  # not a kind this sync covers
        async with app.uow_factory() as uow:  # nothing wanted: the request's kinds go
            await uow.timers.sync(rid, {})
            await uow.commit()
        async with app.uow_factory() as uow:
            assert [t.kind for t in await uow.timers.pending(rid)] == [TimerKind.VISIT_DAY]
    finally:
        await app.close()


async def test_timers_fire_after_a_restart(db_url: str) -> None:
    """Stop the worker with timers pending (one even leased by the stopped worker), start a
    new application and worker on the same database: they fire, once."""
    clock = ManualClock()
    app = await bootstrap(settings_for(db_url), clock=clock, redis=embedded_redis())
    ion, ana, _sofia, type_id = await people(app)
    rids = []
    for _ in range(3):
        req = await services.place(app.uow_factory, clock, actor_id=ion, type_id=type_id,
                                   description="Printer jams")
        await services.claim(app.uow_factory, clock, actor_id=ana, request_id=req.id or 0)
        await services.wait(app.uow_factory, clock, actor_id=ana, request_id=req.id or 0,
                            reason=WaitReason.UNTIL, until=clock.now() + timedelta(hours=1))
        rids.append(req.id or 0)
    stop = asyncio.Event()
    assert app.timer_worker is not None
    task = asyncio.create_task(app.timer_worker.run_forever(stop, idle_seconds=0.01))
    await asyncio.sleep(0.05)  # a few idle rounds: nothing is due
    stop.set()
    await task
    clock.advance(hours=1)
    async with app.uow_factory() as uow:  # the old worker leased one, then "crashed"
        leased = await uow.timers.claim_due(clock.now(), 1, 60)
        await uow.commit()
    assert len(leased) == 1
    await app.close()

    again = await bootstrap(settings_for(db_url), clock=clock, redis=embedded_redis())
    try:
        worker = TimerWorker(again.uow_factory, clock=clock)
        await worker.drain()
        async with again.uow_factory() as uow:
            statuses = [(await uow.requests.get(r)).status for r in rids]  # type: ignore[union-attr]
        assert statuses.count(Status.IN_PROGRESS) == 2  # the leased one waits for its lease
        clock.advance(seconds=61)
        await worker.drain()
        async with again.uow_factory() as uow:
            statuses = [(await uow.requests.get(r)).status for r in rids]  # type: ignore[union-attr]
            resumes = [e for r in rids for e in (await uow.requests.get(r)).events  # type: ignore[union-attr]
                       if e.action == "resume"]
        assert statuses == [Status.IN_PROGRESS] * 3
        assert len(resumes) == 3
    finally:
        await again.close()


async def test_two_worker_processes_fire_1000_timers_exactly_once(pg_url: str,
                                                                  tmp_path: Path) -> None:
    """250 requests × 4 SLA timers, all due at once; two worker processes race for them."""
    clock = ManualClock()  # January 2026: every timer is long due for the real clock
    engine = make_engine(pg_url)
    uows = uow_factory(make_sessionmaker(engine))
    from core.model import Request

    async with uows() as uow:
        ion = await uow.people.add("Ion", Role.INITIATOR)
        await uow.people.add("Ana", Role.ASSISTANT)
        await uow.people.add("Sofia", Role.SUPERVISOR)
        rtype = await uow.types.add("Peripherals")
        for _ in range(250):
            req = Request.place(actor=ion, initiator=ion, rtype=rtype, description="Jam",
                                target=None, at=clock.now(), channel=None)
            await uow.requests.add(req)
            from core.timers import plan

            await uow.timers.sync(req.id or 0, plan(req))
        await uow.commit()
        assert await uow.timers.pending_count() == 1000

    go = tmp_path / "go"
    procs = [await asyncio.create_subprocess_exec(
        sys.executable, str(HERE / "timer_proc.py"), pg_url, str(go),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE) for _ in range(2)]
    await asyncio.sleep(0.5)
    go.touch()
    outputs = await asyncio.wait_for(asyncio.gather(*(p.communicate() for p in procs)), 300)
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err.decode()
    leased = [int(out.decode().split()[-1]) for out, _err in outputs]
    assert all(n > 0 for n in leased), f"one worker did nothing: {leased}"

    async with engine.connect() as conn:
        fired = await conn.scalar(select(func.count()).select_from(TimerRow)
                                  .where(TimerRow.fired_at.is_not(None)))
        pending = await conn.scalar(select(func.count()).select_from(TimerRow)
                                    .where(TimerRow.fired_at.is_(None)))
        events = (await conn.execute(
            select(EventRow.request_id, EventRow.action, func.count())
            .where(EventRow.action.in_(["sla_warning", "sla_breach"]))
            .group_by(EventRow.request_id, EventRow.action))).all()
        breaches = await conn.scalar(select(func.count()).select_from(OutboxRow)
                                     .where(OutboxRow.kind == "sla_breach"))
    await engine.dispose()
    assert fired == 1000 and pending == 0
    # Each request: one claim and one resolve warning, one claim and one resolve breach.
    assert len(events) == 500 and all(count == 2 for _r, _a, count in events)
    assert breaches == 500  # one supervisor, two breaches per request
