"""The transactional outbox and the record of sent messages (for later edits)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    Integer,
    String,
    Table,
    and_,
    bindparam,
    column,
    delete,
    func,
    insert,
    literal,
    select,
    table,
    text,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.kinds import Role
from core.model import Person
from core.notifications import Notification
from core.ports import (
    HELD_PREFIX,
    Account,
    DeadLetter,
    DeliveryRoute,
    Outbox,
    OutboxItem,
    SentMessage,
    SentMessages,
)
from persistence.aggregate_sql import json_rows
from persistence.preference_store import NoticePreferenceRow
from persistence.tables import AccountRow, OutboxRow, PersonRow, SentMessageRow

_TABLE: Table = OutboxRow.__table__  # type: ignore[assignment]
_T = _TABLE.c
# SQLite only: inserting a row here records a sent message and marks its outbox item sent,
# in one statement (the view's INSTEAD OF trigger, migration 0012_i14s_sqlite_delivery).
_DELIVERIES = table(
    "outbox_deliveries", column("outbox_id", Integer), column("sent_at", _T["sent_at"].type),
    column("person_id", Integer), column("channel", String), column("edit_key", String),
    column("message_ref", String))
_UNSENT = (_T.sent_at.is_(None), _T.gave_up_at.is_(None))


def _due(c: Any) -> Any:
    now: Any = bindparam("now")
    return and_(c.next_attempt_at.is_(None) | (c.next_attempt_at <= now),
                c.locked_until.is_(None) | (c.locked_until < now))


def _lease(heads: Any) -> Any:
    """Lock the due heads (re-checked on the row itself, so two workers never share one)."""
    chosen = (select(heads.c.id).where(_due(heads.c)).order_by(heads.c.id)
              .limit(bindparam("limit")).scalar_subquery())
    return (
        update(_TABLE)
        .where(_T.id.in_(chosen), *_UNSENT, _due(_T))
        .values(locked_until=bindparam("until"))
        .returning(_T.id, _T.recipient_id, _T.kind, _T.request_id, _T.data, _T.edit_key,
                   _T.edit_only, _T.attempts, _T.created_at)
    )


# PostgreSQL: a skip scan over the partial index of unsent rows walks the recipients' queue
# heads in recipient order, starting after ``:after`` (where the worker's previous lease
# ended) and wrapping round once, and stops as soon as it holds ``:limit`` due heads: one
# index probe per head it passes, so the cost grows with the batch (plus the heads leased or
# backing off right now), not with the number of recipients that have unsent items.
# A due head is taken only if its transaction-level advisory lock is free (class 7304564,
# "out"; the two-int key space is separate from the migration lock's bigint one): a head
# another worker is leasing at this very moment is passed over instead of counted, so the
# batch still fills while two workers lease together. ARRAY(…) makes the planner look the
# chosen ids up by primary key instead of joining on guessed row counts (with the statistics
# of an empty outbox it chose a nested loop: 1.4 s at 36,000 rows). The re-check on the row
# is spelt COALESCE(…) IS NULL so that it cannot match the partial index either (a scan of
# the whole partial index there took 27 ms); FOR UPDATE SKIP LOCKED stays as the last guard.
_CLAIM = """CASE WHEN (x.next_attempt_at IS NULL OR x.next_attempt_at <= :now)
               AND (x.locked_until IS NULL OR x.locked_until < :now)
          THEN pg_try_advisory_xact_lock(7304564, x.id) ELSE false END"""
_HEAD = """SELECT recipient_id, id, next_attempt_at, locked_until, {lap} AS lap FROM outbox
            WHERE sent_at IS NULL AND gave_up_at IS NULL AND {where}
            ORDER BY recipient_id, id LIMIT 1"""
# In the second lap (recipients up to ``:after``) the upper bound stays an index condition.
_NEXT = ("recipient_id > heads.recipient_id AND recipient_id <= "
         "CASE WHEN heads.lap = 0 THEN 2147483647 ELSE :after END")
_LEASE_PG_SQL = f"""
WITH RECURSIVE heads AS (
    SELECT x.*, claimed.mine, claimed.mine::int AS n
    FROM (({_HEAD.format(lap=0, where="recipient_id > :after")})
          UNION ALL
          ({_HEAD.format(lap=1, where="recipient_id <= :after")})
          LIMIT 1) AS x
    CROSS JOIN LATERAL (SELECT {_CLAIM} AS mine) AS claimed
    UNION ALL
    SELECT x.*, claimed.mine, heads.n + claimed.mine::int
    FROM heads
    CROSS JOIN LATERAL (
        ({_HEAD.format(lap="heads.lap", where=_NEXT)})
        UNION ALL
        ({_HEAD.format(lap=1, where="heads.lap = 0 AND recipient_id <= :after")})
        LIMIT 1) AS x
    CROSS JOIN LATERAL (SELECT {_CLAIM} AS mine) AS claimed
    WHERE heads.n < :limit
)
UPDATE outbox SET locked_until = :until
WHERE id = ANY(ARRAY(
    SELECT id FROM outbox
    WHERE id = ANY(ARRAY(SELECT id FROM heads WHERE mine))
      AND COALESCE(sent_at, gave_up_at) IS NULL
      AND (next_attempt_at IS NULL OR next_attempt_at <= :now)
      AND (locked_until IS NULL OR locked_until < :now)
    FOR UPDATE SKIP LOCKED))
