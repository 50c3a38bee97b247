"""Knowledge-base article pages for the channels that get an article as a link (SMS): the
signed ``/kb/<token>`` page (``adapters.web.articles``) wired to the knowledge base."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from adapters.web import ArticlePages
from core.permissions import can_read_article

if TYPE_CHECKING:
    from bots.bootstrap import App


def mount_article_pages(app: App, web_app: web.Application, secret: str) -> ArticlePages:
    """Serve ``/kb/<token>`` and let the conversations link articles (needs
    PUBLIC_BASE_URL; without it SMS readers get the article's text, cut to one SMS)."""

    async def article_for(person_id: int, article_id: int) -> tuple[str, str] | None:
        if app.knowledge is None:
            return None
        async with app.uow_factory(read_only=True) as uow:
            person = await uow.people.get(person_id)
        if person is None:
            return None
        article = await app.knowledge.get(article_id)
        if article is None or not can_read_article(person, article.visibility):
            return None
        return article.title, article.body

    async def language_of(person_id: int) -> str | None:
        async with app.uow_factory(read_only=True) as uow:
            person = await uow.people.get(person_id)
        return person.language if person else None

    pages = ArticlePages(secret, app.clock, article_for,
                         public_base_url=app.settings.public_base_url,
                         default_language=app.settings.default_language,
                         language_of=language_of)
    pages.mount(web_app)
    if app.settings.public_base_url:
        app.conversations.article_link = pages.link
    return pages
