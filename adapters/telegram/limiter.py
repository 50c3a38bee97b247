"""Client-side pacing within Telegram's flood limits, shared by replies and notifications.

≤ 30 messages/s overall (one slot every 1/30 s), ≤ 1 message/s per private chat and
≤ 20 messages/min per group (one every 3 s). Slots are reserved under a lock, so concurrent
senders never exceed the limits, and a chat waiting for its turn does not hold up others.
"""

from __future__ import annotations

import asyncio
import bisect


class FloodLimiter:
    def __init__(
        self,
        overall_per_second: float = 30,
        per_chat_per_second: float = 1,
        per_group_per_minute: float = 20,
        window: float = 1.0,
        margin: float = 1.04,
    ) -> None:
        self.global_gap = window / overall_per_second * margin
        self.chat_gap = window / per_chat_per_second * margin
        self.group_gap = 60 * window / per_group_per_minute * margin
        self._lock = asyncio.Lock()
        self._slots: list[float] = []
        self._chat_next: dict[int, float] = {}

    async def wait(self, chat_id: int) -> None:
        """Sleep until a message to ``chat_id`` may be sent."""
        loop = asyncio.get_running_loop()
        async with self._lock:
            now = loop.time()
            at = max(now, self._chat_next.get(chat_id, now))
            at = self._reserve_global(at, now)
            self._chat_next[chat_id] = at + (self.group_gap if chat_id < 0 else self.chat_gap)
        if at > now:
            await asyncio.sleep(at - now)

    def _reserve_global(self, at: float, now: float) -> float:
        gap = self.global_gap
        del self._slots[: bisect.bisect_left(self._slots, now - 1.0)]
        i = bisect.bisect_left(self._slots, at - gap)
        while i < len(self._slots) and self._slots[i] < at + gap:
            at = self._slots[i] + gap
            i += 1
        bisect.insort(self._slots, at)
        return at
