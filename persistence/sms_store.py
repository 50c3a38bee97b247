"""SQL storage for the SMS channel (opt-outs, delivery log) and used link-page tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from core.sms_ports import LinkUses, SmsRecord, SmsStore
from persistence.tables import LinkUseRow, SmsMessageRow, SmsOptOutRow


def _record(row: SmsMessageRow) -> SmsRecord:
    return SmsRecord(
        sid=row.sid, to=row.to, body=row.body, segments=row.segments, status=row.status,
        created_at=row.created_at, attempt=row.attempt, error_code=row.error_code,
        retry_of=row.retry_of,
    )


class SqlSmsStore(SmsStore):
    """``SmsStore`` on SQLAlchemy; each call is its own short transaction."""

    def __init__(self, sessionmaker: async_sessionmaker[Any]) -> None:
        self._sessions = sessionmaker

    async def is_opted_out(self, phone: str) -> bool:
        async with self._sessions() as session:
            row = await session.get(SmsOptOutRow, phone)
            return bool(row and row.opted_out)

    async def set_opted_out(self, phone: str, opted_out: bool, reason: str, at: datetime) -> None:
        async with self._sessions() as session:
            row = await session.get(SmsOptOutRow, phone)
            if row is None:
                session.add(SmsOptOutRow(phone=phone, opted_out=opted_out, reason=reason[:40],
                                         changed_at=at))
            else:
                row.opted_out, row.reason, row.changed_at = opted_out, reason[:40], at
            await session.commit()

    async def record(self, message: SmsRecord) -> None:
        async with self._sessions() as session:
            session.add(SmsMessageRow(
                sid=message.sid, to=message.to, body=message.body, segments=message.segments,
                status=message.status, error_code=message.error_code, attempt=message.attempt,
                retry_of=message.retry_of, created_at=message.created_at,
                updated_at=message.created_at,
            ))
            await session.commit()

    async def update_status(
        self, sid: str, status: str, error_code: str | None, at: datetime
    ) -> SmsRecord | None:
        async with self._sessions() as session:
            row = await session.get(SmsMessageRow, sid)
            if row is None:
                return None
            row.status, row.updated_at = status[:20], at
            if error_code:
                row.error_code = error_code[:10]
            await session.commit()
            return _record(row)

    async def get(self, sid: str) -> SmsRecord | None:
        async with self._sessions() as session:
            row = await session.get(SmsMessageRow, sid)
            return _record(row) if row else None

    async def messages_to(self, phone: str) -> list[SmsRecord]:
        """Every message sent to ``phone``, oldest first (tests, support)."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(SmsMessageRow).where(SmsMessageRow.to == phone)
                .order_by(SmsMessageRow.created_at, SmsMessageRow.sid)
            )
            return [_record(r) for r in rows]


class SqlLinkUses(LinkUses):
    """``LinkUses`` on SQLAlchemy: the primary key makes a link usable exactly once."""

    def __init__(self, sessionmaker: async_sessionmaker[Any]) -> None:
        self._sessions = sessionmaker

    async def used_at(self, link_id: str) -> datetime | None:
        async with self._sessions() as session:
            row = await session.get(LinkUseRow, link_id)
            return row.used_at if row else None

    async def mark_used(self, link_id: str, person_id: int, request_id: int, kind: str,
                        at: datetime) -> bool:
        async with self._sessions() as session:
            session.add(LinkUseRow(link_id=link_id, person_id=person_id, request_id=request_id,
                                   kind=kind, used_at=at))
            try:
                await session.commit()
            except IntegrityError:
                await session.rollback()
                return False
            return True
