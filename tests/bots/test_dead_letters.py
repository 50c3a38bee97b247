"""Dead letters: a notification failing past its retry budget is kept as failed, listed by
``helpdesk admin outbox --failed`` and delivered after ``--retry ID`` / ``--all``."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from bots.bootstrap import bootstrap
from core import services
from core.clock import ManualClock
from core.kinds import Role
from persistence.redis_store import embedded_redis
from tests.bots.test_cli import helpdesk
from tests.conftest import SECRET, settings_for
from tests.harness import Chat


async def test_failed_past_budget_is_listed_and_retried(db_url: str, tmp_path: Path) -> None:
    clock = ManualClock()
    app = await bootstrap(settings_for(db_url), clock=clock, redis=embedded_redis())
    try:
        chat = Chat(app)
        app.add_sender(chat.sender, clock=clock, base_delay=1.0, max_attempts=3)
        type_id = await chat.add_type("Peripherals")
        ion = await chat.add_person("Ion", Role.INITIATOR)
        await chat.add_person("Ana", Role.ASSISTANT)
        chat.sender.fail_next = 1000  # the platform is down
        await services.place(app.uow_factory, clock, actor_id=ion, type_id=type_id,
                             description="Broken mouse")
        for _ in range(3):
            await chat.deliver()
            clock.advance(seconds=60)
        assert chat.sender.log == []
        async with app.uow_factory() as uow:
            assert await uow.outbox.pending_count() == 0
            [dead] = await uow.outbox.dead_letters()
        assert (dead.kind, dead.attempts, dead.held) == ("new_request", 3, False)
        assert "platform unavailable" in dead.last_error
        exposition = app.metrics.exposition().decode()
        assert 'helpdesk_delivery_retries_total{channel="test"} 2.0' in exposition
        assert 'helpdesk_delivery_failures_total{channel="test"} 1.0' in exposition

        env = {"DATABASE_URL": db_url, "SECRET_KEY": SECRET}
        listed = await asyncio.to_thread(helpdesk, tmp_path, "admin", "outbox", "--failed",
                                         **env)
        assert listed.returncode == 0, listed.stderr
        line = next(x for x in listed.stdout.splitlines() if x.startswith(f"  {dead.id}  "))
        assert re.search(rf"{dead.id}  new_request  HD-\d{{4}}-000001  to Ana  3 attempts", line)
        assert "platform unavailable" in line

        wrong = await asyncio.to_thread(helpdesk, tmp_path, "admin", "outbox", "--retry",
                                        "999999", **env)
        assert wrong.returncode == 2 and "no failed or held notification with id 999999" in (
            wrong.stderr)
        retried = await asyncio.to_thread(helpdesk, tmp_path, "admin", "outbox", "--retry",
                                          str(dead.id), **env)
        assert retried.returncode == 0, retried.stderr
        assert "queued again: 1 notification" in retried.stdout

        chat.sender.fail_next = 0  # the platform is back
        await chat.deliver()
        assert [d.to for d in chat.sender.log] == ["ana"]
        assert chat.sender.log[0].reply.text.startswith("New request HD-")
        async with app.uow_factory() as uow:
            assert await uow.outbox.dead_letters() == []
        empty = await asyncio.to_thread(helpdesk, tmp_path, "admin", "outbox", "--failed",
                                        **env)
        assert "no failed notifications" in empty.stdout
    finally:
        await app.close()


async def test_retry_all(app, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(app)
    app.add_sender(chat.sender, clock=clock, max_attempts=1)
    type_id = await chat.add_type("Peripherals")
    ion = await chat.add_person("Ion", Role.INITIATOR)
    await chat.add_person("Ana", Role.ASSISTANT)
    await chat.add_person("Bogdan", Role.ASSISTANT)
    chat.sender.fail_next = 2
    await services.place(app.uow_factory, clock, actor_id=ion, type_id=type_id,
                         description="Broken mouse")
    await chat.deliver()
    async with app.uow_factory() as uow:
        assert len(await uow.outbox.dead_letters()) == 2
        assert await uow.outbox.retry() == 2  # what --all does
        await uow.commit()
    await chat.deliver()
    assert sorted(d.to for d in chat.sender.log) == ["ana", "bogdan"]
