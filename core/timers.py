"""Durable timers: every future action is a row (``TimerStore``), fired by a timer worker.

``plan(request)`` says which timers a request should have now, derived only from its
state; after every change the services make the stored timers match the plan (new ones
scheduled, moved ones rescheduled, obsolete ones cancelled). A fired timer re-checks the
request (``core.services.fire_timer``): a stale one does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from core.kinds import Status, TimerKind, WaitReason
from core.sla import warn_before

if TYPE_CHECKING:
    from core.model import Request

RUNNING = (Status.OPEN, Status.IN_PROGRESS, Status.WAITING)


@dataclass(frozen=True)
class Timer:
    """A stored timer: fire ``kind`` for ``request_id`` at ``fire_at``."""

    id: int
    kind: TimerKind
    request_id: int
    fire_at: datetime
    attempts: int = 0
    data: dict[str, Any] = field(default_factory=dict)


def plan(req: Request) -> dict[TimerKind, datetime]:
    """The timers ``req`` should have now (kind → when), from its state alone."""
    wanted: dict[TimerKind, datetime] = {}
    flags = req.sla_flags
    if req.status is Status.OPEN and req.claim_due is not None:
        if "claim_warned" not in flags:
            wanted[TimerKind.CLAIM_WARN] = req.claim_due - warn_before(req.sla_claim_minutes)
        if "claim_breached" not in flags:
            wanted[TimerKind.CLAIM_BREACH] = req.claim_due
    if req.status in RUNNING and req.resolve_due is not None:
        if "resolve_warned" not in flags:
            wanted[TimerKind.RESOLVE_WARN] = (
                req.resolve_due - warn_before(req.sla_resolve_minutes))
        if "resolve_breached" not in flags:
            wanted[TimerKind.RESOLVE_BREACH] = req.resolve_due
    if req.status is Status.WAITING:
        if req.wait_reason is WaitReason.UNTIL and req.wait_until is not None:
            wanted[TimerKind.WAIT_UNTIL] = req.wait_until
        if (req.wait_reason is WaitReason.CUSTOMER and req.wait_autoclose_days
                and req.wait_since is not None):
            wanted[TimerKind.WAIT_AUTOCLOSE] = (
                req.wait_since + timedelta(days=req.wait_autoclose_days))
    if req.status is Status.RESOLVED and req.feedback_until is not None:
        wanted[TimerKind.FEEDBACK_CLOSE] = req.feedback_until
    return wanted
