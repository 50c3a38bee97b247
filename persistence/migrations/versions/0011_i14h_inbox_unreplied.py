"""inbox: a partial index on the rows whose replies are not sent yet (the worker's poll)

Revision ID: 0011_i14h_inbox_unreplied
Revises: 0010_timer_ids, 0007_i13_inbox
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_i14h_inbox_unreplied"
down_revision = ("0010_timer_ids", "0007_i13_inbox")  # the inbox table it indexes
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The inbox worker asks every 0.2 s which conversations still owe replies: without it
    # that read walks every processed row (the table only grows).
    op.create_index("ix_inbox_unreplied", "inbox", ["conversation"],
                    postgresql_where=sa.text("replied_at IS NULL"),
                    sqlite_where=sa.text("replied_at IS NULL"))


def downgrade() -> None:
    op.drop_index("ix_inbox_unreplied", table_name="inbox")
