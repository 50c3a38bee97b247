"""Unit of work over one SQLAlchemy session: commit explicit, rollback by default."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.ports import UnitOfWork
from persistence.drafts import SqlDraftRepository
from persistence.outbox import SqlOutbox, SqlSentMessages
from persistence.repositories import (
    SqlPersonRepository,
    SqlRequestRepository,
    SqlRequestTypeRepository,
)
from persistence.timers import SqlTimerStore


class SqlUnitOfWork(UnitOfWork):
    outbox: SqlOutbox

    def __init__(self, sessionmaker: async_sessionmaker[Any], read_only: bool = False) -> None:
        self._sessionmaker = sessionmaker
        self._session: AsyncSession | None = None
        self.read_only = read_only

    async def __aenter__(self) -> SqlUnitOfWork:
        self._session = session = self._sessionmaker()
        self.people = SqlPersonRepository(session)
        self.types = SqlRequestTypeRepository(session)
        self.requests = SqlRequestRepository(session)
        self.outbox = SqlOutbox(session)
        self.sent = SqlSentMessages(session)
        self.timers = SqlTimerStore(session)
        self.drafts = SqlDraftRepository(session)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()  # rolls back whatever was not committed
            self._session = None

    async def commit(self) -> None:
        assert self._session is not None, "use 'async with uow:'"
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        await self._session.commit()

    async def rollback(self) -> None:
        if self._session is not None:
            await self._session.rollback()


def uow_factory(sessionmaker: async_sessionmaker[Any],
                reader: async_sessionmaker[Any] | None = None) -> Any:
    """A callable making a fresh unit of work (one per use case).

    ``read_only=True`` gives one on ``reader`` — sessions on autocommit connections, so a
    lookup costs its queries only (no BEGIN/ROLLBACK round trips); each query then sees the
    latest committed data. Use it where nothing is written.
    """
    def make(*, read_only: bool = False) -> SqlUnitOfWork:
        if read_only and reader is not None:
            return SqlUnitOfWork(reader, read_only=True)
        return SqlUnitOfWork(sessionmaker)
    return make
