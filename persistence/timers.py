"""Durable timers in the ``timers`` table (``core.ports.TimerStore``).

Pending timers are leased like outbox items (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, a
``locked_until`` lease everywhere), and marked fired in the transaction that applies their
effect with ``UPDATE … WHERE fired_at IS NULL``: a timer fires once even if a lease runs
out while its first worker is still busy.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    JSON,
    ColumnElement,
    Integer,
    String,
    column,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    table,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from core.kinds import TimerKind
from core.ports import TimerStore
from core.timers import REQUEST_KINDS, Timer
from persistence.tables import TimerRow, UTCDateTime


def _timer(row: TimerRow) -> Timer:
    return Timer(row.id, TimerKind(row.kind), row.request_id, row.fire_at, row.attempts,
                 row.data or {})


# SQLite only: inserting a row here syncs a request's pending timers in one statement (the
# view's INSTEAD OF trigger, migration 0012_i14t_timer_sync). ``wanted`` is a JSON array of
# [kind, fire_at as the column stores it]; ``covered`` the kinds being synced.
_SQLITE_AT = UTCDateTime()
_SYNCS = table("timer_syncs", column("request_id", Integer), column("covered", JSON),
               column("wanted", JSON), column("created_at", UTCDateTime()))


def _pending() -> ColumnElement[bool]:
    return TimerRow.fired_at.is_(None) & TimerRow.gave_up_at.is_(None)


class SqlTimerStore(TimerStore):
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def sync(self, request_id: int, wanted: dict[TimerKind, datetime],
                   kinds: frozenset[TimerKind] | None = None) -> None:
        """One statement, no read: delete the pending timers of ``kinds`` that are not
        wanted as they are (kind and time), and insert the wanted ones that are missing (a
        timer whose time moved is replaced, with its attempts back at 0). PostgreSQL: the
        delete is a data-modifying CTE of the insert; SQLite: both are the trigger of the
        ``timer_syncs`` view (migration 0012_i14t_timer_sync)."""
        covered = sorted(k.value for k in (REQUEST_KINDS if kinds is None else kinds))
        dialect = self.s.get_bind().dialect
        if dialect.name == "sqlite":
            stored = _SQLITE_AT.dialect_impl(dialect).bind_processor(dialect)
            assert stored is not None
            await self.s.execute(insert(_SYNCS).values(
                request_id=request_id, covered=covered,
                wanted=[[kind.value, stored(at)] for kind, at in wanted.items()],
                created_at=_now()))
            return
        keep = [(TimerRow.kind == kind.value) & (TimerRow.fire_at == at)
                for kind, at in wanted.items()]
        stale = delete(TimerRow).where(TimerRow.request_id == request_id, _pending(),
                                       TimerRow.kind.in_(covered))
        if keep:
            stale = stale.where(~or_(*keep))
        if not wanted:
            await self.s.execute(stale.execution_options(synchronize_session=False))
            return
        table = TimerRow.__table__
        # The insert sees the timers as they were before the CTE's delete: a timer of the
        # same kind blocks it only where it is kept (same time) or not ours to replace.
        rows = [
            select(literal(request_id, Integer()), literal(kind.value, String()),
                   literal(at, table.c.fire_at.type), literal({}, table.c.data.type),
                   literal(_now(), table.c.created_at.type), literal(0, Integer()))
            .where(~exists().where(TimerRow.request_id == request_id,
                                   TimerRow.kind == kind.value, _pending(),
                                   (TimerRow.fire_at == at) | TimerRow.kind.not_in(covered)))
            for kind, at in wanted.items()
        ]
        await self.s.execute(
            insert(table).from_select(  # type: ignore[arg-type]
                ["request_id", "kind", "fire_at", "data", "created_at", "attempts"],
                rows[0] if len(rows) == 1 else union_all(*rows))
            .add_cte(stale.cte("stale")).execution_options(synchronize_session=False))

    async def pending(self, request_id: int) -> list[Timer]:
        rows = await self.s.scalars(
            select(TimerRow).where(TimerRow.request_id == request_id, _pending())
            .order_by(TimerRow.fire_at, TimerRow.id))
        return [_timer(r) for r in rows]

    async def claim_due(self, now: datetime, limit: int, lease_seconds: float) -> list[Timer]:
        query = (
            select(TimerRow)
            .where(_pending(), TimerRow.fire_at <= now,
                   TimerRow.locked_until.is_(None) | (TimerRow.locked_until < now))
            .order_by(TimerRow.fire_at, TimerRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = list(await self.s.scalars(query))
        if not rows:
            return []
        await self.s.execute(
            update(TimerRow).where(TimerRow.id.in_([r.id for r in rows]))
            .values(locked_until=now + timedelta(seconds=lease_seconds))
            .execution_options(synchronize_session=False))
        return [_timer(r) for r in rows]

    async def mark_fired(self, timer_id: int, now: datetime, outcome: str) -> bool:
        result = await self.s.execute(
            update(TimerRow).where(TimerRow.id == timer_id, _pending())
            .values(fired_at=now, outcome=outcome, locked_until=None,
                    attempts=TimerRow.attempts + 1)
            .execution_options(synchronize_session=False))
        return result.rowcount == 1  # type: ignore[attr-defined]

    async def mark_failed(self, timer_id: int, error: str, retry_at: datetime | None) -> None:
        values: dict[str, object] = {
            "locked_until": None, "attempts": TimerRow.attempts + 1, "last_error": error[:2000]}
        if retry_at is None:
            values["gave_up_at"] = _now()
        else:
            values["fire_at"] = retry_at
        await self.s.execute(update(TimerRow).where(TimerRow.id == timer_id).values(**values)
                             .execution_options(synchronize_session=False))

    async def pending_count(self) -> int:
        return int(await self.s.scalar(
            select(func.count()).select_from(TimerRow).where(_pending())) or 0)

    async def release(self, timer_id: int) -> None:
        """Give a leased timer back untouched (the worker is stopping)."""
        await self.s.execute(update(TimerRow).where(TimerRow.id == timer_id, _pending())
                             .values(locked_until=None)
                             .execution_options(synchronize_session=False))


def _now() -> datetime:
    return datetime.now(UTC)
