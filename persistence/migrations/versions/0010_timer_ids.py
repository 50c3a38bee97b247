"""timers: ids are never reused on SQLite (AUTOINCREMENT)

Timers are replaced when their time moves (a DELETE, then an INSERT). Without AUTOINCREMENT
SQLite hands a deleted row's id to the next insert, so a worker still holding the old timer
could mark the new one fired. PostgreSQL sequences never reuse ids: nothing to do there.

Revision ID: 0010_timer_ids
Revises: 0004_workflow
Create Date: 2026-11-29
"""
from alembic import op

revision = "0010_timer_ids"
down_revision = "0004_workflow"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("timers", recreate="always",
                                  table_kwargs={"sqlite_autoincrement": True}):
            pass


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("timers", recreate="always",
                                  table_kwargs={"sqlite_autoincrement": False}):
            pass
