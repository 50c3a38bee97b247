"""Unit of work over one SQLAlchemy session: commit explicit, rollback by default."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.ports import UnitOfWork
from persistence.outbox import SqlOutbox, SqlSentMessages
from persistence.repositories import (
    SqlPersonRepository,
    SqlRequestRepository,
    SqlRequestTypeRepository,
)
from persistence.timers import SqlTimerStore


class SqlUnitOfWork(UnitOfWork):
    outbox: SqlOutbox

    def __init__(self, sessionmaker: async_sessionmaker[Any]) -> None:
        self._sessionmaker = sessionmaker
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> SqlUnitOfWork:
        self._session = session = self._sessionmaker()
        self.people = SqlPersonRepository(session)
        self.types = SqlRequestTypeRepository(session)
        self.requests = SqlRequestRepository(session)
        self.outbox = SqlOutbox(session)
        self.sent = SqlSentMessages(session)
        self.timers = SqlTimerStore(session)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.rollback()
            await self._session.close()
            self._session = None

    async def commit(self) -> None:
        assert self._session is not None, "use 'async with uow:'"
        await self._session.commit()

    async def rollback(self) -> None:
        if self._session is not None:
            await self._session.rollback()


def uow_factory(sessionmaker: async_sessionmaker[Any]) -> Any:
    """A zero-argument callable making a fresh unit of work (one per use case)."""
    return lambda: SqlUnitOfWork(sessionmaker)
