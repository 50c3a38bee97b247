"""E-mail plugin: registers the SMTP sender, mounts the unsubscribe page, wires the links.

Configured when SMTP_URL is set (EMAIL_FROM is then required). With PUBLIC_BASE_URL set, each
e-mail carries signed links to the link pages (Claim, Confirm / Dispute) and an unsubscribe
link; without it the e-mails are plain notices with numbered choices and no links.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from aiohttp import web

from adapters.email import CHANNEL, EmailSender, SmtpClient, parse_smtp_url
from adapters.web import LinkSigner, UnsubscribePages, UnsubscribeSigner
from bots import account_links
from persistence.db import make_sessionmaker
from persistence.mail_store import SqlMailLog
from persistence.preference_store import SqlNoticePreferences

if TYPE_CHECKING:
    from bots.bootstrap import App
    from bots.settings import Settings

log = logging.getLogger(__name__)


class Plugin:
    name = "email"

    def __init__(self) -> None:
        self.sender: EmailSender | None = None

    def configured(self, settings: Settings) -> bool:
        return bool(settings.smtp_url)

    async def setup(self, app: App, web_app: web.Application) -> None:
        from bots.bootstrap import resolve_secret

        s = app.settings
        if not s.smtp_url or not s.email_from:
            raise RuntimeError("SMTP_URL and EMAIL_FROM are both needed for e-mail")
        base = s.public_base_url
        if not base:
            log.warning("PUBLIC_BASE_URL is not set: e-mails get numbered choices, no links "
                        "and no unsubscribe link")
        secret = resolve_secret(s)
        signer = LinkSigner(secret, app.clock)
        uows = app.uow_factory
        preferences = app.preferences or SqlNoticePreferences(make_sessionmaker(app.engine))

        async def language_of_person(person_id: int) -> str | None:
            async with uows() as uow:
                person = await uow.people.get(person_id)
            return person.language if person else None

        pages = UnsubscribePages(
            signer=UnsubscribeSigner(secret, app.clock),
            preferences=preferences,
            clock=app.clock,
            language_of=language_of_person,
            public_base_url=base,
            default_language=s.default_language,
            channel=CHANNEL,
        )

        person_id_of = account_links.person_id_of(app, CHANNEL)

        async def unsubscribe_for(address: str) -> str | None:
            person_id = await person_id_of(address)
            return pages.url(person_id) if person_id is not None else None

        self.sender = EmailSender(
            SmtpClient(parse_smtp_url(s.smtp_url)), s.email_from, app.clock,
            link_for=account_links.button_links(app, CHANNEL, signer),
            unsubscribe_for=unsubscribe_for,
            language_of=account_links.reader_language(app, CHANNEL),
            undeliverable=SqlMailLog(make_sessionmaker(app.engine)).undeliverable,
        )
        app.add_sender(self.sender)
        if base:
            pages.mount(web_app)

    async def start(self, app: App, stop: asyncio.Event) -> list[asyncio.Task[None]]:
        return []

    async def close(self) -> None:
        if self.sender is not None:
            await self.sender.close()
