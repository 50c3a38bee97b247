"""Conversation tests that read like a chat: ``send(...)`` then ``expect(...)``.

A ``Chat`` talks to the real conversation engine and delivery worker; the only fake is a
recording channel sender standing in for a platform.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bots.bootstrap import App
from core.kinds import Role
from core.messages import Button, Inbound, Reply
from core.ports import ChannelSender

CHANNEL = "test"


@dataclass
class Delivered:
    to: str
    reply: Reply
    ref: str
    edited: bool = False


class RecordingSender(ChannelSender):
    """A channel that records what it was asked to send; can be told to fail."""

    channel = CHANNEL

    def __init__(self) -> None:
        self.log: list[Delivered] = []
        self.messages: dict[str, Delivered] = {}
        self.fail_next = 0
        self._n = 0

    async def send(self, address: str, reply: Reply) -> str | None:
        if self.fail_next:
            self.fail_next -= 1
            raise ConnectionError("platform unavailable (injected)")
        self._n += 1
        item = Delivered(address, reply, str(self._n))
        self.log.append(item)
        self.messages[item.ref] = item
        return item.ref

    async def edit(self, address: str, message_ref: str, reply: Reply) -> None:
        item = Delivered(address, reply, message_ref, edited=True)
        self.log.append(item)
        self.messages[message_ref] = item

    async def clear_buttons(self, address: str, message_ref: str) -> None:
        old = self.messages.get(message_ref)
        if old is not None:
            self.messages[message_ref] = Delivered(old.to, Reply(old.reply.text), message_ref, True)

    def to(self, name: str) -> list[Delivered]:
        return [d for d in self.log if d.to == name.casefold()]


@dataclass
class Chat:
    app: App
    sender: RecordingSender = field(default_factory=RecordingSender)
    last: dict[str, list[Reply]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.app.add_sender(self.sender, base_delay=0.0)

    async def add_person(self, name: str, role: Role) -> int:
        async with self.app.uow_factory() as uow:
            person = await uow.people.add(name, role)
            await uow.people.add_account(person.id, CHANNEL, name.casefold())
            await uow.commit()
            return person.id

    async def add_type(self, name: str, internal: bool = False) -> int:
        async with self.app.uow_factory() as uow:
            rtype = await uow.types.add(name, internal)
            await uow.commit()
            return rtype.id

    async def deliver(self) -> None:
        assert self.app.worker is not None
        await self.app.worker.drain()

    async def send(self, who: str, text: str) -> list[Reply]:
        replies = await self.app.conversations.handle(Inbound(CHANNEL, who.casefold(), text=text))
        self.last[who] = replies
        await self.deliver()
        return replies

    async def press_payload(self, who: str, payload: str) -> list[Reply]:
        replies = await self.app.conversations.handle(
            Inbound(CHANNEL, who.casefold(), payload=payload))
        self.last[who] = replies
        await self.deliver()
        return replies

    def buttons_for(self, who: str) -> list[Button]:
        """Buttons of the latest direct reply, then of the latest notification, to ``who``."""
        for reply in reversed(self.last.get(who, [])):
            if reply.buttons:
                return list(reply.buttons)
        return []

    def notified_buttons(self, who: str) -> list[Button]:
        for item in reversed(self.sender.to(who)):
            if item.reply.buttons and not item.edited:
                return list(item.reply.buttons)
        return []

    async def press(self, who: str, label: str, *, from_notification: bool = False) -> list[Reply]:
        pool = [] if from_notification else self.buttons_for(who)
        pool = pool or self.notified_buttons(who)
        matches = [b for b in pool if b.label == label]
        assert matches, f"{who} has no button {label!r}; has {[b.label for b in pool]}"
        return await self.press_payload(who, matches[0].payload)

    def said(self, who: str) -> str:
        return "\n".join(r.text for r in self.last.get(who, []))

    def expect(self, who: str, *fragments: str) -> None:
        text = self.said(who)
        for fragment in fragments:
            assert fragment in text, f"{fragment!r} not in reply to {who}: {text!r}"

    def notices(self, who: str) -> list[str]:
        return [d.reply.text for d in self.sender.to(who)]
