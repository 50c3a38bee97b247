"""On-site visits (issue 18): a proposal, answered, becomes a work order on an agenda.

A ``Visit`` belongs to one request of an on-site type. The technician (the assistant holding
the request) proposes a start and a duration; the other side accepts or proposes another
time; an accepted visit is *planned* (a work order), later *done* (with the work done) or
*cancelled*. A request has at most one live visit (proposed or planned) at a time.

Every change of a planned visit raises ``sequence`` — the calendar invitation's SEQUENCE,
so mail programs replace the earlier invitation with the same ``uid``. Who may do what is
decided in ``core.permissions.check_visit``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.errors import Invalid, Refused
from core.i18n import N_
from core.kinds import TimerKind

MAX_VISIT_MINUTES = 12 * 60
MAX_AHEAD = timedelta(days=366)
MAX_WORK_DONE = 2000
REMINDERS = {TimerKind.VISIT_DAY: timedelta(days=1), TimerKind.VISIT_HOUR: timedelta(hours=1)}


class VisitStatus(enum.StrEnum):
    PROPOSED = "proposed"
    PLANNED = "planned"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def is_live(self) -> bool:
        return self in (VisitStatus.PROPOSED, VisitStatus.PLANNED)


VISIT_STATUS_LABELS = {
    VisitStatus.PROPOSED: N_("proposed"),
    VisitStatus.PLANNED: N_("planned"),
    VisitStatus.DONE: N_("done"),
    VisitStatus.CANCELLED: N_("cancelled"),
}


class Clash(Refused):
    """The technician has another planned visit at that time (named in the message)."""

    def __init__(self, reference: str, start: datetime, minutes: int) -> None:
        super().__init__(N_("That overlaps the visit for {ref} at {date}."), ref=reference,
                         date=start.strftime("%Y-%m-%d %H:%M UTC"))
        self.reference, self.start, self.minutes = reference, start, minutes


@dataclass
class Visit:
    """A visit on site: who goes, when, for how long, and what was done."""

    id: int | None
    request_id: int
    technician_id: int
    status: VisitStatus
    start: datetime  # aware, UTC
    minutes: int
    proposed_by: int  # who made the proposal being answered (or the last change)
    uid: str  # the calendar invitation's UID
    created_at: datetime
    updated_at: datetime
    sequence: int = 0
    invited: bool = False  # an invitation went out: changes send updates / a cancellation
    work_done: str | None = None
    reminded: set[str] = field(default_factory=set)  # reminder kinds already sent
    version: int = 1
    loaded_version: int = field(default=1, repr=False)
    # Display only (filled in by loads): the request's reference and the technician's name.
    reference: str = ""
    technician_name: str = ""

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.minutes)

    def proposed_by_technician(self) -> bool:
        return self.proposed_by == self.technician_id

    # -- changes (permissions are checked by the use case first) ---------------------------
    def propose(self, by: int, start: datetime, minutes: int, at: datetime) -> None:
        """A new proposal (the technician's, or the other side's counter-proposal)."""
        self.start, self.minutes = check_time(start, minutes, at)
        self.proposed_by = by
        self._changed(at)

    def accept(self, at: datetime) -> None:
        if self.start <= at:
            raise Invalid(N_("That moment has already passed; please give a later one."))
        self.status = VisitStatus.PLANNED
        if self.invited:
            self.sequence += 1
        self.invited = True
        self._changed(at)

    def move(self, by: int, start: datetime, minutes: int, at: datetime) -> None:
        self.start, self.minutes = check_time(start, minutes, at)
        self.proposed_by = by
        self.sequence += 1
        self.reminded = set()
        self._changed(at)

    def cancel(self, at: datetime) -> None:
        self.status = VisitStatus.CANCELLED
        if self.invited:
            self.sequence += 1
        self._changed(at)

    def done(self, work_done: str, at: datetime) -> None:
        text = (work_done or "").strip()
        if not text:
            raise Invalid(N_("Please write what was done."))
        if len(text) > MAX_WORK_DONE:
            raise Invalid(N_("That is too long ({length} characters); please keep it under "
                             "{limit}."), length=len(text), limit=MAX_WORK_DONE)
        self.work_done = text
        self.status = VisitStatus.DONE
        self._changed(at)

    def _changed(self, at: datetime) -> None:
        self.updated_at = at
        self.version += 1


def check_time(start: datetime, minutes: int, now: datetime) -> tuple[datetime, int]:
    """A visit's start and duration as given, or ``Invalid`` saying what is wrong."""
    if start <= now:
        raise Invalid(N_("That moment has already passed; please give a later one."))
    if start - now > MAX_AHEAD:
        raise Invalid(N_("That is too far away; at most a year."))
    if not 1 <= minutes <= MAX_VISIT_MINUTES:
        raise Invalid(N_("A visit lasts from 1 minute to 12 hours."))
    return start, minutes


def reminder_plan(visit: Visit, now: datetime) -> dict[TimerKind, datetime]:
    """The reminders a visit should have now: the day before and one hour before, for a
    planned visit, unless already sent or already past when it was planned."""
    if visit.status is not VisitStatus.PLANNED:
        return {}
    wanted: dict[TimerKind, datetime] = {}
    for kind, before in REMINDERS.items():
        at = visit.start - before
        if kind.value not in visit.reminded and at > now:
            wanted[kind] = at
    return wanted


def due_reminder(visit: Visit, kind: TimerKind, now: datetime) -> bool:
    """Whether the reminder ``kind`` is to be sent now (a stale timer does nothing)."""
    return (visit.status is VisitStatus.PLANNED and kind.value not in visit.reminded
            and kind in REMINDERS and visit.start - REMINDERS[kind] <= now < visit.start)
