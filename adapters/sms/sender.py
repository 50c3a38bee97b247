"""The SMS ``ChannelSender``: the outbox worker (and direct replies) send through it.

SMS cannot edit or strip buttons: an edit is a new message, clearing buttons does nothing.
Numbers that opted out (STOP, or Twilio error 21610) are skipped silently.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from adapters.sms.client import OptedOut, TwilioMessages
from adapters.sms.compose import compose, fit, gsm_friendly
from core.clock import Clock
from core.messages import Attachment, Button, Reply
from core.ports import ChannelSender
from core.sms_ports import SmsRecord, SmsStore

log = logging.getLogger(__name__)

CHANNEL = "sms"
# (phone, button) -> the signed link that does the button's action, or None.
LinkMaker = Callable[[str, Button], Awaitable[str | None]]
# (phone, attachment) -> the signed link to download the file, or None.
FileLinkMaker = Callable[[str, Attachment], Awaitable[str | None]]
# phone -> the language of the person behind it (for the few words the SMS adds).
LanguageOf = Callable[[str], Awaitable[str | None]]


class SmsSender(ChannelSender):
    """Sends replies as text messages through the Twilio Messages API."""

    channel = CHANNEL

    def __init__(
        self,
        messages: TwilioMessages,
        store: SmsStore,
        clock: Clock,
        *,
        link_for: LinkMaker | None = None,
        language_of: LanguageOf | None = None,
        file_link: FileLinkMaker | None = None,
    ) -> None:
        self.messages = messages
        self.store = store
        self.clock = clock
        self.link_for = link_for
        self.language_of = language_of
        self.file_link = file_link

    async def body_for(self, address: str, reply: Reply) -> str:
        """The SMS text ``reply`` becomes for ``address`` (links, numbered choices)."""
        if reply.attachments and self.file_link is not None:
            # Files are not sent by SMS: a short text with a signed link to each instead.
            urls = [await self.file_link(address, a) for a in reply.attachments]
            tail = "\n".join(u for u in urls if u)
            if tail:
                return fit(gsm_friendly(reply.text).strip(), tail)
        links: list[str | None] = []
        for button in reply.buttons:
            links.append(await self.link_for(address, button) if self.link_for else None)
        language = await self.language_of(address) if self.language_of else None
        return compose(reply, links, language)

    async def send(self, address: str, reply: Reply) -> str | None:
        if await self.store.is_opted_out(address):
            log.info("not texting %s: the number opted out", address)
            return None
        return await self.send_text(address, await self.body_for(address, reply))

    async def send_text(self, to: str, body: str, *, attempt: int = 1,
                        retry_of: str | None = None) -> str | None:
        """Send ``body`` as it is; returns the message sid (None when the number opted out)."""
        try:
            accepted = await self.messages.create(to, body)
        except OptedOut:
            log.info("Twilio says %s opted out (21610); no more texts to it", to)
            await self.store.set_opted_out(to, True, "error 21610", self.clock.now())
            return None
        await self.store.record(SmsRecord(
            sid=accepted.sid, to=to, body=body, segments=accepted.segments,
            status=accepted.status, created_at=self.clock.now(), attempt=attempt,
            retry_of=retry_of,
        ))
        return accepted.sid

    async def close(self) -> None:
        await self.messages.close()
