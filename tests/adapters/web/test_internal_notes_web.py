"""Internal notes on the link pages (``/l/<token>``, over HTTP): the initiator's page shows the
request's history without them, before and after he presses a button on it; an assistant's
page shows them."""

from __future__ import annotations

import html

from core.clock import ManualClock
from tests.adapters.sms.smsstack import sms_helpdesk
from tests.adapters.sms.test_internal_notes_sms import NOTES, PUBLIC, digit_for, worked_by_sms


async def test_the_initiators_page_never_shows_an_internal_note(
        db_url: str, clock: ManualClock) -> None:
    async with sms_helpdesk(db_url, clock) as hd:
        ref = await worked_by_sms(hd)
        claim_link = hd.last_link("Bogdan")
        card = await hd.text("Bogdan", ref)
        await hd.text("Bogdan", digit_for(card, "Finish"))
        await hd.text("Bogdan", "1h")
        await hd.text("Bogdan", "Replaced the fuser")
        await hd.deliver()

        # Ion's confirm page: the card, then the public history.
        link = hd.last_link("Ion")
        status, page = await hd.open(link)
        text = html.unescape(page)
        assert status == 200 and f"History of {ref}:" in text
        assert f"Bogdan: comment: “{PUBLIC}”" in text and "Bogdan: resolved it" in text
        pages = [text]
        # He disputes on the page; every page he is shown stays free of notes.
        status, page = await hd.press(link, "Dispute", page)
        pages.append(html.unescape(page))
        status, page = await hd.answer(link, page, "It took ten minutes")
        assert status == 200
        pages.append(html.unescape(page))
        status, page = await hd.open(link)
        pages.append(html.unescape(page))
        assert ": disputed it: “It took ten minutes”" in pages[-1]
        for shown in pages:
            assert "nternal" not in shown
            for note in NOTES:
                assert note.split()[0] not in shown

        # Bogdan's page (his claim link, used) shows the card and the whole history.
        status, page = await hd.open(claim_link)
        text = html.unescape(page)
        assert status == 200 and "This link was already used." in text
        assert all(f"Bogdan: internal note: “{note}”" in text for note in NOTES)
