"""Signed knowledge-base article pages (``/kb/<token>``): how SMS readers get an article.

An article is too long for a text message; the SMS carries its title and a link to this
page instead. A token binds a person and an article and expires after 7 days; it is signed
with SECRET_KEY under its own salt (it opens no other page). Whether the person may read
the article (it still exists; staff-only articles only for staff) is asked at every visit.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import timedelta

from aiohttp import web

from adapters.web.pages import LanguageOf, TokenPages
from adapters.web.tokens import DatedTokens, LinkInvalid
from core.clock import Clock
from core.i18n import _, use_language

ARTICLE_TTL = timedelta(days=7)
PATH = "/kb/{token}"
_VALUE = re.compile(r"^([0-9a-f]{1,8})-([0-9a-f]{1,8})$")
# (person id, article id) -> (title, Markdown body), or None when the person may not read
# it (any more) or it is gone.
ArticleFor = Callable[[int, int], Awaitable[tuple[str, str] | None]]


async def _no_language(person_id: int) -> str | None:
    return None


class ArticlePages(TokenPages[tuple[int, int]]):
    """Makes article links and serves ``GET /kb/<token>``."""

    def __init__(self, secret: str, clock: Clock, article_for: ArticleFor, *,
                 public_base_url: str | None, default_language: str = "en",
                 language_of: LanguageOf = _no_language) -> None:
        self._tokens = DatedTokens(secret, clock, "helpdesk.kb", "helpdesk.kb.form")
        self.article_for = article_for
        self.public_base_url = public_base_url
        self.default_language = default_language
        self.language_of = language_of

    def make(self, person_id: int, article_id: int) -> str:
        return self._tokens.sign_value(f"{person_id:x}-{article_id:x}")

    def link(self, person_id: int, article_id: int) -> str | None:
        """The page's full address, or None without a public address."""
        if not self.public_base_url:
            return None
        return f"{self.public_base_url.rstrip('/')}/kb/{self.make(person_id, article_id)}"

    def read_token(self, token: str) -> tuple[int, int]:
        raw, _issued = self._tokens.read_value(token, max_age=ARTICLE_TTL)
        match = _VALUE.match(raw)
        if not match:
            raise LinkInvalid("not an article link")
        return int(match.group(1), 16), int(match.group(2), 16)

    def person_of(self, subject: tuple[int, int]) -> int:
        return subject[0]

    def mount(self, web_app: web.Application) -> None:
        web_app.router.add_get(PATH, self.show)

    async def show_page(self, request: web.Request, subject: tuple[int, int],
                        language: str) -> web.Response:
        found = await self.article_for(*subject)
        with use_language(language):
            if found is None:
                return self.page(language, status=404, notice_kind="error",
                                 notice=_("This article is no longer available."))
            title, body = found
            return self.page(language, lines=f"{title}\n\n{body}")

    async def act_page(self, request: web.Request, subject: tuple[int, int],
                       language: str) -> web.Response:
        raise web.HTTPMethodNotAllowed(request.method, ["GET"])
