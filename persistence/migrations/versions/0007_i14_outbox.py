"""outbox: a partial index on the unsent rows by recipient (the lease reads only these)

Revision ID: 0007_i14_outbox
Revises: 0006_attachments
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_i14_outbox"
down_revision = "0006_attachments"
branch_labels = None
depends_on = None

UNSENT = "sent_at IS NULL AND gave_up_at IS NULL"


def upgrade() -> None:
    op.create_index(
        "ix_outbox_unsent_by_recipient", "outbox", ["recipient_id", "id"],
        postgresql_where=sa.text(UNSENT), sqlite_where=sa.text(UNSENT),
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_unsent_by_recipient", table_name="outbox")
