"""Slack on the inbox (``docs/inbox.md``): every DM event, slash command and button press is
stored before it is acknowledged; delivered three times (one after the other with
``X-Slack-Retry-Num``, and at the same moment) it is applied once and answered once; sent
while Redis is down it is acknowledged and applied once after Redis returns."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlencode

from redis.asyncio import Redis

from core.clock import ManualClock
from core.kinds import Role
from tests.adapters.slack.slackstack import TRIAGE, USERS, SlackHelpdesk, slack_helpdesk
from tests.inbox.redis_server import PrivateRedis


def retry(n: int) -> dict[str, str]:
    return {"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "http_timeout"} if n else {}


async def three_times(hd: SlackHelpdesk, body: str, content_type: str) -> None:
    """Slack's redeliveries one after the other, then three copies at the same moment."""
    for n in range(3):
        assert await hd.post(body, content_type=content_type, headers=retry(n)) == (200, "")
    copies = await asyncio.gather(*(hd.post(body, content_type=content_type, headers=retry(n))
                                    for n in range(3)))
    assert copies == [(200, "")] * 3


async def actions(hd: SlackHelpdesk, request_id: int) -> list[str]:
    async with hd.stack.app.uow_factory() as uow:
        req = await uow.requests.get(request_id)
    assert req is not None
    return [e.action + (":internal" if e.details.get("internal") else "")
            for e in req.events]


async def flush(hd: SlackHelpdesk) -> None:
    """Let the inbox retry what failed (the clock moves past each backoff) until it owes
    nothing, then deliver the outbox."""
    inbox = hd.stack.app.inbox
    for _ in range(50):
        await hd.settle()
        if await inbox.inbox.owed() == 0:
            return
        hd.stack.clock.advance(seconds=60)
    raise AssertionError("inbox still owes work")


async def staffed(hd: SlackHelpdesk) -> tuple[int, str]:
    stack = hd.stack
    for name in ("Ana", "Bogdan"):
        await stack.add_person(name, Role.ASSISTANT, slack=USERS[name])
    await stack.add_person("Ion", Role.INITIATOR, slack=USERS["Ion"])
    request_id = await stack.place("Ion")
    await hd.settle()
    return request_id, (await stack.status(request_id)).reference


def dm_body(hd: SlackHelpdesk, who: str, text: str, event_id: str) -> str:
    user = USERS[who]
    return hd.event_body({"type": "message", "channel_type": "im", "channel": "D" + user,
                          "user": user, "text": text, "ts": f"{event_id[-6:]}.000100"},
                         event_id)


async def test_each_delivery_six_times_is_applied_and_answered_once(
        db_url: str, clock: ManualClock) -> None:
    async with slack_helpdesk(db_url, clock) as hd:
        request_id, ref = await staffed(hd)
        inbox = hd.stack.app.inbox.inbox

        # An interaction: Bogdan's Claim, delivered six times.
        press = urlencode({"payload": json.dumps(
            hd.button_payload("Bogdan", hd.fake.messages_in(TRIAGE)[0], "Claim"))})
        await three_times(hd, press, "application/x-www-form-urlencoded")
        await hd.settle()
        assert await actions(hd, request_id) == ["place", "claim"]
        assert sum("You claimed" in (m.text or "") for m in hd.inbox("Bogdan")) == 1
        assert sum("has taken your request" in (m.text or "") for m in hd.inbox("Ion")) == 1
        assert hd.fake.updates_of(TRIAGE, hd.fake.messages_in(TRIAGE)[0].ts) == 1

        # A slash command: an internal note.
        note = hd.command_body("Bogdan", f"note {ref} NOTE-ONE fuser ordered")
        await three_times(hd, note, "application/x-www-form-urlencoded")
        await hd.settle()
        assert await actions(hd, request_id) == ["place", "claim", "comment:internal"]
        assert hd.ephemerals_to("Bogdan").count(f"Internal note added to {ref}.") == 1

        # An event: a public comment typed in the DM after pressing Comment.
        await hd.dm("Bogdan", ref)
        await hd.settle()
        await hd.press("Bogdan", hd.last_with("Bogdan", "Comment"), "Comment")
        await hd.settle()
        comment = dm_body(hd, "Bogdan", "I will come at 3 pm", "Ev0COMMENT01")
        await three_times(hd, comment, "application/json")
        await hd.settle()
        assert await actions(hd, request_id) == ["place", "claim", "comment:internal", "comment"]
        seen = [m.text or "" for m in hd.inbox("Ion")]
        assert sum(f"Bogdan on {ref}: I will come at 3 pm" in t for t in seen) == 1
        counts = await inbox.counts()
        assert counts == {"done": 5}, counts  # claim, note, card, Comment, the comment


