"""incoming e-mail: processed Message-IDs and undeliverable addresses

Revision ID: 0007_i19_email_inbound
Revises: 0006_attachments
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_i19_email_inbound"
down_revision = "0006_attachments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "email_messages",
        sa.Column("message_id", sa.String(length=250), primary_key=True),
        sa.Column("sender", sa.String(length=320), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "email_undeliverable",
        sa.Column("address", sa.String(length=320), primary_key=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("email_undeliverable")
    op.drop_table("email_messages")
