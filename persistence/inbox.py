"""The durable inbox (``docs/inbox.md``): every inbound event is a row keyed by
(channel, platform event id), inserted before it is acknowledged (a duplicate is a no-op),
leased in order per conversation, and marked processed in the transaction that applies it.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    exists,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from core.inbox_ports import encode_replies
from core.messages import Reply
from persistence.hot import HotStatement
from persistence.repositories import PERSON_OF_ACCOUNT_JSON, prefetch_person
from persistence.tables import Base, UTCDateTime
from persistence.uow import ambient_session

PENDING, DONE, FAILED = "pending", "done", "failed"
MAX_EVENT_ID = 200
MAX_CONVERSATION = 300


class InboxRow(Base):
    """One inbound event; ``status`` pending → done (or failed after its retry budget)."""

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("channel", "event_id", name="uq_inbox_channel_event"),
        Index("ix_inbox_conversation", "conversation", "status", "id"),
        Index("ix_inbox_status", "status", "next_attempt_at"),
        Index("ix_inbox_unreplied", "conversation",
              postgresql_where=text("replied_at IS NULL"),
              sqlite_where=text("replied_at IS NULL")),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(MAX_EVENT_ID))
    conversation: Mapped[str] = mapped_column(String(MAX_CONVERSATION))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # those counted in the budget
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lock_token: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    replies: Mapped[list[Any] | None] = mapped_column(JSON)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dialog_state: Mapped[str | None] = mapped_column(String(40))
    last_error: Mapped[str | None] = mapped_column(Text)


@dataclass(frozen=True)
class InboxItem:
    """A leased inbox row."""

    id: int
    channel: str
    event_id: str
    conversation: str
    payload: dict[str, Any]
    status: str
    attempts: int
    failures: int
    token: str
    replies: list[Any] | None = None
    expected_state: str | None = None  # the dialog step after the previous processed event


class StaleItem(RuntimeError):
    """The row was processed by someone else meanwhile (its lease had run out)."""


class Duplicate(StaleItem):
    """The event was stored before (a redelivery): nothing was written."""


class Behind(StaleItem):
    """The event is stored (committed) but an earlier event of its conversation is still
    pending: it must wait for that one (process the conversation in order)."""


def _item(row: InboxRow, token: str, expected_state: str | None = None) -> InboxItem:
    return InboxItem(row.id, row.channel, row.event_id, row.conversation, row.payload,
                     row.status, row.attempts, row.failures, token, row.replies,
                     expected_state)


class SqlInbox:
    """The inbox table on SQLite or PostgreSQL."""

    def __init__(self, sessionmaker: async_sessionmaker[Any]) -> None:
        self.sessionmaker = sessionmaker

    async def add(self, channel: str, event_id: str, conversation: str,
                  payload: dict[str, Any], now: datetime) -> bool:
        """Store an event; False (and nothing written) when it was stored before."""
        values = dict(channel=channel, event_id=event_id[:MAX_EVENT_ID],
                      conversation=conversation[:MAX_CONVERSATION], payload=payload,
                      status=PENDING, attempts=0, failures=0, created_at=now)
        async with self.sessionmaker() as s:
            dialect = s.bind.dialect.name
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            stmt = insert(InboxRow).values(**values).on_conflict_do_nothing(
                index_elements=["channel", "event_id"])
            result = await s.execute(stmt)
            await s.commit()
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def next_due(self, conversation: str, now: datetime,
                       dialog_ttl: float) -> InboxItem | None:
        """The conversation's oldest pending event if it is due and nobody holds it; None
        otherwise (events behind it wait: each conversation is processed in order). Only
        reads: the event is taken by ``SqlTurnScope.begin``, in the transaction applying it
        (so taking it costs no commit of its own, and a crash releases it)."""
        token = os.urandom(8).hex()
        async with self.sessionmaker() as s:
            row = await s.scalar(
                select(InboxRow).where(InboxRow.conversation == conversation,
                                       InboxRow.status == PENDING)
                .order_by(InboxRow.id).limit(1))
            if row is None or (row.locked_until is not None and row.locked_until >= now) \
                    or (row.next_attempt_at is not None and row.next_attempt_at > now):
                return None
            previous = await s.scalar(
                select(InboxRow.dialog_state).where(
                    InboxRow.conversation == conversation, InboxRow.status == DONE,
                    InboxRow.processed_at >= now - timedelta(seconds=dialog_ttl))
                .order_by(InboxRow.id.desc()).limit(1))
            return _item(row, token, previous)

    async def lease_unreplied(self, conversation: str, now: datetime,
                              lease_seconds: float) -> list[InboxItem]:
        """Processed events whose replies were not sent yet, oldest first, leased."""
        token = os.urandom(8).hex()
        async with self.sessionmaker() as s:
            owed = await s.scalar(
                select(InboxRow.id).where(InboxRow.conversation == conversation,
                                          InboxRow.status.in_((DONE, FAILED)),
                                          InboxRow.replied_at.is_(None), _lease_free(now))
                .limit(1))
            if owed is None:
                return []
            taken = await s.execute(
                update(InboxRow).where(InboxRow.conversation == conversation,
                                       InboxRow.status.in_((DONE, FAILED)),
                                       InboxRow.replied_at.is_(None), _lease_free(now))
                .values(locked_until=now + timedelta(seconds=lease_seconds),
                        lock_token=token)
                .execution_options(synchronize_session=False))
            if not taken.rowcount:  # type: ignore[attr-defined]
                await s.commit()
                return []
            rows = list(await s.scalars(select(InboxRow).where(InboxRow.lock_token == token)
                                        .order_by(InboxRow.id)))
            await s.commit()
            return [_item(row, token) for row in rows]

    async def replies_failed(self, item: InboxItem, retry_at: datetime) -> None:
        """Sending the replies failed: try again at ``retry_at``."""
        async with self.sessionmaker() as s:
            await s.execute(update(InboxRow).where(InboxRow.id == item.id,
                                                   InboxRow.lock_token == item.token)
                            .values(locked_until=retry_at)
                            .execution_options(synchronize_session=False))
            await s.commit()

    @asynccontextmanager
    async def processing(self, item: InboxItem, now: datetime,
                         lease_seconds: float = 60.0) -> AsyncIterator[SqlTurnScope]:
        """The transaction that applies ``item``: see ``SqlTurnScope``."""
        async with self.sessionmaker() as session:
            scope = SqlTurnScope(session, item, now, lease_seconds)
            yield scope

    @asynccontextmanager
    async def receiving(self, channel: str, event_id: str, conversation: str,
                        payload: dict[str, Any], now: datetime, dialog_ttl: float,
                        lease_seconds: float = 60.0, account: tuple[str, str] | None = None
                        ) -> AsyncIterator[SqlReceiveScope]:
        """The webhook's hot path: one transaction that stores the event, applies it and
        marks it processed (see ``SqlReceiveScope``). Nothing of it stays unless its
        ``finish`` committed (then store it with ``add`` before acknowledging). ``account``
        (channel, address) of the sender: who it is, read in the same statement."""
        async with self.sessionmaker() as session:
            yield SqlReceiveScope(session, channel, event_id, conversation, payload, now,
                                  dialog_ttl, lease_seconds, account)

    async def add_item(self, channel: str, event_id: str, conversation: str,
                       payload: dict[str, Any], now: datetime) -> InboxItem | None:
        """``add``, returning the stored row (None when it was stored before)."""
        async with self.sessionmaker() as s:
            row = (await s.execute(RECEIVE[s.bind.dialect.name], _receive_params(
                channel, event_id, conversation, payload, now, 0.0))).first()
            await s.commit()
        if row is None:
            return None
        return InboxItem(row.id, channel, event_id[:MAX_EVENT_ID],
                         conversation[:MAX_CONVERSATION], payload, PENDING, 0, 0, "")

    async def mark_replied_many(self, item_ids: list[int], now: datetime) -> None:
        """``mark_replied`` for several rows in one statement."""
        async with self.sessionmaker() as s:
            await s.execute(MARK_REPLIED, {"r_ids": item_ids, "r_now": now})
            await s.commit()

    async def mark_replied(self, item_id: int, now: datetime) -> None:
        async with self.sessionmaker() as s:
            await s.execute(update(InboxRow).where(InboxRow.id == item_id)
                            .values(replied_at=now, locked_until=None, lock_token=None))
            await s.commit()

    async def mark_skipped(self, item: InboxItem, now: datetime) -> None:
        """Processed without any effect (nothing in it for the helpdesk)."""
        async with self.sessionmaker() as s:
            await s.execute(update(InboxRow).where(InboxRow.id == item.id,
                                                   InboxRow.status == PENDING)
                            .values(status=DONE, processed_at=now, replied_at=now,
                                    locked_until=None, lock_token=None))
            await s.commit()

    async def record_failure(self, item: InboxItem, error: str, *, counted: bool,
                             retry_at: datetime | None, replies: list[Reply] | None = None
                             ) -> None:
        """A failed attempt: retry at ``retry_at``, or (None) keep it as failed, with the
        ``replies`` telling the person (sent once, like any other replies)."""
        values: dict[str, Any] = dict(last_error=error[:2000], locked_until=None,
                                      lock_token=None, attempts=InboxRow.attempts + 1)
        if counted:
            values["failures"] = InboxRow.failures + 1
        if retry_at is None:
            values.update(status=FAILED, next_attempt_at=None,
                          replies=encode_replies(replies or []))
        else:
            values["next_attempt_at"] = retry_at
        async with self.sessionmaker() as s:
            await s.execute(update(InboxRow).where(InboxRow.id == item.id,
                                                   InboxRow.status == PENDING)
                            .values(**values).execution_options(synchronize_session=False))
            await s.commit()

    async def due_conversations(self, now: datetime, limit: int = 100) -> list[str]:
        """Conversations with an event to process (or replies to send) that nobody holds."""
        async with self.sessionmaker() as s:
            pending = await s.scalars(
                select(InboxRow.conversation).where(
                    InboxRow.status == PENDING, _lease_free(now), _due(now))
                .group_by(InboxRow.conversation).order_by(InboxRow.conversation)
                .limit(limit))
            unreplied = await s.scalars(
                select(InboxRow.conversation).where(
                    InboxRow.status.in_((DONE, FAILED)), InboxRow.replied_at.is_(None),
                    _lease_free(now))
                .group_by(InboxRow.conversation).limit(limit))
            return sorted(set(pending) | set(unreplied))

    async def outcome(self, channel: str, event_id: str) -> tuple[str, list[Any] | None] | None:
        """The status of a stored event and the replies recorded when it was processed
        (None: never stored). A web form shows them again when its POST is repeated."""
        async with self.sessionmaker() as s:
            row = (await s.execute(select(InboxRow.status, InboxRow.replies).where(
                InboxRow.channel == channel,
                InboxRow.event_id == event_id[:MAX_EVENT_ID]))).first()
            return None if row is None else (str(row[0]), row[1])

    async def failed(self, limit: int = 100) -> list[InboxRow]:
        async with self.sessionmaker() as s:
            return list(await s.scalars(select(InboxRow).where(InboxRow.status == FAILED)
                                        .order_by(InboxRow.id).limit(limit)))

    async def retry(self, item_ids: list[int] | None = None) -> int:
        """Put failed events back in the queue (all of them when ``item_ids`` is None)."""
        async with self.sessionmaker() as s:
            query = update(InboxRow).where(InboxRow.status == FAILED)
            if item_ids is not None:
                query = query.where(InboxRow.id.in_(item_ids))
            result = await s.execute(query.values(status=PENDING, failures=0,
                                                  next_attempt_at=None, replies=None,
                                                  replied_at=None))
            await s.commit()
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def owed(self) -> int:
        """Events not processed yet plus processed ones whose replies were not sent."""
        from sqlalchemy import func

        async with self.sessionmaker() as s:
            return int(await s.scalar(select(func.count()).select_from(InboxRow).where(
                (InboxRow.status == PENDING) | (InboxRow.replied_at.is_(None)))) or 0)

    async def counts(self) -> dict[str, int]:
        from sqlalchemy import func

        async with self.sessionmaker() as s:
            rows = await s.execute(select(InboxRow.status, func.count()).group_by(
                InboxRow.status))
            return {status: int(n) for status, n in rows}


# -- the webhook's hot path: statements built once (issue 14) ------------------------------
_T: Any = InboxRow.__table__
_PREV = _T.alias("prev")
_COLUMNS = ("channel", "event_id", "conversation", "payload", "status", "attempts",
            "failures", "created_at")


def _insert_receiving(insert: Any) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING RETURNING id, expected_state, behind, person``: the
    event stored and, in the same statement, the dialog step after the conversation's last
    processed event, whether an earlier event of it is still pending, and the person behind
    the sender's account (``p_channel``, ``p_address``; NULL when unknown or not asked)."""
    expected = (select(_PREV.c.dialog_state)
                .where(_PREV.c.conversation == bindparam("c_conversation"),
                       _PREV.c.status == DONE, _PREV.c.processed_at >= bindparam(
                           "c_since", type_=_T.c.processed_at.type))
                .order_by(_PREV.c.id.desc()).limit(1).scalar_subquery())
    behind = exists().where(_PREV.c.conversation == bindparam("c_conversation"),
                            _PREV.c.status == PENDING,
                            _PREV.c.event_id != bindparam("c_event_id"))
    return (insert(_T).values({name: bindparam(f"v_{name}", type_=_T.c[name].type)
                               for name in _COLUMNS})
            .on_conflict_do_nothing(index_elements=["channel", "event_id"])
            .returning(_T.c.id, expected.label("expected_state"), behind.label("behind"),
                       PERSON_OF_ACCOUNT_JSON.label("person")))


