"""The knowledge base in the conversation: /kb, the intake's offer, deflections, counters."""

from __future__ import annotations

import pytest

from bots.bootstrap import App
from core.i18n import _, use_language
from core.kb_ports import Article
from core.kinds import Role
from tests.harness import Chat

JAM = Article("printer-jam", "The printer says paper jam", "Open tray 2 and pull the sheet "
              "out gently; then close the tray and printing resumes.", "en",
              tags=("printer", "paper"))
TONER = Article("printer-toner", "Printer prints faded pages", "Shake the toner cartridge or "
                "replace it when the printer keeps printing faded pages.", "en",
                tags=("printer", "toner"))
VPN_STAFF = Article("vpn-reset", "Resetting a user's VPN certificate", "Staff only: revoke "
                    "the certificate in the VPN console and issue a new one.", "en", "staff",
                    ("vpn",))
RO_JAM = Article("ro/printer-jam", "Imprimanta arată blocaj de hârtie", "Deschideți tava 2 "
                 "și scoateți foaia blocată din imprimantă.", "ro", tags=("imprimanta",))


async def kb_chat(app: App) -> Chat:
    chat = Chat(app)
    await chat.add_type("Peripherals")
    await chat.add_person("Ion", Role.INITIATOR)
    await chat.add_person("Ana", Role.ASSISTANT)
    assert app.knowledge is not None
    await app.knowledge.load([JAM, TONER, VPN_STAFF, RO_JAM])
    return chat


async def stats(app: App) -> dict[str, tuple[int, int, int]]:
    assert app.knowledge is not None
    return {s.slug: (s.views, s.deflections, s.not_helpful) for s in await app.knowledge.stats()}


async def describe(chat: Chat, text: str) -> None:
    await chat.send("Ion", "/new")
    await chat.press("Ion", "Peripherals")
    await chat.press("Ion", "Anyone")
    await chat.send("Ion", text)


async def requests_count(app: App) -> int:
    async with app.uow_factory() as uow:
        return len(await uow.requests.list_for_initiator(
            (await uow.people.by_name("Ion")).id))  # type: ignore[union-attr]


async def test_articles_offered_and_yes_solved_counts_a_deflection(app: App) -> None:
    chat = await kb_chat(app)
    await describe(chat, "My printer has a paper jam")
    chat.expect("Ion", "These articles may answer it:", "The printer says paper jam",
                "Did one of these solve it?")
    labels = [b.label for b in chat.buttons_for("Ion")]
    assert labels[-2:] == ["Yes, solved", "No, place the request"]
    assert "Resetting a user's VPN certificate" not in labels  # staff article: not offered
    assert "Imprimanta arată blocaj de hârtie" not in labels  # another language
    await chat.press("Ion", "The printer says paper jam")
    chat.expect("Ion", "Open tray 2", "Did one of these solve it?")
    yes = next(b for b in chat.buttons_for("Ion") if b.label == "Yes, solved").payload
    await chat.press_payload("Ion", yes)
    chat.expect("Ion", "Glad it is solved! Nothing was placed.")
    assert await stats(app) == {"printer-jam": (1, 1, 0), "printer-toner": (0, 0, 0),
                                "vpn-reset": (0, 0, 0), "ro/printer-jam": (0, 0, 0)}
    async with app.engine.connect() as conn:
        from sqlalchemy import text
        assert (await conn.execute(text("SELECT count(*) FROM requests"))).scalar() == 0
    await chat.press_payload("Ion", yes)  # a stale Yes changes nothing
    chat.expect("Ion", "This button is no longer valid.")
    assert (await stats(app))["printer-jam"] == (1, 1, 0)
    # ... and in the self-service log beside the scripts' (helpdesk report deflections)
    logged = await app.conversations.deflections.counts()  # type: ignore[union-attr]
    assert [(c.source, c.deflected, c.not_helpful) for c in logged] == [("kb", 1, 0)]


async def test_no_places_the_request_and_counts_not_helpful(app: App) -> None:
    chat = await kb_chat(app)
    await describe(chat, "Printer prints faded pages")
    await chat.press("Ion", "Printer prints faded pages")
    await chat.press("Ion", "No, place the request")
    chat.expect("Ion", "Please check your request", "Problem: Printer prints faded pages")
    await chat.press("Ion", "Place")
    chat.expect("Ion", "is placed")
    assert (await stats(app))["printer-toner"] == (1, 0, 1)


