"""Shared fixtures: databases (SQLite and PostgreSQL), Redis (fakeredis and real), the app.

PostgreSQL and Redis tests read TEST_DATABASE_URL and TEST_REDIS_URL. Locally they skip
when those are unset; with HELPDESK_REQUIRE_SERVICES=1 (CI) a missing service is a failure.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

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


# Empties every table but alembic_version and restarts every sequence, as TRUNCATE ...
# RESTART IDENTITY CASCADE did, in one round trip. Only tables holding rows are touched, and
# with DELETE rather than TRUNCATE: most tests leave a handful of rows in a few tables, and
# TRUNCATE rewrites each table's files (about half a second per test for all of them).
# session_replication_role = replica skips the foreign-key triggers, so the order of the
# DELETEs does not matter (every table holding rows is emptied).
RESET_PG = """
DO $$
DECLARE
    t text;
    has_rows boolean;
BEGIN
    SET LOCAL session_replication_role = replica;
    FOR t IN SELECT tablename FROM pg_tables
             WHERE schemaname = 'public' AND tablename <> 'alembic_version' LOOP
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', t) INTO has_rows;
        IF has_rows THEN
            EXECUTE format('DELETE FROM %I', t);
        END IF;
    END LOOP;
    PERFORM setval(format('%I.%I', schemaname, sequencename), start_value, false)
        FROM pg_sequences WHERE schemaname = 'public';
END
$$
"""


async def truncate_pg(url: str) -> None:
    """Leave the test database as freshly migrated: no rows, every id sequence at its start."""
    await _admin_execute(url, RESET_PG)


@pytest.fixture
async def pg_url(pg_database: str) -> str:
    await truncate_pg(pg_database)
    return pg_database


# -- SQLite: one migrated file per session, copied for each test ------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the head once; tests get copies (migrating takes ~0.3 s)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "helpdesk.db"
    engine = make_engine(f"sqlite+aiosqlite:///{path}")

    async def _migrate() -> None:
        await upgrade(engine)
        await engine.dispose()  # the last connection checkpoints the WAL into the file

    run_blocking(_migrate())
    return path


def migrated_sqlite(template: Path, path: Path) -> str:
    """A URL for ``path``, a copy of the migrated ``template``: as if just migrated."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    return migrated_sqlite(sqlite_template, tmp_path / "helpdesk.db")


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Run the test on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return migrated_sqlite(request.getfixturevalue("sqlite_template"),
                               tmp_path / "helpdesk.db")
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
    # sqlite_url is a copy of a migrated file: bootstrap's migration would find nothing to do
    application = await bootstrap(settings_for(sqlite_url), clock=clock, redis=embedded_redis(),
                                  migrate=False)
    yield application
    await application.close()
