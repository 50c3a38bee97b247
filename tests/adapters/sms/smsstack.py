"""An SMS helpdesk for tests: the real app with the SMS and link-page plugins, talking to the
local fake Twilio API; people text it through the fake's signed inbound webhooks."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp

from bots.channel_sms import Plugin as SmsPlugin
from bots.channel_web import Plugin as WebPlugin
from core.clock import ManualClock
from tests.adapters.stack import Stack, start_stack
from tests.fakes.twilio_api import FakeTwilioAPI, SentMessage

SID = "AC" + "5" * 32
TOKEN = "made-up-auth-token-0123456789ab"
OUR_NUMBER = "+14155550199"
PHONES = {"Ion": "+14155550100", "Ana": "+14155550101", "Bogdan": "+14155550102",
          "Cora": "+14155550103", "Sam": "+14155550104"}
LINK = re.compile(r"(https?://\S+/l/[A-Za-z0-9._-]+)")
FORM = re.compile(r'name="payload" value="([^"]+)">\s*<input type="hidden" name="csrf" '
                  r'value="([^"]+)">\s*<button[^>]*>([^<]+)</button>')
TEXT_CSRF = re.compile(r'name="csrf" value="([^"]+)">\s*<label')


@dataclass
class SmsHelpdesk:
    stack: Stack
    fake: FakeTwilioAPI
    http: aiohttp.ClientSession

    @property
    def webhook(self) -> str:
        return f"{self.stack.app.settings.public_base_url}/sms/twilio"

    async def text(self, who: str, body: str) -> str:
        """``who`` texts ``body``; returns what the bot answered (its last SMS to them)."""
        return await self.text_from(PHONES[who], body)

    async def text_from(self, phone: str, body: str) -> str:
        before = len(self.fake.messages_to(phone))
        delivery = await self.fake.inbound_sms(phone, OUR_NUMBER, body, url=self.webhook)
        assert delivery is not None and delivery.status == 200, delivery
        answers = self.fake.messages_to(phone)[before:]
        return "\n".join(m.body for m in answers)

    async def send_mms(self, who: str, body: str, media: list[tuple[bytes, str]]) -> str:
        """``who`` sends an MMS (text and media); returns what the bot answered."""
        phone = PHONES[who]
        before = len(self.fake.messages_to(phone))
        delivery = await self.fake.inbound_sms(phone, OUR_NUMBER, body, url=self.webhook,
                                               media=media)
        assert delivery is not None and delivery.status == 200, delivery
        return "\n".join(m.body for m in self.fake.messages_to(phone)[before:])

    async def deliver(self) -> None:
        assert self.stack.app.worker is not None
        await self.stack.app.worker.drain()

    def inbox(self, who: str) -> list[SentMessage]:
        return self.fake.messages_to(PHONES[who])

    def last_link(self, who: str) -> str:
        return self.last_link_to(PHONES[who])

    def last_link_to(self, phone: str) -> str:
        for message in reversed(self.fake.messages_to(phone)):
            found = LINK.search(message.body)
            if found:
                return found.group(1)
        raise AssertionError(f"no link in the texts to {phone}")

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

    async def answer(self, url: str, page: str, text: str) -> tuple[int, str]:
        csrf = TEXT_CSRF.search(page)
        assert csrf, "the page asks nothing"
        async with self.http.post(url, data={"text": text, "csrf": csrf.group(1)}) as response:
            return response.status, await response.text()


@asynccontextmanager
async def sms_helpdesk(db_url: str, clock: ManualClock, *,
                       fake_options: dict[str, Any] | None = None,
                       **settings: Any) -> AsyncIterator[SmsHelpdesk]:
    options = {"rate_limit": 1, "rate_window": 0.02, **(fake_options or {})}
    async with FakeTwilioAPI(SID, TOKEN, **options) as fake:
        config: dict[str, Any] = {
            "twilio_account_sid": SID, "twilio_auth_token": TOKEN,
            "twilio_from_number": OUR_NUMBER, "twilio_api_url": fake.base_url,
            "sms_rate_per_second": 40.0, **settings,
        }
        stack = await start_stack(db_url, clock, [SmsPlugin(), WebPlugin()], **config)
        try:
            async with aiohttp.ClientSession() as http:
                yield SmsHelpdesk(stack, fake, http)
        finally:
            await stack.close()
