"""Every message lands on a request (issue 12): an initiator's free text with one, several or
no live requests, files without text, staff text with a card open, /language with an
argument and stale choice menus. English and Romanian."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from core.clock import ManualClock
from core.i18n import _, use_language
from core.kinds import Status
from tests.conversations.test_attachments import app as app  # noqa: F401 - files stored
from tests.conversations.test_attachments import file, send_file, stored_files
from tests.conversations.test_story import place
from tests.conversations.test_workflow import request, tick
from tests.harness import Chat

LANGS = ["en", "ro"]


def t(lang: str, msgid: str, **params: Any) -> str:
    """``msgid`` as the person reads it in ``lang``."""
    with use_language(lang):
        return _(msgid, **params)


async def speak(chat: Chat, who: str, lang: str) -> None:
    await chat.send(who, f"/language {lang}")
    chat.expect(who, t(lang, "From now on I will write to you in English."))


async def claimed(chat: Chat, text: str = "The printer does not print",
                  card: bool = False) -> str:
    ref = await place(chat, text=text)
    await chat.press("Bogdan", "Claim", from_notification=True)
    if card:
        await chat.send("Bogdan", ref)  # the card, with every button
    return ref


def comments_of(req: Any) -> list[str]:
    return [c.body for c in req.comments]


@pytest.mark.parametrize("lang", LANGS)
async def test_one_live_request_gets_the_text_as_a_comment(chat: Chat, lang: str) -> None:
    ref = await claimed(chat)
    await speak(chat, "Ion", lang)
    await chat.send("Ion", "Any news? I still cannot log in")
    chat.expect("Ion", t(lang, "Added to {ref} as a comment; {name} is told.", ref=ref,
                         name="Bogdan"))
    assert "I didn't understand" not in chat.said("Ion")
    assert comments_of(await request(chat, ref)) == ["Any news? I still cannot log in"]
    assert any("Any news? I still cannot log in" in n for n in chat.notices("Bogdan"))


@pytest.mark.parametrize("lang", LANGS)
async def test_one_open_request_unclaimed(chat: Chat, lang: str) -> None:
    ref = await place(chat)
    await speak(chat, "Ion", lang)
    await chat.send("Ion", "It is the one on the second floor")
    chat.expect("Ion", t(lang, "Added to {ref} as a comment; whoever takes the request will "
                               "see it.", ref=ref))
    assert comments_of(await request(chat, ref)) == ["It is the one on the second floor"]


@pytest.mark.parametrize("lang", LANGS)
async def test_a_waiting_question_is_answered_by_free_text(chat: Chat, lang: str) -> None:
    ref = await claimed(chat, card=True)
    await chat.press("Bogdan", "Wait")
    await chat.press("Bogdan", "A question for the customer")
    await chat.send("Bogdan", "Which printer?")
    await chat.press("Bogdan", "Close after 3 days")
    await speak(chat, "Ion", lang)
    await chat.send("Ion", "The one in room 12")
    chat.expect("Ion", t(lang, "Thank you! Your answer was added to {ref} and sent to {name}.",
                         ref=ref, name="Bogdan"))
    req = await request(chat, ref)
    assert req.status is Status.IN_PROGRESS and "The one in room 12" in comments_of(req)


@pytest.mark.parametrize("lang", LANGS)
async def test_resolved_in_the_feedback_window_asks_reopen(chat: Chat, lang: str) -> None:
    ref = await claimed(chat)
    await chat.press("Bogdan", "Finish")
    await chat.send("Bogdan", "30m")
    await chat.send("Bogdan", "New toner")
    await speak(chat, "Ion", lang)
    await chat.send("Ion", "It prints blank pages again")
    chat.expect("Ion", t(lang, "{ref} was resolved. Reopen it with your message?", ref=ref))
    question = {b.label: b.payload for b in chat.buttons_for("Ion")}
    await chat.send("Ion", "And it smells burnt")  # kept with the first
    chat.expect("Ion", t(lang, "I keep this with your previous message."))
    await chat.press_payload("Ion", question[t(lang, "Yes, reopen it")])
    req = await request(chat, ref)
    assert req.status is Status.IN_PROGRESS
    assert any("It prints blank pages again" in n and "And it smells burnt" in n
               for n in chat.notices("Bogdan"))


@pytest.mark.parametrize("lang", LANGS)
async def test_several_requests_ask_which_and_keep_every_text(chat: Chat, lang: str) -> None:
    first = await place(chat)
    second = await place(chat, text="And the scanner too")
    await speak(chat, "Ion", lang)
    await chat.send("Ion", "Still broken")
    chat.expect("Ion", t(lang, "Which request is this about?"), first, second)
    buttons = chat.buttons_for("Ion")
    labels = [b.label for b in buttons]
    assert labels == [f"{second} · And the scanner too",
                      f"{first} · The printer does not pr…", t(lang, "A new request")]
    await chat.send("Ion", "Since this morning")  # a second text while the question is open
    chat.expect("Ion", t(lang, "I keep this with your previous message."),
                t(lang, "Please answer the question above."))
    question = {b.label: b.payload for b in buttons}
    stale = question[f"{first} · The printer does not pr…"]
    # The question (still above) decides for both texts.
    replies = await chat.press_payload("Ion", question[f"{second} · And the scanner too"])
    assert replies[0].edit and not replies[0].buttons  # the question's buttons are gone
    assert comments_of(await request(chat, second)) == ["Still broken", "Since this morning"]
    assert comments_of(await request(chat, first)) == []
    # The old question's buttons are stale now: nothing more is stored.
    await chat.press_payload("Ion", stale)
    chat.expect("Ion", t(lang, "This button is no longer valid."))
    assert comments_of(await request(chat, second)) == ["Still broken", "Since this morning"]


@pytest.mark.parametrize("lang", LANGS)
async def test_several_requests_and_a_new_one(chat: Chat, lang: str) -> None:
    await place(chat)
    await place(chat, text="And the scanner too")
    await speak(chat, "Ion", lang)
    await chat.send("Ion", "The keyboard is missing keys")
    await chat.press("Ion", t(lang, "A new request"))
    chat.expect("Ion", t(lang, "What is it about?"))
    await chat.press("Ion", "Peripherals")
    await chat.press("Ion", t(lang, "Anyone"))
    # The description step is skipped: the text is the description.
    chat.expect("Ion", t(lang, "Please check your request:"),
                t(lang, "Problem: {description}", description="The keyboard is missing keys"))
    await chat.press("Ion", t(lang, "Place"))
    ref = chat.said("Ion").split()[1]
    assert (await request(chat, ref)).description == "The keyboard is missing keys"


@pytest.mark.parametrize("lang", LANGS)
async def test_no_request_offers_a_new_one_with_the_text(chat: Chat, lang: str) -> None:
    await speak(chat, "Ion", lang)
    await chat.send("Ion", "My monitor flickers")
    chat.expect("Ion", t(lang, "You have no open request. Place a new request with this text?"),
                "“My monitor flickers”")
    assert "I didn't understand" not in chat.said("Ion")
    await chat.press("Ion", t(lang, "Yes, place a new request"))
    await chat.press("Ion", "Peripherals")
    await chat.press("Ion", t(lang, "Anyone"))
    await chat.press("Ion", t(lang, "Place"))
    ref = chat.said("Ion").split()[1]
    assert (await request(chat, ref)).description == "My monitor flickers"


@pytest.mark.parametrize("lang", LANGS)
async def test_only_closed_requests_count_as_none(chat: Chat, lang: str) -> None:
    ref = await place(chat)
    await chat.press("Ion", "My requests")
    await chat.press("Ion", ref)
    await chat.press("Ion", "Cancel request")
    assert (await request(chat, ref)).status is Status.CANCELLED
    await speak(chat, "Ion", lang)
    await chat.send("Ion", "Hello?")
    chat.expect("Ion", t(lang, "You have no open request. Place a new request with this text?"))
    await chat.press("Ion", t(lang, "No"))
    chat.expect("Ion", t(lang, "All right; nothing was placed and your message was not kept."))
    assert comments_of(await request(chat, ref)) == []


@pytest.mark.parametrize("lang", LANGS)
async def test_a_photo_only_follows_the_same_rule(chat: Chat, lang: str) -> None:
    await speak(chat, "Ion", lang)
    await send_file(chat, "Ion", file())  # no request: offer a new one with the file
    chat.expect("Ion", t(lang, "You have no open request. Place a new request with this file?"))
    await chat.press("Ion", t(lang, "Yes, place a new request"))
    await chat.press("Ion", "Peripherals")
    await chat.press("Ion", t(lang, "Anyone"))
    chat.expect("Ion", t(lang, "Describe the problem in a few words."))
    await chat.send("Ion", "See the photo")
    await chat.press("Ion", t(lang, "Place"))
    chat.expect("Ion", t(lang, "{name} ({size}) is attached to {ref}.", name="printer.jpg",
                         size="403 B", ref="HD-2026-000001"))
    await speak(chat, "Ion", "en")
    await place(chat, text="Second one")  # two requests now: which one?
    await speak(chat, "Ion", lang)
    await send_file(chat, "Ion", file(b"other photo"))
    chat.expect("Ion", t(lang, "Which request is this about?"))
    question = {b.label: b.payload for b in chat.buttons_for("Ion")}
    await send_file(chat, "Ion", file(b"third photo"))  # kept with the first
    chat.expect("Ion", t(lang, "I keep this file with your previous message."))
    await chat.press_payload("Ion", question["HD-2026-000001 · See the photo"])
    assert len(await chat.app.attachments.index.for_request(1)) == 3  # type: ignore[union-attr]
    assert len(stored_files(chat.app)) == 3


@pytest.mark.parametrize("lang", LANGS)
async def test_staff_text_with_a_card_open(chat: Chat, clock: ManualClock, lang: str) -> None:
    ref = await claimed(chat)
    await speak(chat, "Bogdan", lang)
    await chat.send("Bogdan", "called him back")  # no card opened yet: the short hint
    chat.expect("Bogdan", t(lang, "I didn't understand that."))
    await chat.send("Bogdan", ref)  # the card
    await chat.send("Bogdan", "Toner ordered")
    chat.expect("Bogdan", t(lang, "Add to {ref} as:", ref=ref))
    assert [b.label for b in chat.buttons_for("Bogdan")] == [
        t(lang, "Public comment"), t(lang, "Internal note"), t(lang, "Neither")]
    await chat.press("Bogdan", t(lang, "Internal note"))
    chat.expect("Bogdan", t(lang, "Internal note added to {ref}.", ref=ref))
    req = await request(chat, ref)
    assert [(c.body, c.internal) for c in req.comments] == [("Toner ordered", True)]
    assert not any("Toner ordered" in n for n in chat.notices("Ion"))
    await chat.send("Bogdan", "Arrives Monday")
    await chat.press("Bogdan", t(lang, "Public comment"))
    assert any("Arrives Monday" in n for n in chat.notices("Ion"))
    await chat.send("Bogdan", "note to self")
    await chat.press("Bogdan", t(lang, "Neither"))
    chat.expect("Bogdan", t(lang, "All right; it was not added to any request."))
    # 31 minutes later the card is no longer "in front of them".
    await tick(chat, clock, minutes=31)
    await chat.send("Bogdan", "lunch")
    chat.expect("Bogdan", t(lang, "I didn't understand that."))
    assert len((await request(chat, ref)).comments) == 2


async def test_language_command_takes_an_argument(chat: Chat) -> None:
    await chat.send("Ion", "/language ro")
    chat.expect("Ion", "De acum înainte vă voi scrie în română.")
    await chat.send("Ion", "/language klingon")
    chat.expect("Ion", "Nu cunosc limba „klingon”.", "Alegeți limba:")
    assert [b.label for b in chat.buttons_for("Ion")][:2] == ["English", "Română"]
    await chat.send("Ion", "/language Português")
    chat.expect("Ion", "A partir de agora vou escrever para você em português.")


async def test_a_stale_language_button_cannot_switch_back(chat: Chat) -> None:
    await chat.send("Ion", "/language")
    old_menu = {b.label: b.payload for b in chat.buttons_for("Ion")}
    await chat.press("Ion", "Română")
    replies = chat.last["Ion"]
    assert replies[0].edit and not replies[0].buttons  # the used menu loses its buttons
    await chat.send("Ion", "/language pl")
    await chat.press_payload("Ion", old_menu["English"])  # the first menu, long ago
    assert chat.last["Ion"][0].edit and not chat.last["Ion"][0].buttons
    async with chat.app.uow_factory() as uow:
        ion = await uow.people.by_name("Ion")
    assert ion is not None and ion.language == "pl"


async def test_the_card_says_by_when_to_answer(chat: Chat) -> None:
    ref = await claimed(chat, card=True)
    await chat.press("Bogdan", "Wait")
    await chat.press("Bogdan", "A question for the customer")
    await chat.send("Bogdan", "Which printer?")
    await chat.press("Bogdan", "Close after 3 days")
    async with chat.app.engine.begin() as conn:  # Ion lives in Bucharest (UTC+2 in January)
        await conn.execute(text("UPDATE persons SET timezone = 'Europe/Bucharest' "
                                "WHERE name = 'Ion'"))
    await chat.send("Ion", ref)
    chat.expect("Ion", "Please answer by Jan 8, 2026, 11:00\u202fAM; without an answer it "
                       "closes by itself then.")
    await chat.send("Ion", "/language pl")
    await chat.send("Ion", ref)
    said = chat.said("Ion")
    assert "Proszę odpowiedzieć do 8 sty 2026" in said
    assert "pozostało" not in said and ": jeszcze" in said
    await chat.send("Ion", "/language ru")
    await chat.send("Ion", ref)
    assert "осталось:" not in chat.said("Ion") and ": ещё" in chat.said("Ion")


@pytest.mark.parametrize("lang", LANGS)
async def test_a_typed_choice_label_presses_that_choice(chat: Chat, lang: str) -> None:
    """On SMS or the console people type what the menu says: "peripherals" picks the type,
    "anyone" (in their language) the assignee; other text stays the description."""
    await speak(chat, "Ion", lang)
    await chat.send("Ion", "/new")
    await chat.send("Ion", "  peripherals ")
    chat.expect("Ion", t(lang, "Who should handle it? If you choose nobody, every assistant "
                               "can take it."))
    await chat.send("Ion", "The mouse is dead")
    chat.expect("Ion", t(lang, "Noted as the description of your request. Please choose one "
                               "of the options above, or send /cancel."))
    await chat.send("Ion", t(lang, "Anyone").upper())
    await chat.press("Ion", t(lang, "Place"))
    chat.expect("Ion", "HD-2026-000001")
    req = await request(chat, "HD-2026-000001")
    async with chat.app.uow_factory(read_only=True) as uow:
        rtype = await uow.types.get(req.type_id)
    assert (req.description, rtype and rtype.name, req.target_id) == (
        "The mouse is dead", "Peripherals", None)


async def test_staff_may_type_a_choice_too(chat: Chat) -> None:
    await chat.send("Ana", "/new")
    await chat.send("Ana", "Peripherals")
    chat.expect("Ana", "Who should handle it?")
    await chat.send("Ana", "bogdan")
    chat.expect("Ana", "Describe the problem in a few words.")
    await chat.send("Ana", "Printer")
    chat.expect("Ana", "Type: Peripherals", "Assistant: Bogdan", "Subject: Printer")


@pytest.mark.parametrize("lang", LANGS)
async def test_my_requests_in_the_middle_of_an_intake_keeps_what_was_written(
        chat: Chat, lang: str) -> None:
    await speak(chat, "Ion", lang)
    await chat.send("Ion", "My printer is on fire")
    await chat.press("Ion", t(lang, "Yes, place a new request"))
    await chat.press("Ion", "Peripherals")
    await chat.send("Ion", "/my")
    chat.expect("Ion", t(lang, "You have no requests yet."),
                t(lang, "Your new request is not placed yet; I kept what you wrote. Go on "
                        "below, or send /cancel to drop it."),
                t(lang, "Who should handle it? If you choose nobody, every assistant can "
                        "take it."))
    await chat.press("Ion", t(lang, "Anyone"))
    await chat.press("Ion", t(lang, "Place"))
    req = await request(chat, "HD-2026-000001")
    assert req.description == "My printer is on fire"
    # Nothing written yet: the list ends the dialog as before.
    await chat.send("Ion", "/new")
    await chat.press_payload("Ion", chat.app.conversations.pack("my"))
    assert t(lang, "Your new request is not placed yet") not in chat.said("Ion")
    await chat.send("Ion", "Peripherals")
    assert t(lang, "Who should handle it?") not in chat.said("Ion")
