"""Platform rate limits shared by every process through Redis (issue 14).

A token bucket per key in one Lua script (atomic, one round trip, the server's clock): a
call takes a token; when the bucket is empty the token is *reserved* ahead (the count goes
negative) and the caller sleeps until its turn. N processes together therefore stay within
the platform's limit (Telegram 30 msg/s, a Slack channel 1 msg/s, a Twilio number 1 SMS/s),
and waiting callers are served in arrival order. Runs on Redis and on fakeredis[lua].
"""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from core.ports import RateGate

# KEYS[1] bucket; ARGV[1] tokens per second, ARGV[2] burst (bucket size).
# Returns the server's time and the seconds to wait from then (strings: Lua numbers would be
# truncated to integers).
TAKE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate) - 1
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
if tokens >= 0 then return {tostring(now), '0'} end
return {tostring(now), tostring(-tokens / rate)}
"""


# Of an interval between two tokens: later than that, a caller takes a new slot. Telegram's
# window leaves 30 / 29 - 1 (3.4 %) of a second, 34 ms, for every delay between waking up and
# arriving there; a caller already half an interval late would use half of it.
LATE = 0.5
RETAKES = 2


class RedisRateGate(RateGate):
    """Token buckets in Redis; ``limits`` maps a key prefix (the part before the first
    ``:``) to ``(per_second, burst)``; keys with no limit pass at once."""

    def __init__(self, redis: Redis, limits: dict[str, tuple[float, float]],
                 prefix: str = "hd:rate") -> None:
        self.redis = redis
        self.limits = limits
        self.prefix = prefix
        self._take = redis.register_script(TAKE)
        self.retakes = 0  # slots given up by callers that woke up too late
        # The local clock (``loop.time()``) minus Redis's, as seen by the fastest answer so
        # far: a slot given in Redis's time is then placed on the local clock to within that
        # answer's latency, whichever way a slow round trip was slow.
        self._offset: float | None = None

    async def delay(self, key: str) -> float:
        """Take a token for ``key``; returns the seconds the caller must wait first."""
        taken = await self._slot(key)
        return 0.0 if taken is None else taken[1]

    async def _slot(self, key: str) -> tuple[float, float] | None:
        """Take a token: (Redis's time then, seconds to wait from it); None: no limit."""
        limit = self.limits.get(key.split(":", 1)[0])
        if limit is None:
            return None
        rate, burst = limit
        now, wait = await self._take(keys=[f"{self.prefix}:{key}"], args=[rate, burst])
        return float(_text(now)), float(_text(wait))

    def _local(self, server_time: float, answered: float) -> float:
        """``server_time`` on the local clock, given an answer read at ``answered``."""
        seen = answered - server_time  # the offset plus this answer's latency
        # The smallest latency seen is the best estimate; it may drift up by 0.1 ms a call
        # (clock adjustments) so that one freak answer is not trusted for ever.
        self._offset = seen if self._offset is None else min(self._offset + 1e-4, seen)
        return server_time + self._offset

    async def _calibrate(self, probes: int = 3) -> None:
        """Estimate the clock offset before the first slot (the first ``TAKE`` also loads
        the script, a slow answer that would place the first slots late and bunch the next
        ones with them)."""
        loop = asyncio.get_running_loop()
        for _ in range(probes):
            seconds, micros = await self.redis.time()
            self._local(int(seconds) + int(micros) / 1e6, loop.time())

    async def wait(self, key: str) -> None:
        """Take a token and sleep until its slot. The slot is placed on the local clock from
        Redis's time (neither a slow request nor a slow answer moves it), and a caller that
        wakes up more than ``LATE`` of an interval after its slot — its process was stalled
        — takes a new slot instead of sending late: late messages bunch with the on-time
        ones of the other processes and overrun the platform's window (the 429s of
        bench/broadcast_workers.py on a loaded machine). At most ``RETAKES`` new slots."""
        limit = self.limits.get(key.split(":", 1)[0])
        if limit is None:
            return
        loop = asyncio.get_running_loop()
        late = LATE / limit[0]
        if self._offset is None:
            await self._calibrate()
        for _ in range(1 + RETAKES):
            taken = await self._slot(key)
            assert taken is not None
            due = self._local(taken[0], loop.time()) + taken[1]
            now = loop.time()
            if due > now:
                await asyncio.sleep(due - now)
            if loop.time() - due <= late:
                return
            self.retakes += 1


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
