"""One-time linking codes in Redis (``core.link_ports.LinkCodes``); each expires by itself."""

from __future__ import annotations

import secrets
import time

from redis.asyncio import Redis

from core.link_ports import CODE_DIGITS, CODE_TTL, MAX_TRIES, LinkCodes, LinkResult, LinkStatus


class RedisLinkCodes(LinkCodes):
    """``{prefix}:link:code:CODE`` → hash (person, fails, locked) with a TTL; the live codes
    in a sorted set by expiry (so a wrong try reaches every outstanding code); the wrong
    tries of each account in a counter with the same TTL."""

    def __init__(self, redis: Redis, prefix: str = "hd", ttl: int = CODE_TTL) -> None:
        self.redis = redis
        self.prefix = prefix
        self.ttl = ttl

    def _key(self, *parts: str) -> str:
        return ":".join((self.prefix, "link", *parts))

    async def issue(self, person_id: int) -> str:
        previous = await self.redis.get(self._key("person", str(person_id)))
        if previous:
            old = previous.decode() if isinstance(previous, bytes) else str(previous)
            await self.redis.delete(self._key("code", old))
            await self.redis.zrem(self._key("live"), old)
        while True:
            code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
            key = self._key("code", code)
            if await self.redis.hsetnx(key, "person", str(person_id)):
                break
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={"fails": "0", "locked": "0"})
            pipe.expire(key, self.ttl)
            pipe.set(self._key("person", str(person_id)), code, ex=self.ttl)
            pipe.zadd(self._key("live"), {code: time.time() + self.ttl})
            await pipe.execute()
        return code

    async def redeem(self, code: str, trier: str) -> LinkResult:
        tries_key = self._key("tries", trier)
        tries = int(await self.redis.get(tries_key) or 0)
        if tries >= MAX_TRIES:
            return LinkResult(LinkStatus.BLOCKED)
        key = self._key("code", code)
        found = await self.redis.hgetall(key)
        if found:
            fields = {(k.decode() if isinstance(k, bytes) else k):
                      (v.decode() if isinstance(v, bytes) else v) for k, v in found.items()}
            if fields.get("locked") == "1":
                return LinkResult(LinkStatus.LOCKED)
            if "person" in fields and await self.redis.delete(key):
                await self.redis.zrem(self._key("live"), code)
                return LinkResult(LinkStatus.OK, int(fields["person"]))
        await self._wrong_try(tries_key)
        return LinkResult(LinkStatus.WRONG)

    async def _wrong_try(self, tries_key: str) -> None:
        live_key = self._key("live")
        now = time.time()
        await self.redis.zremrangebyscore(live_key, "-inf", now)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(tries_key)
            pipe.expire(tries_key, self.ttl)
            await pipe.execute()
        for raw in await self.redis.zrange(live_key, 0, -1):
            live = raw.decode() if isinstance(raw, bytes) else str(raw)
            key = self._key("code", live)
            fails = await self.redis.hincrby(key, "fails", 1)
            if fails >= MAX_TRIES:
                await self.redis.hset(key, "locked", "1")
            ttl = await self.redis.ttl(key)
            if ttl is not None and ttl < 0:  # the hash was recreated by hincrby: drop it
                await self.redis.delete(key)
