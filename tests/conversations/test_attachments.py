"""Attachments in the conversation: which request a file is for, the size limit, the card
listing and the notification that carries the file to the other side."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bots.bootstrap import App, bootstrap
from core import services
from core.attachment_ports import FileTooLarge
from core.clock import ManualClock
from core.kinds import Role
from core.messages import Attachment, Inbound, Reply
from persistence.redis_store import embedded_redis
from tests.conftest import settings_for
from tests.conversations.test_story import place
from tests.harness import CHANNEL, Chat

PHOTO = b"\xff\xd8\xff" + b"jpeg" * 100


def file(data: bytes = PHOTO, name: str = "printer.jpg", mime: str = "image/jpeg",
         announce: bool = True) -> Attachment:
    fetched: list[int] = []

    async def fetch(limit: int) -> bytes:
        fetched.append(limit)
        if len(data) > limit:
            raise FileTooLarge(len(data))
        return data

    return Attachment(name, mime, len(data) if announce else None, fetch)


async def send_file(chat: Chat, who: str, attachment: Attachment, caption: str = ""
                    ) -> list[Reply]:
    replies = await chat.app.conversations.handle(
        Inbound(CHANNEL, who.casefold(), text=caption, attachments=(attachment,)))
    chat.last[who] = replies
    await chat.deliver()
    return replies


@pytest.fixture
async def app(tmp_path: Path, clock: ManualClock) -> AsyncIterator[App]:
    settings = settings_for(f"sqlite+aiosqlite:///{tmp_path}/helpdesk.db",
                            attachments_dir=str(tmp_path / "files"), attachment_max_mb=0.01)
    application = await bootstrap(settings, clock=clock, redis=embedded_redis())
    yield application
    await application.close()


def stored_files(app: App) -> list[Path]:
    return [p for p in Path(app.settings.attachments_dir).rglob("*.bin")]


async def test_a_file_reaches_the_assignee_and_is_listed_on_the_card(chat: Chat) -> None:
    ref = await place(chat)
    await chat.press("Bogdan", "Claim", from_notification=True)
    # Ion has one live request: the photo goes there, with its caption.
    await send_file(chat, "Ion", file(), caption="the error on screen")
    chat.expect("Ion", f"printer.jpg (403 B) is attached to {ref}.")
    last = chat.sender.to("Bogdan")[-1].reply
    assert last.text == f"Ion on {ref} sent a file: printer.jpg (403 B)\nthe error on screen"
    (sent,) = last.attachments
    assert (sent.name, sent.mime, sent.size) == ("printer.jpg", "image/jpeg", len(PHOTO))
    assert await chat.app.attachments.files.read(sent.key) == PHOTO  # type: ignore[union-attr]
    # The reverse direction: Bogdan answers with a document after pressing Comment.
    await chat.send("Bogdan", ref)
    chat.expect("Bogdan", "Files:", "📎 printer.jpg (403 B)")
    await chat.press("Bogdan", "Comment")
    await send_file(chat, "Bogdan", file(b"%PDF-1.4 manual", "manual.pdf", "application/pdf"))
    chat.expect("Bogdan", f"manual.pdf (15 B) is attached to {ref}.")
    assert chat.sender.to("Ion")[-1].reply.attachments[0].name == "manual.pdf"
    await chat.send("Ion", ref)
    chat.expect("Ion", "📎 printer.jpg (403 B)", "📎 manual.pdf (15 B)")
    async with chat.app.uow_factory() as uow:
        req = await uow.requests.by_reference(ref)
    assert [e.action for e in req.events].count("attach") == 2


async def test_too_large_is_refused_before_downloading_and_nothing_is_stored(chat: Chat) -> None:
    ref = await place(chat)
    big = file(b"x" * 20_000, "scan.pdf", "application/pdf")
    await send_file(chat, "Ion", big)
    chat.expect("Ion", "The file scan.pdf is too large (20 KB); the limit is 10 KB. "
                       "Nothing was stored.")
    # Size not announced: the download stops at the limit.
    await send_file(chat, "Ion", file(b"x" * 20_000, "scan.pdf", announce=False))
    chat.expect("Ion", "The file scan.pdf is larger than 10 KB")
    assert stored_files(chat.app) == []
    assert await chat.app.attachments.index.for_request(1) == []  # type: ignore[union-attr]
    await chat.send("Ion", ref)
    assert "Files:" not in chat.said("Ion")


async def test_a_file_without_a_request_in_context_follows_the_free_text_rule(
        chat: Chat) -> None:
    # No request: "place a new request with this file?"; no keeps nothing.
    await send_file(chat, "Ion", file())
    chat.expect("Ion", "Place a new request with this file?")
    await chat.press("Ion", "No")
    assert stored_files(chat.app) == []
    await place(chat)
    second = await place(chat, text="And the scanner too")
    # Two requests: which one? The file is stored on the answer.
    await send_file(chat, "Ion", file())
    chat.expect("Ion", "Which request is this about?")
    await chat.press("Ion", f"{second} · And the scanner too")
    chat.expect("Ion", f"printer.jpg (403 B) is attached to {second}.")
    await send_file(chat, "Ion", file(), caption="HD-2026-999999")
    chat.expect("Ion", "There is no request HD-2026-999999.")
    # During the intake the file is kept and attached once the request is placed.
    menu = await chat.send("Ion", "/new")
    await send_file(chat, "Ion", file(b"scan"), caption="")
    chat.expect("Ion", "I will attach printer.jpg when the request is placed.")
    await chat.press_payload("Ion", menu[0].buttons[0].payload)
    await chat.press("Ion", "Anyone")
    await chat.send("Ion", "The scanner jams")
    await chat.press("Ion", "Place")
    chat.expect("Ion", "is placed", "printer.jpg (4 B) is attached to HD-")
    assert len(stored_files(chat.app)) == 2


async def test_the_reference_in_the_caption_chooses_the_request(chat: Chat) -> None:
    first = await place(chat)
    second = await place(chat, text="And the scanner too")
    await send_file(chat, "Ion", file(), caption=f"{second} the scanner")
    chat.expect("Ion", f"is attached to {second}.")
    # Someone who may not see the request gets the usual refusal; nothing is stored.
    await chat.add_person("Maria", Role.INITIATOR)
    await send_file(chat, "Maria", file(b"other"), caption=first)
    assert "attached" not in chat.said("Maria")
    assert len(stored_files(chat.app)) == 1


async def test_a_request_closed_during_the_download_keeps_nothing(chat: Chat) -> None:
    first = await place(chat)
    await send_file(chat, "Ion", file(), caption=first)
    second = await place(chat, text="And the scanner too")
    async with chat.app.uow_factory() as uow:
        second_id = (await uow.requests.by_reference(second)).id
        ion = await uow.people.by_name("Ion")

    async def cancel_then_fetch(limit: int) -> bytes:
        # The request is cancelled while its file is being downloaded.
        await services.cancel(chat.app.uow_factory, chat.app.clock, actor_id=ion.id,
                              request_id=second_id)
        return PHOTO

    await send_file(chat, "Ion", Attachment("same.jpg", "image/jpeg", len(PHOTO),
                                            cancel_then_fetch), caption=second)
    assert "attached" not in chat.said("Ion")
    assert await chat.app.attachments.index.for_request(second_id) == []  # type: ignore[union-attr]
    # The identical photo attached to the first request is still there.
    (kept,) = await chat.app.attachments.index.for_request(1)  # type: ignore[union-attr]
    assert await chat.app.attachments.files.read(kept.key) == PHOTO  # type: ignore[union-attr]
    assert len(stored_files(chat.app)) == 1
