"""Durable timers: every future action is a row (``TimerStore``), fired by a timer worker.

``plan(request)`` says which timers a request should have now, derived only from its
state; after every change the services make the stored timers match the plan (new ones
scheduled, moved ones rescheduled, obsolete ones cancelled). A fired timer re-checks the
request (``core.services.fire_timer``): a stale one does nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from core.kinds import Status, TimerKind, WaitReason
from core.sla import warn_before

if TYPE_CHECKING:
    from core.model import Request

RUNNING = (Status.OPEN, Status.IN_PROGRESS, Status.WAITING)
# A visit's reminders (core.visits) are planned from the visit, not from the request: each
# plan covers its own kinds, so syncing one never cancels the other's timers.
VISIT_KINDS = frozenset({TimerKind.VISIT_DAY, TimerKind.VISIT_HOUR})
REQUEST_KINDS = frozenset(TimerKind) - VISIT_KINDS


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
    disputed = req.unsettled_dispute_at if req.status in RUNNING else None
    if disputed is not None and "dispute_reminded" not in flags:
        wanted[TimerKind.DISPUTE_REMIND] = add_working_days(disputed, DISPUTE_REMIND_DAYS)
    return wanted


DISPUTE_REMIND_DAYS = 2  # a dispute not settled in 2 working days reminds the supervisors


def add_working_days(moment: datetime, days: int) -> datetime:
    """``moment`` plus ``days`` working days (Saturdays and Sundays skipped, UTC dates); a
    moment on a weekend counts from the next Monday 00:00."""
    result = moment
    while result.weekday() >= 5:
        result = (result + timedelta(days=1)).replace(hour=0, minute=0, second=0,
                                                       microsecond=0)
    added = 0
    while added < days:
        result += timedelta(days=1)
        if result.weekday() < 5:
            added += 1
    return result


_RELATIVE = re.compile(r"^(\d{1,4})\s*(m|min|mins|minutes?|h|hours?|d|days?)$")
_DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%d.%m.%Y %H:%M", "%d/%m/%Y %H:%M")
_DAY_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y")
DEFAULT_HOUR = 9  # a date without a time means 09:00 in the reader's time zone


def parse_until(text: str, now: datetime, timezone: str = "UTC") -> datetime | None:
    """A moment typed by a person, in their time zone, as an aware UTC datetime; None when
    unreadable. Accepts ``4h``, ``3d``, ``90m``, ``14:30`` (today, or tomorrow if passed),
    ``tomorrow 9:00``, ``2026-12-01 10:00``, ``01.12.2026 10:00`` and dates alone (09:00)."""
    from zoneinfo import ZoneInfo

    value = " ".join(text.strip().lower().split())
    match = _RELATIVE.match(value)
    if match:
        amount, unit = int(match.group(1)), match.group(2)[0]
        return now + {"m": timedelta(minutes=amount), "h": timedelta(hours=amount),
                      "d": timedelta(days=amount)}[unit]
    zone = ZoneInfo(timezone)
    local_now = now.astimezone(zone)
    tomorrow = False
    for word in ("tomorrow", "mâine", "maine", "amanhã", "amanha", "jutro", "завтра"):
        if value.startswith(word):
            tomorrow, value = True, value[len(word):].strip() or f"{DEFAULT_HOUR}:00"
            break
    clock = re.fullmatch(r"(\d{1,2})[:.h](\d{2})", value) or re.fullmatch(r"(\d{1,2})", value)
    if clock and (tomorrow or ":" in value or "h" in value):
        hour, minute = int(clock.group(1)), int(clock.group(2) if clock.lastindex == 2 else 0)
        if hour > 23 or minute > 59:
            return None
        local = local_now.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if tomorrow:
            local += timedelta(days=1)
        elif local <= local_now:
            local += timedelta(days=1)
        return _utc(local)
    for fmt in _DATE_FORMATS:
        try:
            return _utc(datetime.strptime(value, fmt).replace(tzinfo=zone))
        except ValueError:
            pass
    for fmt in _DAY_FORMATS:
        try:
            day = datetime.strptime(value, fmt).replace(hour=DEFAULT_HOUR, tzinfo=zone)
            return _utc(day)
        except ValueError:
            pass
    return None


def _utc(moment: datetime) -> datetime:
    from datetime import UTC

    return moment.astimezone(UTC)