RECEIVE = {"postgresql": _insert_receiving(postgresql.insert),
           "sqlite": _insert_receiving(sqlite.insert)}
HOT_RECEIVE = {name: HotStatement(statement, "Received")
               for name, statement in RECEIVE.items()}
MARK_DONE = (
    update(_T).where(_T.c.id == bindparam("m_id"), _T.c.status == PENDING)
    .values(status=DONE, processed_at=bindparam("m_now", type_=_T.c.processed_at.type),
            replies=bindparam("m_replies", type_=_T.c.replies.type),
            replied_at=bindparam("m_replied_at", type_=_T.c.replied_at.type),
            dialog_state=bindparam("m_state", type_=_T.c.dialog_state.type),
            locked_until=bindparam("m_locked_until", type_=_T.c.locked_until.type),
            lock_token=bindparam("m_token", type_=_T.c.lock_token.type),
            next_attempt_at=None))
HOT_MARK_DONE = HotStatement(MARK_DONE, "MarkDone")
MARK_REPLIED = (
    update(_T).where(_T.c.id.in_(bindparam("r_ids", expanding=True)))
    .values(replied_at=bindparam("r_now", type_=_T.c.replied_at.type), locked_until=None,
            lock_token=None))


def _lease_free(now: datetime) -> Any:
    return (InboxRow.locked_until.is_(None)) | (InboxRow.locked_until < now)


