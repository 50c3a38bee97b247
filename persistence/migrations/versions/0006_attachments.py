"""attachments: files sent on requests (metadata; contents live in ATTACHMENTS_DIR)

Revision ID: 0006_attachments
Revises: 0003_person_timezone
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_attachments"
down_revision = "0003_person_timezone"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("requests.id"), nullable=False),
        sa.Column("uploader_id", sa.Integer(), sa.ForeignKey("persons.id"), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("mime", sa.String(length=255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_attachments_request_id", "attachments", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_attachments_request_id", table_name="attachments")
    op.drop_table("attachments")
