"""knowledge base: articles, their counters and a full-text index (issue 18)

PostgreSQL: a ``tsv`` tsvector column with a GIN index (filled by the application with the
article's language configuration). SQLite: an FTS5 virtual table ``kb_fts`` whose rowid is
the article id. Each is created only on its own dialect.

Revision ID: 0011_i18k_kb
Revises: 0010_timer_ids
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_i18k_kb"
down_revision = "0010_timer_ids"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kb_articles",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("slug", sa.String(200), nullable=False, unique=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False, server_default=""),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("visibility", sa.String(10), nullable=False),
        sa.Column("ts_config", sa.String(30), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("deflections", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("not_helpful", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_index("ix_kb_articles_language", "kb_articles", ["language"])
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("ALTER TABLE kb_articles ADD COLUMN tsv tsvector")
        op.execute("CREATE INDEX ix_kb_articles_tsv ON kb_articles USING GIN (tsv)")
    elif dialect == "sqlite":
        op.execute("CREATE VIRTUAL TABLE kb_fts USING fts5(title, tags, body, "
                   "tokenize = 'unicode61 remove_diacritics 2')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS kb_fts")
    op.drop_index("ix_kb_articles_language", table_name="kb_articles")
    op.drop_table("kb_articles")
