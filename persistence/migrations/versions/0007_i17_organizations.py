"""organizations and contracts (seed 004); a person's and a request's organization

Revision ID: 0007_i17_organizations
Revises: 0006_attachments, 0004_workflow
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_i17_organizations"
# Also after 0004_workflow: the queue index uses its SLA columns. A merge point rather than
# depends_on, so that the heads Alembic reports are the heads the database records.
down_revision = ("0006_attachments", "0004_workflow")
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organizations",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(length=200), nullable=False, unique=True),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.create_table(
        "contracts",
        sa.Column("organization_id", sa.Integer(), sa.ForeignKey("organizations.id"),
                  primary_key=True),
        sa.Column("monthly_minutes", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
    )
    with op.batch_alter_table("persons") as batch:
        batch.add_column(sa.Column("organization_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("organization_id", sa.Integer(), nullable=True))
    op.create_index("ix_requests_organization_id", "requests", ["organization_id"])
    op.create_index("ix_time_entries_at", "time_entries", ["at"])
    op.create_index("ix_events_action_at", "events", ["action", "at"])
    # /queue: live requests by their deadline (persistence.repositories.QUEUE_DUE).
    op.execute(
        "CREATE INDEX ix_requests_queue ON requests ((CASE WHEN status = 'open' THEN "
        "coalesce(claim_due, resolve_due) ELSE resolve_due END), id) "
        "WHERE status IN ('open', 'in_progress', 'waiting')")


def downgrade() -> None:
    op.drop_index("ix_requests_queue", table_name="requests")
    op.drop_index("ix_events_action_at", table_name="events")
    op.drop_index("ix_time_entries_at", table_name="time_entries")
    op.drop_index("ix_requests_organization_id", table_name="requests")
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("organization_id")
    with op.batch_alter_table("persons") as batch:
        batch.drop_column("organization_id")
    op.drop_table("contracts")
    op.drop_table("organizations")
