"""subject: every request has a short subject (issue 16); existing ones get the first
line of their description

Revision ID: 0007_i16_subject
Revises: 0006_attachments
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_i16_subject"
down_revision = "0006_attachments"
branch_labels = None
depends_on = None

MAX_SUBJECT = 120  # core.model.MAX_SUBJECT (migrations do not import the application)


def subject_from(text: str) -> str:
    """The first non-empty line of ``text``, cut at a word to 120 characters (as
    ``core.model.subject_from``; copied so that this migration never changes)."""
    first = next((ln.strip() for ln in (text or "").splitlines() if ln.strip()), "")
    first = " ".join(first.split())
    if len(first) <= MAX_SUBJECT:
        return first
    cut = first[: MAX_SUBJECT - 1]
    if " " in cut[MAX_SUBJECT // 2:]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:") + "…"


def upgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("subject", sa.String(length=MAX_SUBJECT), nullable=True))
    requests = sa.table("requests", sa.column("id", sa.Integer()),
                        sa.column("description", sa.Text()),
                        sa.column("subject", sa.String(MAX_SUBJECT)))
    conn = op.get_bind()
    rows = conn.execute(sa.select(requests.c.id, requests.c.description)).all()
    for row in rows:
        conn.execute(requests.update().where(requests.c.id == row.id)
                     .values(subject=subject_from(row.description) or "?"))


def downgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("subject")
