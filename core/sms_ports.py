"""Ports for the SMS channel and the signed link pages: what they need from storage.

Implementations live in ``persistence.sms_store``; adapters receive them from the plugins in
``bots`` and never import persistence themselves.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SmsRecord:
    """One text message we asked the provider to send, with its latest delivery status."""

    sid: str
    to: str
    body: str
    segments: int
    status: str
    created_at: datetime
    attempt: int = 1
    error_code: str | None = None
    retry_of: str | None = None


class SmsStore(abc.ABC):
    """Opt-outs (STOP/START) and the delivery log of sent text messages."""

    @abc.abstractmethod
    async def is_opted_out(self, phone: str) -> bool:
        """True when ``phone`` sent STOP (or the provider refused it as opted out)."""

    @abc.abstractmethod
    async def set_opted_out(self, phone: str, opted_out: bool, reason: str, at: datetime) -> None:
        """Record STOP (``opted_out=True``) or START (``False``) for ``phone``."""

    @abc.abstractmethod
    async def record(self, message: SmsRecord) -> None:
        """Remember a message the provider accepted."""

    @abc.abstractmethod
    async def update_status(
        self, sid: str, status: str, error_code: str | None, at: datetime
    ) -> SmsRecord | None:
        """Store a delivery status; returns the updated record (None for an unknown sid)."""

    @abc.abstractmethod
    async def get(self, sid: str) -> SmsRecord | None: ...


class LinkUses(abc.ABC):
    """Signed links that already changed a request (they are single-use after that)."""

    @abc.abstractmethod
    async def used_at(self, link_id: str) -> datetime | None:
        """When the link was used, or None if it was not."""

    @abc.abstractmethod
    async def mark_used(self, link_id: str, person_id: int, request_id: int, kind: str,
                        at: datetime) -> bool:
        """Mark the link used; False when it already was (someone else got there first)."""
