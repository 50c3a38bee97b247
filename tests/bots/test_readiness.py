"""/healthz and /readyz: readiness follows the database (PostgreSQL behind a proxy the test
cuts) and Redis (a redis-server the test starts and stops), and the schema's revision."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bots.bootstrap import App, bootstrap
from bots.server import build
from persistence.redis_store import embedded_redis
from tests.adapters.stack import free_port
from tests.conftest import settings_for


class TcpProxy:
    """127.0.0.1:port → target, which the test can cut (every connection closed, the port
    refused) and restore on the same port."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port)

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in list(self.writers):
            writer.close()
        await self.server.wait_closed()
        self.writers.clear()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


class RedisServer:
    """A redis-server of the test's own on a free port (never the shared one)."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def spawn(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed (.ci/run installs it)")
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    async def start(self) -> None:
        self.spawn()
        from redis.asyncio import Redis

        client = Redis.from_url(self.url)
        try:
            for _ in range(500):
                with contextlib.suppress(Exception):
                    if await client.ping():
                        return
                await asyncio.sleep(0.02)
            pytest.fail("redis-server did not start")
        finally:
            await client.aclose()

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(30)
            self.proc = None


async def ready(http: aiohttp.ClientSession, base: str) -> tuple[int, dict[str, Any]]:
    async with http.get(f"{base}/readyz") as response:
        return response.status, await response.json()


async def ready_again(http: aiohttp.ClientSession, base: str) -> tuple[int, dict[str, Any]]:
    """/readyz until it answers 200 (a pooled connection broken by the outage is dropped
    by the first check after it)."""
    answer: tuple[int, dict[str, Any]] = (0, {})
    for _ in range(50):
        answer = await ready(http, base)
        if answer[0] == 200:
            break
        await asyncio.sleep(0.05)
    return answer


@pytest.fixture
async def served(pg_url: str, tmp_path: Path) -> AsyncIterator[tuple[App, str, TcpProxy,
                                                                      RedisServer]]:
    pg = make_url(pg_url)
    proxy = TcpProxy(pg.host or "127.0.0.1", pg.port or 5432)
    await proxy.start()
    redis = RedisServer(tmp_path)
    await redis.start()
    url = pg.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    app = await bootstrap(settings_for(url, redis_url=redis.url))
    running = await build(app, [])
    server = TestServer(running.web_app, host="127.0.0.1", port=free_port())
    await server.start_server()
    try:
        yield app, f"http://127.0.0.1:{server.port}", proxy, redis
    finally:
        await server.close()
        await running.shutdown()
        await app.close()
        redis.stop()
        with contextlib.suppress(Exception):
            await proxy.stop()


async def test_readyz_follows_redis_and_the_database(served: Any) -> None:
    app, base, proxy, redis = served
    async with aiohttp.ClientSession() as http:
        assert await ready(http, base) == (200, {"ok": True})

        redis.stop()  # Redis goes away
        status, body = await ready(http, base)
        assert status == 503 and body["ok"] is False
        assert [r for r in body["reasons"] if r.startswith("redis unreachable")], body
        async with http.get(f"{base}/healthz") as response:  # the process still answers
            assert response.status == 200
        await redis.start()  # same port
        assert await ready_again(http, base) == (200, {"ok": True})

        await proxy.stop()  # the database becomes unreachable
        status, body = await ready(http, base)
        assert status == 503
        assert [r for r in body["reasons"] if r.startswith("database unreachable")], body
        await proxy.start()
        assert await ready_again(http, base) == (200, {"ok": True})


async def test_readyz_names_missing_migrations(sqlite_url: str) -> None:
    app = await bootstrap(settings_for(sqlite_url), redis=embedded_redis())
    running = await build(app, [])
    server = TestServer(running.web_app, host="127.0.0.1", port=free_port())
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as http:
            base = f"http://127.0.0.1:{server.port}"
            assert (await ready(http, base))[0] == 200
            async with app.engine.begin() as conn:
                await conn.execute(text("DELETE FROM alembic_version"))
            status, body = await ready(http, base)
            assert status == 503
            assert "run helpdesk migrate" in body["reasons"][0]
            running.stop_taking_updates()  # shutting down: not ready either
            status, body = await ready(http, base)
            assert status == 503 and body["reasons"][0] == "shutting down"
    finally:
        await server.close()
        await running.shutdown()
        await app.close()
