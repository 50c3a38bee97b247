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
