"""Unit of work over one SQLAlchemy session: commit explicit, rollback by default."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, AsyncSessionTransaction, async_sessionmaker

from core.ports import UnitOfWork
from persistence.drafts import SqlDraftRepository
from persistence.outbox import SqlOutbox, SqlSentMessages
from persistence.repositories import (
    SqlOrganizationRepository,
    SqlPersonRepository,
    SqlRequestRepository,
    SqlRequestTypeRepository,
)
from persistence.timers import SqlTimerStore
from persistence.type_cache import TypeCache
from persistence.visits import SqlVisitRepository

log = logging.getLogger(__name__)

# The transaction of the inbox event being processed (``persistence.inbox``): while it is
# set, every unit of work runs in a savepoint of it instead of a transaction of its own, so
# the event's whole effect commits together with the row marked processed.
_AMBIENT: ContextVar[AsyncSession | None] = ContextVar("helpdesk_ambient_session", default=None)


@contextmanager
def ambient_session(session: AsyncSession) -> Iterator[None]:
    """Make ``session`` the transaction every unit of work joins (in this task)."""
    token = _AMBIENT.set(session)
    try:
        yield
    finally:
        _AMBIENT.reset(token)


class SqlUnitOfWork(UnitOfWork):
    outbox: SqlOutbox
    types: SqlRequestTypeRepository

    def __init__(self, sessionmaker: async_sessionmaker[Any], read_only: bool = False,
                 types: TypeCache | None = None) -> None:
        self._sessionmaker = sessionmaker
        self._types = types
        self._session: AsyncSession | None = None
        self._nested: AsyncSessionTransaction | None = None
        self._joined = False
        self.read_only = read_only

    async def __aenter__(self) -> SqlUnitOfWork:
        shared = _AMBIENT.get()
        self._joined = shared is not None
        if shared is not None:
            # Inside an inbox event's transaction: a savepoint (none for a read-only unit:
            # it has nothing to undo); objects are re-read so the core-level updates of
            # earlier units of work are seen.
            shared.expire_all()
            if not self.read_only:
                self._nested = await shared.begin_nested()
            session = shared
        else:
            session = self._sessionmaker()
        self._session = session
        self.people = SqlPersonRepository(session)
        self.organizations = SqlOrganizationRepository(session)
        self.types = SqlRequestTypeRepository(session, self._types)
        self.requests = SqlRequestRepository(session)
        self.outbox = SqlOutbox(session)
        self.sent = SqlSentMessages(session)
        self.timers = SqlTimerStore(session)
        self.drafts = SqlDraftRepository(session)
        self.visits = SqlVisitRepository(session)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._joined and self._nested is None:  # read-only inside the event's transaction
            self._session = None
            return
        if self._nested is not None:
            if self._nested.is_active:
                await self._nested.rollback()  # back to the savepoint
                if self._session is not None:
                    self._session.expire_all()
            self._nested = None
            self._session = None
            return
        if self._session is not None:
            await self._session.close()  # rolls back whatever was not committed
            self._session = None

    async def commit(self) -> None:
        assert self._session is not None, "use 'async with uow:'"
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        if self.outbox._buffer:  # the notifications, after the rows they may refer to
            await self._session.flush()
            await self.outbox.flush()
        if self._nested is not None:
            if self._nested.is_active:
                await self._nested.commit()  # released; committed with the inbox row
            return
        await self._session.commit()
        if self.types.changed and self._types is not None and self._types.bump is not None:
            self.types.changed = False
            try:
                await self._types.bump()  # every process reloads the types
            except Exception as exc:  # noqa: BLE001 - the cache also expires by itself
                log.warning("request types changed but the cache version could not be "
                            "moved (%r); other processes see the change within %.0f s",
                            exc, self._types.max_age)

    async def rollback(self) -> None:
        if self._nested is not None:
            if self._nested.is_active:
                await self._nested.rollback()
            return
        if self._session is not None and not self._joined:
            await self._session.rollback()


def uow_factory(sessionmaker: async_sessionmaker[Any],
                reader: async_sessionmaker[Any] | None = None,
                types: TypeCache | None = None) -> Any:
    """A callable making a fresh unit of work (one per use case).

    ``read_only=True`` gives one on ``reader`` — sessions on autocommit connections, so a
    lookup costs its queries only (no BEGIN/ROLLBACK round trips); each query then sees the
    latest committed data. Use it where nothing is written.
    """
    def make(*, read_only: bool = False) -> SqlUnitOfWork:
        if read_only and reader is not None:
            return SqlUnitOfWork(reader, read_only=True, types=types)
        return SqlUnitOfWork(sessionmaker, types=types)
    return make


class _JoinedSession:
    """The ambient session seen through a savepoint: ``commit`` releases it (the work is
    committed with the inbox event), leaving without commit rolls back to it."""

    def __init__(self, shared: AsyncSession) -> None:
        self._shared = shared
        self._nested: AsyncSessionTransaction | None = None

    async def __aenter__(self) -> Any:
        self._shared.expire_all()
        self._nested = await self._shared.begin_nested()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.rollback()

    async def commit(self) -> None:
        if self._nested is not None and self._nested.is_active:
            await self._nested.commit()

    async def rollback(self) -> None:
        if self._nested is not None and self._nested.is_active:
            await self._nested.rollback()
            self._shared.expire_all()

    async def close(self) -> None:
        await self.rollback()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._shared, name)


def joining(sessionmaker: async_sessionmaker[Any]) -> Any:
    """``sessionmaker`` for stores outside the unit of work (attachments, preferences):
    inside an inbox event's transaction their sessions join it (as savepoints) instead of
    opening a second transaction that SQLite would make wait for the first."""
    def make() -> Any:
        shared = _AMBIENT.get()
        return _JoinedSession(shared) if shared is not None else sessionmaker()
    return make
