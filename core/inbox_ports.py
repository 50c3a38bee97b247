"""Ports for the durable inbox (``docs/inbox.md``).

Every inbound event is stored in the inbox before it is acknowledged; processing one applies
its change **and** marks it processed in one database transaction. The conversation engine
sees that transaction as a ``TurnScope``: it is opened once the conversation lock is held, every
unit of work of the turn runs inside it, and it is committed (with the row marked and the
replies recorded) just before the lock is released.
"""

from __future__ import annotations

from typing import Any, Protocol

from core.messages import Attachment, Button, Reply


class TurnScope(Protocol):
    """The inbox row being processed, seen from the conversation engine."""

    #: The dialog step the conversation was in after its last processed event (None: none or
    #: long ago). When the dialog store has no state but this is set, the state was lost.
    expected_state: str | None

    async def begin(self) -> None:
        """Open the transaction; from now on every unit of work joins it."""

    async def finish(self, replies: list[Reply], state: str | None) -> None:
        """Mark the row processed with its replies and resulting dialog step, and commit.
        Raises when the commit failed or the row was processed meanwhile (then nothing of
        the turn was applied and the dialog state must not be stored)."""


def encode_replies(replies: list[Reply]) -> list[dict[str, Any]]:
    """Replies as JSON-able data (kept in the inbox row until they were sent)."""
    return [{"text": r.text, "buttons": [[b.label, b.payload] for b in r.buttons],
             "edit": r.edit, "toast": r.toast,
             "files": [[a.name, a.mime, a.size, a.key, a.id] for a in r.attachments]}
            for r in replies]


def decode_replies(data: list[dict[str, Any]] | None) -> list[Reply]:
    """The inverse of ``encode_replies``."""
    return [Reply(d["text"], tuple(Button(label, payload) for label, payload in d["buttons"]),
                  bool(d["edit"]), d["toast"],
                  tuple(Attachment(name, mime, size, key=key, id=ident)
                        for name, mime, size, key, ident in d.get("files", [])))
            for d in data or []]
