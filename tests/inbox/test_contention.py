"""150 staff writing internal notes on one request at once: all 150 stored, none twice."""

from __future__ import annotations

import asyncio

from bots.bootstrap import bootstrap
from core import services
from core.clock import ManualClock
from core.kinds import Role
from persistence.redis_store import embedded_redis
from tests.conftest import settings_for

STAFF = 150


async def test_150_notes_at_once_are_all_stored_once(db_url: str, clock: ManualClock) -> None:
    app = await bootstrap(settings_for(db_url), clock=clock, redis=embedded_redis())
    try:
        async with app.uow_factory() as uow:
            rtype = await uow.types.add("Peripherals")
            ion = await uow.people.add("Ion", Role.INITIATOR, "en")
            staff = [await uow.people.add(f"Lead{i}", Role.SUPERVISOR, "en")
                     for i in range(STAFF)]
            await uow.commit()
        req = await services.place(app.uow_factory, clock, actor_id=ion.id, type_id=rtype.id,
                                   description="The printer does not print")
        assert req.id is not None
        await services.claim(app.uow_factory, clock, actor_id=staff[0].id, request_id=req.id)

        async def note(i: int) -> None:
            await services.comment(app.uow_factory, clock, actor_id=staff[i].id,
                                   request_id=req.id or 0, body=f"note {i}", internal=True)

        await asyncio.gather(*(note(i) for i in range(STAFF)))
        async with app.uow_factory() as uow:
            stored = await uow.requests.get(req.id)
        assert stored is not None
        bodies = sorted(c.body for c in stored.comments)
        assert bodies == sorted(f"note {i}" for i in range(STAFF))
        assert stored.status.value == "in_progress"
    finally:
        await app.close()
