"""SMS on the inbox: a message delivered three times at once is applied and answered once;
messages sent while Redis is down are accepted and applied once after it returns."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from core.clock import ManualClock
from tests.adapters.sms.smsstack import OUR_NUMBER, PHONES, SmsHelpdesk, sms_helpdesk
from tests.fakes.twilio_api import signed_inbound
from tests.inbox.redis_server import PrivateRedis


def params(hd: SmsHelpdesk, who: str, body: str, sid: str) -> dict[str, str]:
    return {"AccountSid": hd.fake.account_sid, "ApiVersion": "2010-04-01", "MessageSid": sid,
            "SmsMessageSid": sid, "SmsSid": sid, "SmsStatus": "received",
            "From": PHONES[who], "To": OUR_NUMBER, "Body": body, "NumMedia": "0",
            "NumSegments": "1"}


async def post(hd: SmsHelpdesk, form: dict[str, str]) -> int:
    headers, body = signed_inbound(hd.webhook, form, hd.fake.auth_token)
    async with hd.http.post(hd.webhook, data=body, headers=headers) as response:
        await response.read()
        return response.status


async def flush(hd: SmsHelpdesk) -> None:
    inbox = hd.stack.app.inbox
    for _ in range(50):
        if await inbox.inbox.owed() == 0:
            return
        hd.stack.clock.advance(seconds=60)
        await inbox.drain()
    raise AssertionError("inbox still owes work")


async def test_a_message_three_times_at_once_is_applied_and_answered_once(
        db_url: str, clock: ManualClock) -> None:
    async with sms_helpdesk(db_url, clock) as hd:
        await hd.stack.add_type("Peripherals")
        form = params(hd, "Ion", "NEW", "SM" + "1" * 32)
        assert await asyncio.gather(*(post(hd, form) for _ in range(3))) == [200] * 3
        await flush(hd)
        assert len(hd.inbox("Ion")) == 1, [m.body for m in hd.inbox("Ion")]
        assert await hd.stack.app.inbox.inbox.counts() == {"done": 1}


async def test_messages_during_a_redis_outage_are_applied_once_after_it(
        db_url: str, clock: ManualClock) -> None:
    private = PrivateRedis()
    await private.start()
    try:
        async with sms_helpdesk(db_url, clock, redis=Redis.from_url(private.url)) as hd:
            await hd.stack.add_type("Peripherals")
            private.stop()
            forms = [params(hd, who, "NEW", f"SM{i:032d}")
                     for i, who in enumerate(("Ion", "Cora", "Sam"))]
            for form in forms:
                assert await post(hd, form) == 200  # accepted while Redis is down
                assert await post(hd, form) == 200  # Twilio's retry: a no-op
            assert (await hd.stack.app.inbox.inbox.counts())["pending"] == 3
            await private.start()
            await flush(hd)
            assert await hd.stack.app.inbox.inbox.counts() == {"done": 3}
            for who in ("Ion", "Cora", "Sam"):
                assert len(hd.inbox(who)) == 1, [m.body for m in hd.inbox(who)]
    finally:
        private.close()
