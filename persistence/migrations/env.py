"""Alembic environment. Migrations run on a connection handed over by ``persistence.migrate``
(the asyncio "connection sharing" recipe), or on ``sqlalchemy.url`` from the command line."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from persistence.tables import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Batch mode changes a table by copying it, dropping the old one and renaming the
        # copy: with foreign keys on, dropping a table that rows refer to (request_types,
        # say, once there are requests) fails. Off for the migration (before its first
        # write, so SQLite takes it), checked after it; ``persistence.migrate.upgrade``
        # turns them on again after the commit, before the pool gets the connection back.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=sqlite,
    )
    with context.begin_transaction():
        context.run_migrations()
    if sqlite:
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"the migration left rows with broken references: {broken[:5]}")


async def _run_async(url: str) -> None:
    from persistence.db import make_engine

    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(_run)
    await engine.dispose()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    asyncio.run(_run_async(config.get_main_option("sqlalchemy.url") or ""))
