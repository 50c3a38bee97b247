"""Service levels (SPEC §4): time to claim and time to resolve, per request type and priority.

Defaults: 30 minutes to claim (seed 001), 8 hours to resolve (one working day), a feedback
window of 72 hours (seed 003). Clocks run on calendar time; business hours are not modelled.

A request snapshots its policy when it is placed (``Request.sla_claim_minutes`` and
``sla_resolve_minutes``), so changing a type's policy later does not move running clocks.
The resolve clock runs while the request is open, in progress or waiting until a date; it
is paused (the time left is kept) while waiting for the customer or a third party and
while resolved, and restarts with exactly the time that was left.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from core.i18n import N_, Text, translate

if TYPE_CHECKING:
    from core.model import Request

DEFAULT_CLAIM_MINUTES = 30
DEFAULT_RESOLVE_MINUTES = 8 * 60
DEFAULT_FEEDBACK_MINUTES = 72 * 60
WARN_AT = 0.8  # warn when 80 % of the allowed time is used
PRIORITIES = ("low", "normal", "high", "urgent")
DEFAULT_PRIORITY = "normal"
PRIORITY_LABELS = {"low": N_("Low"), "normal": N_("Normal"), "high": N_("High"),
                   "urgent": N_("Urgent")}


def priority_label(priority: str | None) -> str:
    """The priority in the current language ("Normal" for none or an unknown one)."""
    return translate(Text(PRIORITY_LABELS.get(priority or "", PRIORITY_LABELS[DEFAULT_PRIORITY])))


@dataclass(frozen=True)
class SlaPolicy:
    """Minutes allowed to claim and to resolve a request."""

    claim_minutes: int = DEFAULT_CLAIM_MINUTES
    resolve_minutes: int = DEFAULT_RESOLVE_MINUTES


def warn_before(minutes: int) -> timedelta:
    """How long before the deadline the warning goes out (the last 20 %)."""
    return timedelta(minutes=minutes) * (1 - WARN_AT)


def claim_left(req: Request, now: datetime) -> timedelta | None:
    """Time left to claim (negative when overdue); None when no claim clock runs."""
    if req.claim_due is None:
        return None
    return req.claim_due - now


def resolve_left(req: Request, now: datetime) -> timedelta | None:
    """Time left to resolve (negative when overdue); None when the clock is stopped."""
    if req.resolve_due is not None:
        return req.resolve_due - now
    if req.resolve_left_seconds is not None:
        return timedelta(seconds=req.resolve_left_seconds)
    return None


def resolve_paused(req: Request) -> bool:
    return req.resolve_due is None and req.resolve_left_seconds is not None
