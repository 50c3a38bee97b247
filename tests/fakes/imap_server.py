"""A local IMAP4rev1 server for tests: the subset an inbox fetcher needs, in the test's loop.

Commands: CAPABILITY, LOGIN, SELECT, SEARCH / UID SEARCH (UNSEEN, ALL), FETCH / UID FETCH
(RFC822 — which sets \\Seen, as IMAP says — and BODY.PEEK[] / BODY[]), STORE / UID STORE
(+FLAGS / -FLAGS), IDLE … DONE (optional: ``idle=False`` leaves it out of the capabilities so
the client polls), NOOP, LOGOUT. Messages are delivered with ``deliver(raw)``; while a client
idles it is told ``* n EXISTS``. ``fail_store`` makes the next N STOREs fail (NO), so a client
that committed but could not mark the message seen can be tested.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field

LITERAL = re.compile(rb"\{(\d+)\}$")


@dataclass
class StoredMail:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)

    @property
    def seen(self) -> bool:
        return "\\Seen" in self.flags


class FakeImapServer:
    """``async with FakeImapServer() as imap:`` then ``imap.url`` is an IMAP_URL for it."""

    def __init__(self, *, user: str = "help@hd.example.com", password: str = "s3cret",
                 idle: bool = True, folder: str = "INBOX") -> None:
        self.user, self.password, self.idle, self.folder = user, password, idle, folder
        self.mails: list[StoredMail] = []
        self.fail_store = 0
        self.commands: list[str] = []  # every command name received, in order
        self.logins = 0
        self._next_uid = 1
        self._idlers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    @property
    def url(self) -> str:
        return f"imap://{self.user}:{self.password}@127.0.0.1:{self.port}"

    @property
    def unseen(self) -> list[StoredMail]:
        return [m for m in self.mails if not m.seen]

    def deliver(self, raw: bytes) -> StoredMail:
        mail = StoredMail(self._next_uid, raw)
        self._next_uid += 1
        self.mails.append(mail)
        for writer in list(self._idlers):
            writer.write(f"* {len(self.mails)} EXISTS\r\n".encode())
        return mail

    async def __aenter__(self) -> FakeImapServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.drop_connections()
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def drop_connections(self) -> None:
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()
        self._idlers.clear()

    # -- the protocol ----------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        caps = "IMAP4rev1 UIDPLUS" + (" IDLE" if self.idle else "")
        writer.write(f"* OK [CAPABILITY {caps}] fake IMAP ready\r\n".encode())
        selected = False
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                line = line.rstrip(b"\r\n")
                match = LITERAL.search(line)
                if match:  # a literal argument (LOGIN with odd characters)
                    writer.write(b"+ go ahead\r\n")
                    line = line[:match.start()] + b'"' + await reader.readexactly(
                        int(match.group(1))) + b'"' + (await reader.readline()).rstrip(b"\r\n")
                tag, _sp, rest = line.decode("utf-8", "replace").partition(" ")
                name, _sp, args = rest.partition(" ")
                name = name.upper()
                by_uid = False
                if name == "UID":
                    by_uid = True
                    name, _sp, args = args.partition(" ")
                    name = name.upper()
                self.commands.append(("UID " if by_uid else "") + name)
                if name == "CAPABILITY":
                    writer.write(f"* CAPABILITY {caps}\r\n{tag} OK done\r\n".encode())
                elif name == "LOGIN":
                    user, password = [a.strip('"') for a in args.split(" ", 1)]
                    if (user, password) == (self.user, self.password):
                        self.logins += 1
                        writer.write(f"{tag} OK [CAPABILITY {caps}] logged in\r\n".encode())
                    else:
                        writer.write(f"{tag} NO [AUTHENTICATIONFAILED] bad login\r\n".encode())
                elif name in ("SELECT", "EXAMINE"):
                    if args.strip('"') != self.folder:
                        writer.write(f"{tag} NO no such mailbox\r\n".encode())
                        continue
                    selected = True
                    writer.write(
                        f"* {len(self.mails)} EXISTS\r\n* 0 RECENT\r\n"
                        f"* OK [UIDVALIDITY 1] ok\r\n* OK [UIDNEXT {self._next_uid}] ok\r\n"
                        f"* FLAGS (\\Seen)\r\n{tag} OK [READ-WRITE] selected\r\n".encode())
                elif not selected and name in ("SEARCH", "FETCH", "STORE", "IDLE"):
                    writer.write(f"{tag} BAD select a mailbox first\r\n".encode())
                elif name == "SEARCH":
                    words = args.upper().split()
                    if "CHARSET" in words:
                        i = words.index("CHARSET")
                        del words[i:i + 2]
                    found = [m for m in self.mails if "UNSEEN" not in words or not m.seen]
                    ids = [str(m.uid if by_uid else self.mails.index(m) + 1) for m in found]
                    writer.write(f"* SEARCH {' '.join(ids)}\r\n{tag} OK done\r\n".encode())
                elif name == "FETCH":
                    message_set, _sp, parts = args.partition(" ")
                    for mail in self._select(message_set, by_uid):
                        seq = self.mails.index(mail) + 1
                        upper = parts.upper()
                        item = "RFC822" if "RFC822" in upper else "BODY[]"
                        if "RFC822" in upper or ("BODY[]" in upper and "PEEK" not in upper):
                            mail.flags.add("\\Seen")
                        head = f"* {seq} FETCH (UID {mail.uid} {item} {{{len(mail.raw)}}}\r\n"
                        writer.write(head.encode() + mail.raw + b")\r\n")
                    writer.write(f"{tag} OK fetched\r\n".encode())
                elif name == "STORE":
                    if self.fail_store:
                        self.fail_store -= 1
                        writer.write(f"{tag} NO store failed\r\n".encode())
                        continue
                    message_set, _sp, rest_args = args.partition(" ")
                    mode, _sp, flags = rest_args.partition(" ")
                    names = set(flags.strip("()").split())
                    for mail in self._select(message_set, by_uid):
                        if mode.upper().startswith("+"):
                            mail.flags |= names
                        elif mode.upper().startswith("-"):
                            mail.flags -= names
                        seq = self.mails.index(mail) + 1
                        writer.write(f"* {seq} FETCH (FLAGS ({' '.join(sorted(mail.flags))}) "
                                     f"UID {mail.uid})\r\n".encode())
                    writer.write(f"{tag} OK stored\r\n".encode())
                elif name == "IDLE" and self.idle:
                    writer.write(b"+ idling\r\n")
                    self._idlers.add(writer)
                    done = await reader.readline()
                    self._idlers.discard(writer)
                    if not done:
                        return
                    writer.write(f"{tag} OK IDLE terminated\r\n".encode())
                elif name == "NOOP":
                    writer.write(f"{tag} OK noop\r\n".encode())
                elif name == "LOGOUT":
                    writer.write(f"* BYE bye\r\n{tag} OK logged out\r\n".encode())
                    await writer.drain()
                    return
                else:
                    writer.write(f"{tag} BAD unknown command\r\n".encode())
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            self._idlers.discard(writer)
            self._writers.discard(writer)
            writer.close()

    def _select(self, message_set: str, by_uid: bool) -> list[StoredMail]:
        wanted: set[int] = set()
        for piece in message_set.split(","):
            low, _sep, high = piece.partition(":")
            last = max((m.uid for m in self.mails), default=0) if by_uid else len(self.mails)
            start = int(low) if low != "*" else last
            end = start if not high else (last if high == "*" else int(high))
            wanted.update(range(min(start, end), max(start, end) + 1))
        if by_uid:
            return [m for m in self.mails if m.uid in wanted]
        return [m for i, m in enumerate(self.mails, start=1) if i in wanted]
