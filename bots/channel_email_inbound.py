"""Incoming e-mail plugin: IMAP fetcher and ``POST /email/inbound``, wired to the engine.

Configured when ``IMAP_URL`` or ``EMAIL_INBOUND_SECRET`` is set. Every message goes through
``InboundMail.process``: stored in the durable inbox keyed by its Message-ID (a message
stored before is a no-op; docs/inbox.md), then applied from there: a bounce marks the
failed addresses undeliverable, automatic mail is ignored, anything else goes to
``conversations.mail`` (a new request, or a comment / reopen on the request it replies
to). A new request is answered by e-mail (when SMTP is set up) in the same thread. See
docs/email-inbound.md.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
from email.utils import parseaddr
from typing import TYPE_CHECKING, Any

from aiohttp import web

from adapters.email.imap import ImapFetcher, parse_imap_url
from adapters.email.inbound import CHANNEL, parse, to_inbound
from adapters.email.webhook import InboundWebhook
from bots.inbox import InboxChannel
from conversations import mail as mail_flow
from core.inbox_ports import TurnScope
from core.mail_ports import MailLog
from core.messages import Inbound, Reply
from persistence.db import make_sessionmaker
from persistence.inbox import MAX_EVENT_ID
from persistence.mail_store import SqlMailLog

if TYPE_CHECKING:
    from bots.bootstrap import App
    from bots.settings import Settings

log = logging.getLogger(__name__)
MAX_MESSAGE_MB = 40  # a raw message (base64 makes files a third larger)


class InboundMail:
    """Stores each raw incoming message in the durable inbox (keyed by its Message-ID) and
    applies it from there, once (see the module doc)."""

    def __init__(self, app: App, mail_log: MailLog) -> None:
        self.app = app
        self.log = mail_log
        own = parseaddr(app.settings.email_from or "")[1].lower()
        self.own_address = own or None

    async def process(self, raw: bytes) -> None:
        """Store the message in the inbox and apply it (inline when its sender's conversation
        is free); raises when it could not be stored (it is then tried again: IMAP leaves it
        unseen, the webhook answers 500). A message stored before is a no-op."""
        mail = parse(raw)
        await self.app.inbox.receive(CHANNEL, event_id(mail.message_id),
                                     mail.sender or "unknown",
                                     {"raw": base64.b64encode(raw).decode("ascii")})

    @staticmethod
    def _raw(payload: dict[str, Any]) -> bytes:
        return base64.b64decode(str(payload.get("raw", "")))

    async def stored_inbound(self, payload: dict[str, Any]) -> Inbound | None:
        """The stored message as the conversations read it."""
        return to_inbound(parse(self._raw(payload)))

    async def apply(self, payload: dict[str, Any], inbound: Inbound,
                    scope: TurnScope) -> list[Reply]:
        """Apply a stored message in its inbox transaction: a bounce marks the failed
        addresses undeliverable, automatic mail is ignored, anything else goes to
        ``conversations.mail``."""
        app, mail = self.app, parse(self._raw(payload))
        now = app.clock.now()
        if await self.log.processed(mail.message_id):  # processed before the inbox existed
            return await _nothing(scope)
        if mail.bounced:
            for address in mail.bounced:
                await self.log.mark_undeliverable(address, "bounce " + mail.subject, now)
            log.warning("e-mail to %s bounced: marked undeliverable", ", ".join(mail.bounced))
            await self.log.record(mail.message_id, mail.sender, "bounce", None, now)
            return await _nothing(scope)
        if mail.automatic or not mail.sender or mail.sender == self.own_address:
            await self.log.record(mail.message_id, mail.sender, "ignored", None, now)
            return await _nothing(scope)
        await self.log.clear_undeliverable(mail.sender)
        result = await mail_flow.on_mail(
            app.conversations, inbound, subject=mail.subject, reference=mail.reference,
            default_type=app.settings.email_default_type, scope=scope)
        # After the commit (a crash in between only loses this bookkeeping row: the inbox
        # row is what keeps the message from being applied twice).
        await self.log.record(mail.message_id, mail.sender, result.outcome,
                              result.request_id, now)
        return result.replies

    async def respond(self, payload: dict[str, Any], replies: list[Reply]) -> None:
        """Answer in the message's thread (when SMTP is set up)."""
        mail = parse(self._raw(payload))
        await self._answer(mail.sender, mail.message_id, replies)

    async def _answer(self, address: str, message_id: str, replies: list[Reply]) -> None:
        from adapters.email import EmailSender

        sender = self.app.senders.get("email")
        if not isinstance(sender, EmailSender) or not replies:
            return
        for reply in replies:
            try:
                await sender.edit(address, message_id, reply)  # a reply in the same thread
            except Exception:  # noqa: BLE001 - the message is stored; the answer is a courtesy
                log.warning("could not answer the e-mail from %s", address, exc_info=True)


def event_id(message_id: str) -> str:
    """The inbox key of a message: its Message-ID (hashed when longer than the key)."""
    if len(message_id) <= MAX_EVENT_ID:
        return message_id
    return "sha256:" + hashlib.sha256(message_id.encode("utf-8", "replace")).hexdigest()


async def _nothing(scope: TurnScope) -> list[Reply]:
    """Mark the stored message processed without any change of the helpdesk."""
    await scope.begin()
    await scope.finish([], None)
    return []


class Plugin:
    name = "email-inbound"

    def __init__(self) -> None:
        self.fetcher: ImapFetcher | None = None
        self.inbound: InboundMail | None = None

    def configured(self, settings: Settings) -> bool:
        return bool(settings.imap_url or settings.email_inbound_secret)

    async def setup(self, app: App, web_app: web.Application) -> None:
        s = app.settings
        self.inbound = inbound = InboundMail(app, SqlMailLog(make_sessionmaker(app.engine)))
        app.inbox.register(InboxChannel(CHANNEL, inbound.stored_inbound, inbound.respond,
                                        apply=inbound.apply))
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
