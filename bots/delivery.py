"""The outbox delivery worker: at-least-once, per-recipient order, exponential backoff.

Items are leased (so several workers can run), sent through the recipient's channel, and
marked sent only after the send succeeded: a crash between commit and send loses nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from datetime import datetime, timedelta

from bots.polling import PollingWorker
from conversations.engine import Conversations
from core.clock import Clock, SystemClock
from core.notifications import is_optional
from core.ports import ChannelSender, OutboxItem, UnitOfWorkFactory
from core.preference_ports import NoticePreferences

log = logging.getLogger(__name__)


class NoRoute(Exception):
    """The person has no account on any running channel (yet)."""


class DeliveryWorker(PollingWorker):
    idle_seconds = 0.2
    drain_rounds = 100

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        conversations: Conversations,
        senders: dict[str, ChannelSender],
        *,
        clock: Clock | None = None,
        batch: int = 100,
        lease_seconds: float = 60.0,
        base_delay: float = 1.0,
        max_delay: float = 900.0,
        max_attempts: int = 20,
        concurrency: int = 32,
        preferences: NoticePreferences | None = None,
        keep_days: int = 30,
        purge_every: float = 3600.0,
    ) -> None:
        self.uow_factory = uow_factory
        self.conversations = conversations
        self.senders = senders
        self.clock = clock or SystemClock()
        self.batch = batch
        self.lease_seconds = lease_seconds
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_attempts = max_attempts
        self._limit = asyncio.Semaphore(concurrency)
        # Who turned status-change notices off: those are skipped (done, not failed).
        self.preferences = preferences
        # Sent rows are deleted after ``keep_days`` (OUTBOX_KEEP_DAYS), checked hourly.
        self.keep_days = keep_days
        self.purge_every = purge_every
        self._next_purge: datetime | None = None

    async def run_once(self) -> int:
        """Deliver what is due now; returns how many items were sent."""
        await self._purge_if_due()
        async with self.uow_factory() as uow:
            items = await uow.outbox.claim_due(self.clock.now(), self.batch, self.lease_seconds)
            await uow.commit()
        if not items:
            return 0
        by_recipient: dict[int, list[OutboxItem]] = defaultdict(list)
        for item in items:
            by_recipient[item.notification.recipient_id].append(item)
        results = await asyncio.gather(*(self._deliver_in_order(q) for q in by_recipient.values()))
        return sum(results)

    async def _purge_if_due(self) -> None:
        now = self.clock.now()
        if self._next_purge is not None and now < self._next_purge:
            return
        self._next_purge = now + timedelta(seconds=self.purge_every)
        async with self.uow_factory() as uow:
            purged = await uow.outbox.purge_sent(now - timedelta(days=self.keep_days))
            await uow.commit()
        if purged:
            log.info("outbox: deleted %s notifications sent over %s days ago",
                     purged, self.keep_days)

    async def _deliver_in_order(self, queue: list[OutboxItem]) -> int:
        sent = 0
        for index, item in enumerate(queue):
            try:
                async with self._limit:
                    await self._deliver(item)
            except Exception as exc:  # any failure: retry later, keep order for this person
                await self._failed(item, exc)
                async with self.uow_factory() as uow:
                    for later in queue[index + 1:]:
                        await uow.outbox.release(later.id)
                    await uow.commit()
                return sent
            sent += 1
        return sent

    async def _failed(self, item: OutboxItem, exc: Exception) -> None:
        attempts = item.attempts + 1
        give_up = attempts >= self.max_attempts
        retry_at = None if give_up else self.clock.now() + timedelta(seconds=self.backoff(attempts))
        log.warning("delivery of outbox item %s failed (attempt %s): %r", item.id, attempts, exc)
        async with self.uow_factory() as uow:
            await uow.outbox.mark_failed(item.id, repr(exc), retry_at)
            await uow.commit()

    async def _deliver(self, item: OutboxItem) -> None:
        """Send one item and mark it sent (one read transaction, one write transaction)."""
        n = item.notification
        async with self.uow_factory(read_only=True) as uow:  # one statement
            route = await uow.sent.route(n.recipient_id, n.edit_key)
        if route is None:
            raise NoRoute(f"person {n.recipient_id} does not exist")
        if self.preferences is not None and is_optional(n.kind) and route.notices_off:
            log.info("outbox item %s (%s): person %s turned status notices off; skipped",
                     item.id, n.kind, n.recipient_id)
            async with self.uow_factory() as uow:
                await uow.outbox.mark_sent(item.id, self.clock.now())
                await uow.commit()
            return
        person = route.person
        accounts = [a for a in route.accounts if a.channel in self.senders]
        chosen = next((a for a in accounts if a.channel == route.preferred_channel), None)
        chosen = chosen or (accounts[0] if accounts else None)
        if chosen is None:
            raise NoRoute(f"person {person.id} has no account on {sorted(self.senders)}")
        previous = route.previous.get(chosen.channel) if n.edit_key else None
        channel, address = chosen.channel, chosen.address
        sender = self.senders[channel]
        reply = await self.conversations.render(n, person, channel, address)
        ref = None
        if n.edit_only:
            if previous is not None:
                await sender.edit(address, previous, reply)
        else:
            if previous is not None:
                await sender.clear_buttons(address, previous)
            ref = await sender.send(address, reply)
        async with self.uow_factory() as uow:
            if n.edit_key and ref is not None:
                await uow.sent.put(person.id, channel, n.edit_key, ref)
            await uow.outbox.mark_sent(item.id, self.clock.now())
            await uow.commit()
