"""Console channel: stdin lines in, printed replies out.

``/as NAME`` switches who you are; buttons print as ``[1] Claim  [2] Release`` and typing
the number presses one (the conversation layer maps digits to the last menu shown);
messages delivered to other people print as ``→ Ana: …``.
"""

from __future__ import annotations

import asyncio
import itertools
import sys
from collections.abc import Awaitable, Callable
from typing import TextIO

from core.messages import Inbound, Reply, numbered
from core.ports import ChannelSender

CHANNEL = "console"
Handler = Callable[[Inbound], Awaitable[list[Reply]]]


def address_of(name: str) -> str:
    return " ".join(name.split()).casefold()


def display(address: str) -> str:
    return address.title()


def _indent(text: str, prefix: str) -> str:
    pad = " " * len(prefix)
    lines = text.splitlines() or [""]
    return "\n".join([prefix + lines[0]] + [pad + line for line in lines[1:]])


class ConsoleSender(ChannelSender):
    """Prints notifications for other people (the outbox worker calls it)."""

    channel = CHANNEL

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self._ids = itertools.count(1)

    async def send(self, address: str, reply: Reply) -> str | None:
        print(_indent(numbered(reply), f"→ {display(address)}: "), file=self.out, flush=True)
        return str(next(self._ids))

    async def edit(self, address: str, message_ref: str, reply: Reply) -> None:
        prefix = f"→ {display(address)} (message {message_ref} updated): "
        print(_indent(numbered(reply), prefix), file=self.out, flush=True)


class ConsoleChannel:
    """Reads lines, hands them to the conversation engine, prints what comes back."""

    def __init__(
        self,
        handle: Handler,
        after_each: Callable[[], Awaitable[object]],
        *,
        intro: str,
        start_as: str,
        stdin: TextIO | None = None,
        out: TextIO | None = None,
    ) -> None:
        self.handle = handle
        self.after_each = after_each
        self.intro = intro
        self.current = start_as
        self.stdin = stdin or sys.stdin
        self.out = out or sys.stdout

    def _print(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    async def _readline(self) -> str | None:
        line = await asyncio.get_running_loop().run_in_executor(None, self.stdin.readline)
        return None if line == "" else line.rstrip("\r\n")

    async def run(self) -> None:
        interactive = self.stdin.isatty()
        self._print(self.intro)
        self._print(f"You are {self.current}.")
        await self.after_each()
        while True:
            prompt = f"{self.current}> "
            if interactive:
                print(prompt, end="", file=self.out, flush=True)
            line = await self._readline()
            if line is None:
                break
            if not interactive:
                self._print(prompt + line)
            if line.strip() in ("/quit", "/exit"):
                break
            if line.strip().startswith("/as"):
                name = line.strip()[3:].strip()
                if not name:
                    self._print("Usage: /as NAME   (for example /as Ana)")
                else:
                    self.current = " ".join(name.split())
                    self._print(f"You are {self.current}.")
                continue
            inbound = Inbound(CHANNEL, address_of(self.current), text=line,
                              display_name=self.current)
            for reply in await self.handle(inbound):
                self._print(_indent(numbered(reply), "  bot: "))
            await self.after_each()
        self._print("Bye.")
