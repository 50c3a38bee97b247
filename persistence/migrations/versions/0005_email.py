"""notice preferences (status-change notices a person turned off)

Revision ID: 0005_email
Revises: 0003_person_timezone
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_email"
down_revision = "0003_person_timezone"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notice_preferences",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("status_notices", sa.Boolean(), nullable=False),
        sa.Column("changed_via", sa.String(length=20), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"]),
        sa.PrimaryKeyConstraint("person_id"),
    )


def downgrade() -> None:
    op.drop_table("notice_preferences")
