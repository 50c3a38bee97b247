"""Knowledge base on SMS: an offered article arrives as its title and a signed link page
(``/kb/<token>``) instead of its text; typed digits answer the offer; the page checks who
may read it, and forged or expired links are refused."""

from __future__ import annotations

import re

import pytest

from core.clock import ManualClock
from core.kb_ports import Article
from core.kinds import Role
from tests.adapters.sms.smsstack import PHONES, SmsHelpdesk, sms_helpdesk

KB_LINK = re.compile(r"(https?://\S+/kb/[A-Za-z0-9._-]+)")
JAM = Article("en/jam", "The printer reports a paper jam", "Open tray 2 and pull the sheet "
              "out gently. " * 40, "en", tags=("printer",))
STAFF = Article("en/firmware", "Printer firmware update", "Flash the firmware. " * 5, "en",
                "staff")


@pytest.fixture
async def hd(db_url: str, clock: ManualClock):  # type: ignore[no-untyped-def]
    async with sms_helpdesk(db_url, clock) as hd:  # SQLite and PostgreSQL
        assert hd.stack.app.knowledge is not None
        await hd.stack.app.knowledge.load([JAM, STAFF])
        await hd.stack.add_type("Peripherals")
        await hd.stack.add_person("Ion", Role.INITIATOR, sms=PHONES["Ion"])
        await hd.stack.add_person("Ana", Role.ASSISTANT, sms=PHONES["Ana"])
        yield hd
        await hd.stack.app.knowledge.load([])  # the PostgreSQL test database is shared


async def test_an_offered_article_is_a_link_page_on_sms(hd: SmsHelpdesk,
                                                       clock: ManualClock) -> None:
    await hd.text("Ion", "NEW")
    await hd.text("Ion", "1")  # Peripherals
    await hd.text("Ion", "1")  # Anyone
    offer = await hd.text("Ion", "Paper jam in the printer")
    assert "Did one of these solve it?" in offer and "Reply 1 for" in offer, offer
    answer = await hd.text("Ion", "1")  # the article
    link = KB_LINK.search(answer)
    assert link is not None, answer
    assert answer.startswith(JAM.title) and "pull the sheet" not in answer
    assert all(len(m.body) <= 1600 for m in hd.inbox("Ion"))
    status, page = await hd.open(link.group(1))
    assert status == 200 and "pull the sheet out gently" in page and JAM.title in page
    status, _page = await hd.open(link.group(1)[:-2] + "xx")
    assert status == 400
    solved = await hd.text("Ion", "2")  # Yes, solved (the offer was asked again)
    assert "Glad it is solved" in solved, solved
    stats = {s.slug: (s.views, s.deflections) for s in await hd.stack.app.knowledge.stats()}
    assert stats["en/jam"] == (1, 1)
    clock.advance(days=8)
    status, page = await hd.open(link.group(1))
    assert status == 410 and "expired" in page


async def test_an_article_page_is_checked_at_every_visit(hd: SmsHelpdesk) -> None:
    answer = await hd.text("Ana", "/kb printer firmware")
    assert "Printer firmware update" in answer
    number = next(n for n, label in re.findall(r"(\d) for ([^,\n]+)", answer)
                  if label.startswith("Printer firmware"))
    link = KB_LINK.search(await hd.text("Ana", number))
    assert link is not None
    status, page = await hd.open(link.group(1))
    assert status == 200 and "Flash the firmware" in page
    async with hd.stack.app.uow_factory() as uow:  # Ana's access is turned off
        await uow.people.set_active(hd.stack.people["Ana"], False)
        await uow.commit()
    status, page = await hd.open(link.group(1))
    assert status == 404 and "no longer available" in page
