"""Shared fixtures: databases (SQLite and PostgreSQL), Redis (fakeredis and real), the app.

PostgreSQL and Redis tests read TEST_DATABASE_URL and TEST_REDIS_URL. Locally they skip
when those are unset; with HELPDESK_REQUIRE_SERVICES=1 (CI) a missing service is a failure.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.engine import make_url

from bots.bootstrap import App, bootstrap
from bots.settings import Settings
from core.clock import ManualClock
from persistence.db import make_engine, normalise_url
from persistence.migrate import upgrade
from persistence.redis_store import embedded_redis

REQUIRE = os.environ.get("HELPDESK_REQUIRE_SERVICES") == "1"
SECRET = "test-secret-key-0123456789"


def need_service(name: str, value: str | None) -> str:
    if value:
        return value
    message = f"{name} is not set"
    if REQUIRE:
        pytest.fail(f"{message}, and HELPDESK_REQUIRE_SERVICES=1 forbids skipping")
    pytest.skip(message)


# -- PostgreSQL: one fresh database per test session -------------------------------------


def run_blocking(coro: object) -> object:
    """Run a coroutine to completion from sync code, even inside a running event loop."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()  # type: ignore[arg-type]


async def _admin_execute(url: str, sql: str) -> None:
    import asyncpg

    parsed = make_url(url)
    conn = await asyncpg.connect(
        host=parsed.host or "127.0.0.1", port=parsed.port or 5432,
        user=parsed.username or "postgres", password=parsed.password,
        database=parsed.database or "postgres",
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    base = need_service("TEST_DATABASE_URL", os.environ.get("TEST_DATABASE_URL"))
    base = normalise_url(base)
    name = f"hd_test_{uuid.uuid4().hex[:10]}"
    try:
        run_blocking(_admin_execute(base, f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # server down or no rights
        if REQUIRE:
            pytest.fail(f"PostgreSQL at TEST_DATABASE_URL is not usable: {exc}")
        pytest.skip(f"PostgreSQL not usable: {exc}")
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)

    async def _migrate() -> None:
        await upgrade(engine)
        await engine.dispose()

    run_blocking(_migrate())
    yield url
    run_blocking(_admin_execute(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


TABLES = ("inbox", "sent_messages", "outbox", "events", "comments", "time_entries", "requests",
          "accounts", "request_types", "persons", "contracts", "organizations",
          "kb_articles")  # kb_articles: issue 18


async def truncate_pg(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        from sqlalchemy import text

        await conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    await engine.dispose()


@pytest.fixture
async def pg_url(pg_database: str) -> str:
    await truncate_pg(pg_database)
    return pg_database


@pytest.fixture
def sqlite_url(tmp_path: object) -> str:
    return f"sqlite+aiosqlite:///{tmp_path}/helpdesk.db"  # type: ignore[str-format]


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    """Run the test on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/helpdesk.db"
    url = request.getfixturevalue("pg_database")
    await truncate_pg(url)
    return url


# -- Redis -------------------------------------------------------------------------------


@pytest.fixture(params=["fakeredis", "redis"])
async def redis_client(request: pytest.FixtureRequest) -> AsyncIterator[object]:
    """Run the test on the in-process fakeredis and on a real Redis server."""
    if request.param == "fakeredis":
        client = embedded_redis()
        yield client
        await client.aclose()
        return
    from redis.asyncio import Redis

    url = need_service("TEST_REDIS_URL", os.environ.get("TEST_REDIS_URL"))
    client = Redis.from_url(url)
    try:
        await client.ping()
    except Exception as exc:
        if REQUIRE:
            pytest.fail(f"Redis at TEST_REDIS_URL is not usable: {exc}")
        pytest.skip(f"Redis not usable: {exc}")
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()


# -- the application -----------------------------------------------------------------------


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def settings_for(url: str, **extra: object) -> Settings:
    return Settings(database_url=url, secret_key=SECRET, _env_file=None, **extra)  # type: ignore[call-arg]


@pytest.fixture
async def app(sqlite_url: str, clock: ManualClock) -> AsyncIterator[App]:
    application = await bootstrap(settings_for(sqlite_url), clock=clock, redis=embedded_redis())
    yield application
    await application.close()
