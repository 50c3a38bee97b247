"""What ``/readyz`` and ``/metrics`` read from the database: reachability, the schema's
revision, the outbox's depth and the timers that are due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from persistence.migrate import alembic_config
from persistence.tables import OutboxRow, TimerRow


@lru_cache(maxsize=1)
def expected_heads() -> frozenset[str]:
    """The heads of the migration scripts shipped with this code."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


async def schema_heads(engine: AsyncEngine) -> frozenset[str]:
    """The revisions applied to the database (one query; also proves it answers)."""
    from alembic.runtime.migration import MigrationContext

    def _heads(connection: Connection) -> frozenset[str]:
        return frozenset(MigrationContext.configure(connection).get_current_heads())

    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
        return await conn.run_sync(_heads)


@dataclass(frozen=True)
class QueueStats:
    """Outbox and timer figures for the gauges of ``/metrics``."""

    outbox_depth: int  # unsent, not given up
    outbox_oldest_age: float  # seconds since the oldest of them was written (0: none)
    outbox_dead: int  # given up or held (``helpdesk admin outbox``)
    timers_due: int  # pending and due now
    timers_late: int  # pending and due for longer than ``late_after``


async def queue_stats(engine: AsyncEngine, now: datetime,
                      late_after: timedelta = timedelta(minutes=1)) -> QueueStats:
    """Count what waits in the outbox and the timers (three short aggregate queries)."""
    pending = OutboxRow.sent_at.is_(None) & OutboxRow.gave_up_at.is_(None)
    timer_pending = TimerRow.fired_at.is_(None) & TimerRow.gave_up_at.is_(None)
    async with engine.connect() as conn:
        depth, oldest = (await conn.execute(
            select(func.count(), func.min(OutboxRow.created_at)).where(pending))).one()
        dead = await conn.scalar(select(func.count()).select_from(OutboxRow).where(
            OutboxRow.sent_at.is_(None), OutboxRow.gave_up_at.is_not(None)))
        due, late = (await conn.execute(select(
            func.count(TimerRow.id).filter(TimerRow.fire_at <= now),
            func.count(TimerRow.id).filter(TimerRow.fire_at <= now - late_after),
        ).where(timer_pending))).one()
    age = 0.0
    if oldest is not None:
        if isinstance(oldest, str):  # SQLite through a raw aggregate returns text
            oldest = datetime.fromisoformat(oldest)
        if oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=now.tzinfo)
        age = max(0.0, (now - oldest).total_seconds())
    return QueueStats(int(depth or 0), age, int(dead or 0), int(due or 0), int(late or 0))
