"""Incoming e-mail plugin: IMAP fetcher and ``POST /email/inbound``, wired to the engine.

Configured when ``IMAP_URL`` or ``EMAIL_INBOUND_SECRET`` is set. Every message goes through
``InboundMail.process``: parsed (``adapters.email.inbound``), skipped when its Message-ID was
processed already, a bounce marks the failed addresses undeliverable, automatic mail is
ignored, anything else goes to ``conversations.mail`` (a new request, or a comment / reopen
on the request it replies to). A new request is answered by e-mail (when SMTP is set up) in
the same thread. See docs/email-inbound.md.
"""

from __future__ import annotations

import asyncio
import logging
from email.utils import parseaddr
from typing import TYPE_CHECKING

from aiohttp import web

from adapters.email.imap import ImapFetcher, parse_imap_url
from adapters.email.inbound import parse, to_inbound
from adapters.email.webhook import InboundWebhook
from conversations import mail as mail_flow
from core.mail_ports import MailLog
from core.ports import DialogKey
from persistence.db import make_sessionmaker
from persistence.mail_store import SqlMailLog

if TYPE_CHECKING:
    from bots.bootstrap import App
    from bots.settings import Settings

log = logging.getLogger(__name__)
MAX_MESSAGE_MB = 40  # a raw message (base64 makes files a third larger)


class InboundMail:
    """Processes one raw incoming message, once (see the module doc)."""

    def __init__(self, app: App, mail_log: MailLog) -> None:
        self.app = app
        self.log = mail_log
        own = parseaddr(app.settings.email_from or "")[1].lower()
        self.own_address = own or None

    async def process(self, raw: bytes) -> None:
        """Store what the message means; raises when it could not be stored (it is then
        tried again: IMAP leaves it unseen, the webhook answers 500)."""
        app, mail = self.app, parse(raw)
        key = DialogKey("email-message", mail.message_id[:200])
        async with app.dialogs.locked(key, expire=300, read=False):
            if await self.log.processed(mail.message_id):
                return
            now = app.clock.now()
            if mail.bounced:
                for address in mail.bounced:
                    await self.log.mark_undeliverable(address, "bounce " + mail.subject, now)
                log.warning("e-mail to %s bounced: marked undeliverable", ", ".join(mail.bounced))
                await self.log.record(mail.message_id, mail.sender, "bounce", None, now)
                return
            if mail.automatic or not mail.sender or mail.sender == self.own_address:
                await self.log.record(mail.message_id, mail.sender, "ignored", None, now)
                return
            await self.log.clear_undeliverable(mail.sender)
            result = await mail_flow.on_mail(
                app.conversations, to_inbound(mail), subject=mail.subject,
                reference=mail.reference, default_type=app.settings.email_default_type)
            await self.log.record(mail.message_id, mail.sender, result.outcome,
                                  result.request_id, now)
        await self._answer(mail.sender, mail.message_id, result.replies)

    async def _answer(self, address: str, message_id: str, replies: list) -> None:  # type: ignore[type-arg]
        from adapters.email import EmailSender

        sender = self.app.senders.get("email")
        if not isinstance(sender, EmailSender) or not replies:
            return
        for reply in replies:
            try:
                await sender.edit(address, message_id, reply)  # a reply in the same thread
            except Exception:  # noqa: BLE001 - the message is stored; the answer is a courtesy
                log.warning("could not answer the e-mail from %s", address, exc_info=True)


class Plugin:
    name = "email-inbound"

    def __init__(self) -> None:
        self.fetcher: ImapFetcher | None = None
        self.inbound: InboundMail | None = None

    def configured(self, settings: Settings) -> bool:
        return bool(settings.imap_url or settings.email_inbound_secret)

    async def setup(self, app: App, web_app: web.Application) -> None:
        s = app.settings
        self.inbound = InboundMail(app, SqlMailLog(make_sessionmaker(app.engine)))
        if s.email_inbound_secret:
            InboundWebhook(s.email_inbound_secret, self.inbound.process,
                           MAX_MESSAGE_MB * 1024 * 1024).mount(web_app)
        if s.imap_url:
            self.fetcher = ImapFetcher(parse_imap_url(s.imap_url, s.imap_folder),
                                       self.inbound.process)

    async def start(self, app: App, stop: asyncio.Event) -> list[asyncio.Task[None]]:
        if self.fetcher is None:
            return []
        return [asyncio.create_task(self.fetcher.run(stop), name="imap-fetcher")]

    async def close(self) -> None:
        if self.fetcher is not None:
            await self.fetcher.close()