def _due(now: datetime) -> Any:
    return (InboxRow.next_attempt_at.is_(None)) | (InboxRow.next_attempt_at <= now)


def _receive_params(channel: str, event_id: str, conversation: str, payload: dict[str, Any],
                    now: datetime, dialog_ttl: float,
                    account: tuple[str, str] | None = None) -> dict[str, Any]:
    event_id, conversation = event_id[:MAX_EVENT_ID], conversation[:MAX_CONVERSATION]
    return {"v_channel": channel, "v_event_id": event_id, "v_conversation": conversation,
            "v_payload": payload, "v_status": PENDING, "v_attempts": 0, "v_failures": 0,
            "v_created_at": now, "c_conversation": conversation, "c_event_id": event_id,
            "c_since": now - timedelta(seconds=dialog_ttl),
            "p_channel": account[0] if account else None,
            "p_address": account[1] if account else None}


class _AmbientScope:
    """What both scopes share: the session made ambient for the turn, and leaving it."""

    _ambient: Any = None

    def _leave(self) -> None:
        if self._ambient is not None:
            self._ambient.__exit__(None, None, None)
            self._ambient = None

    def close(self) -> None:
        """Leave the ambient transaction (it is rolled back when the session closes)."""
        self._leave()


class SqlReceiveScope(_AmbientScope):
    """``core.inbox_ports.TurnScope`` for an event that arrives now: ``begin`` stores it
    (``INSERT … ON CONFLICT DO NOTHING``, which also reads the conversation's previous dialog
    step and whether an earlier event is still pending) and makes the session ambient; the
    turn's units of work join it; ``finish`` marks the row processed with its replies and
    commits — the insert, the change and the mark in one transaction. A redelivered event
    raises ``Duplicate`` (nothing written); one behind a pending event of its conversation is
    committed as pending and raises ``Behind``."""

    def __init__(self, session: AsyncSession, channel: str, event_id: str, conversation: str,
                 payload: dict[str, Any], now: datetime, dialog_ttl: float,
                 lease_seconds: float = 60.0, account: tuple[str, str] | None = None) -> None:
        self.session = session
        self.account = account
        self.channel = channel
        self.event_id = event_id
        self.conversation = conversation
        self.payload = payload
        self.now = now
        self.dialog_ttl = dialog_ttl
        self.lease_seconds = lease_seconds
        self.expected_state: str | None = None
        self.item: InboxItem | None = None
        self.finished = False
        self._ambient: Any = None

    async def begin(self) -> None:
        s = self.session
        connection = await s.connection()  # Core statements: no ORM work per statement
        rows = await HOT_RECEIVE[connection.dialect.name].rows(connection, _receive_params(
            self.channel, self.event_id, self.conversation, self.payload, self.now,
            self.dialog_ttl, self.account))
        row = rows[0] if rows else None
        if row is None:
            raise Duplicate(f"{self.channel} {self.event_id} was stored before")
        if self.account is not None:
            prefetch_person(s, *self.account, row.person)
        self.item = InboxItem(row.id, self.channel, self.event_id[:MAX_EVENT_ID],
                              self.conversation[:MAX_CONVERSATION], self.payload, PENDING,
                              0, 0, os.urandom(8).hex(), None, row.expected_state)
        if row.behind:
            await s.commit()
            raise Behind(f"inbox {row.id} waits for an earlier event")
        self.expected_state = row.expected_state
        self._ambient = ambient_session(s)
        self._ambient.__enter__()

    async def finish(self, replies: list[Reply], state: str | None) -> None:
        self._leave()
        assert self.item is not None
        connection = await self.session.connection()
        done = await HOT_MARK_DONE.count(connection, {
            "m_id": self.item.id, "m_now": self.now, "m_replies": encode_replies(replies),
            "m_replied_at": None if replies else self.now,
            "m_state": (state or None) and state[:40],
            "m_locked_until": self.now + timedelta(seconds=self.lease_seconds)
            if replies else None,
            "m_token": self.item.token if replies else None})
        if done != 1:
            raise StaleItem(f"inbox {self.item.id} was processed meanwhile")
        await self.session.commit()
        self.finished = True


