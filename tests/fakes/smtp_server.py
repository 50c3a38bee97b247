"""A local SMTP server for tests (aiosmtpd, in the test's own event loop).

It keeps every accepted message (parsed), can refuse the next N messages with a temporary
error (451), can drop every open connection, and can require a login.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes = b""  # the DATA exactly as received (for DKIM verification)

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        part = self.message.get_body(("plain",))
        assert part is not None
        return str(part.get_content())  # type: ignore[attr-defined]

    @property
    def html(self) -> str:
        part = self.message.get_body(("html",))
        assert part is not None
        return str(part.get_content())  # type: ignore[attr-defined]


class FakeSmtpServer:
    """``async with FakeSmtpServer() as smtp:`` then ``smtp.url`` is an SMTP_URL for it."""

    def __init__(self, *, credentials: tuple[str, str] | None = None) -> None:
        self.credentials = credentials
        self.received: list[Received] = []
        self.fail_next = 0
        self.refused = 0
        self.connections = 0
        self._sessions: list[SMTP] = []
        self._server: asyncio.AbstractServer | None = None
        self.port = 0

    # -- aiosmtpd handler hooks ---------------------------------------------------------------
    async def handle_DATA(self, server: SMTP, session: Any, envelope: Any) -> str:
        if self.fail_next:
            self.fail_next -= 1
            self.refused += 1
            return "451 4.3.0 Temporary failure (injected)"
        message = message_from_bytes(envelope.content, policy=policy.default)
        raw = bytes(envelope.original_content or b"")
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                      message, raw))  # type: ignore[arg-type]
        return "250 2.0.0 OK"

    def _authenticate(self, server: SMTP, session: Any, envelope: Any, mechanism: str,
                      data: Any) -> AuthResult:
        ok = (isinstance(data, LoginPassword) and self.credentials is not None
              and (data.login.decode(), data.password.decode()) == self.credentials)
        return AuthResult(success=ok, handled=False)  # aiosmtpd answers 535 on failure

    def _protocol(self) -> SMTP:
        self.connections += 1
        options: dict[str, Any] = {"hostname": "fake-smtp.test"}
        if self.credentials is not None:
            options.update(auth_required=True, auth_require_tls=False,
                           authenticator=self._authenticate)
        quiet = logging.getLogger("mail.log")
        level = quiet.level
        quiet.setLevel(logging.ERROR)
        with warnings.catch_warnings():  # "AUTH without TLS": fine on 127.0.0.1 in tests
            warnings.simplefilter("ignore")
            session = SMTP(self, **options)
        quiet.setLevel(level)
        self._sessions.append(session)
        return session

    # -- control ------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        if self.credentials:
            user, password = self.credentials
            return f"smtp://{user}:{password}@127.0.0.1:{self.port}"
        return f"smtp://127.0.0.1:{self.port}"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]

    def drop_connections(self) -> None:
        """Close every open connection, as a server does after its idle timeout."""
        for session in self._sessions:
            if session.transport is not None:
                session.transport.close()
        self._sessions.clear()

    async def __aenter__(self) -> FakeSmtpServer:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._protocol, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.drop_connections()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
