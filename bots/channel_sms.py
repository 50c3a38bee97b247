"""SMS plugin (Twilio): mounts the webhooks, registers the sender, wires links and storage."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from aiohttp import web

from adapters.sms import SmsSender, TwilioMessages, TwilioWebhooks, make_client
from adapters.sms.webhook import STATUS_PATH
from adapters.web import FileLinks, LinkSigner
from bots import account_links
from bots.inbox import InboxChannel
from bots.kb_pages import mount_article_pages
from core import services
from core.errors import DomainError
from core.messages import Attachment
from core.sms_ports import SmsRecord
from persistence.db import make_sessionmaker
from persistence.sms_store import SqlSmsStore

if TYPE_CHECKING:
    from bots.bootstrap import App
    from bots.settings import Settings

log = logging.getLogger(__name__)
CHANNEL = "sms"
SNIPPET = 60


class Plugin:
    name = "sms"

    def __init__(self) -> None:
        self.sender: SmsSender | None = None
        self.store: SqlSmsStore | None = None

    def configured(self, settings: Settings) -> bool:
        return bool(settings.twilio_account_sid and settings.twilio_auth_token
                    and (settings.twilio_from_number or settings.twilio_messaging_service_sid))

    async def setup(self, app: App, web_app: web.Application) -> None:
        from bots.bootstrap import resolve_secret

        s = app.settings
        assert s.twilio_account_sid and s.twilio_auth_token
        if not s.public_base_url:
            log.warning("PUBLIC_BASE_URL is not set: SMS gets numbered choices but no links, "
                        "and no delivery statuses")
        base = s.public_base_url
        self.store = store = SqlSmsStore(make_sessionmaker(app.engine))
        messages = TwilioMessages(
            make_client(s.twilio_account_sid, s.twilio_auth_token, s.twilio_api_url),
            from_number=s.twilio_from_number,
            messaging_service_sid=s.twilio_messaging_service_sid,
            status_callback=f"{base}{STATUS_PATH}" if base else None,
            rate_per_second=s.sms_rate_per_second,
            shared=app.rate_gate,
        )
        signer = LinkSigner(resolve_secret(s), app.clock)
        uows = app.uow_factory

        link_for = account_links.button_links(app, CHANNEL, signer)
        language_of = account_links.reader_language(app, CHANNEL)
        person_id_of = account_links.person_id_of(app, CHANNEL)

        async def report(record: SmsRecord) -> None:
            await services.report_undelivered(
                uows, channel=CHANNEL, address=record.to, error_code=record.error_code,
                excerpt=record.body[:SNIPPET])

        files = FileLinks(resolve_secret(s), app.clock, self.file_for(app),
                          s.default_language)

        async def file_link(phone: str, attachment: Attachment) -> str | None:
            if not base or attachment.id is None:
                return None
            person_id = await person_id_of(phone)
            if person_id is None:
                return None
            return f"{base}/f/{files.make(person_id, attachment.id)}"

        self.sender = SmsSender(messages, store, app.clock, link_for=link_for,
                                language_of=language_of, file_link=file_link)
        app.add_sender(self.sender)
        files.mount(web_app)
        mount_article_pages(app, web_app, resolve_secret(s))  # knowledge base (issue 18)
        webhooks = TwilioWebhooks(
            account_sid=s.twilio_account_sid,
            auth_token=s.twilio_auth_token,
            public_base_url=base,
            handle=app.conversations.handle,
            sender=self.sender,
            store=store,
            remember_once=app.dialogs.remember_once,
            clock=app.clock,
            report=report,
            receive=lambda sid, phone, form: app.inbox.receive("sms", sid, phone, form),
        )
        app.inbox.register(InboxChannel(
            "sms", webhooks.stored_inbound, webhooks.stored_respond))
        webhooks.mount(web_app)

    @staticmethod
    def file_for(app: App):  # type: ignore[no-untyped-def]
        """(person, attachment) -> the file, while the person may still see its request."""

        async def file_for(person_id: int, attachment_id: int) -> tuple[str, str, bytes] | None:
            if app.attachments is None:
                return None
            stored = await app.attachments.index.get(attachment_id)
            if stored is None:
                return None
            async with app.uow_factory() as uow:
                person = await uow.people.get(person_id)
                if person is None or not person.active:
                    return None
                try:
                    await services.load_visible(uow, person, stored.request_id)
                except DomainError:
                    return None
            try:
                data = await app.attachments.files.read(stored.key)
            except FileNotFoundError:
                return None
            return stored.name, stored.mime, data

        return file_for

    async def start(self, app: App, stop: asyncio.Event) -> list[asyncio.Task[None]]:
        return []

    async def close(self) -> None:
        if self.sender is not None:
            await self.sender.close()
