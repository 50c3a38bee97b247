"""Staff's saved intakes (issue 16): one row per draft, the dialog's answers as JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.ports import Draft, DraftRepository
from persistence.tables import Base, UTCDateTime


class DraftRow(Base):
    __tablename__ = "drafts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


def _draft(row: DraftRow) -> Draft:
    return Draft(row.id, row.person_id, dict(row.data or {}), row.updated_at)


class SqlDraftRepository(DraftRepository):
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def save(self, person_id: int, data: dict[str, Any], at: datetime,
                   draft_id: int | None = None) -> Draft:
        row = await self.s.get(DraftRow, draft_id) if draft_id else None
        if row is None or row.person_id != person_id:
            row = DraftRow(person_id=person_id)
            self.s.add(row)
        row.data, row.updated_at = dict(data), at
        await self.s.flush()
        return _draft(row)

    async def list(self, person_id: int) -> list[Draft]:
        rows = await self.s.scalars(select(DraftRow).where(DraftRow.person_id == person_id)
                                    .order_by(DraftRow.id))
        return [_draft(r) for r in rows]

    async def get(self, person_id: int, draft_id: int) -> Draft | None:
        row = await self.s.get(DraftRow, draft_id)
        return _draft(row) if row is not None and row.person_id == person_id else None

    async def delete(self, person_id: int, draft_id: int) -> bool:
        result = await self.s.execute(delete(DraftRow).where(
            DraftRow.id == draft_id, DraftRow.person_id == person_id))
        return bool(result.rowcount)  # type: ignore[attr-defined]
