"""Bad input in every dialog state: a clear reply, nothing changed, no exception escapes."""

from __future__ import annotations

import asyncio
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from bots.bootstrap import App, bootstrap
from bots.script_files import parse
from conversations.engine import CONTROL_CHARS
from conversations.keywords import keyword_command
from core.clock import ManualClock
from core.kb_ports import Article
from core.kinds import Role
from persistence.redis_store import embedded_redis
from tests.conftest import migrated_sqlite, settings_for
from tests.conversations.test_story import place
from tests.harness import Chat

# What a bad message must not change (the person's "last channel used" may change).
QUERIES = {t: f"SELECT * FROM {t} ORDER BY 1"
           for t in ("requests", "events", "time_entries", "comments", "outbox", "accounts",
                     "scripts", "script_paths", "deflections", "visits", "timers")}
QUERIES["persons"] = "SELECT id, name, role, language, active FROM persons ORDER BY 1"
QUERIES["kb_articles"] = "SELECT id, views, deflections, not_helpful FROM kb_articles ORDER BY 1"


KB_ARTICLE = Article("en/jam", "The printer reports a paper jam", "Open tray 2 and pull the "
                     "sheet out gently.", "en", tags=("printer",))


async def snapshot(app: App) -> dict[str, list[tuple[object, ...]]]:
    async with app.engine.connect() as conn:
        return {t: [tuple(r) for r in await conn.execute(text(q))] for t, q in QUERIES.items()}


# issue 18: "Printers" has a troubleshooting script (states intake.script, staff.script).
PRINTER_SCRIPT = """\
type: Printers
nodes:
  power:
    question: Is the printer on?
    note: Check the power supply first.
    options:
      - {answer: "Yes", next: paper}
      - {answer: "No", next: solved}
  paper:
    question: Reload the paper. Does it print?
    options:
      - {answer: Still broken, next: place}
      - {answer: Works now, next: solved}
      - {answer: Try again, next: paper}
"""


async def make_chat(app: App) -> Chat:
    chat = Chat(app)
    await chat.add_type("Peripherals")
    printers = await chat.add_type("Printers")
    assert app.conversations.scripts is not None
    await app.conversations.scripts.replace(printers, parse(PRINTER_SCRIPT, "printers.yaml"),
                                            app.clock.now())
    await chat.add_person("Ion", Role.INITIATOR)
    await chat.add_person("Ana", Role.ASSISTANT)
    await chat.add_person("Bogdan", Role.ASSISTANT)
    return chat


