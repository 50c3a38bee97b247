"""PostgreSQL: "My requests" read from the index alone

``ix_requests_initiator_recent`` (initiator_id, id) now INCLUDEs what a list line shows
(``persistence.tables.LINE_COLUMNS``: reference, type, subject, status, assignee,
logged minutes, end of the feedback window), so the newest requests of an initiator are an
index-only scan: a leaf page or two instead of one heap page per request, which at a
million requests are rarely cached (bench/data_scale.py). The pages of requests that
have not changed since the last (auto)vacuum need no heap visit. SQLite keeps the plain
index (it has no INCLUDE; its databases are small).

Revision ID: 0012_i14l_request_lines
Revises: 0012_i14m_minutes_logged
Create Date: 2026-12-04
"""
from alembic import op

revision = "0012_i14l_request_lines"
down_revision = "0012_i14m_minutes_logged"
branch_labels = None
depends_on = None

_INCLUDE = ["reference", "type_id", "subject", "status", "assignee_id", "minutes_logged",
            "feedback_until"]  # persistence.tables.LINE_COLUMNS as of this revision


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_requests_initiator_recent", table_name="requests")
    op.create_index("ix_requests_initiator_recent", "requests", ["initiator_id", "id"],
                    postgresql_include=_INCLUDE)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_requests_initiator_recent", table_name="requests")
    op.create_index("ix_requests_initiator_recent", "requests", ["initiator_id", "id"])
