"""Dialog state, dedupe keys and per-conversation locks in Redis (or in-process fakeredis)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis

from core.ports import DialogKey, DialogState, DialogStore

DEFAULT_TTL = 24 * 3600


def embedded_redis() -> Redis:
    """An in-process Redis for the embedded default (no server to install)."""
    import fakeredis

    return fakeredis.FakeAsyncRedis()


def redis_from_url(url: str | None) -> Redis:
    return Redis.from_url(url) if url else embedded_redis()


class RedisDialogStore(DialogStore):
    """``DialogStore`` on redis.asyncio; the same code runs on fakeredis."""

    def __init__(self, redis: Redis, prefix: str = "hd", default_ttl: float = DEFAULT_TTL) -> None:
        self.redis = redis
        self.prefix = prefix
        self.default_ttl = default_ttl

    @classmethod
    def from_url(cls, url: str | None, **kwargs: object) -> RedisDialogStore:
        return cls(redis_from_url(url), **kwargs)  # type: ignore[arg-type]

    def _key(self, kind: str, key: DialogKey | str) -> str:
        return f"{self.prefix}:{kind}:{key}"

    async def get(self, key: DialogKey) -> DialogState:
        raw = await self.redis.get(self._key("dialog", key))
        if raw is None:
            return DialogState()
        value = json.loads(raw)
        return DialogState(value.get("state"), value.get("data") or {})

    async def set(self, key: DialogKey, state: DialogState, ttl: float | None = None) -> None:
        payload = json.dumps({"state": state.state, "data": state.data})
        ttl_ms = int((ttl if ttl is not None else self.default_ttl) * 1000)
        await self.redis.set(self._key("dialog", key), payload, px=ttl_ms)

    async def clear(self, key: DialogKey) -> None:
        await self.redis.delete(self._key("dialog", key))

    @asynccontextmanager
    async def lock(self, key: DialogKey, expire: float = 30.0) -> AsyncIterator[None]:
        lock = self.redis.lock(
            self._key("lock", key), timeout=expire, blocking_timeout=expire, sleep=0.005
        )
        acquired = await lock.acquire()
        if not acquired:
            raise TimeoutError(f"conversation {key} is busy")
        try:
            yield
        finally:
            try:
                await lock.release()
            except Exception:  # noqa: BLE001 - expired lock: the work is done anyway
                pass

    async def set_menu(self, key: DialogKey, payloads: list[str], ttl: float | None = None) -> None:
        ttl_ms = int((ttl if ttl is not None else self.default_ttl) * 1000)
        await self.redis.set(self._key("menu", key), json.dumps(payloads), px=ttl_ms)

    async def get_menu(self, key: DialogKey) -> list[str]:
        raw = await self.redis.get(self._key("menu", key))
        return list(json.loads(raw)) if raw else []

    async def is_remembered(self, token: str) -> bool:
        return bool(await self.redis.exists(self._key("seen", token)))

    async def remember(self, token: str, ttl: float) -> None:
        await self.redis.set(self._key("seen", token), b"1", px=int(ttl * 1000))

    async def remember_once(self, token: str, ttl: float) -> bool:
        key = self._key("seen", token)
        return bool(await self.redis.set(key, b"1", nx=True, px=int(ttl * 1000)))

    async def close(self) -> None:
        await self.redis.aclose()
