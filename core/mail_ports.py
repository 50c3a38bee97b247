"""Ports for incoming e-mail: which messages were already processed, which addresses bounce."""

from __future__ import annotations

import abc
from datetime import datetime


class MailLog(abc.ABC):
    """Processed incoming messages (by Message-ID) and undeliverable addresses."""

    @abc.abstractmethod
    async def processed(self, message_id: str) -> bool:
        """True when the message was already processed (it must not be processed again)."""

    @abc.abstractmethod
    async def record(self, message_id: str, sender: str, outcome: str,
                     request_id: int | None, at: datetime) -> None:
        """Remember that the message was processed and what came of it (``placed``,
        ``comment``, ``ignored``, ``bounce``…). Recording it twice keeps the first."""

    @abc.abstractmethod
    async def mark_undeliverable(self, address: str, reason: str, at: datetime) -> None:
        """A bounce said mail to ``address`` cannot be delivered."""

    @abc.abstractmethod
    async def undeliverable(self, address: str) -> bool:
        """True while ``address`` is marked undeliverable."""

    @abc.abstractmethod
    async def clear_undeliverable(self, address: str) -> None:
        """Mail came from ``address``: it works again."""
