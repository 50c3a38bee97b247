"""The knowledge base on SQL (``core.kb_ports.KnowledgeBase``): one table of articles with
their counters, and the database's own full-text index beside it.

- PostgreSQL: a ``tsvector`` column (GIN index) built with the text search configuration
  of the article's language (``english``, ``romanian``, ``portuguese``, ``russian``;
  ``simple`` for Polish and any language without one); the title weighs A, the tags B, the
  body D, ranked with ``ts_rank``. Query words are stemmed by the same configuration and
  matched as prefixes (``printers`` -> ``printer:*``); with ``simple`` they are cut to a
  crude stem first (``drukarki`` -> ``drukar:*``).
- SQLite: an FTS5 table (``unicode61 remove_diacritics 2``) keyed by the article id; every
  query word is cut to a crude stem and matched as a prefix; ``bm25`` weighs the title 10,
  the tags 5 and the body 1.

Both OR the words together: an article matching more of them ranks higher.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Integer, String, Text, delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from core.kb_ports import (
    DEFLECTION,
    NOT_HELPFUL,
    PUBLIC,
    VIEW,
    Article,
    ArticleStats,
    KnowledgeBase,
    LoadResult,
    fold,
    query_words,
    stem_prefix,
)
from persistence.tables import Base

# PostgreSQL text search configurations by language; anything else uses ``simple``.
TS_CONFIGS = {"en": "english", "ro": "romanian", "pt": "portuguese", "ru": "russian"}
_COLUMNS = {VIEW: "views", DEFLECTION: "deflections", NOT_HELPFUL: "not_helpful"}


class KbArticleRow(Base):
    """An article (the PostgreSQL ``tsv`` column and the SQLite ``kb_fts`` table are managed
    by SQL in this module and the migration, not mapped)."""

    __tablename__ = "kb_articles"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    tags: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8))
    visibility: Mapped[str] = mapped_column(String(10))
    ts_config: Mapped[str] = mapped_column(String(30))
    views: Mapped[int] = mapped_column(Integer, default=0)
    deflections: Mapped[int] = mapped_column(Integer, default=0)
    not_helpful: Mapped[int] = mapped_column(Integer, default=0)


def _article(row: KbArticleRow) -> Article:
    tags = tuple(t for t in row.tags.split("\n") if t)
    return Article(row.slug, row.title, row.body, row.language, row.visibility, tags, row.id)


def _same(row: KbArticleRow, article: Article) -> bool:
    return (row.title, row.body, row.tags, row.language, row.visibility) == (
        article.title, article.body, "\n".join(article.tags), article.language,
        article.visibility)


def pg_query(words: Sequence[str], stemmed: bool) -> str:
    """``to_tsquery`` text: the words ORed as prefixes (``\\w`` only: no syntax gets in)."""
    terms = [w if stemmed else stem_prefix(w) for w in words]
    return " | ".join(f"{t}:*" for t in terms)


def fts5_query(words: Sequence[str]) -> str:
    """FTS5 MATCH text: each word's crude stem, quoted, as a prefix, ORed."""
    return " OR ".join(f'"{stem_prefix(fold(w))}"*' for w in words)


