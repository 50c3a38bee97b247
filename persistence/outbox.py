"""The transactional outbox and the record of sent messages (for later edits)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.notifications import Notification
from core.ports import HELD_PREFIX, DeadLetter, Outbox, OutboxItem, SentMessages
from persistence.tables import AccountRow, OutboxRow, SentMessageRow


class SqlOutbox(Outbox):
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def add(self, notification: Notification) -> None:
        now = _now()
        self.s.add(OutboxRow(
            recipient_id=notification.recipient_id, kind=notification.kind,
            request_id=notification.request_id, data=notification.data,
            edit_key=notification.edit_key, edit_only=notification.edit_only,
            created_at=now, attempts=0, next_attempt_at=None,
        ))

    async def claim_due(self, now: datetime, limit: int, lease_seconds: float) -> list[OutboxItem]:
        earlier = aliased(OutboxRow)
        # Per recipient, strictly in order: skip an item while an earlier one is unsent.
        blocked = (
            select(earlier.id).where(
                earlier.recipient_id == OutboxRow.recipient_id,
                earlier.id < OutboxRow.id,
                earlier.sent_at.is_(None),
                earlier.gave_up_at.is_(None),
            ).exists()
        )
        query = (
            select(OutboxRow)
            .where(
                OutboxRow.sent_at.is_(None),
                OutboxRow.gave_up_at.is_(None),
                OutboxRow.next_attempt_at.is_(None) | (OutboxRow.next_attempt_at <= now),
                (OutboxRow.locked_until.is_(None)) | (OutboxRow.locked_until < now),
                ~blocked,
            )
            .order_by(OutboxRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=OutboxRow)
        )
        rows = list(await self.s.scalars(query))
        if not rows:
            return []
        await self.s.execute(
            update(OutboxRow).where(OutboxRow.id.in_([r.id for r in rows]))
            .values(locked_until=now + timedelta(seconds=lease_seconds))
            .execution_options(synchronize_session=False)
        )
        return [
            OutboxItem(
                r.id,
                Notification(r.recipient_id, r.kind, r.request_id, r.data or {}, r.edit_key,
                             r.edit_only),
                r.attempts,
                r.created_at,
            )
            for r in rows
        ]

    async def mark_sent(self, item_id: int, now: datetime) -> None:
        await self.s.execute(
            update(OutboxRow).where(OutboxRow.id == item_id)
            .values(sent_at=now, locked_until=None, attempts=OutboxRow.attempts + 1)
        )

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
        row = await self.s.get(SentMessageRow, (person_id, channel, edit_key))
        if row is None:
            self.s.add(SentMessageRow(person_id=person_id, channel=channel, edit_key=edit_key,
                                      message_ref=message_ref))
        else:
            row.message_ref = message_ref
        await self.s.flush()


def _now() -> datetime:
    return datetime.now(UTC)
