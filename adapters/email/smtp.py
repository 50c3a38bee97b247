"""SMTP_URL parsing and the SMTP connection (aiosmtplib) the e-mail sender holds.

``smtp://user:password@host:port`` (port 25 by default) upgrades with STARTTLS when the server
offers it; ``smtp+starttls://`` requires STARTTLS (port 587 by default); ``smtps://`` speaks TLS
from the start (port 465 by default). User and password are percent-decoded. ``?timeout=30``
sets the seconds to wait for the server (default 30).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from adapters.email.dkim_signing import DkimSigner

log = logging.getLogger(__name__)

SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to reach the SMTP server."""

    hostname: str
    port: int
    username: str | None = None
    password: str | None = None
    use_tls: bool = False
    start_tls: bool | None = None  # None: when the server offers it
    timeout: float = 30.0

    def __repr__(self) -> str:  # never print the password
        return (f"SmtpConfig({self.hostname}:{self.port}, user={self.username!r}, "
                f"tls={self.use_tls}, starttls={self.start_tls})")


def parse_smtp_url(url: str) -> SmtpConfig:
    """The SMTP server an ``SMTP_URL`` names; ``ValueError`` with a clear message otherwise."""
    parts = urlsplit((url or "").strip())
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise ValueError("must start with smtp://, smtp+starttls:// or smtps:// "
                         "(e.g. smtp://user:password@mail.example.com:587)")
    if not parts.hostname:
        raise ValueError("has no host name (e.g. smtp://mail.example.com)")
    try:
        port = parts.port or SCHEMES[scheme]
    except ValueError:
        raise ValueError("has an invalid port") from None
    query = parse_qs(parts.query)
    timeout = 30.0
    if "timeout" in query:
        try:
            timeout = float(query["timeout"][0])
        except ValueError:
            raise ValueError("timeout must be a number of seconds") from None
        if timeout <= 0:
            raise ValueError("timeout must be a number of seconds") from None
    return SmtpConfig(
        hostname=parts.hostname,
        port=port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        use_tls=scheme == "smtps",
        start_tls=True if scheme == "smtp+starttls" else (False if scheme == "smtps" else None),
        timeout=timeout,
    )


class SmtpClient:
    """One SMTP connection, opened on first use and reopened when the server dropped it.

    Messages go one at a time over it. Any failure raises (``aiosmtplib.SMTPException`` or
    ``OSError``): the outbox retries the notification later.
    """

    def __init__(self, config: SmtpConfig, signer: DkimSigner | None = None) -> None:
        self.config = config
        self.signer = signer
        self._smtp: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()

    def _new(self) -> aiosmtplib.SMTP:
        c = self.config
        return aiosmtplib.SMTP(hostname=c.hostname, port=c.port, username=c.username,
                               password=c.password, use_tls=c.use_tls, start_tls=c.start_tls,
                               timeout=c.timeout)

    async def send(self, message: EmailMessage) -> None:
        """Send ``message`` to its To address (a dropped connection is reopened once)."""
        async with self._lock:
            for attempt in (1, 2):
                smtp = self._smtp
                if smtp is None or not smtp.is_connected:
                    smtp = self._new()
                    try:
                        await smtp.connect()  # and STARTTLS and login, as configured
                    except Exception:
                        smtp.close()
                        raise
                    self._smtp = smtp
                try:
                    if self.signer is None:
                        await smtp.send_message(message)
                    else:  # the signed bytes go out exactly as signed
                        await smtp.sendmail(_address(message["From"]),
                                            [_address(message["To"])],
                                            self.signer.sign(message))
                    return
                except aiosmtplib.SMTPServerDisconnected:
                    self._smtp = None
                    if attempt == 2:
                        raise
                    log.info("the SMTP server closed the connection; reconnecting")
                except Exception:
                    await self._drop()
                    raise

    async def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None and smtp.is_connected:
            try:
                await smtp.quit()
            except Exception:  # noqa: BLE001 - closing a broken connection
                smtp.close()

    async def close(self) -> None:
        async with self._lock:
            await self._drop()


def _address(header: object) -> str:
    return parseaddr(str(header))[1]
