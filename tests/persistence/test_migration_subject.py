"""Migration 0007_i16_subject on SQLite and PostgreSQL: existing requests get a subject
from their description; the downgrade removes the column again."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from persistence.db import make_engine, normalise_url
from persistence.migrate import alembic_config
from tests.conftest import _admin_execute, need_service

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
LONG = "Word " * 40  # 200 characters on one line
DESCRIPTIONS = ["Mouse is dead", "\n  Printer on floor 2\nIt jams on every page", LONG.strip()]


@pytest.fixture(params=["sqlite", "postgresql"])
async def fresh_url(request: pytest.FixtureRequest, tmp_path: object) -> AsyncIterator[str]:
    """An empty database (no migrations applied yet)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/migrate.db"
        return
    base = normalise_url(need_service("TEST_DATABASE_URL", os.environ.get("TEST_DATABASE_URL")))
    name = f"hd_mig_{uuid.uuid4().hex[:10]}"
    await _admin_execute(base, f'CREATE DATABASE "{name}"')
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    await _admin_execute(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def seed_requests(conn: Any, descriptions: list[str], *, role: str = "initiator",
                        status: str = "open") -> None:
    """Raw rows as an older schema holds them: person 1 (``role``), type 1, and one request
    per description (ids 1, 2, …) by person 1, in ``status``."""
    await conn.execute(text(
        "INSERT INTO persons (id, name, role, active, created_at) "
        "VALUES (1, 'Ion', :role, true, :at)"), {"role": role, "at": AT})
    await conn.execute(text(
        "INSERT INTO request_types (id, name, internal, active) "
        "VALUES (1, 'Peripherals', false, true)"))
    for number, description in enumerate(descriptions, start=1):
        await conn.execute(text(
            "INSERT INTO requests (id, reference, type_id, description, initiator_id, "
            "status, priority, version, created_at, updated_at) VALUES (:id, :ref, 1, :d, "
            "1, :status, 'normal', 1, :at, :at)"),
            {"id": number, "ref": f"HD-2026-{number:06d}", "d": description,
             "status": status, "at": AT})


async def migrate(url: str, revision: str, *, down: bool = False) -> None:
    from alembic import command

    engine = make_engine(url)

    def _run(connection: object) -> None:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(cfg, revision)

    async with engine.begin() as conn:
        await conn.run_sync(_run)
    await engine.dispose()


async def test_existing_requests_get_a_subject_and_downgrade_removes_it(fresh_url: str) -> None:
    await migrate(fresh_url, "0006_attachments")
    engine = make_engine(fresh_url)
    async with engine.begin() as conn:
        await seed_requests(conn, DESCRIPTIONS)
    await engine.dispose()

    await migrate(fresh_url, "0009_i16_drafts")
    engine = make_engine(fresh_url)
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT subject, description FROM requests "
                                        "ORDER BY id"))).all()
    await engine.dispose()
    subjects = [r[0] for r in rows]
    assert subjects[:2] == ["Mouse is dead", "Printer on floor 2"]
    assert len(subjects[2]) <= 120 and subjects[2].endswith("Word…")
    assert [r[1] for r in rows] == DESCRIPTIONS  # descriptions are untouched

    await migrate(fresh_url, "0006_attachments", down=True)  # 0009, 0008, then 0007
    engine = make_engine(fresh_url)
    async with engine.connect() as conn:
        columns = await conn.run_sync(
            lambda sync: {c["name"] for c in inspect(sync).get_columns("requests")})
        count = (await conn.execute(text("SELECT count(*) FROM requests"))).scalar_one()
        tables = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    await engine.dispose()
    assert not {"subject", "wait_requeue"} & columns and "description" in columns
    assert count == 3 and "drafts" not in tables
