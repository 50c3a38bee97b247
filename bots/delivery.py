"""The outbox delivery worker: at-least-once, per-recipient order, exponential backoff.

Items are leased (so several workers can run), sent through the recipient's channel, and
marked sent only after the send succeeded: a crash between commit and send loses nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from datetime import datetime, timedelta

from bots.polling import PollingWorker
from conversations.engine import Conversations
from core.clock import Clock, SystemClock
from core.notifications import Notification, is_optional
from core.ports import (
    ChannelSender,
    OutboxItem,
    SentMessage,
    UnitOfWork,
    UnitOfWorkFactory,
)
from core.preference_ports import NoticePreferences
from core.telemetry import telemetry

log = logging.getLogger(__name__)


class NoRoute(Exception):
    """The person has no account on any running channel (yet)."""


UNREACHABLE = "client_unreachable"  # told to whoever placed a request for such a person
RELEASE_EVERY = 30.0  # seconds between looks for held people who became reachable


def lease_end(after: int, recipients: list[int]) -> int:
    """The last recipient of a lease that walked the recipients in order from ``after``,
    wrapping round: the greatest one at or below ``after`` if it wrapped, else the greatest."""
    wrapped = [r for r in recipients if r <= after]
    return max(wrapped or recipients, default=0)


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
        self._route: dict[int, str] = {}  # item id -> the channel it went to (for metrics)
        self._in_hand: set[int] = set()  # leased, not yet sent, failed or released
        self._released_at: float | None = None
        # Who turned status-change notices off: those are skipped (done, not failed).
        self.preferences = preferences
        # Sent rows are deleted after ``keep_days`` (OUTBOX_KEEP_DAYS), checked hourly.
        self.keep_days = keep_days
        self.purge_every = purge_every
        self._next_purge: datetime | None = None
        # The recipient where the last lease ended: the next one starts after it (round robin).
        self._after = 0

    async def run_once(self) -> int:
        """Deliver what is due now; returns how many items were sent."""
        await self._release_reachable()
        await self._purge_if_due()
        async with self.uow_factory() as uow:
            items = await uow.outbox.claim_due(self.clock.now(), self.batch, self.lease_seconds,
                                               after=self._after)
            await uow.commit()
        if not items:
            return 0
        self._after = lease_end(self._after, [i.notification.recipient_id for i in items])
        by_recipient: dict[int, list[OutboxItem]] = defaultdict(list)
        for item in items:
            by_recipient[item.notification.recipient_id].append(item)
        self._in_hand.update(item.id for item in items)
        try:
            results = await asyncio.gather(
                *(self._deliver_in_order(q) for q in by_recipient.values()))
        except asyncio.CancelledError:  # stopped: give back what was not sent yet
            await asyncio.shield(self._release_in_hand())
            raise
        return sum(results)

    async def _release_in_hand(self) -> None:
        """Give every leased item not yet handled back to the queue (graceful shutdown), so
        another worker takes it at once instead of after the lease."""
        left, self._in_hand = sorted(self._in_hand), set()
        if not left:
            return
        try:
            async with self.uow_factory() as uow:
                for item_id in left:
                    await uow.outbox.release(item_id)
                await uow.commit()
            log.info("released %s leased outbox items on shutdown", len(left))
        except Exception:
            log.exception("could not release %s leased outbox items", len(left))

    async def _release_reachable(self) -> None:
        """Now and then: queue again what was held for people who became reachable."""
        now = time.monotonic()
        if self._released_at is not None and now - self._released_at < RELEASE_EVERY:
            return
        self._released_at = now
        if not self.senders:
            return
        async with self.uow_factory() as uow:
            try:
                released = await uow.outbox.release_held(sorted(self.senders))
            except NotImplementedError:
                return
            await uow.commit()
        if released:
            log.info("%s held notifications queued again: their people are reachable now",
                     released)

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
            except NoRoute as exc:  # nobody to send it to: hold it, the next ones too
                self._in_hand.discard(item.id)
                await self._hold(item, exc)
                continue
            except Exception as exc:  # any failure: retry later, keep order for this person
                self._in_hand.difference_update(later.id for later in queue[index:])
                await self._failed(item, exc)
                async with self.uow_factory() as uow:
                    for later in queue[index + 1:]:
                        await uow.outbox.release(later.id)
                    await uow.commit()
                return sent
            # (cancelled mid-send: the item stays in hand and is given back, sent at least once)
            self._in_hand.discard(item.id)
            sent += 1
        return sent

    async def _failed(self, item: OutboxItem, exc: Exception) -> None:
        attempts = item.attempts + 1
        give_up = attempts >= self.max_attempts
        retry_at = None if give_up else self.clock.now() + timedelta(seconds=self.backoff(attempts))
        log.warning("delivery of outbox item %s failed (attempt %s%s): %r", item.id, attempts,
                    "; gave up, see helpdesk admin outbox --failed" if give_up else "", exc)
        telemetry().delivery(self._route.pop(item.id, "none"), "failed" if give_up else "retry")
        async with self.uow_factory() as uow:
            await uow.outbox.mark_failed(item.id, repr(exc), retry_at)
            await uow.commit()

    async def _hold(self, item: OutboxItem, exc: NoRoute) -> None:
        """Keep the item without retrying; tell whoever placed the request for this person,
        once, that they cannot be reached (``helpdesk admin outbox --undeliverable``)."""
        n = item.notification
        log.info("outbox item %s (%s) held: %s", item.id, n.kind, exc)
        telemetry().delivery("none", "held")
        async with self.uow_factory() as uow:
            try:
                told = await uow.outbox.was_held(n.recipient_id, n.request_id, item.id)
                await uow.outbox.hold(item.id, str(exc))
            except NotImplementedError:  # a store without dead letters: retry as before
                await uow.rollback()
                await self._failed(item, exc)
                return
            if not told:
                await self._tell_placer(uow, n)
            await uow.commit()

    async def _tell_placer(self, uow: UnitOfWork, n: Notification) -> None:
        request = await uow.requests.get(n.request_id) if n.request_id else None
        if request is None or request.initiator_id != n.recipient_id or not request.events:
            return
        placer_id = request.events[0].actor_id
        client = await uow.people.get(n.recipient_id)
        if placer_id is None or placer_id == n.recipient_id or client is None:
            return
        rtype = await uow.types.get(request.type_id)
        await uow.outbox.add(Notification(placer_id, UNREACHABLE, n.request_id, {
            "ref": request.reference, "type": rtype.name if rtype else "",
            "client": client.name}))

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
        if not person.active:  # a deactivated person gets nothing (done, not failed)
            async with self.uow_factory() as uow:
                await uow.outbox.mark_sent(item.id, self.clock.now())
                await uow.commit()
            return
        accounts = [a for a in route.accounts if a.channel in self.senders]
        via = n.data.get("via")  # only by this channel (a visit's calendar invitation: e-mail)
        if via:
            accounts = [a for a in accounts if a.channel == via]
            if not accounts:  # no such account or channel not running: nothing to send
                log.info("outbox item %s (%s): person %s has no %s account on a running "
                         "channel; skipped", item.id, n.kind, n.recipient_id, via)
                async with self.uow_factory() as uow:
                    await uow.outbox.mark_sent(item.id, self.clock.now())
                    await uow.commit()
                return
        chosen = next((a for a in accounts if a.channel == route.preferred_channel), None)
        chosen = chosen or (accounts[0] if accounts else None)
        if chosen is None:
            raise NoRoute(f"person {person.id} has no account on {sorted(self.senders)}")
        self._route[item.id] = chosen.channel
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
        record = (SentMessage(person.id, channel, n.edit_key, ref)
                  if n.edit_key and ref is not None else None)
        async with self.uow_factory() as uow:  # one statement (two on SQLite with a record)
            await uow.outbox.mark_sent(item.id, self.clock.now(), record)
            await uow.commit()
        telemetry().delivery(self._route.pop(item.id, channel), "sent")
