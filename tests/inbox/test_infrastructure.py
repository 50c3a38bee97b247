"""Failures of the services (database connection lost, lock timeouts, deadlocks, pool
exhausted, Redis down, a busy conversation lock) do not count against an event's retry
budget; a failure of the event itself does."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bots.inbox import is_infrastructure
from core.clock import ManualClock
from persistence.db import make_engine
from tests.adapters.telegram.tgstack import message_update, start_telegram


async def failure_of(engine: Any, statement: str) -> BaseException:
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    except Exception as exc:  # noqa: BLE001 - the failure is what is looked at
        return exc
    raise AssertionError(f"{statement} did not fail")


async def test_postgresql_lock_timeout_and_lost_connection_are_infrastructure(
        pg_url: str) -> None:
    engine = make_engine(pg_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE IF NOT EXISTS fuzz_lock (id int)"))
        async with engine.connect() as holder:
            await holder.execute(text("BEGIN"))
            await holder.execute(text("LOCK TABLE fuzz_lock IN ACCESS EXCLUSIVE MODE"))
            async with engine.connect() as waiter:
                await waiter.execute(text("SET lock_timeout = '50ms'"))
                try:
                    await waiter.execute(text("SELECT * FROM fuzz_lock"))
                except DBAPIError as exc:
                    timeout: BaseException = exc
                else:
                    raise AssertionError("no lock timeout")
            await holder.execute(text("ROLLBACK"))
        assert is_infrastructure(timeout), repr(timeout)

        async with engine.connect() as victim:
            pid = (await victim.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            async with engine.connect() as killer:
                await killer.execute(text(f"SELECT pg_terminate_backend({pid})"))
            await asyncio.sleep(0.1)
            try:
                await victim.execute(text("SELECT 1"))
            except DBAPIError as exc:
                lost: BaseException = exc
            else:
                raise AssertionError("the connection survived")
        assert is_infrastructure(lost), repr(lost)

        # The event's own failures count: bad SQL, a constraint, a bug.
        assert not is_infrastructure(await failure_of(engine, "SELEC 1"))
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE IF NOT EXISTS fuzz_unique (id int UNIQUE)"))
            await conn.execute(text("DELETE FROM fuzz_unique"))
            await conn.execute(text("INSERT INTO fuzz_unique VALUES (1)"))
        duplicate = await failure_of(engine, "INSERT INTO fuzz_unique VALUES (1)")
        assert isinstance(duplicate, IntegrityError) and not is_infrastructure(duplicate)
        assert not is_infrastructure(ValueError("a bug"))
        async with engine.begin() as conn:
            await conn.execute(text("DROP TABLE fuzz_lock, fuzz_unique"))
    finally:
        await engine.dispose()


async def test_sqlite_locked_pool_and_busy_conversation_are_infrastructure(
        sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        async with engine.connect() as holder:
            await holder.execute(text("CREATE TABLE IF NOT EXISTS t (id int)"))
            await holder.commit()
            await holder.execute(text("BEGIN IMMEDIATE"))
            await holder.execute(text("INSERT INTO t VALUES (1)"))
            other = make_engine(sqlite_url)
            try:
                async with other.connect() as writer:
                    await writer.execute(text("PRAGMA busy_timeout = 50"))
                    try:
                        await writer.execute(text("INSERT INTO t VALUES (2)"))
                        await writer.commit()
                    except DBAPIError as exc:
                        locked: BaseException = exc
                    else:
                        raise AssertionError("not locked")
            finally:
                await other.dispose()
            await holder.rollback()
        assert "locked" in str(locked) and is_infrastructure(locked)
    finally:
        await engine.dispose()
    assert is_infrastructure(PoolTimeout("QueuePool limit reached"))
    assert is_infrastructure(TimeoutError("conversation telegram:555 is busy"))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_infrastructure_failures_do_not_use_up_the_budget(
        db_url: str, clock: ManualClock) -> None:
    tg = await start_telegram(db_url, clock)
    try:
        inbox = tg.app.inbox
        channel = inbox.channels["telegram"]
        calls = 0

        async def database_away(data: dict[str, Any]) -> Any:
            nonlocal calls
            calls += 1
            raise PoolTimeout("QueuePool limit of size 5 overflow 0 reached")

        inbox.channels["telegram"] = type(channel)("telegram", database_away, channel.respond)
        assert await tg.post(message_update(555, "/new", "Ion")) == 200
        for _ in range(3 * inbox.budget):
            tg.stack.clock.advance(seconds=60)
            await inbox.drain()
        assert calls > inbox.budget
        assert await inbox.inbox.counts() == {"pending": 1}  # not failed: still waiting
        assert not [t for t in tg.texts("Ion") if "was not applied" in t]
        inbox.channels["telegram"] = channel  # the database is back
        tg.stack.clock.advance(seconds=60)
        await inbox.drain()
        assert await inbox.inbox.counts() == {"done": 1}
        assert "What is it about?" in tg.texts("Ion")[-1]
    finally:
        await tg.close()
