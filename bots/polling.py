"""What the outbox delivery worker and the timer worker share: rounds until idle, backoff."""

from __future__ import annotations

import abc
import asyncio
import logging

log = logging.getLogger(__name__)


class PollingWorker(abc.ABC):
    """Runs ``run_once`` rounds; sleeps ``idle_seconds`` when a round found nothing due."""

    base_delay: float
    max_delay: float
    idle_seconds = 1.0
    drain_rounds = 1000

    @abc.abstractmethod
    async def run_once(self) -> int:
        """Handle what is due now; returns how many items were handled."""

    def backoff(self, attempts: int) -> float:
        """Seconds to wait after the ``attempts``-th failure: base, 2×base, 4×base… capped."""
        return min(self.max_delay, self.base_delay * 2 ** max(0, attempts - 1))

    async def drain(self, max_rounds: int | None = None) -> int:
        """Run rounds until nothing more is due now (failed items wait for their retry)."""
        total = 0
        for _ in range(max_rounds or self.drain_rounds):
            done = await self.run_once()
            total += done
            if done == 0:
                break
        return total

    async def run_forever(self, stop: asyncio.Event, idle_seconds: float | None = None) -> None:
        idle = self.idle_seconds if idle_seconds is None else idle_seconds
        while not stop.is_set():
            try:
                done = await self.run_once()
            except Exception:  # the loop must survive a database hiccup
                log.exception("%s round failed", type(self).__name__)
                done = 0
            if done == 0:
                try:
                    await asyncio.wait_for(stop.wait(), idle)
                except TimeoutError:
                    pass
