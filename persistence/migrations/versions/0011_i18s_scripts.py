"""scripts: troubleshooting scripts per request type, their paths on requests, deflections
(issue 18)

Revision ID: 0011_i18s_scripts
Revises: 0010_timer_ids
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_i18s_scripts"
down_revision = "0010_timer_ids"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scripts",
        sa.Column("type_id", sa.Integer(), sa.ForeignKey("request_types.id"), primary_key=True),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "script_paths",
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("requests.id"), primary_key=True),
        sa.Column("script", sa.String(60), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_table(
        "deflections",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("ref", sa.String(200), nullable=False),
        sa.Column("request_type_id", sa.Integer(), sa.ForeignKey("request_types.id")),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("persons.id")),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_deflections_at", "deflections", ["at"])


def downgrade() -> None:
    op.drop_index("ix_deflections_at", table_name="deflections")
    op.drop_table("deflections")
    op.drop_table("script_paths")
    op.drop_table("scripts")
