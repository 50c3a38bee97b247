"""visits: on-site visits and work orders; request types marked on site (issue 18)

Revision ID: 0011_i18v_visits
Revises: 0010_timer_ids
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_i18v_visits"
down_revision = "0010_timer_ids"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("request_types") as batch:
        batch.add_column(sa.Column("on_site", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    op.create_table(
        "visits",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("requests.id"), nullable=False),
        sa.Column("technician_id", sa.Integer(), sa.ForeignKey("persons.id"), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("proposed_by", sa.Integer(), sa.ForeignKey("persons.id"), nullable=False),
        sa.Column("uid", sa.String(200), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("invited", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("work_done", sa.Text()),
        sa.Column("reminded", sa.JSON()),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_visits_request_id", "visits", ["request_id"])
    op.create_index("ix_visits_technician_start", "visits", ["technician_id", "start_at"])


def downgrade() -> None:
    op.drop_index("ix_visits_technician_start", table_name="visits")
    op.drop_index("ix_visits_request_id", table_name="visits")
    op.drop_table("visits")
    with op.batch_alter_table("request_types") as batch:
        batch.drop_column("on_site")
