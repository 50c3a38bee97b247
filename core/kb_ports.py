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
import math
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


_WORD = re.compile(r"\w+", re.UNICODE)


def fold(text: str) -> str:
    """Lower case without diacritics ("Imprimantă" -> "imprimanta")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# The commonest little words of each language (folded): they say nothing about the topic,
# and SQLite has no stop list of its own (PostgreSQL's configurations drop theirs anyway).
STOP_WORDS = frozenset(fold(w) for w in """
the a an and or of to in on is are was were be been it its my me we our you your this that
these those with for at by from not no do does did can cant how what why when where which
who have has had will would should could there their they them he she his her as if but so
than then too very just also up out about into over after again off any all some more most
other such only own same both each under while am here get got dont doesnt isnt wont
si in la de cu pe nu se mi ma ca este sunt un o ale al ce cum din care pentru sau dar am are
ai eu tu el ea noi voi ei lor meu mea mele mai nici fi fost imi iar cand unde
os as um uma do da dos das em no na nos nas que nao meu minha com por para ao mais mas como
esta estou foi ser tem ou quando onde isso este
w z na nie sie jest to ze moj moja moje mam ma jak co po przy od za ale czy jestem juz dla
tak ten ta mnie mi gdy kiedy gdzie mojego mojej
и в во не на я у мой моя моё мои с со что как а по из за к о это но он она они мне меня
уже есть нет для при от до же ли бы был была было когда где
""".split())


def query_words(words: str) -> list[str]:
    """The searchable words of a query: letters and digits only (so no query syntax can get
    through), folded, at most ``MAX_QUERY_WORDS`` distinct ones of 2 to 40 characters,
    without the languages' commonest little words (only those: nothing to search)."""
    seen: list[str] = []
    for match in _WORD.finditer(words or ""):
        word = match.group(0).replace("_", "")
        if 2 <= len(word) <= 40 and word.casefold() not in seen:
            seen.append(word.casefold())
        if len(seen) >= 3 * MAX_QUERY_WORDS:
            break
    topical = [w for w in seen if fold(w) not in STOP_WORDS]
    return topical[:MAX_QUERY_WORDS]


def stem_prefix(word: str) -> str:
    """A crude, language-neutral stem for prefix search where the database has no stemmer
    (SQLite, and Polish on PostgreSQL): long words keep their first 60 % ("printers" ->
    "print", "drukarki" -> "druka", "принтера" -> "принт"), short ones stay whole; the
    search matches them as prefixes, so inflected forms meet."""
    if len(word) <= 5:
        return word
    return word[:max(4, math.ceil(len(word) * 0.6))]
