"""SQL storage for incoming e-mail bookkeeping (``core.mail_ports.MailLog``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from core.mail_ports import MailLog
from persistence.tables import Base, UTCDateTime


class EmailMessageRow(Base):
    """One row per processed incoming message (Message-ID), so each is processed once."""

    __tablename__ = "email_messages"
    message_id: Mapped[str] = mapped_column(String(250), primary_key=True)
    sender: Mapped[str] = mapped_column(String(320))
    outcome: Mapped[str] = mapped_column(String(20))
    request_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class UndeliverableRow(Base):
    """An address a bounce reported as failed (until mail comes from it again)."""

    __tablename__ = "email_undeliverable"
    address: Mapped[str] = mapped_column(String(320), primary_key=True)
    reason: Mapped[str] = mapped_column(String(500))
    since: Mapped[datetime] = mapped_column(UTCDateTime())


class SqlMailLog(MailLog):
    """``MailLog`` on SQLAlchemy; each call is its own short transaction."""

    def __init__(self, sessionmaker: async_sessionmaker[Any]) -> None:
        self._sessions = sessionmaker

    async def processed(self, message_id: str) -> bool:
        async with self._sessions() as session:
            return await session.get(EmailMessageRow, message_id[:250]) is not None

    async def record(self, message_id: str, sender: str, outcome: str,
                     request_id: int | None, at: datetime) -> None:
        async with self._sessions() as session:
            session.add(EmailMessageRow(message_id=message_id[:250], sender=sender[:320],
                                        outcome=outcome[:20], request_id=request_id,
                                        processed_at=at))
            try:
                await session.commit()
            except IntegrityError:
                await session.rollback()  # recorded already: the first record stays

    async def mark_undeliverable(self, address: str, reason: str, at: datetime) -> None:
        async with self._sessions() as session:
            row = await session.get(UndeliverableRow, address.lower()[:320])
            if row is None:
                session.add(UndeliverableRow(address=address.lower()[:320], reason=reason[:500],
                                             since=at))
            else:
                row.reason = reason[:500]
            try:
                await session.commit()
            except IntegrityError:
                await session.rollback()

    async def undeliverable(self, address: str) -> bool:
        async with self._sessions() as session:
            return await session.get(UndeliverableRow, address.lower()[:320]) is not None

    async def clear_undeliverable(self, address: str) -> None:
        async with self._sessions() as session:
            await session.execute(delete(UndeliverableRow).where(
                UndeliverableRow.address == address.lower()[:320]))
            await session.commit()