async def to_state(chat: Chat, state: str) -> str:
    """Drive the dialog to ``state``; returns who is in it."""
    if state.startswith("visit."):  # on-site visits (issue 18): the type plans visits
        async with chat.app.uow_factory() as uow:
            rtype = await uow.types.by_name("Peripherals")
            assert rtype is not None
            rtype.on_site = True
            await uow.types.save(rtype)
            await uow.commit()
    if state == "idle":
        return "Ion"
    if state == "intake.client":  # staff placing for a client: who is it for?
        await chat.send("Ana", "/new")
        await chat.press("Ana", "Peripherals")
        await chat.press("Ana", "Anyone")
        await chat.send("Ana", "Client's mouse is dead")
        await chat.press("Ana", "For a client")
        return "Ana"
    if state in ("intake.script", "staff.script"):  # issue 18: the second question
        who = "Ion" if state == "intake.script" else "Ana"
        await chat.send(who, "/new")
        await chat.press(who, "Printers")
        await chat.press(who, "Yes")
        return who
    if state == "place_resolve.time":  # staff's Place and resolve: the time is asked
        await chat.send("Ana", "/new")
        await chat.press("Ana", "Peripherals")
        await chat.press("Ana", "Anyone")
        await chat.send("Ana", "Password reset by phone")
        await chat.press("Ana", "Place and resolve")
        return "Ana"
    if state == "kb.offer":  # knowledge base (issue 18): articles offered after the description
        assert chat.app.knowledge is not None
        await chat.app.knowledge.load([KB_ARTICLE])
        await chat.send("Ion", "/new")
        await chat.press("Ion", "Peripherals")
        await chat.press("Ion", "Anyone")
        await chat.send("Ion", "The printer has a paper jam")
        assert "Did one of these solve it?" in chat.said("Ion")
        return "Ion"
    await chat.send("Ion", "/new")
    if state == "intake.type":
        return "Ion"
    await chat.press("Ion", "Peripherals")
    if state == "intake.assignee":
        return "Ion"
    await chat.press("Ion", "Anyone")
    if state == "intake.describe":
        return "Ion"
    await chat.send("Ion", "Mouse is dead")
    if state == "intake.summary":
        return "Ion"
    if state == "intake.subject":
        await chat.press("Ion", "Subject")
        return "Ion"
    await chat.press("Ion", "Place")
    await chat.press("Bogdan", "Claim", from_notification=True)
    if state.startswith("split."):  # Split: subject, description, then the type
        ref = next(w for w in chat.said("Bogdan").split() if w.startswith("HD-"))
        await chat.send("Bogdan", ref.strip(".,:;"))
        await chat.press("Bogdan", "Split")
        if state != "split.subject":
            await chat.send("Bogdan", "Second monitor")
        if state == "split.type":
            await chat.send("Bogdan", "The second monitor flickers too")
        return "Bogdan"
    if state == "merge.target":  # Merge into HD-…: which request does it duplicate?
        ref = next(w for w in chat.said("Bogdan").split() if w.startswith("HD-"))
        await chat.send("Bogdan", ref.strip(".,:;"))
        await chat.press("Bogdan", "Merge into HD-…")
        return "Bogdan"
    if state.startswith("visit."):
        ref = next(w for w in chat.said("Bogdan").split() if w.startswith("HD-"))
        await chat.send("Bogdan", ref.strip(".,:;"))
        await chat.press("Bogdan", "Propose a visit")
        if state == "visit.when":
            return "Bogdan"
        await chat.send("Bogdan", "2026-01-07 10:00")
        if state == "visit.duration":
            return "Bogdan"
        await chat.press("Bogdan", "1 hour")
        if state == "visit.when.counter":  # the initiator asks for another time
            await chat.press("Ion", "Another time", from_notification=True)
            return "Ion"
        await chat.press("Ion", "Accept", from_notification=True)
        await chat.send("Bogdan", ref.strip(".,:;"))
        await chat.press("Bogdan", "Visit done")
        assert state == "visit.work", state
        return "Bogdan"
    await chat.press("Bogdan", "Finish")
    if state == "finish.time":
        return "Bogdan"
    await chat.send("Bogdan", "1h30")
    if state == "finish.note":
        return "Bogdan"
    await chat.send("Bogdan", "Replaced it")
    if state == "sreopen.reason":  # staff reopen of a resolved request: why?
        ref = next(w for w in chat.said("Bogdan").split() if w.startswith("HD-"))
        await chat.send("Bogdan", ref.strip(".,:;"))
        await chat.press("Bogdan", "Reopen")
        return "Bogdan"
    if state == "dispute.reason":
        await chat.press("Ion", "Dispute", from_notification=True)
        return "Ion"
    raise AssertionError(state)


STATES = ["idle", "intake.type", "intake.assignee", "intake.describe", "intake.summary",
          "intake.client", "finish.time", "finish.note", "dispute.reason",
          "intake.subject", "place_resolve.time", "sreopen.reason", "merge.target",
          "split.subject", "split.describe", "split.type", "intake.script", "staff.script",
          "visit.when", "visit.duration", "visit.when.counter", "visit.work", "kb.offer"]
BAD_TEXT = ["", "   ", "x" * 5000, "abc", "-5m", "0", "999h", "/frobnicate", "/",
            "/start@other_bot", "HD-1999-000000", "{ref} {0} %s", "\x00\x1b[31m"]


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("message", BAD_TEXT, ids=lambda m: repr(m[:12]))
async def test_bad_text_changes_nothing(app: App, state: str, message: str) -> None:
    chat = await make_chat(app)
    who = await to_state(chat, state)
    before = await snapshot(app)
    changes_allowed = state in ("intake.describe", "finish.note", "dispute.reason",
                                "sreopen.reason", "visit.work") and (
        message.strip() and len(message) <= 2000 and not message.startswith("/"))
    # "999h" is a readable moment (in 999 hours): the initiator's counter-proposal is made.
    changes_allowed = changes_allowed or (state == "visit.when.counter" and message == "999h")
    replies = await chat.send(who, message)
    assert replies and all(r.text.strip() for r in replies)
    assert "Traceback" not in chat.said(who) and "went wrong" not in chat.said(who)
    if not changes_allowed:
        assert await snapshot(app) == before


