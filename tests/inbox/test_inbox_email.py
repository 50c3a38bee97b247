"""E-mail on the inbox: a message delivered three times (one after another, at once, by the
webhook and by IMAP) is applied and answered once; a message stored while the helpdesk
cannot apply it is applied once later, by the worker."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from core.clock import ManualClock
from core.kinds import Role
from tests.adapters.email.mails import mail, new_id
from tests.adapters.email.test_inbound_story import MARIA, Inbox, inbox
from tests.inbox.redis_server import PrivateRedis


async def flush(box: Inbox) -> None:
    processor = box.hd.stack.app.inbox
    for _ in range(50):
        if await processor.inbox.owed() == 0:
            return
        box.hd.stack.clock.advance(seconds=60)
        await processor.drain()
    raise AssertionError("inbox still owes work")


async def comments(box: Inbox, request_id: int) -> list[str]:
    return [c.body for c in (await box.hd.stack.status(request_id)).comments]


def placed_answers(box: Inbox) -> list[str]:
    return [m.subject for m in box.hd.smtp.to("maria@example.com") if "is placed" in m.subject]


async def test_a_message_three_times_is_applied_and_answered_once(
        db_url: str, clock: ManualClock) -> None:
    async with inbox(db_url, clock) as box:
        first = mail(MARIA, "Printer on floor 2 jams", "It jams on every page.",
                     message_id=new_id())
        for _ in range(3):  # the provider retrying one after another
            assert await box.post(first) == 204
        assert await asyncio.gather(*(box.post(first) for _ in range(3))) == [204] * 3
        box.imap.deliver(first)
        box.imap.deliver(first)  # and twice in the mailbox
        assert await box.fetch() == 2
        [req] = await box.requests_of("maria@example.com")
        await flush(box)
        assert len(placed_answers(box)) == 1, placed_answers(box)

        # A reply (a comment) three times at once: one comment.
        reply = mail(MARIA, f"Re: {req.reference}", "It is the bottom tray.",
                     message_id=new_id())
        assert await asyncio.gather(*(box.post(reply) for _ in range(3))) == [204] * 3
        await flush(box)
        assert (await comments(box, req.id or 0)).count("It is the bottom tray.") == 1
        assert len(await box.requests_of("maria@example.com")) == 1
        assert await box.hd.stack.app.inbox.inbox.counts() == {"done": 2}


async def test_many_messages_at_once_each_applied_once(db_url: str, clock: ManualClock) -> None:
    async with inbox(db_url, clock) as box:
        senders = [f"sender{i}@example.com" for i in range(5)]
        mails = [mail(s, f"Broken thing {i}", "Please help.", message_id=new_id())
                 for i, s in enumerate(senders)]
        posts = [box.post(m) for m in mails for _ in range(3)]
        assert await asyncio.gather(*posts) == [204] * 15
        await flush(box)
        for sender in senders:
            assert len(await box.requests_of(sender)) == 1
            assert sum("is placed" in m.subject for m in box.hd.smtp.to(sender)) == 1
        assert await box.hd.stack.app.inbox.inbox.counts() == {"done": 5}


async def test_messages_during_a_redis_outage_are_applied_once_after_it(
        db_url: str, clock: ManualClock) -> None:
    private = PrivateRedis()
    await private.start()
    try:
        async with inbox(db_url, clock, redis=Redis.from_url(private.url)) as box:
            await box.hd.stack.add_person("Ion", Role.INITIATOR, email="ion@example.com")
            private.stop()
            raw = mail(MARIA, "Scanner broken", "It does not scan.", message_id=new_id())
            assert await box.post(raw) == 204  # stored while Redis is down
            assert await box.post(raw) == 204  # the provider's retry: a no-op
            assert (await box.hd.stack.app.inbox.inbox.counts())["pending"] == 1
            assert await box.requests_of("maria@example.com") == []
            await private.start()
            await flush(box)
            assert len(await box.requests_of("maria@example.com")) == 1
            assert len(placed_answers(box)) == 1
    finally:
        private.close()
