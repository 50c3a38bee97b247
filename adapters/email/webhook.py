"""``POST /email/inbound``: incoming e-mail pushed by a mail provider (a raw RFC 822 body).

Authenticated with the shared secret ``EMAIL_INBOUND_SECRET``, given as
``Authorization: Bearer <secret>``, as the password of HTTP basic auth
(``https://inbound:<secret>@helpdesk.example.com/email/inbound``, what most providers offer),
or as ``?secret=<secret>``. A wrong or missing secret gets 401 and changes nothing; a body
over the limit 413. The answer is 204 once the message is stored (or recognised as already
processed); 500 when it could not be — providers retry then, and the Message-ID keeps a
retried message from being processed twice.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

log = logging.getLogger(__name__)

PATH = "/email/inbound"
MailHandler = Callable[[bytes], Awaitable[None]]


class InboundWebhook:
    """Receives pushed e-mails and hands the raw bytes to ``handle``."""

    def __init__(self, secret: str, handle: MailHandler, max_bytes: int) -> None:
        self.secret = secret
        self.handle = handle
        self.max_bytes = max_bytes

    def mount(self, app: web.Application) -> None:
        app.router.add_post(PATH, self.post)

    def authorised(self, request: web.Request) -> bool:
        given = request.query.get("secret", "")
        header = request.headers.get("Authorization", "")
        scheme, _sp, value = header.partition(" ")
        if scheme.lower() == "bearer":
            given = value.strip()
        elif scheme.lower() == "basic":
            try:
                given = base64.b64decode(value.strip()).decode().partition(":")[2]
            except (binascii.Error, UnicodeDecodeError):
                given = ""
        return bool(given) and hmac.compare_digest(given.encode(), self.secret.encode())

    async def post(self, request: web.Request) -> web.StreamResponse:
        if not self.authorised(request):
            return web.Response(status=401, text="wrong or missing secret",
                                headers={"WWW-Authenticate": 'Basic realm="email-inbound"'})
        if request.content_length is not None and request.content_length > self.max_bytes:
            return web.Response(status=413, text="message too large")
        raw = await request.content.read(self.max_bytes + 1)
        if len(raw) > self.max_bytes:
            return web.Response(status=413, text="message too large")
        if not raw.strip():
            return web.Response(status=400, text="empty message")
        try:
            await self.handle(raw)
        except Exception:
            log.exception("incoming e-mail (webhook) could not be processed")
            return web.Response(status=500, text="not stored; try again")
        return web.Response(status=204)
