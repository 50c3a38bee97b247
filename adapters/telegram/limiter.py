"""Client-side pacing within Telegram's flood limits, shared by replies and notifications.

≤ 30 messages/s overall (one slot every 1/30 s), ≤ 1 message/s per private chat and
≤ 20 messages/min per group (one every 3 s). Slots are reserved under a lock, so concurrent
senders never exceed the limits, and a chat waiting for its turn does not hold up others.
"""

from __future__ import annotations

import asyncio
import bisect

from core.ports import RateGate

PRUNE_AT = 10_000  # chats remembered before the ones whose next slot has passed are dropped


class FloodLimiter:
    """Reserves send slots within the flood limits; ``window`` scales them (tests use short
    windows) and ``margin`` keeps a little below them against timing jitter."""

    def __init__(
        self,
        overall_per_second: float = 30,
        per_chat_per_second: float = 1,
        per_group_per_minute: float = 20,
        window: float = 1.0,
        margin: float = 1.06,
        shared: RateGate | None = None,
    ) -> None:
        # ``shared``: the overall limit across every process (``helpdesk worker`` ×M and
        # ``serve --web-only`` ×N), a Redis token bucket; the per-chat pacing stays local.
        self.shared = shared
        self.global_gap = window / overall_per_second * margin
        self.chat_gap = window / per_chat_per_second * margin
        self.group_gap = 60 * window / per_group_per_minute * margin
        self._lock = asyncio.Lock()
        self._slots: list[float] = []
        self._chat_next: dict[int, float] = {}

    async def wait(self, chat_id: int) -> None:
        """Sleep until a message to ``chat_id`` may be sent."""
        if self.shared is not None:
            await self.shared.wait("telegram")
        loop = asyncio.get_running_loop()
        async with self._lock:
            now = loop.time()
            if len(self._chat_next) > PRUNE_AT:
                self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
            at = max(now, self._chat_next.get(chat_id, now))
            if self.shared is None:  # else the shared bucket paces every process together
                at = self._reserve_global(at, now)
            self._chat_next[chat_id] = at + (self.group_gap if chat_id < 0 else self.chat_gap)
        if at > now:
            await asyncio.sleep(at - now)

    def hold(self, chat_id: int, seconds: float) -> None:
        """Telegram answered 429 with ``retry_after``: no message to that chat before then."""
        until = asyncio.get_running_loop().time() + seconds
        self._chat_next[chat_id] = max(self._chat_next.get(chat_id, until), until)

    def _reserve_global(self, at: float, now: float) -> float:
        gap = self.global_gap
        del self._slots[: bisect.bisect_left(self._slots, now - 1.0)]
        i = bisect.bisect_left(self._slots, at - gap)
        while i < len(self._slots) and self._slots[i] < at + gap:
            at = self._slots[i] + gap
            i += 1
        bisect.insort(self._slots, at)
        return at