class SqlTurnScope(_AmbientScope):
    """``core.inbox_ports.TurnScope`` on one session: ``begin`` takes the row (a write, so
    SQLite takes its write lock at once and PostgreSQL locks the row until commit) and makes
    the session ambient — every unit of work of the turn then runs in a savepoint of it;
    ``finish`` marks the row processed with its replies and commits everything at once. The
    lease it takes is committed with the row marked done: it keeps the worker from sending
    the replies again while they are being sent right after the commit."""

    def __init__(self, session: AsyncSession, item: InboxItem, now: datetime,
                 lease_seconds: float = 60.0) -> None:
        self.session = session
        self.item = item
        self.now = now
        self.lease_seconds = lease_seconds
        self.expected_state = item.expected_state
        self.finished = False
        self._ambient: Any = None

    async def begin(self) -> None:
        taken = await self.session.execute(
            update(InboxRow).where(InboxRow.id == self.item.id, InboxRow.status == PENDING,
                                   _lease_free(self.now), _due(self.now))
            .values(lock_token=self.item.token,
                    locked_until=self.now + timedelta(seconds=self.lease_seconds))
            .execution_options(synchronize_session=False))
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleItem(f"inbox {self.item.id} was taken over")
        self._ambient = ambient_session(self.session)
        self._ambient.__enter__()

    async def finish(self, replies: list[Reply], state: str | None) -> None:
        self._leave()
        done = await self.session.execute(
            update(InboxRow).where(InboxRow.id == self.item.id, InboxRow.status == PENDING)
            .values(status=DONE, processed_at=self.now, replies=encode_replies(replies),
                    replied_at=None if replies else self.now,
                    dialog_state=(state or None) and state[:40], next_attempt_at=None)
            .execution_options(synchronize_session=False))
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleItem(f"inbox {self.item.id} was processed meanwhile")
        await self.session.commit()
        self.finished = True
