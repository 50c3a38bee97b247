"""Notice preferences in SQL (SQLite and PostgreSQL): default on, off, on again."""

from __future__ import annotations

import asyncio

from core.clock import ManualClock
from core.kinds import Role
from persistence.db import make_engine, make_sessionmaker
from persistence.migrate import upgrade
from persistence.preference_store import SqlNoticePreferences
from persistence.uow import uow_factory


async def test_notice_preferences(db_url: str) -> None:
    engine = make_engine(db_url)
    await upgrade(engine)
    clock = ManualClock()
    try:
        uows = uow_factory(make_sessionmaker(engine))
        async with uows() as uow:
            ion = await uow.people.add("Ion", Role.INITIATOR)
            ana = await uow.people.add("Ana", Role.ASSISTANT)
            await uow.commit()
        prefs = SqlNoticePreferences(make_sessionmaker(engine))
        assert not await prefs.notices_off(ion.id)
        await asyncio.gather(*(prefs.set_notices(ion.id, False, "email", clock.now())
                               for _ in range(3)))
        assert await prefs.notices_off(ion.id) and not await prefs.notices_off(ana.id)
        await prefs.set_notices(ion.id, True, "telegram", clock.now())
        assert not await prefs.notices_off(ion.id)
    finally:
        await engine.dispose()
