"""Port for the knowledge base: articles, their search, and what people did with them.

Articles are Markdown texts with a title, tags, a language and a visibility (``public``:
everyone; ``staff``: assistants and supervisors only). They are loaded from files by
``helpdesk admin load-kb DIR`` (``bots.kb_files``) and searched with the database's own
full-text search (``persistence.kb_store``: PostgreSQL text search with a configuration
per language, SQLite FTS5). The conversations (``conversations.kb``) offer them during the
intake and answer ``/kb words``; every opening, deflection and "not helpful" is counted per
article.
"""

from __future__ import annotations

import abc
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

PUBLIC = "public"
STAFF = "staff"
VISIBILITIES = (PUBLIC, STAFF)
MAX_TITLE = 200
MAX_BODY = 50_000  # characters of Markdown; a long article is split by the channel
MAX_TAGS = 30
MAX_QUERY_WORDS = 20

# What is counted per article.
VIEW = "view"  # the article was opened (sent as text, or its link page given)
DEFLECTION = "deflection"  # opened during an intake that ended with "Yes, solved"
NOT_HELPFUL = "not_helpful"  # opened during an intake that went on to place the request
COUNTERS = (VIEW, DEFLECTION, NOT_HELPFUL)

# (person id, article id) -> the signed link page of the article, or None (no public URL).
ArticleLink = Callable[[int, int], str | None]


@dataclass(frozen=True)
class Article:
    """One article as loaded from its file. ``slug`` identifies it across reloads (the
    front matter's ``id``, else the file's path inside the directory without ``.md``)."""

    slug: str
    title: str
    body: str
    language: str
    visibility: str = PUBLIC
    tags: tuple[str, ...] = ()
    id: int | None = None  # set once stored

    @property
    def public(self) -> bool:
        return self.visibility == PUBLIC


@dataclass(frozen=True)
class ArticleStats:
    """The counters of one article (``helpdesk report kb``)."""

    id: int
    slug: str
    title: str
    language: str
    visibility: str
    views: int = 0
    deflections: int = 0
    not_helpful: int = 0


@dataclass
class LoadResult:
    """What a load changed: slugs added, replaced (same slug, new content) and removed."""

    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


class KnowledgeBase(abc.ABC):
    """The stored articles and their search."""

    @abc.abstractmethod
    async def load(self, articles: Sequence[Article]) -> LoadResult:
        """Make the stored articles exactly ``articles`` (keyed by slug): new ones added,
        changed ones replaced (their counters kept), those no longer given removed (with
        their counters). One transaction: a failure changes nothing."""

    @abc.abstractmethod
    async def search(self, words: str, language: str | None, include_staff: bool,
                     limit: int = 5) -> list[Article]:
        """The best ``limit`` articles for ``words``, best first; title matches rank above
        body matches. ``language`` None searches every language; ``include_staff`` False
        returns public articles only. Words that are no text (punctuation) find nothing."""

    @abc.abstractmethod
    async def get(self, article_id: int) -> Article | None:
        """The article, or None when it is gone (removed by a reload)."""

    @abc.abstractmethod
    async def count(self, article_ids: Sequence[int], counter: str) -> None:
        """Add one to ``counter`` (``VIEW``, ``DEFLECTION``, ``NOT_HELPFUL``) of each article
        (articles that are gone are skipped)."""

    @abc.abstractmethod
    async def stats(self) -> list[ArticleStats]:
        """Every article's counters, by language then title."""


def may_read(is_staff: bool, article: Article) -> bool:
    """Staff read every article; initiators only public ones."""
    return is_staff or article.public


_WORD = re.compile(r"\w+", re.UNICODE)


def fold(text: str) -> str:
    """Lower case without diacritics ("Imprimantă" -> "imprimanta")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def query_words(words: str) -> list[str]:
    """The searchable words of a query: letters and digits only (so no query syntax can get
    through), folded, at most ``MAX_QUERY_WORDS`` distinct ones of 2 to 40 characters."""
    seen: list[str] = []
    for match in _WORD.finditer(words or ""):
        word = match.group(0).replace("_", "")
        if 2 <= len(word) <= 40 and word.casefold() not in seen:
            seen.append(word.casefold())
        if len(seen) >= MAX_QUERY_WORDS:
            break
    return seen


def stem_prefix(word: str) -> str:
    """A crude, language-neutral stem for prefix search where the database has no stemmer
    (SQLite, and Polish on PostgreSQL): long words lose their last ~30 % ("printers" ->
    "printe", "drukarki" -> "drukar", "принтера" -> "принте"), short ones stay whole."""
    if len(word) <= 5:
        return word
    return word[:max(5, round(len(word) * 0.7))]
