"""The ``web`` channel on the durable inbox: link pages (``/l/…``) and portal (``/p/…``)
form POSTs are stored as inbox events and applied from there (``adapters.web.inbox``,
docs/inbox.md). Both share the channel and the conversation (the person), as they share the
dialog key ``web:<person id>``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.web.inbox import CHANNEL, Outcome, Receive, from_payload
from bots.inbox import InboxChannel
from core.messages import Inbound, Reply

if TYPE_CHECKING:
    from bots.bootstrap import App


async def _to_inbound(payload: dict[str, Any]) -> Inbound | None:
    return from_payload(payload)


async def _respond(payload: dict[str, Any], replies: list[Reply]) -> None:
    """Nothing to send: the page that posted the form shows the replies (kept in the row)."""


def web_inbox(app: App) -> tuple[Receive, Outcome]:
    """Register the ``web`` inbox channel (once) and return how pages store an event and
    read its outcome."""
    if CHANNEL not in app.inbox.channels:
        app.inbox.register(InboxChannel(CHANNEL, _to_inbound, _respond))

    async def receive(event_id: str, person_id: int, payload: dict[str, Any]) -> bool:
        return await app.inbox.receive(CHANNEL, event_id, str(person_id), payload)

    async def outcome(event_id: str) -> tuple[str, list[Reply]] | None:
        return await app.inbox.outcome(CHANNEL, event_id)

    return receive, outcome
