"""On-site visits (issue 18): one row per visit, saved with compare-and-set on the version."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.errors import ConcurrentChange
from core.ports import VisitRepository, VisitTotal
from core.visits import Visit, VisitStatus
from persistence.tables import Base, PersonRow, RequestRow, UTCDateTime

LIVE = (VisitStatus.PROPOSED.value, VisitStatus.PLANNED.value)


class VisitRow(Base):
    __tablename__ = "visits"
    __table_args__ = (Index("ix_visits_technician_start", "technician_id", "start_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    status: Mapped[str] = mapped_column(String(20))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    minutes: Mapped[int] = mapped_column(Integer)
    proposed_by: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    uid: Mapped[str] = mapped_column(String(200))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    invited: Mapped[bool] = mapped_column(Boolean, default=False)
    work_done: Mapped[str | None] = mapped_column(Text)
    reminded: Mapped[list[str] | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


def _visit(row: VisitRow, reference: str = "", name: str = "") -> Visit:
    return Visit(
        id=row.id, request_id=row.request_id, technician_id=row.technician_id,
        status=VisitStatus(row.status), start=row.start_at, minutes=row.minutes,
        proposed_by=row.proposed_by, uid=row.uid, created_at=row.created_at,
        updated_at=row.updated_at, sequence=row.sequence, invited=row.invited,
        work_done=row.work_done, reminded=set(row.reminded or ()), version=row.version,
        loaded_version=row.version, reference=reference, technician_name=name)


def _values(visit: Visit) -> dict[str, object]:
    return {"technician_id": visit.technician_id, "status": visit.status.value,
            "start_at": visit.start, "end_at": visit.end, "minutes": visit.minutes,
            "proposed_by": visit.proposed_by, "uid": visit.uid, "sequence": visit.sequence,
            "invited": visit.invited, "work_done": visit.work_done,
            "reminded": sorted(visit.reminded), "version": visit.version,
            "updated_at": visit.updated_at}


class SqlVisitRepository(VisitRepository):
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def add(self, visit: Visit) -> None:
        row = VisitRow(request_id=visit.request_id, created_at=visit.created_at,
                       **_values(visit))
        self.s.add(row)
        await self.s.flush()
        visit.id = row.id
        visit.loaded_version = visit.version

    async def save(self, visit: Visit) -> None:
        result = await self.s.execute(
            update(VisitRow).where(VisitRow.id == visit.id,
                                   VisitRow.version == visit.loaded_version)
            .values(**_values(visit)).execution_options(synchronize_session=False))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConcurrentChange(f"visit {visit.id} changed meanwhile")
        visit.loaded_version = visit.version

    def _query(self):  # type: ignore[no-untyped-def]
        return (select(VisitRow, RequestRow.reference, PersonRow.name)
                .join(RequestRow, RequestRow.id == VisitRow.request_id)
                .join(PersonRow, PersonRow.id == VisitRow.technician_id))

    async def get(self, visit_id: int) -> Visit | None:
        found = (await self.s.execute(self._query().where(VisitRow.id == visit_id))).first()
        return _visit(found[0], found[1] or "", found[2]) if found else None

    async def live(self, request_id: int) -> Visit | None:
        found = (await self.s.execute(
            self._query().where(VisitRow.request_id == request_id, VisitRow.status.in_(LIVE))
            .order_by(VisitRow.id.desc()).limit(1))).first()
        return _visit(found[0], found[1] or "", found[2]) if found else None

    async def for_request(self, request_id: int) -> list[Visit]:
        rows = await self.s.execute(self._query().where(VisitRow.request_id == request_id)
                                    .order_by(VisitRow.id))
        return [_visit(r[0], r[1] or "", r[2]) for r in rows]

    async def overlapping(self, technician_id: int, start: datetime, end: datetime,
                          exclude_id: int | None = None) -> Visit | None:
        query = self._query().where(
            VisitRow.technician_id == technician_id,
            VisitRow.status == VisitStatus.PLANNED.value,
            VisitRow.start_at < end, VisitRow.end_at > start)
        if exclude_id is not None:
            query = query.where(VisitRow.id != exclude_id)
        found = (await self.s.execute(query.order_by(VisitRow.start_at).limit(1))).first()
        return _visit(found[0], found[1] or "", found[2]) if found else None

    async def agenda(self, technician_id: int | None, start: datetime,
                     end: datetime) -> list[Visit]:
        query = self._query().where(
            VisitRow.status.in_((VisitStatus.PLANNED.value, VisitStatus.DONE.value)),
            VisitRow.start_at >= start, VisitRow.start_at < end)
        if technician_id is not None:
            query = query.where(VisitRow.technician_id == technician_id)
        rows = await self.s.execute(query.order_by(VisitRow.start_at, VisitRow.id))
        return [_visit(r[0], r[1] or "", r[2]) for r in rows]

    async def done_totals(self, start: datetime, end: datetime) -> list[VisitTotal]:
        rows = await self.s.execute(
            select(VisitRow.technician_id, PersonRow.name, func.count(VisitRow.id),
                   func.coalesce(func.sum(VisitRow.minutes), 0))
            .join(PersonRow, PersonRow.id == VisitRow.technician_id)
            .where(VisitRow.status == VisitStatus.DONE.value, VisitRow.start_at >= start,
                   VisitRow.start_at < end)
            .group_by(VisitRow.technician_id, PersonRow.name).order_by(PersonRow.name))
        return [VisitTotal(int(r[0]), str(r[1]), int(r[2]), int(r[3])) for r in rows]
