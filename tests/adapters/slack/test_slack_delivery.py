"""Outbound on Slack: offers by DM or in the triage channel, stale buttons edited, re-offers,
the per-channel pace and 429 Retry-After."""

from __future__ import annotations

import asyncio
import time

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import SlackSender
from core.clock import ManualClock
from core.kinds import Role, Status
from core.messages import Button, Reply
from persistence.redis_store import RedisDialogStore, embedded_redis
from tests.adapters.slack.slackstack import (
    BOT_TOKEN,
    TRIAGE,
    USERS,
    buttons_of,
    slack_helpdesk,
)
from tests.adapters.slack.test_slack_requests import open_request_modal, seeded, type_id
from tests.fakes.slack_api import FakeSlackAPI


async def test_offers_by_dm_when_there_is_no_triage_channel(sqlite_url: str,
                                                            clock: ManualClock) -> None:
    async with slack_helpdesk(sqlite_url, clock, triage=False) as hd:
        await seeded(hd)
        await hd.stack.add_person("Cora", Role.ASSISTANT, slack=USERS["Cora"])
        modal = await open_request_modal(hd)
        await hd.submit("Ion", modal, {"type": type_id(modal, "Peripherals"), "assistant": "0",
                                       "description": "No sound"})
        await hd.settle()
        offers = {who: hd.last_with(who, "Claim") for who in ("Ana", "Bogdan", "Cora")}
        assert len({m.channel for m in offers.values()}) == 3
        await asyncio.gather(*(hd.press(who, offers[who], "Claim") for who in offers))
        await hd.settle()
        async with hd.stack.app.uow_factory() as uow:
            req = await uow.requests.get(1)
        assert req is not None and req.assignee_name in offers
        winner = req.assignee_name
        for who, offer in offers.items():
            now = next(m for m in hd.inbox(who) if m.ts == offer.ts)
            if who == winner:  # the pressed message became the work message
                assert "You claimed" in (now.text or "")
                assert [b["text"]["text"] for b in buttons_of(now.blocks)] == ["Finish",
                                                                              "Release"]
            else:  # each other offer was edited once: who took it, no buttons
                assert f"was claimed by {winner}" in (now.text or "")
                assert not buttons_of(now.blocks)
                assert hd.fake.updates_of(now.channel, now.ts) == 1
        assert hd.fake.limit_violations == 0


async def test_targeted_requests_go_by_dm_even_with_a_triage_channel(
        sqlite_url: str, clock: ManualClock) -> None:
    async with slack_helpdesk(sqlite_url, clock) as hd:
        await seeded(hd)
        modal = await open_request_modal(hd)
        assistants = next(b for b in modal["blocks"] if b["block_id"] == "assistant")
        ana = next(o["value"] for o in assistants["element"]["options"]
                   if o["text"]["text"] == "Ana")
        await hd.submit("Ion", modal, {"type": type_id(modal, "Peripherals"), "assistant": ana,
                                       "description": "Only Ana knows this printer"})
        await hd.settle()
        assert not hd.fake.messages_in(TRIAGE)
        assert hd.last_with("Ana", "Claim") and not hd.inbox("Bogdan")


async def test_a_released_request_is_offered_again_in_a_new_triage_message(
        sqlite_url: str, clock: ManualClock) -> None:
    async with slack_helpdesk(sqlite_url, clock) as hd:
        await seeded(hd)
        modal = await open_request_modal(hd)
        await hd.submit("Ion", modal, {"type": type_id(modal, "Peripherals"), "assistant": "0",
                                       "description": "Webcam"})
        await hd.settle()
        first = hd.fake.messages_in(TRIAGE)[0]
        await hd.press("Ana", first, "Claim")
        await hd.settle()
        await hd.press("Ana", hd.last_with("Ana", "Release"), "Release")
        await hd.settle()
        triage = hd.fake.messages_in(TRIAGE)
        assert len(triage) == 2
        assert hd.fake.updates_of(TRIAGE, first.ts) == 1  # "claimed by Ana", changed once
        assert not buttons_of(triage[0].blocks)
        assert [b["text"]["text"] for b in buttons_of(triage[1].blocks)] == ["Claim"]
        await hd.press("Bogdan", triage[1], "Claim")
        await hd.settle()
        async with hd.stack.app.uow_factory() as uow:
            req = await uow.requests.get(1)
        assert req is not None and req.assignee_name == "Bogdan"
        assert req.status is Status.IN_PROGRESS
        assert "was claimed by Bogdan" in (hd.fake.messages_in(TRIAGE)[1].text or "")


