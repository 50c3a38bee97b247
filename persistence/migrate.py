"""Run Alembic migrations programmatically (``helpdesk migrate``, and on first start)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str = "") -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


# pg_advisory_xact_lock key: "helpdesk migrate" (any constant shared by every replica).
MIGRATION_LOCK = 0x68656C7064657331


async def upgrade(engine: AsyncEngine, revision: str = "heads") -> None:
    """Bring the database to ``revision``; a no-op when it is already there.

    On PostgreSQL the migration runs under a transaction-level advisory lock, so N replicas
    starting together (``helpdesk migrate`` in each container) migrate once: the others
    wait for the lock, then find the schema at ``revision`` and do nothing. The lock is
    released with the transaction, also when a migration fails or the process dies.
    """

    def _upgrade(connection: Connection) -> None:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)

    async with engine.connect() as conn:
        async with conn.begin():
            if conn.dialect.name == "postgresql":
                await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                   {"key": MIGRATION_LOCK})
            await conn.run_sync(_upgrade)
        if conn.dialect.name == "sqlite":  # env.py turned them off for the migration
            await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            await conn.commit()


async def current_revision(engine: AsyncEngine) -> str | None:
    """The applied revisions (several when migration branches are applied), comma-separated."""
    from alembic.runtime.migration import MigrationContext

    def _current(connection: Connection) -> str | None:
        heads = MigrationContext.configure(connection).get_current_heads()
        return ", ".join(sorted(heads)) or None

    async with engine.connect() as conn:
        return await conn.run_sync(_current)
