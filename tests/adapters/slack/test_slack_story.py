"""Seed 000 on Slack, end to end: /helpdesk → modal → triage message → two assistants press
Claim at the same moment → one wins, the triage message is updated once → Finish modal →
the initiator confirms in the DM."""

from __future__ import annotations

import asyncio
import re
import time

from core.clock import ManualClock
from core.kinds import Role, Status
from tests.adapters.slack.slackstack import TRIAGE, USERS, buttons_of, slack_helpdesk

REF = re.compile(r"HD-\d{4}-\d{6}")


async def test_seed_000_on_slack(db_url: str, clock: ManualClock) -> None:
    async with slack_helpdesk(db_url, clock) as hd:
        stack, fake = hd.stack, hd.fake
        for name in ("Integrat.STS", "Intervention on site", "Peripherals"):
            await stack.add_type(name)
        for name in ("Ana", "Bogdan"):
            await stack.add_person(name, Role.ASSISTANT, slack=USERS[name])

        # Ion (unknown so far) types /helpdesk: acknowledged at once, then a modal opens.
        started = time.monotonic()
        status, body = await hd.command("Ion")
        assert status == 200 and body == ""
        assert time.monotonic() - started < 3
        await hd.settle()
        modal = hd.last_modal()
        assert modal["title"]["text"] == "New request" and modal["callback_id"] == "hd.request"
        fields = {b["block_id"]: b for b in modal["blocks"]}
        assert list(fields) == ["type", "assistant", "description", "priority"]
        types = {o["text"]["text"]: o["value"] for o in fields["type"]["element"]["options"]}
        assert list(types) == ["Integrat.STS", "Intervention on site", "Peripherals"]
        assert fields["assistant"]["element"]["initial_option"]["text"]["text"] == "Anyone"

        # He submits it: the modal closes, the request is placed, the bot DMs the reference.
        status, answer = await hd.submit("Ion", modal, {
            "type": types["Peripherals"], "assistant": "0",
            "description": "The printer does not print"})
        assert status == 200 and answer == {}
        await hd.settle()
        placed = hd.inbox("Ion")[-1].text or ""
        assert "is placed" in placed
        ref = REF.search(placed)
        assert ref is not None
        async with stack.app.uow_factory() as uow:
            ion = await uow.people.by_account("slack", USERS["Ion"])
            req = await uow.requests.by_reference(ref.group(0))
        assert ion is not None and ion.name == "Ion" and ion.role is Role.INITIATOR
        assert req is not None and req.status is Status.OPEN

        # One message in the triage channel, with a Claim button; no offers by DM.
        triage = fake.messages_in(TRIAGE)
        assert len(triage) == 1
        offer = triage[0]
        assert ref.group(0) in (offer.text or "") and "The printer does not print" in offer.text
        assert [b["text"]["text"] for b in buttons_of(offer.blocks)] == ["Claim"]
        assert not hd.inbox("Ana") and not hd.inbox("Bogdan")

        # Ana and Bogdan press Claim at the same moment: one wins.
        results = await asyncio.gather(hd.press("Ana", offer, "Claim"),
                                       hd.press("Bogdan", offer, "Claim"))
        assert all(r == (200, "") for r in results)
        await hd.settle()
        async with stack.app.uow_factory() as uow:
            req = await uow.requests.by_reference(ref.group(0))
        assert req is not None and req.status is Status.IN_PROGRESS
        winner = req.assignee_name
        assert winner in ("Ana", "Bogdan")
        loser = "Bogdan" if winner == "Ana" else "Ana"
        assert f"Already claimed by {winner}." in hd.ephemerals_to(loser)
        claimed = [m for m in hd.inbox(winner) if "You claimed" in (m.text or "")]
        assert len(claimed) == 1
        assert [b["text"]["text"] for b in buttons_of(claimed[0].blocks)] == ["Finish", "Release"]
        assert not hd.inbox(loser)

        # The triage message was updated exactly once: claimed by the winner, no buttons.
        offer = fake.messages_in(TRIAGE)[0]
        assert fake.updates_of(TRIAGE, offer.ts) == 1
        assert f"was claimed by {winner}" in (offer.text or "") and not buttons_of(offer.blocks)
        assert len(fake.messages_in(TRIAGE)) == 1
        assert any(f"{winner} has taken your request" in (m.text or "") for m in hd.inbox("Ion"))

        # Finish opens a modal: time spent and the resolution note.
        await hd.press(winner, claimed[0], "Finish")
        await hd.settle()
        modal = hd.last_modal()
        assert modal["callback_id"] == "hd.finish"
        assert [b["block_id"] for b in modal["blocks"]] == ["time", "note"]
        status, answer = await hd.submit(winner, modal, {"time": "1h30",
                                                          "note": "Replaced the toner"})
        assert status == 200 and answer == {}
        await hd.settle()
        assert "is resolved with 1 hour, 30 minutes logged" in (hd.inbox(winner)[-1].text or "")
        # The modal carried the message it was opened from: "You claimed … [Finish] [Release]"
        # is updated (chat.update) to the outcome, without buttons.
        assert modal["private_metadata"].endswith(f"{claimed[0].channel}:{claimed[0].ts}")

        # Ion gets the resolution in the DM with the logged time and Confirm / Dispute.
        resolution = hd.last_with("Ion", "Confirm")
        assert "Time logged: 1 hour, 30 minutes" in (resolution.text or "")
        assert "Replaced the toner" in (resolution.text or "")
        assert [b["text"]["text"] for b in buttons_of(resolution.blocks)] == ["Confirm",
                                                                              "Dispute"]
        await hd.press("Ion", resolution, "Confirm")
        await hd.settle()
        confirmed = next(m for m in hd.inbox("Ion") if m.ts == resolution.ts)
        assert "is confirmed with 1 hour, 30 minutes and closed" in (confirmed.text or "")
        # Confirm / Dispute gave way to the rating.
        assert [b["text"]["text"] for b in buttons_of(confirmed.blocks)] == [
            "1", "2", "3", "4", "5"]
        assert any("Ion confirmed" in (m.text or "") for m in hd.inbox(winner))
        async with stack.app.uow_factory() as uow:
            req = await uow.requests.by_reference(ref.group(0))
        assert req is not None and req.status is Status.CLOSED and req.minutes_logged == 90
        # After confirmation the winner's "You claimed …" message has no buttons left: the
        # fake Slack API recorded the chat.update that removed them.
        updates = [c.params for c in fake.calls_of("chat.update")
                   if c.params.get("channel") == claimed[0].channel
                   and c.params.get("ts") == claimed[0].ts]
        assert updates, "the claimed message was never updated"
        assert not buttons_of(updates[-1].get("blocks"))
        now_claimed = next(m for m in fake.messages_in(claimed[0].channel)
                           if m.ts == claimed[0].ts)
        assert not buttons_of(now_claimed.blocks)
        assert "is resolved" in (now_claimed.text or "")
        # Never faster than one message per channel per window: the fake saw no violation.
        assert fake.limit_violations == 0