RETURNING id, recipient_id, kind, request_id, data, edit_key, edit_only, attempts, created_at
"""
_LEASE_PG = (
    text(_LEASE_PG_SQL)
    .bindparams(bindparam("now", type_=_T.created_at.type),
                bindparam("until", type_=_T.created_at.type),
                bindparam("limit", type_=Integer()), bindparam("after", type_=Integer()))
    .columns(_T.id, _T.recipient_id, _T.kind, _T.request_id, _T.data, _T.edit_key,
             _T.edit_only, _T.attempts, _T.created_at)
)
# Elsewhere (SQLite): MIN(id) per recipient over the same partial index.
_HEAD_IDS = select(func.min(_T.id).label("id")).where(*_UNSENT).group_by(_T.recipient_id) \
    .subquery("head_ids")
_HEAD_ROW = OutboxRow.__table__.alias("head")
_HEADS_GENERIC = (
    select(_HEAD_ROW.c.id, _HEAD_ROW.c.next_attempt_at, _HEAD_ROW.c.locked_until)
    .join(_HEAD_IDS, _HEAD_IDS.c.id == _HEAD_ROW.c.id).subquery("heads")
)
_LEASE_GENERIC = _lease(_HEADS_GENERIC)


class SqlOutbox(Outbox):
    def __init__(self, session: AsyncSession) -> None:
        self.s = session
        self._buffer: list[dict[str, Any]] = []

    async def add(self, notification: Notification) -> None:
        """Buffered: every notification of a transaction goes in one multi-row INSERT when
        the unit of work commits (``flush``)."""
        self._buffer.append(_values(notification, _now()))

    async def add_for_holders(self, notification: Notification, exclude_id: int) -> int:
        """``notification`` (with an ``edit_key``) to every person but ``exclude_id`` who
        holds a sent message with that key — e.g. "offer taken" only to the assistants whose
        offer message exists — in one ``INSERT … SELECT``. Returns how many."""
        values = _values(notification, _now())
        columns = [c for c in values if c != "recipient_id"]
        holders = (
            select(SentMessageRow.person_id).where(
                SentMessageRow.edit_key == notification.edit_key,
                SentMessageRow.person_id != exclude_id).distinct().subquery())
        query: Any = select(holders.c.person_id, *(_literal(values, c) for c in columns))
        if self._buffer:  # the notifications made before it go first, in the same statement
            earlier = [select(*(_literal(row, c) for c in ["recipient_id", *columns]))
                       for row in self._buffer]
            self._buffer = []
            query = union_all(*earlier, query)
        result = await self.s.execute(
            insert(_TABLE).from_select(["recipient_id", *columns], query))
        return int(getattr(result, "rowcount", 0) or 0)

    async def flush(self) -> None:
        """Write the buffered notifications (one statement however many)."""
        if self._buffer:
            rows, self._buffer = self._buffer, []
            await self.s.execute(insert(_TABLE), rows)

    async def claim_due(self, now: datetime, limit: int, lease_seconds: float,
                        after: int = 0) -> list[OutboxItem]:
        """Lease the first unsent item of up to ``limit`` recipients whose first item is due.

        One statement: ``UPDATE … RETURNING`` over the heads of the recipients' queues, read
        from the partial index of unsent rows. On PostgreSQL the heads are taken in
        recipient order after ``after`` (wrapping round), stopping once ``limit`` are held:
        the cost grows with the batch, not with the recipients that have a backlog. SQLite
        takes the oldest heads (``MIN(id)`` per recipient) and ignores ``after``.
        """
        await self.flush()
        postgres = self.s.get_bind().dialect.name == "postgresql"
        rows = list((await self.s.execute(
            _LEASE_PG if postgres else _LEASE_GENERIC,
            {"now": now, "until": now + timedelta(seconds=lease_seconds), "limit": limit,
             **({"after": after} if postgres else {})},
        )).all())
        rows.sort(key=lambda r: r.id)
        return [
            OutboxItem(
                r.id,
                Notification(r.recipient_id, r.kind, r.request_id, r.data or {}, r.edit_key,
                             bool(r.edit_only)),
                r.attempts,
                r.created_at,
            )
            for r in rows
        ]

    async def purge_sent(self, before: datetime) -> int:
        """Delete the items sent before ``before`` (``OUTBOX_KEEP_DAYS``); returns how many."""
        result = await self.s.execute(
            delete(OutboxRow).where(OutboxRow.sent_at.is_not(None), OutboxRow.sent_at < before)
            .execution_options(synchronize_session=False))
        return int(getattr(result, "rowcount", 0) or 0)

    async def mark_sent(self, item_id: int, now: datetime,
                        record: SentMessage | None = None) -> None:
        """One statement, with ``record`` too: on PostgreSQL the mark is a data-modifying
        CTE of the ``sent_messages`` upsert; on SQLite both are the trigger of the
        ``outbox_deliveries`` view (migration 0012_i14s_sqlite_delivery)."""
        mark = (update(OutboxRow).where(OutboxRow.id == item_id)
                .values(sent_at=now, locked_until=None, attempts=OutboxRow.attempts + 1))
        if record is None:
            await self.s.execute(mark)
        elif self.s.get_bind().dialect.name == "postgresql":
            await self.s.execute(_record_upsert(pg_insert, record).add_cte(mark.cte("marked")))
        else:
            await self.s.execute(insert(_DELIVERIES).values(
                outbox_id=item_id, sent_at=now, person_id=record.person_id,
                channel=record.channel, edit_key=record.edit_key,
                message_ref=record.message_ref))

    async def mark_failed(self, item_id: int, error: str, retry_at: datetime | None) -> None:
        values: dict[str, object] = {
            "locked_until": None, "attempts": OutboxRow.attempts + 1, "last_error": error[:2000]}
        if retry_at is None:
            values["gave_up_at"] = _now()
        else:
            values["next_attempt_at"] = retry_at
        await self.s.execute(update(OutboxRow).where(OutboxRow.id == item_id).values(**values))

    async def release(self, item_id: int) -> None:
        """Give a leased item back untouched (an earlier item of its recipient failed)."""
        await self.s.execute(
            update(OutboxRow).where(OutboxRow.id == item_id).values(locked_until=None))

    async def pending_count(self) -> int:
        await self.flush()
        return int(await self.s.scalar(
            select(func.count()).select_from(OutboxRow).where(
                and_(OutboxRow.sent_at.is_(None), OutboxRow.gave_up_at.is_(None)))) or 0)

    # -- dead letters (issue 15): failed past the retry budget, or held (nobody to send to)

    async def hold(self, item_id: int, reason: str) -> None:
        """Keep the item unsent without retrying: its recipient has no account on any running
        channel. ``release_held`` puts it back in the queue once they have one."""
        await self.s.execute(update(OutboxRow).where(OutboxRow.id == item_id).values(
            locked_until=None, attempts=OutboxRow.attempts + 1, gave_up_at=_now(),
            last_error=(HELD_PREFIX + reason)[:2000]))

    async def dead_letters(self, *, held: bool = False, limit: int = 1000) -> list[DeadLetter]:
        """Items that gave up (``held``: the ones kept for an unreachable person), oldest
        first."""
        marker = OutboxRow.last_error.like(HELD_PREFIX + "%")
        rows = await self.s.scalars(
            select(OutboxRow).where(OutboxRow.sent_at.is_(None),
                                    OutboxRow.gave_up_at.is_not(None),
                                    marker if held else ~marker | OutboxRow.last_error.is_(None))
            .order_by(OutboxRow.id).limit(limit))
        return [DeadLetter(r.id, r.recipient_id, r.kind, r.request_id, r.attempts, r.created_at,
                           r.gave_up_at or r.created_at, r.last_error or "") for r in rows]

    async def retry(self, item_ids: list[int] | None = None) -> int:
        """Put given-up items (all when ``item_ids`` is None) back in the queue, due now with a
        fresh retry budget; returns how many."""
        query = update(OutboxRow).where(OutboxRow.sent_at.is_(None),
                                        OutboxRow.gave_up_at.is_not(None))
        if item_ids is not None:
            query = query.where(OutboxRow.id.in_(item_ids))
        result = await self.s.execute(
            query.values(gave_up_at=None, attempts=0, next_attempt_at=None, locked_until=None)
            .execution_options(synchronize_session=False))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def release_held(self, channels: list[str]) -> int:
        """Queue again the held items of people who now have an account on one of
        ``channels`` (someone added it, or they wrote in)."""
        reachable = select(AccountRow.person_id).where(AccountRow.channel.in_(channels))
        result = await self.s.execute(
            update(OutboxRow).where(OutboxRow.sent_at.is_(None),
                                    OutboxRow.gave_up_at.is_not(None),
                                    OutboxRow.last_error.like(HELD_PREFIX + "%"),
                                    OutboxRow.recipient_id.in_(reachable))
            .values(gave_up_at=None, attempts=0, next_attempt_at=None, locked_until=None)
            .execution_options(synchronize_session=False))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def was_held(self, recipient_id: int, request_id: int, before_id: int) -> bool:
        """Whether an earlier item for this person and request was held already."""
        found = await self.s.scalar(
            select(OutboxRow.id).where(OutboxRow.recipient_id == recipient_id,
                                       OutboxRow.request_id == request_id,
                                       OutboxRow.id < before_id,
                                       OutboxRow.last_error.like(HELD_PREFIX + "%")).limit(1))
        return found is not None


class SqlSentMessages(SentMessages):
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def get(self, person_id: int, channel: str, edit_key: str) -> str | None:
        row = await self.s.get(SentMessageRow, (person_id, channel, edit_key))
        return row.message_ref if row else None

    async def put(self, person_id: int, channel: str, edit_key: str, message_ref: str) -> None:
        """One upsert (``INSERT … ON CONFLICT DO UPDATE`` on both databases)."""
        make = pg_insert if self.s.get_bind().dialect.name == "postgresql" else sqlite_insert
        await self.s.execute(_record_upsert(
            make, SentMessage(person_id, channel, edit_key, message_ref)))

    async def route(self, person_id: int, edit_key: str | None) -> DeliveryRoute | None:
        row = (await self.s.execute(_ROUTE, {"person_id": person_id,
                                             "edit_key": edit_key or ""})).first()
        if row is None:
            return None
        person = Person(row.id, row.name, Role(row.role), row.language, row.active,
                        row.timezone)
        accounts = [Account(person_id, channel, address)
                    for _id, channel, address in sorted(row.accounts or [])]
        previous = {channel: ref for channel, ref in (row.previous or [])}
        return DeliveryRoute(person, row.preferred_channel, accounts, previous,
                             notices_off=row.status_notices is False
                             or row.status_notices == 0)


_ROUTE = select(
    PersonRow.id, PersonRow.name, PersonRow.role, PersonRow.language, PersonRow.active,
    PersonRow.timezone, PersonRow.preferred_channel,
    type_coerce(select(json_rows(AccountRow.id, AccountRow.channel, AccountRow.address))
                .where(AccountRow.person_id == PersonRow.id).correlate(PersonRow)
                .scalar_subquery(), JSON).label("accounts"),
    type_coerce(select(json_rows(SentMessageRow.channel, SentMessageRow.message_ref))
                .where(SentMessageRow.person_id == PersonRow.id,
                       SentMessageRow.edit_key == bindparam("edit_key"))
                .correlate(PersonRow).scalar_subquery(), JSON).label("previous"),
    select(NoticePreferenceRow.status_notices)
    .where(NoticePreferenceRow.person_id == PersonRow.id).correlate(PersonRow)
    .scalar_subquery().label("status_notices"),
).where(PersonRow.id == bindparam("person_id"))


def _record_upsert(make: Any, record: SentMessage) -> Any:
    stmt = make(SentMessageRow.__table__).values(
        person_id=record.person_id, channel=record.channel, edit_key=record.edit_key,
        message_ref=record.message_ref)
    return stmt.on_conflict_do_update(index_elements=["person_id", "channel", "edit_key"],
                                      set_={"message_ref": stmt.excluded.message_ref})


def _literal(values: dict[str, Any], column: str) -> Any:
    return literal(values[column], type_=_T[column].type)


def _values(n: Notification, now: datetime) -> dict[str, Any]:
    return {"recipient_id": n.recipient_id, "kind": n.kind, "request_id": n.request_id,
            "data": n.data, "edit_key": n.edit_key, "edit_only": n.edit_only,
            "created_at": now, "attempts": 0}


def _now() -> datetime:
    return datetime.now(UTC)
