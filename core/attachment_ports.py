"""Ports for attachments: where file contents live (``FileStore``) and what we know about
each stored file (``AttachmentIndex``). ``persistence.attachments`` implements both (a local
directory and the ``attachments`` table); tests may use their own fakes.
"""

from __future__ import annotations

import abc
import logging
from collections.abc import AsyncIterable
from dataclasses import dataclass
from datetime import datetime

log = logging.getLogger(__name__)


class FileTooLarge(Exception):
    """A download went past the limit it was given (raised by ``Attachment.fetch``)."""

    def __init__(self, size: int | None = None) -> None:
        super().__init__(f"file larger than allowed ({size if size is not None else '?'} bytes)")
        self.size = size


@dataclass(frozen=True)
class StoredAttachment:
    """A file kept for a request: who sent it, what it is, where its content is."""

    id: int
    request_id: int
    uploader_id: int
    name: str
    mime: str
    size: int
    key: str  # the ``FileStore`` key
    created_at: datetime


class FileStore(abc.ABC):
    """File contents, addressed by an opaque key."""

    @abc.abstractmethod
    async def put(self, data: bytes) -> str:
        """Store ``data``; returns its key (storing the same content twice is harmless)."""

    @abc.abstractmethod
    async def read(self, key: str) -> bytes:
        """The content under ``key``; raises ``FileNotFoundError`` when there is none."""

    @abc.abstractmethod
    async def delete(self, key: str) -> None:
        """Forget ``key`` (no error when it is already gone)."""


class AttachmentIndex(abc.ABC):
    """The metadata of stored attachments (the ``attachments`` table)."""

    @abc.abstractmethod
    async def add(self, *, request_id: int, uploader_id: int, name: str, mime: str, size: int,
                  key: str, at: datetime) -> StoredAttachment: ...

    @abc.abstractmethod
    async def get(self, attachment_id: int) -> StoredAttachment | None: ...

    @abc.abstractmethod
    async def for_request(self, request_id: int) -> list[StoredAttachment]:
        """The request's attachments, oldest first."""

    @abc.abstractmethod
    async def remove(self, attachment_id: int) -> None: ...

    @abc.abstractmethod
    async def of_requests_final_before(self, cutoff: datetime) -> list[StoredAttachment]:
        """Attachments of requests closed or cancelled before ``cutoff`` (for retention)."""

    @abc.abstractmethod
    async def uses(self, key: str) -> int:
        """How many attachments point at the stored file ``key`` (identical contents share
        one file)."""


async def stored_content(files: FileStore | None, key: str | None, name: str) -> bytes | None:
    """The content of a stored attachment to forward; None when there is no store or no key,
    or the file is gone (logged: the message that announces it names it anyway)."""
    if files is None or key is None:
        return None
    try:
        return await files.read(key)
    except FileNotFoundError:
        log.warning("attachment %s (%s) is gone; not forwarded", name, key)
        return None


async def read_limited(chunks: AsyncIterable[bytes], limit: int) -> bytes:
    """Join streamed ``chunks``; raise ``FileTooLarge`` as soon as they pass ``limit`` bytes
    (for platforms that don't announce the size, the download stops right there)."""
    parts: list[bytes] = []
    total = 0
    async for chunk in chunks:
        total += len(chunk)
        if total > limit:
            raise FileTooLarge(total)
        parts.append(chunk)
    return b"".join(parts)


def format_size(size: int) -> str:
    """``532 B``, ``14 KB``, ``1.5 MB``, ``20 MB``: how sizes are shown to people."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    mb = size / (1024 * 1024)
    shown = f"{mb:.1f}".removesuffix(".0") if mb < 100 else str(round(mb))
    return f"{shown} MB"
