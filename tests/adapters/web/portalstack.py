"""A helpdesk with the web portal for tests: e-mail (local SMTP server), link pages and the
portal on one local server; a cookie-keeping HTTP client signs in through the e-mailed link."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp

from bots.channel_portal import Plugin as PortalPlugin
from bots.channels import ChannelPlugin
from core.clock import ManualClock
from tests.adapters.email.emailstack import EmailHelpdesk, email_helpdesk

MAGIC = re.compile(r"(https?://\S+/p/m/[A-Za-z0-9._|-]+)")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class PortalHelpdesk:
    hd: EmailHelpdesk

    @property
    def base(self) -> str:
        return self.hd.stack.base_url

    def magic_link(self, address: str) -> str:
        for mail in reversed(self.hd.smtp.to(address)):
            found = MAGIC.search(mail.text)
            if found:
                return found.group(1)
        raise AssertionError(f"no sign-in link for {address}")

    async def ask_link(self, http: aiohttp.ClientSession, address: str) -> tuple[int, str]:
        async with http.post(f"{self.base}/p/sign-in", data={"address": address}) as resp:
            return resp.status, await resp.text()

    async def sign_in(self, http: aiohttp.ClientSession, address: str) -> None:
        status, _page = await self.ask_link(http, address)
        assert status == 200, _page
        link = self.magic_link(address)
        async with http.get(link) as resp:
            page = await resp.text()
        async with http.post(link, data={"csrf": csrf_of(page)},
                             allow_redirects=False) as resp:
            assert resp.status == 303, await resp.text()


def csrf_of(page: str) -> str:
    found = CSRF.search(page)
    assert found, page
    return found.group(1)


@asynccontextmanager
async def portal_helpdesk(db_url: str, clock: ManualClock,
                          extra_plugins: Sequence[ChannelPlugin] = (), **settings: Any
                          ) -> AsyncIterator[PortalHelpdesk]:
    async with email_helpdesk(db_url, clock, extra_plugins=[*extra_plugins, PortalPlugin()],
                              **settings) as hd:
        yield PortalHelpdesk(hd)


def client() -> aiohttp.ClientSession:
    """A browser-like client: keeps cookies (also for http://127.0.0.1)."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
