"""The outbox lease over a backlog (issue 14): the head of each recipient's queue, never two
workers on one item, and sent rows purged after OUTBOX_KEEP_DAYS."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from core.kinds import Role
from core.notifications import Notification
from persistence.db import make_engine, make_sessionmaker
from persistence.migrate import upgrade
from persistence.uow import uow_factory


@pytest.fixture
async def uows(db_url: str):
    engine = make_engine(db_url)
    await upgrade(engine)
    yield uow_factory(make_sessionmaker(engine))
    await engine.dispose()


async def backlog(uows, people: int, each: int) -> list[int]:
    async with uows() as uow:
        ids = [(await uow.people.add(f"P{n}", Role.ASSISTANT)).id for n in range(people)]
        for round_ in range(each):
            for pid in ids:
                await uow.outbox.add(Notification(pid, f"n{round_}", 1))
        await uow.commit()
    return ids


async def test_one_lease_takes_the_first_item_of_each_recipient(uows) -> None:
    ids = await backlog(uows, 5, 3)
    now = datetime.now(UTC)
    async with uows() as uow:
        first = await uow.outbox.claim_due(now, 3, 60)
        rest = await uow.outbox.claim_due(now, 10, 60)
        await uow.commit()
    assert [i.notification.recipient_id for i in first] == ids[:3]
    assert [i.notification.recipient_id for i in rest] == ids[3:]
    assert {i.notification.kind for i in first + rest} == {"n0"}
    assert [i.id for i in first] == sorted(i.id for i in first)
    async with uows() as uow:
        for item in first + rest:
            await uow.outbox.mark_sent(item.id, now)
        await uow.commit()
    async with uows() as uow:
        second = await uow.outbox.claim_due(now, 10, 60)
    assert {i.notification.kind for i in second} == {"n1"} and len(second) == 5


async def test_two_workers_never_lease_one_item(uows) -> None:
    await backlog(uows, 20, 2)
    now = datetime.now(UTC)

    async def lease() -> list[int]:
        async with uows() as uow:
            items = await uow.outbox.claim_due(now, 15, 60)
            await uow.commit()
        return [i.id for i in items]

    a, b = await asyncio.gather(lease(), lease())
    assert not set(a) & set(b)
    assert len(a) + len(b) == 20


async def test_a_backlog_with_stale_statistics_drains_completely(uows, db_url: str) -> None:
    engine = make_engine(db_url)
    async with engine.begin() as conn:
        await conn.execute(text("ANALYZE outbox"))  # statistics of an empty outbox
    await engine.dispose()
    await backlog(uows, 30, 10)
    now, sent = datetime.now(UTC), 0
    for _ in range(20):
        async with uows() as uow:
            items = await uow.outbox.claim_due(now, 100, 60)
            for item in items:
                await uow.outbox.mark_sent(item.id, now)
            await uow.commit()
        sent += len(items)
        if not items:
            break
    assert sent == 300


async def test_sent_rows_are_purged_after_the_keep_days(uows) -> None:
    await backlog(uows, 2, 2)
    now = datetime.now(UTC)
    async with uows() as uow:
        items = await uow.outbox.claim_due(now, 10, 60)
        await uow.outbox.mark_sent(items[0].id, now - timedelta(days=31))
        await uow.outbox.mark_sent(items[1].id, now - timedelta(days=29))
        await uow.commit()
    async with uows() as uow:
        assert await uow.outbox.purge_sent(now - timedelta(days=30)) == 1
        await uow.commit()
    async with uows() as uow:
        assert await uow.outbox.pending_count() == 2
        left = (await uow.outbox.claim_due(now, 10, 60))
    assert [i.notification.kind for i in left] == ["n1", "n1"]


@pytest.fixture
async def pg_uows(pg_url: str):
    engine = make_engine(pg_url)
    await upgrade(engine)
    yield uow_factory(make_sessionmaker(engine))
    await engine.dispose()


async def test_a_lease_starts_after_the_given_recipient_and_wraps_round(pg_uows) -> None:
    """PostgreSQL walks the recipients in order from where the worker's last lease ended,
    so the ones after the first ``limit`` are not kept waiting until those are drained."""
    ids = await backlog(pg_uows, 5, 2)
    now = datetime.now(UTC)
    async with pg_uows() as uow:
        items = await uow.outbox.claim_due(now, 3, 60, after=ids[2])
        await uow.rollback()
    assert sorted(i.notification.recipient_id for i in items) == [ids[0], ids[3], ids[4]]
    async with pg_uows() as uow:
        items = await uow.outbox.claim_due(now, 10, 60, after=ids[4])
        await uow.rollback()
    assert [i.notification.recipient_id for i in items] == ids  # each head once, then stop
    assert {i.notification.kind for i in items} == {"n0"}


async def test_a_lease_passes_over_heads_another_worker_is_leasing(pg_uows) -> None:
    """Heads locked by a lease not yet committed are skipped without using up the batch
    (the skip scan stops after ``limit`` heads, so it must not count them)."""
    ids = await backlog(pg_uows, 20, 2)
    now = datetime.now(UTC)
    async with pg_uows() as first:
        a = await first.outbox.claim_due(now, 15, 60)  # not committed yet
        async with pg_uows() as second:
            b = await second.outbox.claim_due(now, 15, 60)
            await second.commit()
        await first.commit()
    assert [i.notification.recipient_id for i in a] == ids[:15]
    assert [i.notification.recipient_id for i in b] == ids[15:]


async def test_a_lease_skips_heads_backing_off_and_still_fills_the_batch(pg_uows) -> None:
    ids = await backlog(pg_uows, 6, 2)
    now = datetime.now(UTC)
    async with pg_uows() as uow:
        failing = await uow.outbox.claim_due(now, 3, 60)
        for item in failing:
            await uow.outbox.mark_failed(item.id, "boom", now + timedelta(minutes=5))
        await uow.commit()
    async with pg_uows() as uow:
        items = await uow.outbox.claim_due(now, 3, 60)
        await uow.rollback()
    # Ids[:3]'s heads wait for their retry; their second items stay behind them.
    assert [i.notification.recipient_id for i in items] == ids[3:]
    assert {i.notification.kind for i in items} == {"n0"}
