"""Attachments: file contents in a local directory, metadata in the ``attachments`` table.

Files are named by the SHA-256 of their content (``ab/abcdef….bin``), so the same photo sent
twice is kept once and a key can never point outside the directory. The directory is
created on first use.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, delete, func, select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from core.attachment_ports import AttachmentIndex, FileStore, StoredAttachment
from core.kinds import Status
from persistence.tables import Base, RequestRow, UTCDateTime

_KEY = re.compile(r"^[0-9a-f]{64}$")


class AttachmentRow(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    uploader_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    name: Mapped[str] = mapped_column(String(255))
    mime: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(String(100))  # the FileStore key
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LocalFileStore(FileStore):
    """Files under ``root``, named by content hash; writes are atomic (temp file + rename)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise FileNotFoundError(key)
        return self.root / key[:2] / f"{key}.bin"

    async def put(self, data: bytes) -> str:
        key = hashlib.sha256(data).hexdigest()
        await asyncio.to_thread(self._write, self._path(key), data)
        return key

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    async def read(self, key: str) -> bytes:
        return await asyncio.to_thread(self._path(key).read_bytes)

    async def delete(self, key: str) -> None:
        try:
            path = self._path(key)
        except FileNotFoundError:
            return
        await asyncio.to_thread(path.unlink, True)


def _stored(row: AttachmentRow) -> StoredAttachment:
    return StoredAttachment(id=row.id, request_id=row.request_id, uploader_id=row.uploader_id,
                            name=row.name, mime=row.mime, size=row.size, key=row.path,
                            created_at=row.created_at)


class SqlAttachmentIndex(AttachmentIndex):
    """``AttachmentIndex`` on SQLAlchemy; each call is its own short transaction."""

    def __init__(self, sessionmaker: async_sessionmaker[Any]) -> None:
        self._sessions = sessionmaker

    async def add(self, *, request_id: int, uploader_id: int, name: str, mime: str, size: int,
                  key: str, at: datetime) -> StoredAttachment:
        async with self._sessions() as session:
            row = AttachmentRow(request_id=request_id, uploader_id=uploader_id, name=name[:255],
                                mime=mime[:255], size=size, path=key, created_at=at)
            session.add(row)
            await session.commit()
            return _stored(row)

    async def get(self, attachment_id: int) -> StoredAttachment | None:
        async with self._sessions() as session:
            row = await session.get(AttachmentRow, attachment_id)
            return _stored(row) if row is not None else None

    async def for_request(self, request_id: int) -> list[StoredAttachment]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(AttachmentRow).where(AttachmentRow.request_id == request_id)
                .order_by(AttachmentRow.id))
            return [_stored(r) for r in rows]

    async def remove(self, attachment_id: int) -> None:
        async with self._sessions() as session:
            await session.execute(delete(AttachmentRow).where(AttachmentRow.id == attachment_id))
            await session.commit()

    async def of_requests_final_before(self, cutoff: datetime) -> list[StoredAttachment]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(AttachmentRow).join(RequestRow, RequestRow.id == AttachmentRow.request_id)
                .where(RequestRow.status.in_([Status.CLOSED.value, Status.CANCELLED.value]),
                       RequestRow.updated_at < cutoff)
                .order_by(AttachmentRow.id))
            return [_stored(r) for r in rows]

    async def uses(self, key: str) -> int:
        async with self._sessions() as session:
            count = await session.scalar(
                select(func.count()).select_from(AttachmentRow).where(AttachmentRow.path == key))
            return int(count or 0)
