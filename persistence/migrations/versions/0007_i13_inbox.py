"""inbox: every inbound event, stored before it is acknowledged and applied exactly once

Revision ID: 0007_i13_inbox
Revises: 0006_attachments
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_i13_inbox"
down_revision = "0006_attachments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("conversation", sa.String(length=300), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lock_token", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replies", sa.JSON(), nullable=True),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dialog_state", sa.String(length=40), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.UniqueConstraint("channel", "event_id", name="uq_inbox_channel_event"),
    )
    op.create_index("ix_inbox_conversation", "inbox", ["conversation", "status", "id"])
    op.create_index("ix_inbox_status", "inbox", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_inbox_status", table_name="inbox")
    op.drop_index("ix_inbox_conversation", table_name="inbox")
    op.drop_table("inbox")
