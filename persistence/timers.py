"""Durable timers in the ``timers`` table (``core.ports.TimerStore``).

Pending timers are leased like outbox items (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, a
``locked_until`` lease everywhere), and marked fired in the transaction that applies their
effect with ``UPDATE … WHERE fired_at IS NULL``: a timer fires once even if a lease runs
out while its first worker is still busy.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.kinds import TimerKind
from core.ports import TimerStore
from core.timers import Timer
from persistence.tables import TimerRow


def _timer(row: TimerRow) -> Timer:
    return Timer(row.id, TimerKind(row.kind), row.request_id, row.fire_at, row.attempts,
                 row.data or {})


def _pending() -> ColumnElement[bool]:
    return TimerRow.fired_at.is_(None) & TimerRow.gave_up_at.is_(None)


class SqlTimerStore(TimerStore):
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def sync(self, request_id: int, wanted: dict[TimerKind, datetime]) -> None:
        """Core statements on plain rows: one read, then only the writes needed (none when
        nothing changed)."""
        rows = (await self.s.execute(
            select(TimerRow.id, TimerRow.kind, TimerRow.fire_at)
            .where(TimerRow.request_id == request_id, _pending()))).all()
        have = {row.kind: row for row in rows}
        obsolete = [row.id for row in rows if row.kind not in {k.value for k in wanted}]
        if obsolete:
            await self.s.execute(delete(TimerRow).where(TimerRow.id.in_(obsolete))
                                 .execution_options(synchronize_session=False))
        new: list[dict[str, Any]] = [
            {"request_id": request_id, "kind": kind.value, "fire_at": at, "data": {},
             "created_at": _now(), "attempts": 0}
            for kind, at in wanted.items() if kind.value not in have]
        if new:
            await self.s.execute(insert(TimerRow.__table__), new)  # type: ignore[arg-type]
        for kind, at in wanted.items():
            row = have.get(kind.value)
            if row is not None and row.fire_at != at:
                await self.s.execute(
                    update(TimerRow).where(TimerRow.id == row.id)
                    .values(fire_at=at, attempts=0, last_error=None)
                    .execution_options(synchronize_session=False))

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


def _now() -> datetime:
    return datetime.now(UTC)
