"""Notifications a change causes, decided in the domain and delivered later via the outbox.

A notification holds a snapshot of what the reader needs (reference, names, time) so it
can be rendered in the reader's language at delivery time, whatever happened since.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Notification:
    recipient_id: int
    kind: str
    request_id: int
    data: dict[str, Any] = field(default_factory=dict)
    # Messages sent under the same key to the same person replace each other:
    # the channel edits the earlier one (or strips its stale buttons and sends anew).
    edit_key: str | None = None
    # Only edit an earlier message under ``edit_key``; send nothing if there is none.
    edit_only: bool = False


def offer_key(request_id: int) -> str:
    return f"offer:{request_id}"


def confirm_key(request_id: int) -> str:
    return f"confirm:{request_id}"


def work_key(request_id: int) -> str:
    return f"work:{request_id}"


# -- notices a person may turn off -------------------------------------------------------
# Status-change notices that ask nothing of the reader (seed 001: "Nu doresc să primesc
# notificări" turns off the e-mails about each status change). Questions addressed to the
# person and the resolution (``resolved``, and ``time_corrected``, which asks to confirm again)
# are always sent, as are offers to assistants and the edits that retire their stale buttons.
# A kind not listed here is mandatory: new kinds are sent unless someone adds them.
STATUS_NOTICE_KINDS: frozenset[str] = frozenset({
    "claimed",    # initiator: an assistant took the request (open → in progress)
    "released",   # initiator: the request is back in the queue (in progress → open)
    "confirmed",  # assistant: the initiator confirmed, the request is closed
    "waiting",    # initiator: on hold until a time / waiting for a third party
    "resumed",    # initiator: in progress again after waiting
})


def is_optional(kind: str) -> bool:
    """True when a person who turned off status-change notices does not get ``kind``."""
    return kind in STATUS_NOTICE_KINDS
