"""Every message lands on a request, on Telegram (issue 12): free text with one, several or no
live requests, only closed ones, a photo without text, staff text with a card open; the
choice buttons are edited away once used. English and Romanian, over the real webhook and
the fake Bot API."""

from __future__ import annotations

from typing import Any

import pytest

from core.clock import ManualClock
from core.i18n import _, use_language
from core.kinds import Status
from tests.adapters.telegram.test_telegram_files import PHOTO, send_file
from tests.adapters.telegram.tgstack import TelegramStack, start_telegram

LANGS = ["en", "ro"]


@pytest.fixture
async def tg(sqlite_url: str, clock: ManualClock):  # type: ignore[no-untyped-def]
    stack = await start_telegram(sqlite_url, clock, attachment_max_mb=0.01)
    yield stack
    await stack.close()


def t(lang: str, msgid: str, **params: Any) -> str:
    with use_language(lang):
        return _(msgid, **params)


async def place(tg: TelegramStack, text: str, lang: str) -> str:
    await tg.say("Ion", "/new")
    await tg.press("Ion", "Peripherals")
    await tg.press("Ion", t(lang, "Anyone"))
    await tg.say("Ion", text)
    await tg.press("Ion", t(lang, "Place"))
    await tg.deliver()
    return next(w for w in tg.texts("Ion")[-1].split() if w.startswith("HD-"))


async def requests_of_ion(tg: TelegramStack) -> list[Any]:
    async with tg.app.uow_factory() as uow:
        ion = await uow.people.by_account("telegram", "555")
        assert ion is not None
        return await uow.requests.list_for_initiator(ion.id)


async def request(tg: TelegramStack, ref: str) -> Any:
    async with tg.app.uow_factory() as uow:
        return await uow.requests.by_reference(ref)


def buttons_in_chat(tg: TelegramStack, who: str) -> list[str]:
    return [b["text"] for m in tg.fake.messages_in_chat(tg.users[who])
            for row in (m.reply_markup or {}).get("inline_keyboard", []) for b in row]


async def start(tg: TelegramStack, lang: str) -> None:
    await tg.say("Ion", f"/language {lang}")
    assert tg.texts("Ion")[-1] == t(lang, "From now on I will write to you in English.")


@pytest.mark.parametrize("lang", LANGS)
async def test_one_request_gets_the_text(tg: TelegramStack, lang: str) -> None:
    await start(tg, lang)
    ref = await place(tg, "I cannot log in", lang)
    await tg.press("Ana", "Claim")
    await tg.deliver()
    await tg.say("Ion", "Any news? I still cannot log in")
    await tg.deliver()
    assert tg.texts("Ion")[-1] == t(lang, "Added to {ref} as a comment; {name} is told.",
                                    ref=ref, name="Ana")
    assert [c.body for c in (await request(tg, ref)).comments] == [
        "Any news? I still cannot log in"]
    assert any("Any news? I still cannot log in" in x for x in tg.texts("Ana"))


@pytest.mark.parametrize("lang", LANGS)
async def test_several_requests_ask_which(tg: TelegramStack, lang: str) -> None:
    await start(tg, lang)
    first = await place(tg, "The printer does not print", lang)
    second = await place(tg, "The scanner jams", lang)
    await tg.say("Ion", "Still broken")
    assert tg.texts("Ion")[-1].startswith(t(lang, "Which request is this about?"))
    await tg.say("Ion", "Since this morning")
    await tg.press("Ion", f"{first} · The printer does not pr…")
    assert [c.body for c in (await request(tg, first)).comments] == [
        "Still broken", "Since this morning"]
    assert (await request(tg, second)).comments == []
    # The question was edited: its buttons are gone, nothing stale is left to press.
    assert t(lang, "A new request") not in buttons_in_chat(tg, "Ion")


