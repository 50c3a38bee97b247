"""Seed 000 by SMS, end to end: the initiator texts, assistants get one SMS each with a link,
two press Claim on their link pages at the same moment, the initiator confirms by link."""

from __future__ import annotations

import asyncio
import re

from core.clock import ManualClock
from core.kinds import Role, Status
from tests.adapters.sms.smsstack import PHONES, sms_helpdesk
from tests.fakes.twilio_api import segments


async def test_seed_000_by_sms_and_links(db_url: str, clock: ManualClock) -> None:
    async with sms_helpdesk(db_url, clock) as hd:
        stack = hd.stack
        for name in ("Integrat.STS", "Intervention on site", "Peripherals"):
            await stack.add_type(name)
        for name in ("Ana", "Bogdan", "Cora"):
            await stack.add_person(name, Role.ASSISTANT, sms=PHONES[name])

        # The initiator (unknown so far) places a request by SMS with keywords and digits.
        said = await hd.text("Ion", "NEW")
        assert "What is it about?" in said
        assert "Reply 1 for Integrat.STS, 2 for Intervention on site, 3 for Peripherals" in said
        assert "Who should handle it?" in await hd.text("Ion", "3")
        assert "Describe the problem" in await hd.text("Ion", "1")
        said = await hd.text("Ion", "The printer does not print")
        assert "Please check your request" in said and "Reply 1 for Place, 2 for Cancel" in said
        said = await hd.text("Ion", "1")
        ref = re.search(r"HD-\d{4}-\d{6}", said)
        assert ref and "is placed" in said
        ref_text = ref.group(0)

        # Three assistants get exactly one SMS each, one segment, with their own link.
        await hd.deliver()
        links = {}
        for name in ("Ana", "Bogdan", "Cora"):
            inbox = hd.inbox(name)
            assert len(inbox) == 1, [m.body for m in inbox]
            assert ref_text in inbox[0].body and "Claim: " in inbox[0].body
            assert segments(inbox[0].body) == ("GSM-7", 1)
            links[name] = hd.last_link(name)
        assert len(set(links.values())) == 3

        # Ana and Bogdan open their links and press Claim at the same moment.
        pages = {name: (await hd.open(links[name]))[1] for name in ("Ana", "Bogdan")}
        assert all("The printer does not print" in page for page in pages.values())
        results = await asyncio.gather(*(hd.press(links[n], "Claim", pages[n])
                                         for n in ("Ana", "Bogdan")))
        won = [n for n, (_s, page) in zip(("Ana", "Bogdan"), results, strict=True)
               if "You claimed" in page]
        assert len(won) == 1, results
        winner = won[0]
        loser = "Bogdan" if winner == "Ana" else "Ana"
        status, page = results[("Ana", "Bogdan").index(loser)]
        assert status == 409 and f"Already claimed by {winner}." in page
        # STAFF_SEE_ALL (default): the loser's link still shows the request, read-only.
        assert f"{winner}: claimed it" in (await hd.open(links[loser]))[1]

        # The winner finishes by SMS: MY, then digits, then the time and a note.
        said = await hd.text(winner, "MY")
        assert ref_text in said and "Reply 1 for " + ref_text in said
        assert "Reply 1 for Finish, 2 for Release" in await hd.text(winner, "1")
        assert "How much time" in await hd.text(winner, "1")
        assert "noted" in await hd.text(winner, "1h30")
        assert "is resolved" in await hd.text(winner, "Replaced the fuser unit")

        # The initiator's SMS carries a link; the page shows 1h30; Confirm works once.
        await hd.deliver()
        resolved = hd.inbox("Ion")[-1].body
        assert "Confirm / Dispute: " in resolved
        link = hd.last_link("Ion")
        status, page = await hd.open(link)
        assert status == 200 and "Time logged: 1 hour, 30 minutes" in page
        status, page = await hd.press(link, "Confirm", page)
        assert status == 200 and "confirmed with 1 hour, 30 minutes and closed" in page
        async with stack.app.uow_factory() as uow:
            req = await uow.requests.by_reference(ref_text)
            assert req is not None and req.status is Status.CLOSED
            version = req.version

        # The link cannot be used again.
        status, page = await hd.open(link)
        assert status == 200 and "This link was already used." in page and "<button" not in page
        async with hd.http.post(link, data={"payload": "x", "csrf": "y"}) as response:
            assert response.status == 409 and "This link was already used." in await response.text()
        async with stack.app.uow_factory() as uow:
            req = await uow.requests.by_reference(ref_text)
            assert req is not None and req.version == version