async def test_slack_traffic_during_a_redis_outage_is_applied_once_after_it(
        db_url: str, clock: ManualClock) -> None:
    private = PrivateRedis()
    await private.start()
    try:
        async with slack_helpdesk(db_url, clock, redis=Redis.from_url(private.url)) as hd:
            request_id, ref = await staffed(hd)
            await hd.press("Bogdan", hd.fake.messages_in(TRIAGE)[0], "Claim")
            await hd.settle()
            inbox = hd.stack.app.inbox.inbox
            before = (await inbox.counts()).get("done", 0)
            private.stop()
            deliveries: list[tuple[str, str]] = [
                (hd.command_body("Bogdan", f"note {ref} NOTE-A"), "application/x-www-form-"
                 "urlencoded"),
                (hd.command_body("Bogdan", f"note {ref} NOTE-B"), "application/x-www-form-"
                 "urlencoded"),
                (dm_body(hd, "Ion", "/my", "Ev0OUTAGE001"), "application/json"),
                (dm_body(hd, "Ana", "/help", "Ev0OUTAGE002"), "application/json"),
            ]
            for body, kind in deliveries:  # acknowledged although Redis is down
                assert await hd.post(body, content_type=kind) == (200, "")
                assert await hd.post(body, content_type=kind, headers=retry(1)) == (200, "")
            await hd.plugin.bot.settle()  # type: ignore[union-attr]
            assert (await inbox.counts()).get("pending") == 4
            await private.start()  # back, empty
            await flush(hd)
            assert await inbox.counts() == {"done": before + 4}
            notes = [e for e in await actions(hd, request_id) if e == "comment:internal"]
            assert len(notes) == 2
            assert hd.ephemerals_to("Bogdan").count(f"Internal note added to {ref}.") == 2
            assert len(hd.inbox("Ana")) == 1  # the answer to /help, once
            ion: list[Any] = hd.inbox("Ion")
            assert ion, "Ion got no answer to /my"
    finally:
        private.close()


def test_inbox_keys_are_stable_and_leave_modals_inline() -> None:
    from adapters.slack.bot import inbox_key

    def opens(payload: str) -> bool:
        return payload == "FORM"

    dm = {"event_id": "Ev1", "event": {"type": "message", "channel_type": "im",
                                       "user": "U1", "text": "hi"}}
    assert inbox_key(dm, opens) == ("ev:Ev1", "U1")
    assert inbox_key({**dm, "event": {**dm["event"], "bot_id": "B1"}}, opens) is None
    assert inbox_key({"event_id": "Ev2", "event": {"type": "app_home_opened",
                                                   "user": "U1"}}, opens) is None
    command = {"command": "/helpdesk", "user_id": "U1", "trigger_id": "t1", "text": "my"}
    assert inbox_key(command, opens) == ("cmd:t1", "U1")
    assert inbox_key({**command, "text": " new "}, opens) is None  # opens the modal
    assert inbox_key({**command, "text": ""}, opens) is None
    press = {"type": "block_actions", "user": {"id": "U1"}, "trigger_id": "t2",
             "actions": [{"action_id": "hd.0", "value": "CLAIM", "action_ts": "1.5"}]}
    key = inbox_key(press, opens)
    assert key is not None and key[0].startswith("act:") and key[1] == "U1"
    assert inbox_key(press, opens) == key
    other = {**press, "actions": [{**press["actions"][0], "action_ts": "1.6"}]}
    assert inbox_key(other, opens) != key
    form = {**press, "actions": [{"action_id": "hd.0", "value": "FORM", "action_ts": "1"}]}
    assert inbox_key(form, opens) is None
    assert inbox_key({"type": "view_submission", "user": {"id": "U1"}, "trigger_id": "t3",
                      "view": {"type": "modal"}}, opens) is None
    assert len(inbox_key({**command, "trigger_id": "x" * 5000}, opens)[0]) < 200  # type: ignore[index]
