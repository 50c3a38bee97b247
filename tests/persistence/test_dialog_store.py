"""Contract of the DialogStore port, run on fakeredis and on a real Redis server."""

from __future__ import annotations

import asyncio

from core.ports import DialogKey, DialogState
from persistence.redis_store import RedisDialogStore

KEY = DialogKey("telegram", "12345")


class TestDialogStoreContract:
    async def test_empty_state_when_nothing_stored(self, redis_client) -> None:
        store = RedisDialogStore(redis_client, prefix="t")
        assert await store.get(KEY) == DialogState()

    async def test_set_get_clear(self, redis_client) -> None:
        store = RedisDialogStore(redis_client, prefix="t")
        await store.set(KEY, DialogState("intake.describe", {"type_id": 3, "text": "ă ы"}))
        assert await store.get(KEY) == DialogState("intake.describe", {"type_id": 3, "text": "ă ы"})
        assert await store.get(DialogKey("sms", "12345")) == DialogState()
        await store.clear(KEY)
        assert await store.get(KEY) == DialogState()

    async def test_state_expires_after_ttl(self, redis_client) -> None:
        store = RedisDialogStore(redis_client, prefix="t")
        await store.set(KEY, DialogState("x"), ttl=0.2)
        assert (await store.get(KEY)).state == "x"
        await asyncio.sleep(0.35)
        assert await store.get(KEY) == DialogState()

    async def test_default_ttl_is_24_hours(self, redis_client) -> None:
        store = RedisDialogStore(redis_client, prefix="t")
        await store.set(KEY, DialogState("x"))
        ttl = await redis_client.pttl("t:dialog:telegram:12345")
        assert 24 * 3600 * 1000 - 5000 < ttl <= 24 * 3600 * 1000

    async def test_lock_serialises_one_conversation(self, redis_client) -> None:
        store = RedisDialogStore(redis_client, prefix="t")
        inside: list[str] = []

        async def work(tag: str) -> None:
            async with store.lock(KEY):
                inside.append(f"{tag}-in")
                await asyncio.sleep(0.05)
                inside.append(f"{tag}-out")

        await asyncio.gather(*(work(str(i)) for i in range(5)))
        pairs = [inside[i:i + 2] for i in range(0, len(inside), 2)]
        assert all(a.split("-")[0] == b.split("-")[0] for a, b in pairs)

    async def test_other_conversations_are_not_blocked(self, redis_client) -> None:
        store = RedisDialogStore(redis_client, prefix="t")
        async with store.lock(KEY):
            async with asyncio.timeout(1):
                async with store.lock(DialogKey("telegram", "999")):
                    pass

    async def test_lock_is_released_after_an_error(self, redis_client) -> None:
        store = RedisDialogStore(redis_client, prefix="t")
        try:
            async with store.lock(KEY):
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        async with asyncio.timeout(1):
            async with store.lock(KEY):
                pass

    async def test_remember_once(self, redis_client) -> None:
        store = RedisDialogStore(redis_client, prefix="t")
        assert await store.remember_once("update:1", ttl=60)
        assert not await store.remember_once("update:1", ttl=60)
        assert await store.remember_once("update:2", ttl=60)

    async def test_remember_and_is_remembered(self, redis_client) -> None:
        store = RedisDialogStore(redis_client, prefix="t")
        assert not await store.is_remembered("update:9")
        await store.remember("update:9", ttl=0.2)
        assert await store.is_remembered("update:9")
        await asyncio.sleep(0.3)
        assert not await store.is_remembered("update:9")

    async def test_put_and_get_value(self, redis_client) -> None:
        store = RedisDialogStore(redis_client, prefix="t")
        assert await store.get_value("card:7") is None
        await store.put_value("card:7", "42 1700000000.0", ttl=60)
        assert await store.get_value("card:7") == "42 1700000000.0"
        await store.put_value("card:7", "43 1700000001.0", ttl=60)
        assert await store.get_value("card:7") == "43 1700000001.0"

    async def test_menu(self, redis_client) -> None:
        store = RedisDialogStore(redis_client, prefix="t")
        assert await store.get_menu(KEY) == []
        await store.set_menu(KEY, ["a", "b"])
        assert await store.get_menu(KEY) == ["a", "b"]

    async def test_locked_reads_the_state_and_stores_what_was_kept(self, redis_client) -> None:
        store = RedisDialogStore(redis_client, prefix="t")
        async with store.locked(KEY) as held:
            assert held.state == DialogState()
        await store.set(KEY, DialogState("a", {"n": 1}))
        async with store.locked(KEY) as held:
            assert held.state == DialogState("a", {"n": 1})
            held.keep(DialogState("b"), ttl=60)
            assert await store.get(KEY) == DialogState("a", {"n": 1})  # stored on release
        assert await store.get(KEY) == DialogState("b")
        assert 55_000 < await redis_client.pttl("t:dialog:telegram:12345") <= 60_000

    async def test_locked_serialises_and_releases_after_an_error(self, redis_client) -> None:
        store = RedisDialogStore(redis_client, prefix="t")
        order: list[str] = []

        async def one(name: str) -> None:
            async with store.locked(KEY) as held:
                order.append(f"{name}:{held.state.state}")
                await asyncio.sleep(0.05)
                held.keep(DialogState(name))

        await asyncio.gather(one("x"), one("y"))
        assert sorted(order) in (["x:None", "y:x"], ["x:y", "y:None"])
        try:
            async with store.locked(KEY):
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        async with asyncio.timeout(1):
            async with store.locked(KEY) as held:
                assert held.state.state in ("x", "y")

    async def test_locked_gives_up_after_its_expiry(self, redis_client) -> None:
        store = RedisDialogStore(redis_client, prefix="t")
        await redis_client.set("t:lock:telegram:12345", "someone-else", px=5_000)
        try:
            async with store.locked(KEY, expire=0.1):
                raise AssertionError("the lock was held by someone else")
        except TimeoutError:
            pass
