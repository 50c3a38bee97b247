"""Knowledge-base search on SQLite (FTS5) and PostgreSQL (text search): the acceptance
corpus of 200 articles in 5 languages, 50 queries, the expected article in the top 3 for at
least 90 % of them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bots.kb_files import read_directory
from core.kb_ports import DEFLECTION, NOT_HELPFUL, VIEW, Article
from persistence.db import make_engine, make_sessionmaker
from persistence.kb_store import SqlKnowledgeBase
from persistence.migrate import upgrade
from tests.kb.corpus import write_corpus
from tests.kb.corpus_data import QUERIES

HIT_RATE_NEEDED = 0.9


@pytest.fixture
async def kb(db_url: str) -> AsyncIterator[SqlKnowledgeBase]:
    engine = make_engine(db_url)
    await upgrade(engine)
    store = SqlKnowledgeBase(make_sessionmaker(engine))
    await store.clear()
    yield store
    await store.clear()
    await engine.dispose()


async def load_corpus(kb: SqlKnowledgeBase, tmp_path: Path) -> list[Article]:
    assert write_corpus(tmp_path / "kb") == 200
    articles = read_directory(tmp_path / "kb")
    result = await kb.load(articles)
    assert len(result.added) == 200
    return articles


async def test_fifty_queries_find_their_article_in_the_top_three(
        kb: SqlKnowledgeBase, tmp_path: Path, db_url: str) -> None:
    await load_corpus(kb, tmp_path)
    misses = []
    for language, query, topic in QUERIES:
        found = [a.slug for a in await kb.search(query, language, False, 3)]
        if f"{language}/{topic}" not in found:
            misses.append((language, query, topic, found))
    rate = (len(QUERIES) - len(misses)) / len(QUERIES)
    dialect = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    print(f"\nkb hit rate on {dialect}: {len(QUERIES) - len(misses)}/{len(QUERIES)} = "
          f"{rate:.0%}; misses: {misses}")
    assert rate >= HIT_RATE_NEEDED, misses


async def test_title_matches_rank_above_body_matches(kb: SqlKnowledgeBase) -> None:
    await kb.load([
        Article("body", "Keyboard layout", "Sometimes the printer is mentioned here too.", "en"),
        Article("title", "Printer driver", "How to install the driver.", "en"),
    ])
    assert [a.slug for a in await kb.search("printer", "en", False, 5)] == ["title", "body"]


async def test_visibility_language_and_reload(kb: SqlKnowledgeBase) -> None:
    public = Article("p", "Printer toner", "Replace the toner.", "en")
    staff = Article("s", "Printer firmware", "Flash the printer firmware.", "en", "staff")
    polish = Article("pl", "Toner w drukarce", "Wymień toner w drukarce.", "pl")
    await kb.load([public, staff, polish])
    assert {a.slug for a in await kb.search("printer", "en", False, 5)} == {"p"}
    assert {a.slug for a in await kb.search("printer", "en", True, 5)} == {"p", "s"}
    assert {a.slug for a in await kb.search("drukarki", "pl", False, 5)} == {"pl"}
    assert {a.slug for a in await kb.search("toner", None, False, 5)} == {"p", "pl"}
    stored = {a.slug: a for a in await kb.search("toner", None, True, 5)}
    await kb.count([stored["p"].id or 0], VIEW)
    await kb.count([stored["p"].id or 0], DEFLECTION)
    await kb.count([stored["p"].id or 0, stored["pl"].id or 0], NOT_HELPFUL)
    changed = Article("p", "Printer toner cartridge", "Shake, then replace the toner.", "en")
    result = await kb.load([changed, staff])
    assert (result.replaced, result.unchanged, result.removed) == (["p"], ["s"], ["pl"])
    assert [a.title for a in await kb.search("cartridge", "en", False, 5)] == [
        "Printer toner cartridge"]
    assert await kb.search("drukarki", "pl", False, 5) == []
    counters = {s.slug: (s.views, s.deflections, s.not_helpful) for s in await kb.stats()}
    assert counters == {"p": (1, 1, 1), "s": (0, 0, 0)}  # kept through the replacement


@pytest.mark.parametrize("words", ["", "   ", "?!*", "\"", "' OR 1=1 --", "a:* & !b",
                                   "NEAR(x y)", "title:printer", "x" * 500, "\x00",
                                   "the and of"])
async def test_odd_queries_find_nothing_or_something_but_never_fail(
        kb: SqlKnowledgeBase, words: str) -> None:
    await kb.load([Article("p", "Printer toner", "Replace the toner.", "en")])
    found = await kb.search(words, "en", False, 3)
    assert len(found) <= 1
