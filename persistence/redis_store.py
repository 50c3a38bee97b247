"""Dialog state, dedupe keys and per-conversation locks in Redis (or in-process fakeredis)."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis

from core.ports import DialogKey, DialogState, DialogStore, Held
from core.telemetry import telemetry
from persistence.type_cache import VERSION_KEY, TypeCache

DEFAULT_TTL = 24 * 3600
LOCK_POLL = 0.005  # seconds between tries while another holder has the lock

# KEYS: lock, state, the request types' version. ARGV: token, expiry ms. Take the lock and
# read the state (and the version, see ``persistence.type_cache``) in one trip.
ACQUIRE_AND_GET = """
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {1, redis.call('get', KEYS[2]), redis.call('get', KEYS[3])}
end
return {0}
"""
# KEYS: lock, state. ARGV: token, new state ('' = unchanged, '-' = none), its ttl ms.
# Store, then release.
STORE_AND_RELEASE = """
if ARGV[2] == '-' then redis.call('del', KEYS[2])
elseif ARGV[2] ~= '' then redis.call('set', KEYS[2], ARGV[2], 'PX', ARGV[3]) end
if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('del', KEYS[1]) end
return 1
"""


def embedded_redis() -> Redis:
    """An in-process Redis for the embedded default (no server to install)."""
    import fakeredis

    return fakeredis.FakeAsyncRedis()


def redis_from_url(url: str | None, max_connections: int = 200,
                   wait_seconds: float = 20.0) -> Redis:
    """A client on ``url`` (the embedded one when empty). Its pool holds at most
    ``max_connections`` (REDIS_MAX_CONNECTIONS); a caller beyond that waits up to
    ``wait_seconds`` for a free connection instead of failing."""
    if not url:
        return embedded_redis()
    from redis.asyncio import BlockingConnectionPool

    pool = BlockingConnectionPool.from_url(url, max_connections=max_connections,
                                           timeout=wait_seconds)
    return Redis.from_pool(pool)  # the client owns (and closes) its pool


class RedisDialogStore(DialogStore):
    """``DialogStore`` on redis.asyncio; the same code runs on fakeredis."""

    def __init__(self, redis: Redis, prefix: str = "hd", default_ttl: float = DEFAULT_TTL,
                 types: TypeCache | None = None) -> None:
        self.redis = redis
        self.prefix = prefix
        self.default_ttl = default_ttl
        # The request types' cache: its version is read with every conversation lock.
        self.types = types
        self._version_key = f"{prefix}:{VERSION_KEY}"
        self._acquire_and_get = redis.register_script(ACQUIRE_AND_GET)
        self._store_and_release = redis.register_script(STORE_AND_RELEASE)

    @classmethod
    def from_url(cls, url: str | None, **kwargs: object) -> RedisDialogStore:
        return cls(redis_from_url(url), **kwargs)  # type: ignore[arg-type]

    def _key(self, kind: str, key: DialogKey | str) -> str:
        return f"{self.prefix}:{kind}:{key}"

    async def get(self, key: DialogKey) -> DialogState:
        return _decode(await self.redis.get(self._key("dialog", key)))

    async def set(self, key: DialogKey, state: DialogState, ttl: float | None = None) -> None:
        payload = _encode(state)
        ttl_ms = int((ttl if ttl is not None else self.default_ttl) * 1000)
        await self.redis.set(self._key("dialog", key), payload, px=ttl_ms)

    async def clear(self, key: DialogKey) -> None:
        await self.redis.delete(self._key("dialog", key))

    @asynccontextmanager
    async def lock(self, key: DialogKey, expire: float = 30.0) -> AsyncIterator[None]:
        async with self.locked(key, expire, read=False):
            yield

    @asynccontextmanager
    async def locked(self, key: DialogKey, expire: float = 30.0,
                     read: bool = True) -> AsyncIterator[Held]:
        """One round trip to take the lock (and read the state), one to release it (and
        store what was kept). The lock expires after ``expire`` seconds, in case its holder
        dies; waiting for it gives up after as long."""
        lock_key, state_key = self._key("lock", key), self._key("dialog", key)
        token = os.urandom(12).hex()
        expire_ms = int(expire * 1000)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + expire
        waited_since: float | None = None
        while True:
            if read:
                taken, *raw = await self._acquire_and_get(
                    keys=[lock_key, state_key, self._version_key], args=[token, expire_ms])
            else:
                taken = await self.redis.set(lock_key, token, nx=True, px=expire_ms)
                raw = []
            if taken:
                break
            if waited_since is None:
                waited_since = loop.time()
            if loop.time() >= deadline:
                raise TimeoutError(f"conversation {key} is busy")
            await asyncio.sleep(LOCK_POLL)
        if waited_since is not None:
            telemetry().lock_waited(loop.time() - waited_since)
        if self.types is not None and len(raw) > 1:
            version = raw[1]
            self.types.observe(version.decode() if isinstance(version, bytes)
                               else str(version or "0"))
        held = Held(_decode(raw[0] if raw else None))
        try:
            yield held
        finally:
            payload, ttl_ms = "", 0
            if held.final is not None:
                state, ttl = held.final
                payload = _encode(state) if state != DialogState() else "-"
                ttl_ms = int((ttl if ttl is not None else self.default_ttl) * 1000)
            await self._store_and_release(keys=[lock_key, state_key],
                                          args=[token, payload, ttl_ms])

    async def set_menu(self, key: DialogKey, payloads: list[str], ttl: float | None = None) -> None:
        ttl_ms = int((ttl if ttl is not None else self.default_ttl) * 1000)
        await self.redis.set(self._key("menu", key), json.dumps(payloads), px=ttl_ms)

    async def get_menu(self, key: DialogKey) -> list[str]:
        raw = await self.redis.get(self._key("menu", key))
        return list(json.loads(raw)) if raw else []

    async def put_value(self, token: str, value: str, ttl: float) -> None:
        await self.redis.set(self._key("value", token), value.encode(), px=int(ttl * 1000))

    async def get_value(self, token: str) -> str | None:
        raw = await self.redis.get(self._key("value", token))
        if raw is None:
            return None
        return raw.decode() if isinstance(raw, bytes) else str(raw)

    async def is_remembered(self, token: str) -> bool:
        return bool(await self.redis.exists(self._key("seen", token)))

    async def remember(self, token: str, ttl: float) -> None:
        await self.redis.set(self._key("seen", token), b"1", px=int(ttl * 1000))

    async def remember_once(self, token: str, ttl: float) -> bool:
        key = self._key("seen", token)
        return bool(await self.redis.set(key, b"1", nx=True, px=int(ttl * 1000)))

    async def bump_types(self) -> None:
        """A request type changed (and was committed): every process reloads them."""
        await self.redis.set(self._version_key, os.urandom(8).hex())

    async def close(self) -> None:
        await self.redis.aclose()


def _encode(state: DialogState) -> str:
    return json.dumps({"state": state.state, "data": state.data})


def _decode(raw: bytes | str | None) -> DialogState:
    if raw is None:
        return DialogState()
    value = json.loads(raw)
    return DialogState(value.get("state"), value.get("data") or {})
