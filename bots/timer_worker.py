"""The timer worker: fires durable timers (``core.timers``) when they are due.

Every future action — a waiting request's automatic return, the automatic close after N
days without the customer's answer, the end of the feedback window, SLA warnings and
breaches — is a row in the ``timers`` table. The worker leases due rows (``FOR UPDATE SKIP
LOCKED`` on PostgreSQL, plus a lease time), applies each through ``core.services.fire_timer``
(the effect, its notifications and the "fired" mark are one transaction) and retries a
failed one later with exponential backoff. Timers survive restarts; several workers never
fire one twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from datetime import timedelta

from bots.polling import PollingWorker
from core import services
from core.clock import Clock, SystemClock
from core.ports import UnitOfWorkFactory
from core.timers import Timer

log = logging.getLogger(__name__)


class TimerWorker(PollingWorker):
    idle_seconds = 1.0
    drain_rounds = 1000

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        *,
        clock: Clock | None = None,
        batch: int = 50,
        lease_seconds: float = 60.0,
        base_delay: float = 5.0,
        max_delay: float = 900.0,
        max_attempts: int = 20,
        concurrency: int = 8,
    ) -> None:
        self.uow_factory = uow_factory
        self.clock = clock or SystemClock()
        self.batch = batch
        self.lease_seconds = lease_seconds
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_attempts = max_attempts
        self._limit = asyncio.Semaphore(concurrency)

    async def run_once(self) -> int:
        """Fire what is due now; returns how many timers were leased (0: nothing is due)."""
        async with self.uow_factory() as uow:
            timers = await uow.timers.claim_due(self.clock.now(), self.batch, self.lease_seconds)
            await uow.commit()
        by_request: dict[int, list[Timer]] = defaultdict(list)
        for timer in timers:
            by_request[timer.request_id].append(timer)
        in_hand = {timer.id for timer in timers}
        # Requests in parallel (waiting on the database, not the CPU); one request's timers
        # in order, so they don't race each other for its version.
        try:
            await asyncio.gather(*(self._fire_in_order(queue, in_hand)
                                   for queue in by_request.values()))
        except asyncio.CancelledError:  # stopping: give back the leases of unfired timers
            await asyncio.shield(self._release(in_hand))
            raise
        return len(timers)

    async def _release(self, timer_ids: set[int]) -> None:
        if not timer_ids:
            return
        try:
            async with self.uow_factory() as uow:
                for timer_id in sorted(timer_ids):
                    await uow.timers.release(timer_id)
                await uow.commit()
        except Exception:
            log.exception("could not release %s leased timers", len(timer_ids))

    async def _fire_in_order(self, queue: list[Timer], in_hand: set[int]) -> None:
        for timer in queue:
            try:
                async with self._limit:
                    await services.fire_timer(self.uow_factory, self.clock, timer)
            except Exception as exc:  # retry later; the other timers go on
                await self._failed(timer, exc)
            in_hand.discard(timer.id)

    async def _failed(self, timer: Timer, exc: Exception) -> None:
        attempts = timer.attempts + 1
        give_up = attempts >= self.max_attempts
        retry_at = None if give_up else self.clock.now() + timedelta(seconds=self.backoff(attempts))
        log.warning("timer %s (%s, request %s) failed (attempt %s): %r",
                    timer.id, timer.kind.value, timer.request_id, attempts, exc)
        async with self.uow_factory() as uow:
            await uow.timers.mark_failed(timer.id, repr(exc), retry_at)
            await uow.commit()
