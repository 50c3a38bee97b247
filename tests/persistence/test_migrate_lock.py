"""N replicas starting together run ``helpdesk migrate`` at once: on PostgreSQL the migration
takes an advisory lock, so one migrates and the others wait, then find nothing to do."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from persistence.db import make_engine, normalise_url
from persistence.health import expected_heads, schema_heads
from persistence.migrate import MIGRATION_LOCK, upgrade
from tests.conftest import _admin_execute, need_service

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def empty_pg() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database (no schema at all)."""
    base = normalise_url(need_service("TEST_DATABASE_URL", os.environ.get("TEST_DATABASE_URL")))
    name = f"hd_migrate_{uuid.uuid4().hex[:10]}"
    await _admin_execute(base, f'CREATE DATABASE "{name}"')
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    await _admin_execute(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _connect(url: str) -> asyncpg.Connection:
    u = make_url(url)
    return await asyncpg.connect(host=u.host, port=u.port or 5432, user=u.username,
                                 password=u.password, database=u.database)


async def test_two_concurrent_migrations_wait_for_each_other(empty_pg: str) -> None:
    holder = await _connect(empty_pg)
    watcher = await _connect(empty_pg)
    engines = [make_engine(empty_pg), make_engine(empty_pg)]
    try:
        await holder.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
        runs = [asyncio.create_task(upgrade(engine)) for engine in engines]
        # Both migrations queue on the lock (nothing is created while it is held)…
        waiting = 0
        for _ in range(1000):
            waiting = await watcher.fetchval(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            if waiting == 2:
                break
            await asyncio.sleep(0.01)
        assert waiting == 2
        assert not any(run.done() for run in runs)
        assert await watcher.fetchval("SELECT to_regclass('alembic_version')") is None
        # …and once it is free, one migrates and the other finds the schema at head.
        await holder.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)
        await asyncio.gather(*runs)
        assert await schema_heads(engines[0]) == expected_heads()
        assert await watcher.fetchval("SELECT count(*) FROM alembic_version") == len(
            expected_heads())
    finally:
        await holder.close()
        await watcher.close()
        for engine in engines:
            await engine.dispose()


async def test_replicas_running_helpdesk_migrate_together(empty_pg: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_"))}
    env |= {"DATABASE_URL": empty_pg, "SECRET_KEY": "replica-secret-0123456789"}
    procs = [await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "run_bot.py"), "migrate", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE) for _ in range(3)]
    results = [await asyncio.wait_for(p.communicate(), 120) for p in procs]
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err.decode()
        assert out.decode().startswith("database is at revision ")
    engine = make_engine(empty_pg)
    try:
        assert await schema_heads(engine) == expected_heads()
    finally:
        await engine.dispose()
