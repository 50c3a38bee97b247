"""``requests.minutes_logged`` (migration 0012_i14m_minutes_logged): the total of a request's
time entries, kept by triggers on both databases, so "My requests" shows the logged time
without reading the entries; and on PostgreSQL the lines come from the index alone
(0012_i14l_request_lines)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from bots.bootstrap import bootstrap
from core import services
from core.clock import ManualClock
from core.kinds import Role
from persistence.db import make_engine
from persistence.migrate import upgrade
from persistence.redis_store import embedded_redis
from tests.conftest import settings_for
from tests.persistence.test_migration_subject import (  # noqa: F401
    fresh_url,
    migrate,
    seed_requests,
)

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


async def stored(app, request_id: int) -> int:  # type: ignore[no-untyped-def]
    async with app.engine.connect() as conn:
        return int((await conn.execute(text(
            "SELECT minutes_logged FROM requests WHERE id = :id"), {"id": request_id}))
            .scalar_one())


async def test_the_total_follows_every_change_of_the_time_entries(db_url: str) -> None:
    clock = ManualClock()
    app = await bootstrap(settings_for(db_url), clock=clock, redis=embedded_redis())
    try:
        async with app.uow_factory() as uow:
            ion = await uow.people.add("Ion", Role.INITIATOR)
            ana = await uow.people.add("Ana", Role.ASSISTANT)
            rtype = await uow.types.add("Peripherals")
            await uow.commit()
        first, second = [
            await services.place(app.uow_factory, clock, actor_id=ion.id, type_id=rtype.id,
                                 description=d) for d in ("Printer jams", "Mouse is dead")]
        rid, other = first.id or 0, second.id or 0
        assert await stored(app, rid) == 0
        await services.claim(app.uow_factory, clock, actor_id=ana.id, request_id=rid)
        await services.finish(app.uow_factory, clock, actor_id=ana.id, request_id=rid,
                              minutes=45, note="cleaned the rollers")
        assert await stored(app, rid) == 45
        await services.correct_time(app.uow_factory, clock, actor_id=ana.id, request_id=rid,
                                    total_minutes=30)  # a correction entry of -15
        assert await stored(app, rid) == 30
        async with app.uow_factory(read_only=True) as uow:  # the line agrees with the load
            line = (await uow.requests.lines_for_initiator(ion.id))[-1]
            full = await uow.requests.get(rid)
        assert line.id == rid and full is not None
        assert line.minutes_logged == full.minutes_logged == 30
        async with app.engine.begin() as conn:  # by hand: moved, changed, deleted
            await conn.execute(text(
                "UPDATE time_entries SET request_id = :other WHERE minutes = -15"),
                {"other": other})
        assert (await stored(app, rid), await stored(app, other)) == (45, -15)
        async with app.engine.begin() as conn:
            await conn.execute(text("UPDATE time_entries SET minutes = 50 WHERE minutes = 45"))
            await conn.execute(text("DELETE FROM time_entries WHERE minutes = -15"))
        assert (await stored(app, rid), await stored(app, other)) == (50, 0)
    finally:
        await app.close()


async def test_the_migration_computes_the_totals_of_existing_requests_on_a_used_database(
        fresh_url: str) -> None:  # noqa: F811
    await migrate(fresh_url, "0012_i14t_timer_sync")
    engine = make_engine(fresh_url)
    async with engine.begin() as conn:
        await seed_requests(conn, ["Printer", "Printer"], role="assistant", status="resolved")
        for minutes in (30, 15, -5):
            await conn.execute(text(
                "INSERT INTO time_entries (request_id, minutes, author_id, kind, at) "
                "VALUES (1, :m, 1, 'work', :at)"), {"m": minutes, "at": AT})
    await engine.dispose()

    # The product's upgrade. On SQLite this also checks that a batch migration (0011_i18v
    # copies request_types) runs with requests referring to the table (foreign keys off
    # for the migration), and that the pooled connection has them on again.
    engine = make_engine(fresh_url)
    await upgrade(engine)
    async with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            assert (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
        totals = (await conn.execute(text(
            "SELECT id, minutes_logged FROM requests ORDER BY id"))).all()
        assert [tuple(r) for r in totals] == [(1, 40), (2, 0)]
        await conn.execute(text(
            "INSERT INTO time_entries (request_id, minutes, author_id, kind, at) "
            "VALUES (2, 20, 1, 'work', :at)"), {"at": AT})
        assert (await conn.execute(text(
            "SELECT minutes_logged FROM requests WHERE id = 2"))).scalar_one() == 20
    await engine.dispose()

    await migrate(fresh_url, "0012_i14m_minutes_logged-1", down=True)  # this one only
    engine = make_engine(fresh_url)
    async with engine.connect() as conn:
        columns = (await conn.execute(text("SELECT * FROM requests LIMIT 1"))).keys()
    await engine.dispose()
    assert "minutes_logged" not in columns


async def test_my_requests_is_an_index_only_scan_on_postgresql(
        fresh_url: str) -> None:  # noqa: F811
    if not fresh_url.startswith("postgresql"):
        return  # SQLite has no INCLUDE (and no index-only plan to speak of here)
    # A database of its own: the suite's shared one may have a transaction of another
    # test open, which keeps VACUUM from marking pages all-visible.
    pg_url = fresh_url
    """Every column the lines read is in ix_requests_initiator_recent (INCLUDE): a column
    added to ``request_lines()`` but not to the index would bring back a heap page per
    request, silently — this says so."""
    from sqlalchemy.dialects import postgresql

    from persistence.repositories import LINES_OF_INITIATOR

    clock = ManualClock()
    app = await bootstrap(settings_for(pg_url), clock=clock, redis=embedded_redis())
    try:
        async with app.uow_factory() as uow:
            ion = await uow.people.add("Ion", Role.INITIATOR)
            rtype = await uow.types.add("Peripherals")
            await uow.commit()
        for n in range(3):
            await services.place(app.uow_factory, clock, actor_id=ion.id, type_id=rtype.id,
                                 description=f"Printer {n}")
        sql = str(LINES_OF_INITIATOR.compile(dialect=postgresql.dialect()))
        async with app.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.exec_driver_sql("VACUUM (ANALYZE) requests")  # as autovacuum would
        async with app.engine.begin() as conn:
            await conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            await conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
            # A table of three rows would rather walk its primary key: with plain index
            # scans off too, only an index-only scan is cheap — if the index covers it.
            await conn.exec_driver_sql("SET LOCAL enable_indexscan = off")
            plan = "\n".join(r[0] for r in (await conn.exec_driver_sql(
                "EXPLAIN " + sql.replace("%(person_id)s", str(ion.id))
                .replace("%(limit)s", "10"))).all())
        assert "Index Only Scan Backward using ix_requests_initiator_recent" in plan, plan
        async with app.uow_factory(read_only=True) as uow:
            lines = await uow.requests.lines_for_initiator(ion.id)
        assert [line.subject for line in lines] == ["Printer 2", "Printer 1", "Printer 0"]
    finally:
        await app.close()
