"""drafts: staff's saved intakes (issue 16, seed 003 "projekt")

Revision ID: 0009_i16_drafts
Revises: 0008_i16_requeue
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_i16_drafts"
down_revision = "0008_i16_requeue"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("persons.id"), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_drafts_person_id", "drafts", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_drafts_person_id", table_name="drafts")
    op.drop_table("drafts")
