"""Repositories, unit of work and outbox on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.errors import ConcurrentChange, Invalid
from core.kinds import Role, Status
from core.model import Request
from core.notifications import Notification
from persistence.db import make_engine, make_sessionmaker
from persistence.migrate import upgrade
from persistence.uow import uow_factory

AT = datetime(2026, 4, 1, 8, 30, tzinfo=UTC)


@pytest.fixture
async def uows(db_url: str):
    engine = make_engine(db_url)
    await upgrade(engine)
    yield uow_factory(make_sessionmaker(engine))
    await engine.dispose()


async def seed(uows) -> tuple[int, int, int, int]:
    async with uows() as uow:
        ion = await uow.people.add("Ion", Role.INITIATOR, "ro")
        ana = await uow.people.add("Ana", Role.ASSISTANT)
        bogdan = await uow.people.add("Bogdan", Role.ASSISTANT)
        rtype = await uow.types.add("Peripherals")
        await uow.commit()
    return ion.id, ana.id, bogdan.id, rtype.id


async def new_request(uows, initiator_id: int, type_id: int) -> Request:
    async with uows() as uow:
        initiator = await uow.people.get(initiator_id)
        rtype = await uow.types.get(type_id)
        req = Request.place(actor=initiator, initiator=initiator, rtype=rtype,
                            description="Scanner offline", target=None, at=AT, channel="test")
        await uow.requests.add(req)
        await uow.commit()
        return req


async def test_people_and_accounts(uows) -> None:
    ion_id, ana_id, *_ = await seed(uows)
    async with uows() as uow:
        await uow.people.add_account(ion_id, "telegram", "111")
        await uow.people.add_account(ion_id, "telegram", "111")  # idempotent
        with pytest.raises(Invalid):
            await uow.people.add_account(ana_id, "telegram", "111")
        await uow.commit()
    async with uows() as uow:
        ion = await uow.people.by_account("telegram", "111")
        assert ion is not None and ion.name == "Ion" and ion.language == "ro"
        assert (await uow.people.by_name("ion")).id == ion_id
        assert [p.name for p in await uow.people.list(Role.ASSISTANT)] == ["Ana", "Bogdan"]
        await uow.people.touch_channel(ion_id, "telegram")
        await uow.commit()
    async with uows() as uow:
        assert await uow.people.preferred_channel(ion_id) == "telegram"
        assert [a.address for a in await uow.people.accounts(ion_id)] == ["111"]


async def test_uncommitted_work_is_rolled_back(uows) -> None:
    async with uows() as uow:
        await uow.people.add("Ghost", Role.INITIATOR)
    async with uows() as uow:
        assert await uow.people.by_name("Ghost") is None


async def test_types(uows) -> None:
    async with uows() as uow:
        await uow.types.add("Integrat.STS")
        await uow.types.add("Internal audit", internal=True)
        await uow.commit()
    async with uows() as uow:
        assert [t.name for t in await uow.types.list()] == ["Integrat.STS", "Internal audit"]
        assert [t.name for t in await uow.types.list(include_internal=False)] == ["Integrat.STS"]
        assert (await uow.types.by_name("integrat.sts")).name == "Integrat.STS"


async def test_request_round_trip_with_reference_and_history(uows) -> None:
    ion_id, ana_id, _b, type_id = await seed(uows)
    req = await new_request(uows, ion_id, type_id)
    assert req.reference == f"HD-2026-{req.id:06d}"
    async with uows() as uow:
        loaded = await uow.requests.by_reference(req.reference.lower())
        ana = await uow.people.get(ana_id)
        loaded.claim(ana, AT + timedelta(minutes=5), "test")
        loaded.finish(ana, 90, "Reinstalled the driver", AT + timedelta(hours=1), "test")
        await uow.requests.save(loaded)
        await uow.commit()
    async with uows() as uow:
        again = await uow.requests.get(req.id)
    assert again.status is Status.RESOLVED
    assert again.assignee_name == "Ana" and again.minutes_logged == 90
    assert [e.action for e in again.events] == ["place", "claim", "finish"]
    assert again.events[1].at == AT + timedelta(minutes=5)
    assert again.version == 3


async def test_save_is_compare_and_set(uows) -> None:
    ion_id, ana_id, bogdan_id, type_id = await seed(uows)
    req = await new_request(uows, ion_id, type_id)
    async with uows() as first, uows() as second:
        a = await first.requests.get(req.id)
        b = await second.requests.get(req.id)
        a.claim(await first.people.get(ana_id), AT)
        await first.requests.save(a)
        await first.commit()
        b.claim(await second.people.get(bogdan_id), AT)
        with pytest.raises(ConcurrentChange):
            await second.requests.save(b)
    async with uows() as uow:
        final = await uow.requests.get(req.id)
    assert final.assignee_id == ana_id and [e.action for e in final.events] == ["place", "claim"]


async def test_lists(uows) -> None:
    ion_id, ana_id, _b, type_id = await seed(uows)
    first = await new_request(uows, ion_id, type_id)
    await new_request(uows, ion_id, type_id)
    async with uows() as uow:
        req = await uow.requests.get(first.id)
        req.claim(await uow.people.get(ana_id), AT)
        await uow.requests.save(req)
        await uow.commit()
    async with uows() as uow:
        mine = await uow.requests.list_for_initiator(ion_id)
        queue = await uow.requests.list_for_staff(await uow.people.get(ana_id))
    assert len(mine) == 2
    assert {r.status for r in queue} == {Status.IN_PROGRESS, Status.OPEN}


async def test_outbox_lease_order_and_retry(uows) -> None:
    ion_id, ana_id, _b, _t = await seed(uows)
    async with uows() as uow:
        for kind in ("one", "two"):
            await uow.outbox.add(Notification(ion_id, kind, 1, {"ref": "HD"}))
        await uow.outbox.add(Notification(ana_id, "three", 1))
        await uow.commit()
    now = datetime.now(UTC)
    async with uows() as uow:
        items = await uow.outbox.claim_due(now, 10, 60)
        await uow.commit()
    # Per recipient only the oldest unsent item is due; Ion's second waits for his first.
    assert [i.notification.kind for i in items] == ["one", "three"]
    async with uows() as uow:
        assert await uow.outbox.claim_due(now, 10, 60) == []  # leased
        await uow.outbox.mark_failed(items[0].id, "boom", now + timedelta(seconds=30))
        await uow.outbox.mark_sent(items[1].id, now)
        await uow.commit()
    async with uows() as uow:
        assert await uow.outbox.claim_due(now + timedelta(seconds=5), 10, 60) == []
        retry = await uow.outbox.claim_due(now + timedelta(seconds=31), 10, 60)
        assert [i.notification.kind for i in retry] == ["one"] and retry[0].attempts == 1
        await uow.outbox.mark_sent(retry[0].id, now)
        await uow.commit()
    async with uows() as uow:
        last = await uow.outbox.claim_due(now + timedelta(seconds=31), 10, 60)
        assert [i.notification.kind for i in last] == ["two"]
        assert last[0].notification.data == {"ref": "HD"}
        assert await uow.outbox.pending_count() == 1


async def test_outbox_lease_expires(uows) -> None:
    ion_id, *_ = await seed(uows)
    async with uows() as uow:
        await uow.outbox.add(Notification(ion_id, "one", 1))
        await uow.commit()
    now = datetime.now(UTC)
    async with uows() as uow:
        assert len(await uow.outbox.claim_due(now, 10, 60)) == 1
        await uow.commit()
    async with uows() as uow:
        assert len(await uow.outbox.claim_due(now + timedelta(seconds=61), 10, 60)) == 1


async def test_sent_messages(uows) -> None:
    ion_id, *_ = await seed(uows)
    async with uows() as uow:
        assert await uow.sent.get(ion_id, "telegram", "offer:1") is None
        await uow.sent.put(ion_id, "telegram", "offer:1", "100")
        await uow.sent.put(ion_id, "telegram", "offer:1", "101")
        await uow.commit()
    async with uows() as uow:
        assert await uow.sent.get(ion_id, "telegram", "offer:1") == "101"
