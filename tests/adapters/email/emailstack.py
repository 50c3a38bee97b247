"""An e-mail helpdesk for tests: the real app with the e-mail and link-page plugins, sending
to a local aiosmtpd server; people open the links of the e-mails they received."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp

from bots.channel_email import Plugin as EmailPlugin
from bots.channel_web import Plugin as WebPlugin
from bots.channels import ChannelPlugin
from core.clock import ManualClock
from tests.adapters.stack import Stack, start_stack
from tests.fakes.smtp_server import FakeSmtpServer, Received

FROM = "Helpdesk <help@hd.example.com>"
ADDRESSES = {"Ion": "ion@example.com", "Ana": "ana@example.com", "Bogdan": "bogdan@example.com"}
LINK = re.compile(r"(https?://\S+/l/[A-Za-z0-9._-]+)")
UNSUBSCRIBE = re.compile(r"(https?://\S+/u/[A-Za-z0-9._-]+)")
FORM = re.compile(r'name="payload" value="([^"]+)">\s*<input type="hidden" name="csrf" '
                  r'value="([^"]+)">\s*<button[^>]*>([^<]+)</button>')


@dataclass
class EmailHelpdesk:
    stack: Stack
    smtp: FakeSmtpServer
    http: aiohttp.ClientSession

    async def deliver(self) -> None:
        assert self.stack.app.worker is not None
        await self.stack.app.worker.drain()

    def inbox(self, who: str) -> list[Received]:
        return self.smtp.to(ADDRESSES[who])

    def last_link(self, who: str) -> str:
        for mail in reversed(self.inbox(who)):
            found = LINK.search(mail.text)
            if found:
                return found.group(1)
        raise AssertionError(f"no link in the e-mails to {who}")

    def unsubscribe_link(self, who: str) -> str:
        mail = self.inbox(who)[-1]
        found = UNSUBSCRIBE.search(mail.text)
        assert found, mail.text
        assert mail.message["List-Unsubscribe"] == f"<{found.group(1)}>"
        return found.group(1)

    async def open(self, url: str) -> tuple[int, str]:
        async with self.http.get(url) as response:
            return response.status, await response.text()

    async def press(self, url: str, label: str, page: str | None = None) -> tuple[int, str]:
        """Press the button ``label`` of the page at ``url`` (as a browser posts the form)."""
        if page is None:
            _status, page = await self.open(url)
        forms = {html.unescape(b): (html.unescape(p), c) for p, c, b in FORM.findall(page)}
        assert label in forms, f"no button {label!r} on {url}: {sorted(forms)}"
        payload, csrf = forms[label]
        origin = self.stack.app.settings.public_base_url or ""
        async with self.http.post(url, data={"payload": payload, "csrf": csrf},
                                  headers={"Origin": origin}) as response:
            return response.status, await response.text()


@asynccontextmanager
async def email_helpdesk(db_url: str, clock: ManualClock,
                         extra_plugins: Sequence[ChannelPlugin] = (), **settings: Any
                         ) -> AsyncIterator[EmailHelpdesk]:
    async with FakeSmtpServer() as smtp:
        config: dict[str, Any] = {"smtp_url": smtp.url, "email_from": FROM, **settings}
        stack = await start_stack(db_url, clock, [EmailPlugin(), WebPlugin(), *extra_plugins],
                                  **config)
        try:
            async with aiohttp.ClientSession() as http:
                yield EmailHelpdesk(stack, smtp, http)
        finally:
            await stack.close()
