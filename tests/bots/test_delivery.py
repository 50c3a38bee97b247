"""The outbox delivery worker: retries with backoff, order per person, nothing lost."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bots.bootstrap import App, bootstrap
from bots.delivery import DeliveryWorker, lease_end
from core import services
from core.clock import ManualClock
from core.kinds import Role
from core.notifications import Notification
from persistence.redis_store import embedded_redis
from tests.conftest import settings_for
from tests.harness import Chat, RecordingSender


async def setup_people(chat: Chat) -> tuple[int, int]:
    type_id = await chat.add_type("Peripherals")
    ion = await chat.add_person("Ion", Role.INITIATOR)
    await chat.add_person("Ana", Role.ASSISTANT)
    await chat.add_person("Bogdan", Role.ASSISTANT)
    return ion, type_id


async def test_failed_send_is_retried_later_with_backoff(app: App, clock: ManualClock) -> None:
    chat = Chat(app)
    app.add_sender(chat.sender, clock=clock, base_delay=2.0)
    ion, type_id = await setup_people(chat)
    chat.sender.fail_next = 1
    await services.place(app.uow_factory, clock, actor_id=ion, type_id=type_id,
                         description="Broken mouse")
    await chat.deliver()
    assert len(chat.sender.log) == 1  # one of the two assistants failed
    async with app.uow_factory() as uow:
        assert await uow.outbox.pending_count() == 1
    clock.advance(seconds=1)
    await chat.deliver()
    assert len(chat.sender.log) == 1  # not yet: backoff is 2 s
    clock.advance(seconds=1.5)
    await chat.deliver()
    assert sorted(d.to for d in chat.sender.log) == ["ana", "bogdan"]
    async with app.uow_factory() as uow:
        assert await uow.outbox.pending_count() == 0


async def test_backoff_grows_exponentially_and_is_capped(app: App) -> None:
    worker = DeliveryWorker(app.uow_factory, app.conversations, {}, base_delay=1, max_delay=60)
    assert [worker.backoff(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]


async def test_person_without_a_running_channel_keeps_waiting(app: App, clock: ManualClock) -> None:
    chat = Chat(app)
    app.add_sender(chat.sender, clock=clock)
    ion, type_id = await setup_people(chat)
    async with app.uow_factory() as uow:
        sms_only = await uow.people.add("Dan", Role.ASSISTANT)
        await uow.people.add_account(sms_only.id, "sms", "+40721000000")
        await uow.commit()
    await services.place(app.uow_factory, clock, actor_id=ion, type_id=type_id,
                         description="Monitor flickers")
    await chat.deliver()
    async with app.uow_factory() as uow:
        assert await uow.outbox.pending_count() == 0  # not retried for ever…
        held = await uow.outbox.dead_letters(held=True)
    assert [(h.recipient_id, h.kind) for h in held] == [(sms_only.id, "new_request")]
    # …but kept for when SMS runs: a worker with an SMS channel sends it.
    texts = SmsRecorder()
    app.add_sender(texts, clock=clock)
    await chat.deliver()
    assert [d.to for d in texts.log] == ["+40721000000"]
    async with app.uow_factory() as uow:
        assert await uow.outbox.dead_letters(held=True) == []


class SmsRecorder(RecordingSender):
    channel = "sms"


class CancelledMidSend(RecordingSender):
    async def send(self, address, reply):  # type: ignore[no-untyped-def]
        raise asyncio.CancelledError  # the worker is stopped while the send is under way


async def test_worker_stopped_mid_send_loses_nothing(app: App, clock: ManualClock) -> None:
    chat = Chat(app)
    ion, type_id = await setup_people(chat)
    await services.place(app.uow_factory, clock, actor_id=ion, type_id=type_id,
                         description="Keyboard")
    dying = DeliveryWorker(app.uow_factory, app.conversations, {"test": CancelledMidSend()},
                           clock=clock, lease_seconds=30)
    try:
        await dying.run_once()
    except asyncio.CancelledError:
        pass
    assert chat.sender.log == []
    fresh = DeliveryWorker(app.uow_factory, app.conversations, {"test": chat.sender},
                           clock=clock, lease_seconds=30)
    # The stopped worker gave its leases back (graceful shutdown): no wait for them to end.
    assert await fresh.drain() == 2
    assert sorted(d.to for d in chat.sender.log) == ["ana", "bogdan"]


class TwoMinutesLater:
    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(minutes=2)


CHILD = textwrap.dedent("""
    import asyncio, sys
    from bots.bootstrap import bootstrap
    from bots.settings import Settings
    from core.ports import ChannelSender

    class Hang(ChannelSender):
        channel = "test"
        async def send(self, address, reply):
            print("SENDING", flush=True)
            await asyncio.sleep(3600)

    async def main():
        app = await bootstrap(Settings(database_url=sys.argv[1], secret_key="x" * 20,
                                       _env_file=None))
        app.add_sender(Hang())
        await app.worker.run_once()

    asyncio.run(main())
""")


async def test_worker_process_killed_between_commit_and_send(
    sqlite_url: str, tmp_path: Path
) -> None:
    clock = ManualClock()
    app = await bootstrap(settings_for(sqlite_url), clock=clock, redis=embedded_redis())
    chat = Chat(app)
    ion, type_id = await setup_people(chat)
    await services.place(app.uow_factory, clock, actor_id=ion, type_id=type_id,
                         description="Committed, then the worker dies")
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CHILD, sqlite_url, stdout=asyncio.subprocess.PIPE, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": os.getcwd()})
    try:
        assert child.stdout is not None
        line = await asyncio.wait_for(child.stdout.readline(), 30)
        assert line.strip() == b"SENDING"
    finally:
        child.send_signal(signal.SIGKILL)
        await child.wait()
    # The dead worker's lease (60 s of real time) runs out; a new worker delivers everything.
    worker = DeliveryWorker(app.uow_factory, app.conversations, {"test": chat.sender},
                            lease_seconds=60, clock=TwoMinutesLater())
    assert await worker.drain() == 2
    assert sorted(d.to for d in chat.sender.log) == ["ana", "bogdan"]
    await app.close()


def test_a_lease_ends_at_the_last_recipient_it_walked_past() -> None:
    assert lease_end(0, [3, 1, 2]) == 3
    assert lease_end(5, [6, 9, 2, 1]) == 2  # wrapped round: 6, 9, then 1, 2
    assert lease_end(5, []) == 0


async def test_the_worker_takes_the_recipients_in_turn(pg_url: str) -> None:
    """A batch smaller than the recipients with a backlog: each lease starts where the
    previous one ended (PostgreSQL), so nobody waits for the others' queues to drain."""
    app = await bootstrap(settings_for(pg_url), clock=ManualClock(), redis=embedded_redis())
    try:
        chat = Chat(app)
        ids = [await chat.add_person(f"A{n}", Role.ASSISTANT) for n in range(5)]
        data = {"ref": "HD-1", "type": "Peripherals", "initiator": "Ion", "description": "x"}
        async with app.uow_factory() as uow:
            for _round in range(2):
                for pid in ids:
                    await uow.outbox.add(Notification(pid, "new_request", 1, data))
            await uow.commit()
        app.add_sender(chat.sender, batch=2)
        assert app.worker is not None
        rounds = []
        for _ in range(5):
            before = len(chat.sender.log)
            assert await app.worker.run_once() == 2
            rounds.append(sorted(d.to for d in chat.sender.log[before:]))
        assert rounds == [["a0", "a1"], ["a2", "a3"], ["a0", "a4"], ["a1", "a2"],
                          ["a3", "a4"]]
    finally:
        await app.close()
