"""a person's time zone

Revision ID: 0003_person_timezone
Revises: 0002_sms
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_person_timezone"
down_revision = "0002_sms"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("persons") as batch_op:
        batch_op.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("persons") as batch_op:
        batch_op.drop_column("timezone")