@pytest.mark.parametrize("message", ["abc", "-5m", "0", "999h"])
async def test_bad_time_values_are_explained(app: App, message: str) -> None:
    chat = await make_chat(app)
    await to_state(chat, "finish.time")
    await chat.send("Bogdan", message)
    said = chat.said("Bogdan")
    assert any(hint in said for hint in ("couldn't read", "more than zero", "At most 24 hours"))
    await chat.send("Bogdan", "45")  # the dialog goes on
    chat.expect("Bogdan", "45 minutes noted")


async def test_too_long_description_is_refused(app: App) -> None:
    chat = await make_chat(app)
    await to_state(chat, "intake.describe")
    await chat.send("Ion", "x" * 5000)
    chat.expect("Ion", "too long (5000 characters)")
    await chat.send("Ion", "Short now")
    chat.expect("Ion", "Please check your request")


async def test_forged_payload_is_refused(app: App) -> None:
    chat = await make_chat(app)
    await to_state(chat, "intake.summary")
    await chat.press("Ion", "Place")
    claim = chat.notified_buttons("Ana")[0].payload
    before = await snapshot(app)
    for forged in (claim[:-1] + ("A" if claim[-1] != "A" else "B"),
                   claim.replace("claim", "finish"), "claim:1:0::", "", "x" * 300):
        replies = await chat.press_payload("Ana", forged)
        assert replies[0].text == "This button is no longer valid."
        assert replies[0].toast == "This button is no longer valid."
    assert await snapshot(app) == before


async def test_replayed_payloads_change_nothing(app: App) -> None:
    chat = await make_chat(app)
    await to_state(chat, "intake.summary")
    place = next(b for b in chat.buttons_for("Ion") if b.label == "Place").payload
    await chat.press_payload("Ion", place)
    before = await snapshot(app)
    await chat.press_payload("Ion", place)
    chat.expect("Ion", "nothing to place")
    claim = chat.notified_buttons("Ana")[0].payload
    await chat.press_payload("Ana", claim)
    after_claim = await snapshot(app)
    assert after_claim != before
    await chat.press_payload("Ana", claim)
    chat.expect("Ana", "You already hold")
    assert await snapshot(app) == after_claim


async def test_unknown_command(app: App) -> None:
    chat = await make_chat(app)
    await chat.send("Ion", "/frobnicate now")
    chat.expect("Ion", "I don't know the command /frobnicate")


async def test_unknown_person_becomes_an_initiator(app: App) -> None:
    chat = await make_chat(app)
    await chat.send("Maria", "/start")
    chat.expect("Maria", "Hello maria")
    async with app.uow_factory() as uow:
        person = await uow.people.by_account("test", "maria")
    assert person is not None and person.role is Role.INITIATOR


ALPHABET = st.sampled_from(list(string.printable) + ["ă", "ș", "ы", "ł", "ç", "🙂", "1", "/"])


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(state=st.sampled_from(STATES), message=st.text(ALPHABET, max_size=60))
def test_any_text_in_any_state_gets_an_answer(tmp_path_factory, sqlite_template: Path,
                                              state: str, message: str) -> None:
    async def scenario() -> None:
        path = tmp_path_factory.mktemp("hyp")
        url = migrated_sqlite(sqlite_template, path / "h.db")
        app = await bootstrap(settings_for(url), clock=ManualClock(), redis=embedded_redis(),
                              migrate=False)
        try:
            chat = await make_chat(app)
            who = await to_state(chat, state)
            replies = await chat.send(who, message)
            assert replies and all(r.text.strip() for r in replies)
            assert "went wrong" not in chat.said(who)
        finally:
            await app.close()

    asyncio.run(scenario())


# -- every initiator message lands on a request (issue 12) ---------------------------------------

