"""The e-mail ``ChannelSender``: the outbox worker sends notifications through it.

E-mail cannot change a sent message: an "edit" is a new e-mail in the same thread
(``In-Reply-To`` the earlier one), and stale buttons are simply links that the link page
refuses. ``send`` returns the Message-ID, so later edits can refer to it. SMTP failures raise,
and the outbox retries them with backoff like every channel.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from email.message import EmailMessage
from typing import Any

from adapters.email.calendar import ics
from adapters.email.compose import Envelope, compose
from adapters.email.smtp import SmtpClient
from core.attachment_ports import FileStore, format_size, stored_content
from core.clock import Clock
from core.messages import Attachment, Button, Reply
from core.ports import ChannelSender

log = logging.getLogger(__name__)

CHANNEL = "email"
# (address, button) -> the signed link that does the button's action, or None.
LinkMaker = Callable[[str, Button], Awaitable[str | None]]
# address -> the unsubscribe link of the person behind it, or None.
UnsubscribeLink = Callable[[str], Awaitable[str | None]]
# address -> the language of the person behind it (for the few words the e-mail adds).
LanguageOf = Callable[[str], Awaitable[str | None]]
# (address, stored attachment) -> a signed link to download it, or None.
FileLink = Callable[[str, Attachment], Awaitable[str | None]]
DEFAULT_ATTACH_BYTES = 10 * 1024 * 1024
# (address, reply) -> the portal link that opens the reply's request signed in, or None.
ViewLink = Callable[[str, Reply], Awaitable[str | None]]
# address -> True while a bounce said mail to it cannot be delivered (nothing is sent then).
Undeliverable = Callable[[str], Awaitable[bool]]


class EmailSender(ChannelSender):
    """Sends replies as e-mails (plain text + HTML) over SMTP."""

    channel = CHANNEL

    def __init__(
        self,
        client: SmtpClient,
        from_address: str,
        clock: Clock,
        *,
        link_for: LinkMaker | None = None,
        unsubscribe_for: UnsubscribeLink | None = None,
        language_of: LanguageOf | None = None,
        undeliverable: Undeliverable | None = None,
        files: FileStore | None = None,
        file_link: FileLink | None = None,
        attach_max_bytes: int = DEFAULT_ATTACH_BYTES,
        view_link: ViewLink | None = None,
    ) -> None:
        self.client = client
        self.from_address = from_address
        self.clock = clock
        self.link_for = link_for
        self.unsubscribe_for = unsubscribe_for
        self.language_of = language_of
        self.undeliverable = undeliverable
        self.files = files  # where the files of a notice are read from
        self.file_link = file_link
        self.attach_max_bytes = attach_max_bytes  # files past this (in total) become links
        self.view_link = view_link

    async def message_for(self, address: str, reply: Reply,
                          in_reply_to: str | None = None) -> EmailMessage:
        """The e-mail ``reply`` becomes for ``address``."""
        links: list[str | None] = []
        for button in reply.buttons:
            links.append(await self.link_for(address, button) if self.link_for else None)
        return compose(reply, Envelope(
            sender=self.from_address,
            to=address,
            at=self.clock.now(),
            language=await self.language_of(address) if self.language_of else None,
            links=links,
            unsubscribe=await self.unsubscribe_for(address) if self.unsubscribe_for else None,
            in_reply_to=in_reply_to,
            view=await self.view_link(address, reply) if self.view_link else None,
            calendar=self._calendar(address, reply),
            **await self._files(address, reply),
        ))

    def _calendar(self, address: str, reply: Reply) -> tuple[str, bytes] | None:
        """A visit's invitation as an ``.ics`` for ``address`` (issue 18)."""
        if reply.invitation is None:
            return None
        data = ics(reply.invitation, self.from_address, address, self.clock.now())
        return reply.invitation.method, data

    async def _files(self, address: str, reply: Reply) -> dict[str, Any]:
        """The notice's files: attached while they fit in ``attach_max_bytes`` (in total),
        the others as signed links (or only named, without PUBLIC_BASE_URL)."""
        attached: list[tuple[str, str, bytes]] = []
        links: list[tuple[str, str]] = []
        room = self.attach_max_bytes
        for attachment in reply.attachments:
            data = None
            if attachment.size is None or attachment.size <= room:
                data = await stored_content(self.files, attachment.key, attachment.name)
            if data is not None and len(data) <= room:
                attached.append((attachment.name, attachment.mime, data))
                room -= len(data)
                continue
            url = await self.file_link(address, attachment) if self.file_link else None
            if url:
                size = format_size(attachment.size or len(data or b""))
                links.append((f"{attachment.name} ({size})", url))
        return {"files": attached, "file_links": links}

    async def send(self, address: str, reply: Reply) -> str | None:
        if self.undeliverable is not None and await self.undeliverable(address):
            log.info("not e-mailing %s: the address bounced", address)
            return None
        return await self._send(await self.message_for(address, reply))

    async def edit(self, address: str, message_ref: str, reply: Reply) -> None:
        if self.undeliverable is not None and await self.undeliverable(address):
            return
        await self._send(await self.message_for(address, reply, in_reply_to=message_ref))

    async def _send(self, message: EmailMessage) -> str:
        await self.client.send(message)
        return str(message["Message-ID"])

    async def close(self) -> None:
        await self.client.close()
