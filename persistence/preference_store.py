"""SQL storage for notification preferences (``core.preference_ports.NoticePreferences``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from core.preference_ports import NoticePreferences
from persistence.tables import Base, UTCDateTime


class NoticePreferenceRow(Base):
    """One row per person who ever changed the setting (no row: notices are on)."""

    __tablename__ = "notice_preferences"
    person_id: Mapped[int] = mapped_column(Integer, ForeignKey("persons.id"), primary_key=True)
    status_notices: Mapped[bool] = mapped_column(Boolean)
    changed_via: Mapped[str] = mapped_column(String(20))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SqlNoticePreferences(NoticePreferences):
    """``NoticePreferences`` on SQLAlchemy; each call is its own short transaction."""

    def __init__(self, sessionmaker: async_sessionmaker[Any]) -> None:
        self._sessions = sessionmaker

    async def notices_off(self, person_id: int) -> bool:
        async with self._sessions() as session:
            row = await session.get(NoticePreferenceRow, person_id)
            return bool(row is not None and not row.status_notices)

    async def set_notices(self, person_id: int, enabled: bool, via: str, at: datetime) -> None:
        for _attempt in range(2):  # two first changes at once: the loser updates the row
            async with self._sessions() as session:
                row = await session.get(NoticePreferenceRow, person_id)
                if row is None:
                    session.add(NoticePreferenceRow(person_id=person_id, status_notices=enabled,
                                                    changed_via=via[:20], changed_at=at))
                else:
                    row.status_notices, row.changed_via, row.changed_at = enabled, via[:20], at
                try:
                    await session.commit()
                    return
                except IntegrityError:
                    await session.rollback()
        raise RuntimeError(f"could not store the notice preference of person {person_id}")
