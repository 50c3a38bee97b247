"""E-mail plugin: registers the SMTP sender, mounts the unsubscribe page, wires the links.

Configured when SMTP_URL is set (EMAIL_FROM is then required). With PUBLIC_BASE_URL set, each
e-mail carries signed links to the link pages (Claim, Confirm / Dispute) and an unsubscribe
link; without it the e-mails are plain notices with numbered choices and no links.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from adapters.email import CHANNEL, EmailSender, SmtpClient, parse_smtp_url
from adapters.email.compose import REFERENCE
from adapters.email.dkim_signing import DkimSigner, domain_of, load_private_key
from adapters.email.sender import FileLink, ViewLink
from adapters.web import FileLinks, LinkSigner, UnsubscribePages, UnsubscribeSigner
from adapters.web.files import PATH as FILE_PATH
from adapters.web.portal import PortalTokens
from bots import account_links
from core.messages import Attachment, Reply
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

        dkim = None
        if s.dkim_private_key and s.dkim_selector:
            dkim = DkimSigner(s.dkim_selector, domain_of(s.email_from),
                              load_private_key(s.dkim_private_key))
        self.sender = EmailSender(
            SmtpClient(parse_smtp_url(s.smtp_url), dkim), s.email_from, app.clock,
            link_for=account_links.button_links(app, CHANNEL, signer),
            unsubscribe_for=unsubscribe_for,
            language_of=account_links.reader_language(app, CHANNEL),
            undeliverable=SqlMailLog(make_sessionmaker(app.engine)).undeliverable,
            files=app.attachments.files if app.attachments else None,
            file_link=self._file_links(app, web_app, secret, person_id_of),
            attach_max_bytes=int(s.email_attach_max_mb * 1024 * 1024),
            view_link=self._view_links(app, secret, person_id_of),
        )
        app.add_sender(self.sender)
        if base:
            pages.mount(web_app)

    @staticmethod
    def _view_links(app: App, secret: str, person_id_of: Callable[[str], Awaitable[int | None]]
                    ) -> ViewLink | None:
        """"View the request": the web portal's link that opens the notice's request signed
        in (when the portal runs: PUBLIC_BASE_URL set)."""
        base = app.settings.public_base_url
        if not base:
            return None
        tokens = PortalTokens(secret, app.clock)

        async def view_link(address: str, reply: Reply) -> str | None:
            found = REFERENCE.search(reply.text)
            if found is None:
                return None
            person_id = await person_id_of(address)
            if person_id is None:
                return None
            async with app.uow_factory(read_only=True) as uow:
                req = await uow.requests.by_reference(found.group(0))
            if req is None or req.id is None:
                return None
            return f"{base}/p/v/{tokens.view(person_id, req.id)}"

        return view_link

    @staticmethod
    def _file_links(app: App, web_app: web.Application, secret: str,
                    person_id_of: Callable[[str], Awaitable[int | None]]) -> FileLink | None:
        """Signed ``/f/`` links for files too large to attach (the SMS channel's file links;
        mounted here unless SMS mounted them already)."""
        from bots.channel_sms import Plugin as SmsPlugin

        base = app.settings.public_base_url
        if not base or app.attachments is None:
            return None
        links = FileLinks(secret, app.clock, SmsPlugin.file_for(app),
                          app.settings.default_language)
        if not any(r.canonical == FILE_PATH for r in web_app.router.resources()):
            links.mount(web_app)

        async def file_link(address: str, attachment: Attachment) -> str | None:
            person_id = await person_id_of(address)
            if person_id is None or attachment.id is None:
                return None
            return f"{base}/f/{links.make(person_id, attachment.id)}"

        return file_link

    async def start(self, app: App, stop: asyncio.Event) -> list[asyncio.Task[None]]:
        return []

    async def close(self) -> None:
        if self.sender is not None:
            await self.sender.close()
