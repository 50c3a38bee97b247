"""requests held by an assistant: a partial index for "Your queue"

An assistant's queue is the open requests plus the ones they hold (in progress, waiting,
resolved). The held part used ``ix_requests_assignee_id``, which also lists every request
the assistant ever closed: at a million requests that is ~5,000 entries per assistant read
for a handful of live ones (bench/data_scale.py: the queue took 1.45× as long as at
10,000). This index holds only the live ones.

Revision ID: 0012_i14q_held
Revises: 0012_i14l_request_lines
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_i14q_held"
down_revision = "0012_i14l_request_lines"
branch_labels = None
depends_on = None

_HELD = "status IN ('in_progress', 'waiting', 'resolved')"  # as in persistence.tables


def upgrade() -> None:
    op.create_index("ix_requests_held", "requests", ["assignee_id", "id"],
                    postgresql_where=sa.text(_HELD), sqlite_where=sa.text(_HELD))


def downgrade() -> None:
    op.drop_index("ix_requests_held", table_name="requests")