@pytest.mark.parametrize("lang", LANGS)
async def test_no_request_offers_a_new_one(tg: TelegramStack, lang: str) -> None:
    await start(tg, lang)
    await tg.say("Ion", "My monitor flickers")
    assert tg.texts("Ion")[-1].startswith(
        t(lang, "You have no open request. Place a new request with this text?"))
    await tg.press("Ion", t(lang, "Yes, place a new request"))
    await tg.press("Ion", "Peripherals")
    await tg.press("Ion", t(lang, "Anyone"))
    await tg.press("Ion", t(lang, "Place"))
    [req] = await requests_of_ion(tg)
    assert req.description == "My monitor flickers" and req.status is Status.OPEN


@pytest.mark.parametrize("lang", LANGS)
async def test_only_closed_requests(tg: TelegramStack, lang: str) -> None:
    await start(tg, lang)
    ref = await place(tg, "The printer does not print", lang)
    await tg.say("Ion", ref)
    await tg.press("Ion", t(lang, "Cancel request"))
    await tg.say("Ion", "Hello?")
    assert tg.texts("Ion")[-1].startswith(
        t(lang, "You have no open request. Place a new request with this text?"))
    await tg.press("Ion", t(lang, "No"))
    assert tg.texts("Ion")[-1] == t(
        lang, "All right; nothing was placed and your message was not kept.")
    assert (await request(tg, ref)).comments == []


@pytest.mark.parametrize("lang", LANGS)
async def test_a_photo_without_text(tg: TelegramStack, lang: str) -> None:
    await start(tg, lang)
    await send_file(tg, "Ion", PHOTO, kind="photo")
    assert tg.texts("Ion")[-1] == t(
        lang, "You have no open request. Place a new request with this file?")
    await tg.press("Ion", t(lang, "Yes, place a new request"))
    await tg.press("Ion", "Peripherals")
    await tg.press("Ion", t(lang, "Anyone"))
    await tg.say("Ion", "See the photo")
    await tg.press("Ion", t(lang, "Place"))
    [req] = await requests_of_ion(tg)
    stored = await tg.app.attachments.index.for_request(req.id)  # type: ignore[union-attr]
    assert len(stored) == 1 and stored[0].size == len(PHOTO)


@pytest.mark.parametrize("lang", LANGS)
async def test_staff_text_with_a_card_open(tg: TelegramStack, lang: str) -> None:
    ref = await place(tg, "The printer does not print", "en")
    await tg.press("Ana", "Claim")
    await tg.deliver()
    await tg.say("Ana", f"/language {lang}")
    await tg.say("Ana", "called him")
    assert tg.texts("Ana")[-1].startswith(t(lang, "I didn't understand that."))
    await tg.say("Ana", ref)
    await tg.say("Ana", "Toner ordered")
    assert tg.texts("Ana")[-1] == t(lang, "Add to {ref} as:", ref=ref)
    await tg.press("Ana", t(lang, "Internal note"))
    assert tg.texts("Ana")[-1] == t(lang, "Internal note added to {ref}.", ref=ref)
    assert t(lang, "Neither") not in buttons_in_chat(tg, "Ana")
    comments = (await request(tg, ref)).comments
    assert [(c.body, c.internal) for c in comments] == [("Toner ordered", True)]


async def test_language_argument_and_a_stale_menu(tg: TelegramStack) -> None:
    await tg.say("Ion", "/language")
    await tg.press("Ion", "Română")
    assert "English" not in buttons_in_chat(tg, "Ion")  # the used menu lost its buttons
    await tg.say("Ion", "/language xx")
    assert tg.texts("Ion")[-2] == "Nu cunosc limba „xx”."
    assert "English" in buttons_in_chat(tg, "Ion")
    await tg.say("Ion", "/language pl")
    await tg.press("Ion", "English")  # the menu shown while Ion read Romanian: stale
    async with tg.app.uow_factory() as uow:
        ion = await uow.people.by_account("telegram", "555")
    assert ion is not None and ion.language == "pl"
    assert "English" not in buttons_in_chat(tg, "Ion")
