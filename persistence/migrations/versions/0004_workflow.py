"""workflow: waiting, SLA clocks, feedback window, ratings, durable timers, type settings

Revision ID: 0004_workflow
Revises: 0003_person_timezone
Create Date: 2026-11-22

A branch of its own (the app upgrades to all heads).
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_workflow"
down_revision = "0003_person_timezone"
branch_labels = None
depends_on = None


def request_columns() -> list[sa.Column]:
    return [
        sa.Column("fields", sa.JSON(), nullable=True),
        sa.Column("pool", sa.JSON(), nullable=True),
        sa.Column("sla_claim_minutes", sa.Integer(), nullable=True),
        sa.Column("sla_resolve_minutes", sa.Integer(), nullable=True),
        sa.Column("feedback_minutes", sa.Integer(), nullable=True),
        sa.Column("claim_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolve_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolve_left_seconds", sa.Integer(), nullable=True),
        sa.Column("sla_flags", sa.JSON(), nullable=True),
        sa.Column("wait_reason", sa.String(length=20), nullable=True),
        sa.Column("wait_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("wait_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("wait_autoclose_days", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("feedback_until", sa.DateTime(timezone=True), nullable=True),
    ]


def type_columns() -> list[sa.Column]:
    return [
        sa.Column("sla", sa.JSON(), nullable=True),
        sa.Column("feedback_minutes", sa.Integer(), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=True),
        sa.Column("assistant_ids", sa.JSON(), nullable=True),
    ]


def upgrade() -> None:
    with op.batch_alter_table("request_types") as batch_op:
        for column in type_columns():
            batch_op.add_column(column)
    with op.batch_alter_table("requests") as batch_op:
        for column in request_columns():
            batch_op.add_column(column)

    op.create_table(
        "ratings",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("assistant_id", sa.Integer(), nullable=True),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["assistant_id"], ["persons.id"]),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"]),
        sa.PrimaryKeyConstraint("request_id"),
    )
    with op.batch_alter_table("ratings") as batch_op:
        batch_op.create_index("ix_ratings_assistant_id", ["assistant_id"], unique=False)

    op.create_table(
        "timers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("fire_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("gave_up_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("timers") as batch_op:
        batch_op.create_index("ix_timers_due", ["fired_at", "fire_at"], unique=False)
        batch_op.create_index("ix_timers_request_id", ["request_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("timers") as batch_op:
        batch_op.drop_index("ix_timers_request_id")
        batch_op.drop_index("ix_timers_due")
    op.drop_table("timers")
    with op.batch_alter_table("ratings") as batch_op:
        batch_op.drop_index("ix_ratings_assistant_id")
    op.drop_table("ratings")
    with op.batch_alter_table("requests") as batch_op:
        for column in reversed(request_columns()):
            batch_op.drop_column(column.name)
    with op.batch_alter_table("request_types") as batch_op:
        for column in reversed(type_columns()):
            batch_op.drop_column(column.name)
