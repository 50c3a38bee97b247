"""Files on Telegram: a photo or document sent on a request reaches the assignee as a file;
one over the limit is refused before anything is downloaded."""

from __future__ import annotations

from typing import Any

import pytest

from core.clock import ManualClock
from tests.adapters.telegram.test_telegram_story import place_request
from tests.adapters.telegram.tgstack import TelegramStack, next_update_id, start_telegram

PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8


@pytest.fixture
async def tg(sqlite_url: str, clock: ManualClock):  # type: ignore[no-untyped-def]
    stack = await start_telegram(sqlite_url, clock, attachment_max_mb=0.01)
    yield stack
    await stack.close()


async def send_file(tg: TelegramStack, who: str, data: bytes, **options: Any) -> None:
    message = tg.fake.file_message(tg.users[who], data, first_name=who, **options)
    assert await tg.post({"update_id": next_update_id(), "message": message}) == 200
    await tg.deliver()


def files_in(tg: TelegramStack, who: str) -> list[tuple[str, bytes, str | None]]:
    """(kind, content, file name) of the files the bot sent to ``who``."""
    out = []
    for m in tg.fake.sent_messages(tg.users[who]):
        if m.kind != "text":
            stored = tg.fake.files[m.file_id or ""]
            out.append((m.kind, stored.data, stored.file_name))
    return out


async def test_photo_and_document_reach_the_other_side(tg: TelegramStack) -> None:
    await place_request(tg)
    await tg.press("Ana", "Claim")
    await tg.deliver()
    await send_file(tg, "Ion", PHOTO, kind="photo", caption="the error on screen")
    assert "is attached to HD-" in tg.texts("Ion")[-1]
    texts = [t for t in tg.texts("Ana") if t]
    assert texts[-1].startswith("Ion on HD-") and "sent a file: photo_" in texts[-1]
    assert texts[-1].endswith("(2 KB)\nthe error on screen")
    assert files_in(tg, "Ana") == [("photo", PHOTO, None)]
    # The reverse direction: Ana sends a document; Ion receives it with its name.
    await send_file(tg, "Ana", b"%PDF-1.4 report", file_name="report.pdf",
                    mime_type="application/pdf")
    assert files_in(tg, "Ion") == [("document", b"%PDF-1.4 report", "report.pdf")]
    # Bogdan and Dan (not on the request) got nothing.
    assert files_in(tg, "Bogdan") == [] and files_in(tg, "Dan") == []


async def test_a_file_over_the_limit_is_refused_before_downloading(tg: TelegramStack) -> None:
    await place_request(tg)
    await send_file(tg, "Ion", b"x" * 20_000, file_name="scan.pdf", mime_type="application/pdf")
    assert tg.texts("Ion")[-1] == ("The file scan.pdf is too large (20 KB); the limit is 10 KB. "
                                   "Nothing was stored.")
    assert tg.fake.calls_of("getFile") == []
    assert await tg.app.attachments.index.for_request(1) == []


async def test_voice_and_video_messages_are_stored_and_forwarded(tg: TelegramStack) -> None:
    await place_request(tg)
    await tg.press("Ana", "Claim")
    await tg.deliver()
    voice, video = b"OggS voice", b"\x00\x00\x00\x18ftypmp42 clip"
    await send_file(tg, "Ion", voice, kind="voice", mime_type="audio/ogg")
    assert "is attached to HD-" in tg.texts("Ion")[-1]
    await send_file(tg, "Ion", video, kind="video_note")
    names = [name for _kind, _data, name in files_in(tg, "Ana")]
    assert [data for _kind, data, _name in files_in(tg, "Ana")] == [voice, video]
    assert names[0].startswith("voice_") and names[0].endswith(".ogg")
    assert names[1].startswith("video_note_") and names[1].endswith(".mp4")
