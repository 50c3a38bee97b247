"""Fetch incoming e-mail from an IMAP mailbox (aioimaplib): IDLE where the server supports
it, else polling.

Each unseen message is downloaded with ``BODY.PEEK[]`` (which leaves it unseen), handed to
``handle`` and only then flagged ``\\Seen``. If the process dies between download and
commit, the message is still unseen and is fetched again on restart; if it dies between
commit and flagging, the handler recognises the Message-ID and skips it. So each message is
processed once and none is lost.

``IMAP_URL``: ``imaps://user:password@imap.example.com`` (TLS, port 993) or
``imap://user:password@host:143`` (plain, for a server on the same machine); user and
password percent-encoded; ``?poll=60`` sets the polling interval in seconds (also the
longest wait between IDLE renewals).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

import aioimaplib

log = logging.getLogger(__name__)

# raw RFC 822 bytes -> None once the message is stored (raises: leave it unseen, try later)
MailHandler = Callable[[bytes], Awaitable[None]]
UID = re.compile(rb"UID (\d+)")
MAX_BACKOFF = 300.0


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    user: str
    password: str
    tls: bool
    folder: str = "INBOX"
    poll_seconds: float = 60.0


def parse_imap_url(url: str, folder: str = "INBOX") -> ImapConfig:
    """``IMAP_URL`` → ``ImapConfig``; raises ``ValueError`` with a clear message."""
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps"):
        raise ValueError("IMAP_URL must start with imaps:// (TLS) or imap://")
    if not parts.hostname:
        raise ValueError("IMAP_URL needs a host: imaps://user:password@imap.example.com")
    if not parts.username or parts.password is None:
        raise ValueError("IMAP_URL needs a user and a password: imaps://user:password@host")
    query = parse_qs(parts.query)
    try:
        poll = float(query.get("poll", ["60"])[0])
    except ValueError:
        raise ValueError("IMAP_URL: poll must be a number of seconds") from None
    if not 1 <= poll <= 3600:
        raise ValueError("IMAP_URL: poll must be between 1 and 3600 seconds")
    tls = parts.scheme == "imaps"
    return ImapConfig(parts.hostname, parts.port or (993 if tls else 143),
                      unquote(parts.username), unquote(parts.password), tls,
                      folder or "INBOX", poll)


class ImapFetcher:
    """Keeps a connection to the mailbox and hands every unseen message to ``handle``."""

    def __init__(self, config: ImapConfig, handle: MailHandler) -> None:
        self.config = config
        self.handle = handle
        self.client: aioimaplib.IMAP4 | None = None

    async def connect(self) -> aioimaplib.IMAP4:
        c = self.config
        client = (aioimaplib.IMAP4_SSL(c.host, c.port, timeout=30) if c.tls
                  else aioimaplib.IMAP4(c.host, c.port, timeout=30))
        await client.wait_hello_from_server()
        response = await client.login(c.user, c.password)
        if response.result != "OK":
            raise ConnectionError(f"IMAP login refused: {_text(response.lines)}")
        response = await client.select(c.folder)
        if response.result != "OK":
            raise ConnectionError(f"IMAP folder {c.folder!r}: {_text(response.lines)}")
        self.client = client
        return client

    async def fetch_once(self) -> int:
        """Process every unseen message once; returns how many were handled."""
        client = self.client or await self.connect()
        response = await client.uid_search("UNSEEN", charset=None)
        if response.result != "OK":
            raise ConnectionError(f"IMAP SEARCH failed: {_text(response.lines)}")
        uids = [u for line in response.lines if line.startswith(b"SEARCH") or line[:1].isdigit()
                for u in line.replace(b"SEARCH", b"").split() if u.isdigit()]
        handled = 0
        for uid in uids:
            raw = await self._download(client, uid.decode())
            if raw is None:
                continue
            try:
                await self.handle(raw)
            except Exception:
                log.exception("incoming e-mail (IMAP uid %s) could not be processed; it stays "
                              "unseen and is tried again", uid.decode())
                continue
            stored = await client.uid("store", uid.decode(), "+FLAGS", "(\\Seen)")
            if stored.result != "OK":
                log.warning("could not flag IMAP uid %s as seen: it is fetched again and "
                            "recognised by its Message-ID", uid.decode())
            handled += 1
        return handled

    async def _download(self, client: aioimaplib.IMAP4, uid: str) -> bytes | None:
        response = await client.uid("fetch", uid, "(BODY.PEEK[])")
        if response.result != "OK":
            raise ConnectionError(f"IMAP FETCH failed: {_text(response.lines)}")
        for line in response.lines:
            if isinstance(line, bytearray):
                return bytes(line)
        return None

    async def run(self, stop: asyncio.Event) -> None:
        """Fetch, then wait for news (IDLE) or the next poll, until ``stop``; reconnect with
        backoff when the server goes away."""
        backoff = 1.0
        while not stop.is_set():
            try:
                await self.fetch_once()
                backoff = 1.0
                await self._wait(stop)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("IMAP: %s; reconnecting in %.0f s", exc, backoff)
                await self._drop()
                try:
                    await asyncio.wait_for(stop.wait(), backoff)
                except TimeoutError:
                    pass
                backoff = min(backoff * 2, MAX_BACKOFF)
        await self.close()

    async def _wait(self, stop: asyncio.Event) -> None:
        client = self.client
        assert client is not None
        if not client.has_capability("IDLE"):
            try:
                await asyncio.wait_for(stop.wait(), self.config.poll_seconds)
            except TimeoutError:
                pass
            return
        idle = await client.idle_start(timeout=self.config.poll_seconds)
        stopping = asyncio.ensure_future(stop.wait())
        pushed = asyncio.ensure_future(client.wait_server_push(self.config.poll_seconds))
        try:
            while True:
                done, _pending = await asyncio.wait({stopping, pushed},
                                                    return_when=asyncio.FIRST_COMPLETED)
                if stopping in done:
                    break
                try:
                    lines = pushed.result()
                except TimeoutError:
                    break
                if any(b"EXISTS" in line for line in lines if isinstance(line, bytes)):
                    break
                if not isinstance(lines, list):  # the server ended IDLE itself
                    break
                pushed = asyncio.ensure_future(client.wait_server_push(self.config.poll_seconds))
        finally:
            stopping.cancel()
            pushed.cancel()
            client.idle_done()
            await asyncio.wait_for(idle, 30)

    async def _drop(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            try:
                await asyncio.wait_for(client.logout(), 5)
            except Exception:  # noqa: BLE001 - the connection is going anyway
                pass

    async def close(self) -> None:
        await self._drop()


def _text(lines: list[bytes]) -> str:
    return " ".join(line.decode("utf-8", "replace") for line in lines
                    if isinstance(line, bytes | bytearray))[:200]
