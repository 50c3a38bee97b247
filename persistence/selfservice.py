"""SQL storage for self-service (issue 18): troubleshooting scripts, the paths attached to
requests and the deflection log (``core.selfservice_ports``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, delete, func, select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from core.scripts import Script
from core.selfservice_ports import (
    DeflectionCount,
    DeflectionLog,
    PathStep,
    ScriptPath,
    ScriptStore,
)
from persistence.tables import Base, RequestTypeRow, UTCDateTime
from persistence.type_cache import TypeCache


class ScriptRow(Base):
    """A request type's troubleshooting script (migration 0011_i18s_scripts)."""

    __tablename__ = "scripts"
    type_id: Mapped[int] = mapped_column(Integer, ForeignKey("request_types.id"),
                                         primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ScriptPathRow(Base):
    """The answers given in a script before the request was placed."""

    __tablename__ = "script_paths"
    request_id: Mapped[int] = mapped_column(Integer, ForeignKey("requests.id"),
                                            primary_key=True)
    script: Mapped[str] = mapped_column(String(60))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class DeflectionRow(Base):
    """One self-service outcome: solved without a request (helpful) or not."""

    __tablename__ = "deflections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(20))
    ref: Mapped[str] = mapped_column(String(200))
    request_type_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("request_types.id"))
    person_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("persons.id"))
    helpful: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class SqlScriptStore(ScriptStore):
    """``ScriptStore`` on SQLAlchemy; each call is its own short transaction."""

    def __init__(self, sessionmaker: async_sessionmaker[Any],
                 cache: TypeCache | None = None) -> None:
        self._sessions = sessionmaker
        # Scripts change with the types (``load-scripts`` bumps the types' version), so a
        # type's script is cached with them: an intake step stays within its statements.
        self._cache = cache

    async def replace(self, type_id: int, script: Script, at: datetime) -> None:
        async with self._sessions() as session:
            await session.execute(delete(ScriptRow).where(ScriptRow.type_id == type_id))
            session.add(ScriptRow(type_id=type_id, name=script.name[:60],
                                  data=script.to_data(), loaded_at=at))
            await session.commit()

    async def remove(self, type_id: int) -> bool:
        async with self._sessions() as session:
            result = await session.execute(delete(ScriptRow).where(ScriptRow.type_id == type_id))
            await session.commit()
            return bool(getattr(result, "rowcount", 0))

    async def for_type(self, type_id: int) -> Script | None:
        cache = self._cache
        valid = cache is not None and cache.usable and cache.current() is not None
        if valid and ("script", type_id) in cache.extras:  # type: ignore[union-attr]
            return cache.extras[("script", type_id)]  # type: ignore[union-attr, return-value]
        if valid:  # every type's script at once, in one statement per version of the types
            async with self._sessions() as session:
                rows = (await session.execute(select(ScriptRow))).scalars().all()
            scripts = {r.type_id: Script.from_data(r.data) for r in rows}
            for rtype in cache.current() or []:  # type: ignore[union-attr]
                cache.extras[("script", rtype.id)] = scripts.get(rtype.id)  # type: ignore[union-attr]
            return scripts.get(type_id)
        async with self._sessions() as session:
            row = await session.get(ScriptRow, type_id)
            return Script.from_data(row.data) if row is not None else None

    async def list(self) -> list[tuple[int, str, int]]:
        async with self._sessions() as session:
            rows = (await session.execute(select(ScriptRow).order_by(ScriptRow.type_id))).scalars()
            return [(r.type_id, r.name, len(r.data.get("nodes") or {})) for r in rows]

    async def attach(self, request_id: int, path: ScriptPath) -> None:
        async with self._sessions() as session:
            await session.execute(delete(ScriptPathRow)
                                  .where(ScriptPathRow.request_id == request_id))
            session.add(ScriptPathRow(request_id=request_id, script=path.script[:60], data={
                "languages": list(path.languages),
                "steps": [s.to_data() for s in path.steps]}))
            await session.commit()

    async def path(self, request_id: int) -> ScriptPath | None:
        async with self._sessions() as session:
            row = await session.get(ScriptPathRow, request_id)
            if row is None:
                return None
            return ScriptPath(row.script, tuple(row.data.get("languages") or ()),
                              tuple(PathStep.from_data(s) for s in row.data.get("steps") or []))


class SqlDeflectionLog(DeflectionLog):
    """``DeflectionLog`` on SQLAlchemy."""

    def __init__(self, sessionmaker: async_sessionmaker[Any]) -> None:
        self._sessions = sessionmaker

    async def record(self, source: str, ref: str, request_type: int | None,
                     person: int | None, helpful: bool, at: datetime) -> None:
        async with self._sessions() as session:
            session.add(DeflectionRow(source=source[:20], ref=ref[:200],
                                      request_type_id=request_type, person_id=person,
                                      helpful=helpful, at=at))
            await session.commit()

    async def counts(self, start: datetime | None = None,
                     end: datetime | None = None) -> list[DeflectionCount]:
        d = DeflectionRow
        helpful = func.sum(func.cast(d.helpful, Integer))
        query = (select(d.source, d.ref, RequestTypeRow.name, helpful, func.count())
                 .outerjoin(RequestTypeRow, RequestTypeRow.id == d.request_type_id)
                 .group_by(d.source, d.ref, RequestTypeRow.name))
        if start is not None:
            query = query.where(d.at >= start)
        if end is not None:
            query = query.where(d.at < end)
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        counts = [DeflectionCount(str(source), str(ref), str(type_name or "—"),
                                  int(solved or 0), int(total) - int(solved or 0))
                  for source, ref, type_name, solved, total in rows]
        return sorted(counts, key=lambda c: (-c.deflected, c.source, c.ref))