INITIATOR_STATES = ["idle", "closed", "one.open", "one.progress", "one.waiting",
                    "one.resolved", "several", "intake.type", "intake.assignee",
                    "intake.describe", "intake.summary", "dispute.reason", "intake.script",
                    "kb.offer"]


async def initiator_state(chat: Chat, state: str) -> None:
    """Drive Ion's requests (and dialog) to ``state``."""
    if state in ("intake.type", "intake.assignee", "intake.describe", "intake.summary",
                 "dispute.reason", "intake.script", "kb.offer"):
        assert await to_state(chat, state) == "Ion"
        return
    if state == "idle":
        return
    await place(chat)
    if state == "closed":
        await chat.press("Ion", "My requests")
        await chat.press("Ion", chat.buttons_for("Ion")[0].label)
        await chat.press("Ion", "Cancel request")
        return
    if state == "several":
        await place(chat, text="And the scanner too")
        return
    if state == "one.open":
        return
    await chat.press("Bogdan", "Claim", from_notification=True)
    if state == "one.progress":
        return
    if state == "one.waiting":
        await chat.send("Bogdan", "HD-2026-000001")  # the card, with Wait
        await chat.press("Bogdan", "Wait")
        await chat.press("Bogdan", "A question for the customer")
        await chat.send("Bogdan", "Which one?")
        await chat.press("Bogdan", "Keep it open")
        return
    assert state == "one.resolved"
    await chat.press("Bogdan", "Finish")
    await chat.send("Bogdan", "30m")
    await chat.send("Bogdan", "Done")


def is_free_text(message: str) -> bool:
    """Text the engine treats as a message to keep (not a command, keyword, typed menu
    number or reference)."""
    text = CONTROL_CHARS.sub("", message).strip()
    return bool(text) and not text.startswith("/") and keyword_command(text) is None \
        and not text.isdigit() and not text.upper().startswith("HD-")


FOLLOW = ("Yes, place a new request", "No, just add it as a comment", "Peripherals", "Anyone",
          "Place", "Still broken", "No, place the request")


async def answer_questions(chat: Chat) -> None:
    """Answer whatever the bot asked so that the message gets stored: the first request
    offered, yes to a new request, the intake's first choices, Place."""
    for _step in range(8):
        labels = [b.label for b in chat.buttons_for("Ion")]
        if "Which request is this about?" in chat.said("Ion"):
            await chat.press("Ion", labels[0])
            continue
        choice = next((label for label in FOLLOW if label in labels), None)
        if choice is None:
            return
        await chat.press("Ion", choice)


async def stored_texts(app: App) -> str:
    async with app.engine.connect() as conn:
        rows = [r[0] for r in await conn.execute(text("SELECT body FROM comments"))]
        rows += [r[0] for r in await conn.execute(text("SELECT description FROM requests"))]
    return "\n".join(rows)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(state=st.sampled_from(INITIATOR_STATES), message=st.text(ALPHABET, max_size=60))
def test_every_initiator_message_is_stored_or_asked_about(tmp_path_factory,
                                                          sqlite_template: Path, state: str,
                                                          message: str) -> None:
    async def scenario() -> None:
        path = tmp_path_factory.mktemp("hyp")
        url = migrated_sqlite(sqlite_template, path / "h.db")
        app = await bootstrap(settings_for(url), clock=ManualClock(), redis=embedded_redis(),
                              migrate=False)
        try:
            chat = await make_chat(app)
            await initiator_state(chat, state)
            replies = await chat.send("Ion", message)
            assert replies and all(r.text.strip() for r in replies)
            said = chat.said("Ion")
            assert "went wrong" not in said
            if not is_free_text(message):
                return
            assert "I didn't understand" not in said
            await answer_questions(chat)
            kept = CONTROL_CHARS.sub("", message).strip()
            assert kept in await stored_texts(app), (state, message, said)
        finally:
            await app.close()

    asyncio.run(scenario())


@pytest.mark.parametrize("state", INITIATOR_STATES)
async def test_free_text_in_every_initiator_state_is_kept(app: App, state: str) -> None:
    chat = await make_chat(app)
    await initiator_state(chat, state)
    message = "Any news? I still cannot log in"
    await chat.send("Ion", message)
    assert "I didn't understand" not in chat.said("Ion")
    await answer_questions(chat)
    assert message in await stored_texts(app)
