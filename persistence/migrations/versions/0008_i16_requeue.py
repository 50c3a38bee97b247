"""wait_requeue: a customer wait may return the request to the queue after N days instead
of closing it; merged_into_id: a duplicate closed into another request (issue 16, seed 003)

Revision ID: 0008_i16_requeue
Revises: 0007_i16_subject
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_i16_requeue"
down_revision = "0007_i16_subject"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("wait_requeue", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("merged_into_id")
        batch.drop_column("wait_requeue")
