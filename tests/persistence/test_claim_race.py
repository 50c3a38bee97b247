"""First claim wins across connections: the claim is a compare-and-set, not read-then-write."""

from __future__ import annotations

import asyncio

import pytest

from core import services
from core.clock import ManualClock
from core.errors import Refused
from core.kinds import Role, Status
from persistence.db import make_engine, make_sessionmaker
from persistence.migrate import upgrade
from persistence.uow import uow_factory

CLAIMERS = 10


async def race(url: str, rounds: int) -> None:
    clock = ManualClock()
    # one pooled connection per engine: ten connections race, and none is opened per claim
    engines = [make_engine(url, pool_size=1) for _ in range(CLAIMERS)]
    await upgrade(engines[0])
    factories = [uow_factory(make_sessionmaker(e)) for e in engines]
    async with factories[0]() as uow:
        ion = await uow.people.add("Ion", Role.INITIATOR)
        assistants = [await uow.people.add(f"A{i}", Role.ASSISTANT) for i in range(CLAIMERS)]
        rtype = await uow.types.add("Peripherals")
        await uow.commit()
    try:
        for _round in range(rounds):
            req = await services.place(factories[0], clock, actor_id=ion.id, type_id=rtype.id,
                                       description="Race me")

            async def claim(i: int, request_id: int = req.id or 0) -> int | None:
                try:
                    await services.claim(factories[i], clock, actor_id=assistants[i].id,
                                         request_id=request_id)
                    return assistants[i].id
                except Refused as exc:
                    assert exc.code == "taken"
                    return None

            results = await asyncio.gather(*(claim(i) for i in range(CLAIMERS)))
            winners = [r for r in results if r is not None]
            assert len(winners) == 1, f"round {_round}: winners {winners}"
            async with factories[0]() as uow:
                stored = await uow.requests.get(req.id or 0)
            assert stored.status is Status.IN_PROGRESS and stored.assignee_id == winners[0]
            assert [e.action for e in stored.events].count("claim") == 1
    finally:
        for engine in engines:
            await engine.dispose()


async def test_claim_race_on_postgresql(pg_url: str) -> None:
    await race(pg_url, rounds=50)


@pytest.mark.parametrize("rounds", [10])
async def test_claim_race_on_sqlite(sqlite_url: str, rounds: int) -> None:
    await race(sqlite_url, rounds)