async def test_nothing_offered_when_nothing_matches(app: App) -> None:
    chat = await kb_chat(app)
    await describe(chat, "The coffee machine leaks")
    chat.expect("Ion", "Please check your request")


async def test_text_during_the_offer_is_added_to_the_description(app: App) -> None:
    chat = await kb_chat(app)
    await describe(chat, "Paper jam again")
    await chat.send("Ion", "It is the printer on floor 3")
    chat.expect("Ion", "Added to the description.", "Did one of these solve it?")
    await chat.press("Ion", "No, place the request")
    chat.expect("Ion", "Paper jam again\nIt is the printer on floor 3")


async def test_kb_command_initiator_and_staff(app: App) -> None:
    chat = await kb_chat(app)
    await chat.send("Ion", "/kb vpn certificate")
    chat.expect("Ion", "Nothing in the knowledge base matches")
    await chat.send("Ana", "/kb vpn certificate")
    chat.expect("Ana", "Resetting a user's VPN certificate (staff only)")
    await chat.press("Ana", "Resetting a user's VPN certificate")
    chat.expect("Ana", "revoke the certificate")
    await chat.send("Ion", "/kb printers")
    chat.expect("Ion", "Articles for “printers”:", "The printer says paper jam")
    await chat.press("Ion", "The printer says paper jam")
    chat.expect("Ion", "Open tray 2")
    await chat.send("Ion", "/kb")
    chat.expect("Ion", "Write what you are looking for after /kb")
    await chat.send("Ion", "/kb ?!")
    chat.expect("Ion", "Write what you are looking for after /kb")
    assert (await stats(app))["vpn-reset"] == (1, 0, 0)


async def test_a_staff_article_button_is_refused_to_an_initiator(app: App) -> None:
    chat = await kb_chat(app)
    await chat.send("Ana", "/kb vpn certificate")
    payload = chat.buttons_for("Ana")[0].payload
    replies = await chat.press_payload("Ion", payload)
    assert replies[0].text == "This article is no longer available."
    assert (await stats(app))["vpn-reset"] == (0, 0, 0)


async def test_an_article_removed_by_a_reload(app: App) -> None:
    chat = await kb_chat(app)
    await chat.send("Ion", "/kb printer")
    assert app.knowledge is not None
    await app.knowledge.load([TONER])
    await chat.press("Ion", "The printer says paper jam")
    chat.expect("Ion", "This article is no longer available.")


async def test_offered_in_the_persons_language(app: App) -> None:
    chat = await kb_chat(app)
    await chat.send("Ion", "/language ro")
    await chat.send("Ion", "/new")
    await chat.press("Ion", "Peripherals")
    await chat.press("Ion", "Oricare")
    await chat.send("Ion", "Imprimanta are un blocaj de hârtie")
    labels = [b.label for b in chat.buttons_for("Ion")]
    assert labels[0] == "Imprimanta arată blocaj de hârtie"
    assert "The printer says paper jam" not in labels


# -- every KB button × every role, outside the step it belongs to: refused, nothing counted --
@pytest.mark.parametrize("who", ["Ion", "Ana", "Sofia"])
@pytest.mark.parametrize(("action", "arg"), [("kbopen", "1"), ("kbyes", ""), ("kbno", ""),
                                             ("kbread", "x"), ("kbread", "99999"),
                                             ("kbread", "-1"), ("kbopen", "1" * 20)])
@pytest.mark.parametrize("language", ["en", "ro"])
async def test_kb_buttons_out_of_place_are_refused(app: App, who: str, action: str, arg: str,
                                                   language: str) -> None:
    chat = await kb_chat(app)
    await chat.add_person("Sofia", Role.SUPERVISOR)
    await chat.send(who, f"/language {language}")
    before = await stats(app)
    replies = await chat.press_payload(who, app.conversations.pack(action, 0, arg))
    with use_language(language):
        expected = {_("This button is no longer valid."),
                    _("This article is no longer available.")}
    assert replies[0].text in expected and replies[0].toast == replies[0].text
    assert await stats(app) == before


async def test_an_offer_button_pressed_by_someone_else_is_refused(app: App) -> None:
    chat = await kb_chat(app)
    await chat.add_person("Maria", Role.INITIATOR)
    await describe(chat, "My printer has a paper jam")
    for label in ("The printer says paper jam", "Yes, solved", "No, place the request"):
        payload = next(b for b in chat.buttons_for("Ion") if b.label == label).payload
        replies = await chat.press_payload("Maria", payload)
        assert replies[0].text == "This button is no longer valid."
    assert (await stats(app))["printer-jam"] == (0, 0, 0)
