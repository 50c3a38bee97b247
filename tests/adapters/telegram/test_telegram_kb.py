"""Knowledge base on Telegram: an article longer than 4,096 characters is sent as several
messages within Telegram's limit (over the real webhook and the fake Bot API), during the
intake's offer and from /kb; "Yes, solved" counts a deflection. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from adapters.telegram.translate import utf16_len
from core.clock import ManualClock
from core.kb_ports import Article
from tests.adapters.telegram.tgstack import TelegramStack, start_telegram
from tests.fakes.telegram_api import MAX_TEXT_LENGTH

PARAGRAPH = ("Open the printer's front cover, take out the drum unit and check the paper path "
             "for torn pieces; a small scrap left behind causes the next jam. ")
BODY = "\n\n".join(f"Step {n}. " + PARAGRAPH * 3 for n in range(1, 31))  # ~ 15,000 chars
LONG = Article("en/printer-guide", "Printer paper jam: the complete guide", BODY, "en",
               tags=("printer", "jam"))


@pytest.fixture
async def tg(db_url: str, clock: ManualClock):  # type: ignore[no-untyped-def]
    stack = await start_telegram(db_url, clock)  # SQLite and PostgreSQL
    assert stack.app.knowledge is not None
    await stack.app.knowledge.load([LONG])
    yield stack
    await stack.app.knowledge.load([])  # the PostgreSQL test database is shared
    await stack.close()


def check_split(tg: TelegramStack, before: int) -> list[str]:
    sent = tg.texts("Ion")[before:]
    parts = [t for t in sent if "Step " in t or t.startswith(LONG.title)]
    assert len(parts) >= 4, [len(t) for t in sent]
    assert all(utf16_len(t) <= MAX_TEXT_LENGTH for t in sent)
    joined = "\n\n".join(parts)
    assert joined.startswith(LONG.title)
    for n in (1, 15, 30):
        assert f"Step {n}. " in joined
    assert joined.count(PARAGRAPH.strip()) == 90  # nothing lost at the cuts
    return parts


async def test_a_long_article_is_split_within_telegram_limits(tg: TelegramStack) -> None:
    assert len(BODY) > 4096
    await tg.say("Ion", "/new")
    await tg.press("Ion", "Peripherals")
    await tg.press("Ion", "Anyone")
    await tg.say("Ion", "paper jam in the printer")
    assert "Did one of these solve it?" in tg.texts("Ion")[-1]
    before = len(tg.texts("Ion"))
    await tg.press("Ion", LONG.title)
    parts = check_split(tg, before)
    print(f"\narticle of {len(LONG.title) + 2 + len(BODY)} characters sent as {len(parts)} "
          f"Telegram messages of at most {max(utf16_len(p) for p in parts)} characters")
    assert "Did one of these solve it?" in tg.texts("Ion")[-1]
    await tg.press("Ion", "Yes, solved")
    assert "Glad it is solved" in tg.texts("Ion")[-1]
    stats = await tg.app.knowledge.stats()
    assert [(s.views, s.deflections, s.not_helpful) for s in stats] == [(1, 1, 0)]
    async with tg.app.uow_factory() as uow:
        ion = await uow.people.by_account("telegram", "555")
        assert ion is not None
        assert await uow.requests.list_for_initiator(ion.id) == []


async def test_kb_command_sends_a_long_article_in_parts(tg: TelegramStack) -> None:
    await tg.say("Ion", "/kb printer jam")
    before = len(tg.texts("Ion"))
    await tg.press("Ion", LONG.title)
    check_split(tg, before)