async def test_cancel_before_claim_updates_the_triage_message_once(
        sqlite_url: str, clock: ManualClock) -> None:
    async with slack_helpdesk(sqlite_url, clock) as hd:
        await seeded(hd)
        await hd.stack.add_person("Cora", Role.ASSISTANT, slack=USERS["Cora"])
        modal = await open_request_modal(hd)
        await hd.submit("Ion", modal, {"type": type_id(modal, "Peripherals"), "assistant": "0",
                                       "description": "Typo"})
        await hd.settle()
        await hd.command("Ion", "my")
        await hd.settle()
        await hd.dm("Ion", hd.fake.messages_in(TRIAGE)[0].text.split()[2])  # "HD-…"
        await hd.settle()
        await hd.press("Ion", hd.last_with("Ion", "Cancel request"), "Cancel request")
        await hd.settle()
        offer = hd.fake.messages_in(TRIAGE)[0]
        assert "was cancelled by Ion" in (offer.text or "")
        assert hd.fake.updates_of(TRIAGE, offer.ts) == 1  # three assistants, one change


# -- the sender on its own ------------------------------------------------------------------


async def test_sender_paces_each_channel_and_honours_retry_after() -> None:
    async with FakeSlackAPI(token=BOT_TOKEN, rate_window=0.2) as fake:
        client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)
        sender = SlackSender(client, min_interval=0.25)
        started = time.monotonic()
        await asyncio.gather(*(sender.send("U1", Reply(f"message {i}")) for i in range(4)),
                             sender.send("U2", Reply("other channel")))
        assert fake.limit_violations == 0
        assert len(fake.messages_in("DU1")) == 4 and len(fake.messages_in("DU2")) == 1
        posts = [c.at for c in fake.calls_of("chat.postMessage") if c.params["channel"] == "DU1"]
        assert all(b - a >= 0.19 for a, b in zip(posts, posts[1:], strict=False))
        assert time.monotonic() - started < 2

        # A real 429 from Slack: wait Retry-After (1 s), then the message goes through once.
        fake.fail_next(1, status=429, retry_after=1, method="chat.postMessage")
        started = time.monotonic()
        ref = await sender.send("U2", Reply("after a 429"))
        assert time.monotonic() - started >= 1.0
        assert ref is not None and ref.startswith("DU2:")
        assert [m.text for m in fake.messages_in("DU2")] == ["other channel", "after a 429"]
        assert fake.injected_failures == 1


async def test_sender_without_buttons_keeps_the_text() -> None:
    async with FakeSlackAPI(token=BOT_TOKEN, rate_limit=None) as fake:
        client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)
        store = RedisDialogStore(embedded_redis())
        sender = SlackSender(client, min_interval=0, store=store)
        ref = await sender.send("U1", Reply("Confirm <this> & that", (Button("Confirm", "p"),)))
        assert ref is not None
        fresh = SlackSender(client, min_interval=0, store=store)  # after a restart
        await fresh.clear_buttons("U1", ref)
        message = fake.messages_in("DU1")[0]
        assert message.text == "Confirm &lt;this&gt; &amp; that" and not buttons_of(message.blocks)
        assert message.updates == 1
        await store.close()


async def test_triage_without_a_store_posts_one_offer() -> None:
    async with FakeSlackAPI(token=BOT_TOKEN, rate_limit=None) as fake:
        client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)

        async def key(reply: Reply) -> str | None:
            return "7" if reply.buttons else None

        sender = SlackSender(client, min_interval=0, triage_channel=TRIAGE, triage_key=key)
        offer = Reply("New request HD-1", (Button("Claim", "claim:7"),))
        refs = await asyncio.gather(*(sender.send(u, offer) for u in ("U1", "U2", "U3")))
        assert len(set(refs)) == 1 and len(fake.messages_in(TRIAGE)) == 1
        for user in ("U1", "U2", "U3"):
            await sender.edit(user, refs[0], Reply("HD-1 was claimed by Ana."))
        assert fake.updates_of(TRIAGE, fake.messages_in(TRIAGE)[0].ts) == 1
        await sender.send("U4", Reply("not an offer"))
        assert len(fake.messages_in("DU4")) == 1
