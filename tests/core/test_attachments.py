"""Pure helpers of the attachment use case: sizes, limited reads, file names."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from core.attachment_ports import FileTooLarge, format_size, read_limited
from core.attachment_service import clean_name, download
from core.errors import Invalid
from core.messages import Attachment


def test_format_size() -> None:
    assert [format_size(n) for n in (0, 1023, 2052, 20 * 1024 * 1024,
                                      int(25.3 * 1024 * 1024), 150 * 1024 * 1024)] == [
        "0 B", "1023 B", "2 KB", "20 MB", "25.3 MB", "150 MB"]


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def test_read_limited_stops_past_the_limit() -> None:
    assert await read_limited(chunks(b"ab", b"cd"), 4) == b"abcd"
    with pytest.raises(FileTooLarge):
        await read_limited(chunks(b"ab", b"cd", b"e"), 4)


def test_clean_name() -> None:
    assert clean_name("../../etc/passwd", "text/plain") == "passwd"
    assert clean_name("C:\\Users\\ion\\scan 1.pdf", "application/pdf") == "scan 1.pdf"
    assert clean_name("bad\x00\x07name.txt", "text/plain") == "badname.txt"
    assert clean_name("", "image/jpeg") == "photo.jpg"
    assert clean_name("   ", "application/pdf") == "file"


async def test_download_refuses_before_fetching_when_the_size_is_known() -> None:
    calls: list[int] = []

    async def fetch(limit: int) -> bytes:
        calls.append(limit)
        return b"x"

    with pytest.raises(Invalid):
        await download(Attachment("a.bin", size=11, fetch=fetch), 10)
    assert calls == []
    assert await download(Attachment("a.bin", size=1, fetch=fetch), 10) == b"x"

    async def broken(limit: int) -> bytes:
        raise ConnectionError("platform down")

    with pytest.raises(Invalid) as caught:
        await download(Attachment("a.bin", fetch=broken), 10)
    assert "could not get the file" in caught.value.text.msgid