class SqlKnowledgeBase(KnowledgeBase):
    """``KnowledgeBase`` on SQLAlchemy (SQLite or PostgreSQL); each call is a transaction."""

    def __init__(self, sessionmaker: async_sessionmaker[Any]) -> None:
        self._sessions = sessionmaker

    @staticmethod
    def _dialect(session: AsyncSession) -> str:
        return session.get_bind().dialect.name

    async def load(self, articles: Sequence[Article]) -> LoadResult:
        result = LoadResult()
        async with self._sessions() as session:
            dialect = self._dialect(session)
            configs = await self._configs(session) if dialect == "postgresql" else set()
            rows = {r.slug: r for r in (await session.scalars(select(KbArticleRow))).all()}
            given = {a.slug for a in articles}
            for slug, row in rows.items():
                if slug not in given:
                    await self._unindex(session, dialect, row.id)
                    await session.delete(row)
                    result.removed.append(slug)
            await session.flush()
            for article in articles:
                row = rows.get(article.slug)
                config = TS_CONFIGS.get(article.language, "simple")
                config = config if config in configs or dialect != "postgresql" else "simple"
                if row is not None and _same(row, article):
                    result.unchanged.append(article.slug)
                    continue
                if row is None:
                    row = KbArticleRow(slug=article.slug, views=0, deflections=0,
                                       not_helpful=0)
                    session.add(row)
                    result.added.append(article.slug)
                else:
                    result.replaced.append(article.slug)
                row.title, row.body, row.tags = article.title, article.body, "\n".join(
                    article.tags)
                row.language, row.visibility, row.ts_config = (
                    article.language, article.visibility, config)
                await session.flush()
                await self._index(session, dialect, row)
            await session.commit()
        return result

    @staticmethod
    async def _configs(session: AsyncSession) -> set[str]:
        return set((await session.scalars(text("SELECT cfgname FROM pg_ts_config"))).all())

    @staticmethod
    async def _unindex(session: AsyncSession, dialect: str, article_id: int) -> None:
        if dialect == "sqlite":
            await session.execute(text("DELETE FROM kb_fts WHERE rowid = :id"),
                                  {"id": article_id})

    @staticmethod
    async def _index(session: AsyncSession, dialect: str, row: KbArticleRow) -> None:
        tags = " ".join(row.tags.split("\n"))
        if dialect == "postgresql":
            await session.execute(text(
                "UPDATE kb_articles SET tsv = "
                "setweight(to_tsvector(CAST(ts_config AS regconfig), title), 'A') || "
                "setweight(to_tsvector(CAST(ts_config AS regconfig), :tags), 'B') || "
                "setweight(to_tsvector(CAST(ts_config AS regconfig), body), 'D') "
                "WHERE id = :id"), {"id": row.id, "tags": tags})
        elif dialect == "sqlite":
            await session.execute(text("DELETE FROM kb_fts WHERE rowid = :id"), {"id": row.id})
            await session.execute(text(
                "INSERT INTO kb_fts (rowid, title, tags, body) VALUES (:id, :title, :tags, "
                ":body)"), {"id": row.id, "title": row.title, "tags": tags, "body": row.body})

    async def search(self, words: str, language: str | None, include_staff: bool,
                     limit: int = 5) -> list[Article]:
        found = query_words(words)
        if not found or limit <= 0:
            return []
        params: dict[str, Any] = {"lang": language, "limit": limit, "public": PUBLIC,
                                  "staff": include_staff}
        async with self._sessions() as session:
            dialect = self._dialect(session)
            if dialect == "postgresql":
                params.update(full=pg_query(found, True), crude=pg_query(found, False))
                sql = (
                    "SELECT a.id FROM kb_articles a, LATERAL (SELECT to_tsquery("
                    "CAST(a.ts_config AS regconfig), CASE WHEN a.ts_config = 'simple' "
                    "THEN :crude ELSE :full END) AS q) x "
                    "WHERE a.tsv @@ x.q AND (CAST(:lang AS text) IS NULL OR a.language = :lang)"
                    " AND (:staff OR a.visibility = :public) "
                    "ORDER BY ts_rank('{0.1, 0.2, 0.4, 1.0}', a.tsv, x.q) DESC, a.id "
                    "LIMIT :limit")
            else:
                params["match"] = fts5_query(found)
                sql = (
                    "SELECT a.id FROM kb_fts JOIN kb_articles a ON a.id = kb_fts.rowid "
                    "WHERE kb_fts MATCH :match AND (:lang IS NULL OR a.language = :lang) "
                    "AND (:staff OR a.visibility = :public) "
                    "ORDER BY bm25(kb_fts, 10.0, 5.0, 1.0), a.id LIMIT :limit")
            ids = list((await session.scalars(text(sql), params)).all())
            if not ids:
                return []
            rows = {r.id: r for r in (await session.scalars(
                select(KbArticleRow).where(KbArticleRow.id.in_(ids)))).all()}
            return [_article(rows[i]) for i in ids if i in rows]

    async def get(self, article_id: int) -> Article | None:
        async with self._sessions() as session:
            row = await session.get(KbArticleRow, article_id)
            return _article(row) if row is not None else None

    async def count(self, article_ids: Sequence[int], counter: str) -> None:
        column = _COLUMNS[counter]
        ids = sorted({int(i) for i in article_ids})
        if not ids:
            return
        async with self._sessions() as session:
            await session.execute(
                update(KbArticleRow).where(KbArticleRow.id.in_(ids))
                .values({column: getattr(KbArticleRow, column) + 1}))
            await session.commit()

    async def stats(self) -> list[ArticleStats]:
        async with self._sessions() as session:
            rows = (await session.scalars(select(KbArticleRow).order_by(
                KbArticleRow.language, KbArticleRow.title, KbArticleRow.id))).all()
            return [ArticleStats(r.id, r.slug, r.title, r.language, r.visibility, r.views,
                                 r.deflections, r.not_helpful) for r in rows]

    async def clear(self) -> None:
        """Remove every article (tests)."""
        async with self._sessions() as session:
            if self._dialect(session) == "sqlite":
                await session.execute(text("DELETE FROM kb_fts"))
            await session.execute(delete(KbArticleRow))
            await session.commit()
