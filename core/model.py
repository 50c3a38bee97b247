"""The request aggregate and the people around it.

A ``Request`` is changed only through its action methods; each one checks permissions
(``core.permissions``), changes the state, bumps ``version`` and appends an ``Event``.
The repository saves it with a compare-and-set on the version it was loaded with, so
two concurrent changes can never both win.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core import permissions
from core.errors import Invalid
from core.i18n import N_
from core.kinds import Act, Resolution, Role, Status

MAX_DESCRIPTION = 4000
MAX_NOTE = 2000
MAX_ENTRY_MINUTES = 24 * 60


@dataclass
class Person:
    id: int
    name: str
    role: Role
    language: str | None = None
    active: bool = True
    timezone: str | None = None  # IANA name; None: the settings' DEFAULT_TIMEZONE


@dataclass
class RequestType:
    id: int
    name: str
    internal: bool = False
    active: bool = True


@dataclass(frozen=True)
class TimeEntry:
    minutes: int
    author_id: int
    at: datetime
    kind: str = "work"  # "work" or "correction" (a signed delta)


@dataclass(frozen=True)
class Comment:
    author_id: int
    body: str
    at: datetime
    internal: bool = False


@dataclass(frozen=True)
class Event:
    """One line of a request's history: who did what, when, on which channel."""

    action: str
    actor_id: int | None
    at: datetime
    channel: str | None
    from_status: Status | None
    to_status: Status
    details: dict[str, Any] = field(default_factory=dict)


def _require_text(value: str, limit: int, empty_msg: str) -> str:
    value = (value or "").strip()
    if not value:
        raise Invalid(empty_msg)
    if len(value) > limit:
        raise Invalid(
            N_("That is too long ({length} characters); please keep it under {limit}."),
            length=len(value),
            limit=limit,
        )
    return value


def validate_minutes(minutes: int) -> int:
    if minutes <= 0:
        raise Invalid(N_("The time spent must be more than zero."))
    if minutes > MAX_ENTRY_MINUTES:
        raise Invalid(N_("At most 24 hours can be logged at a time."))
    return minutes


@dataclass
class Request:
    id: int | None
    reference: str
    type_id: int
    description: str
    initiator_id: int
    status: Status
    created_at: datetime
    updated_at: datetime
    version: int = 1
    target_id: int | None = None
    assignee_id: int | None = None
    assignee_name: str | None = None
    resolved_by_id: int | None = None
    resolution_note: str | None = None
    resolution_method: Resolution | None = None
    priority: str = "normal"
    time_entries: list[TimeEntry] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    # Changes not yet saved; the repository writes and clears them.
    new_events: list[Event] = field(default_factory=list, repr=False)
    new_time_entries: list[TimeEntry] = field(default_factory=list, repr=False)
    new_comments: list[Comment] = field(default_factory=list, repr=False)
    loaded_version: int = field(default=1, repr=False)

    # -- queries ---------------------------------------------------------------
    @property
    def minutes_logged(self) -> int:
        return sum(e.minutes for e in self.time_entries)

    @property
    def was_resolved(self) -> bool:
        return self.resolution_note is not None

    # -- factory ---------------------------------------------------------------
    @classmethod
    def place(
        cls,
        *,
        actor: Person,
        initiator: Person,
        rtype: RequestType,
        description: str,
        target: Person | None,
        at: datetime,
        channel: str | None,
    ) -> Request:
        """A new open request; the reference is given by the repository when it is saved."""
        permissions.check_place(actor, initiator, rtype, target)
        description = _require_text(
            description, MAX_DESCRIPTION, N_("Please describe the problem in a few words.")
        )
        req = cls(
            id=None,
            reference="",
            type_id=rtype.id,
            description=description,
            initiator_id=initiator.id,
            status=Status.OPEN,
            created_at=at,
            updated_at=at,
            target_id=target.id if target else None,
        )
        req._record("place", actor, at, channel, None, {"type": rtype.name})
        return req

    # -- actions ---------------------------------------------------------------
    def claim(self, actor: Person, at: datetime, channel: str | None = None) -> None:
        permissions.check(Act.CLAIM, actor, self)
        old = self.status
        self.status = Status.IN_PROGRESS
        self.assignee_id, self.assignee_name = actor.id, actor.name
        self._record(Act.CLAIM, actor, at, channel, old)

    def release(self, actor: Person, at: datetime, channel: str | None = None) -> None:
        permissions.check(Act.RELEASE, actor, self)
        old, previous = self.status, self.assignee_id
        self.status = Status.OPEN
        self.assignee_id = self.assignee_name = None
        self._record(Act.RELEASE, actor, at, channel, old, {"previous_assignee": previous})

    def cancel(self, actor: Person, at: datetime, channel: str | None = None) -> None:
        permissions.check(Act.CANCEL, actor, self)
        old = self.status
        self.status = Status.CANCELLED
        self._record(Act.CANCEL, actor, at, channel, old)

    def finish(
        self,
        actor: Person,
        minutes: int,
        note: str,
        at: datetime,
        channel: str | None = None,
        method: Resolution = Resolution.SOLVED,
    ) -> None:
        permissions.check(Act.FINISH, actor, self)
        validate_minutes(minutes)
        note = _require_text(note, MAX_NOTE, N_("Please write a short resolution note."))
        self._log_time(TimeEntry(minutes, actor.id, at))
        old = self.status
        self.status = Status.RESOLVED
        self.resolved_by_id = actor.id
        self.resolution_note, self.resolution_method = note, method
        self._record(
            Act.FINISH, actor, at, channel, old,
            {"minutes": minutes, "total": self.minutes_logged, "method": method.value},
        )

    def correct_time(
        self, actor: Person, total_minutes: int, at: datetime, channel: str | None = None
    ) -> None:
        """Set the total logged time; the initiator must confirm again."""
        permissions.check(Act.CORRECT_TIME, actor, self)
        validate_minutes(total_minutes)
        before = self.minutes_logged
        if total_minutes == before and self.status is Status.RESOLVED:
            raise Invalid(N_("That is already the logged time."))
        if total_minutes != before:
            self._log_time(TimeEntry(total_minutes - before, actor.id, at, kind="correction"))
        old = self.status
        self.status = Status.RESOLVED
        self._record(
            Act.CORRECT_TIME, actor, at, channel, old, {"from": before, "to": total_minutes}
        )

    def confirm(self, actor: Person, at: datetime, channel: str | None = None) -> None:
        permissions.check(Act.CONFIRM, actor, self)
        old = self.status
        self.status = Status.CLOSED
        self._record(Act.CONFIRM, actor, at, channel, old, {"minutes": self.minutes_logged})

    def dispute(
        self, actor: Person, reason: str, at: datetime, channel: str | None = None
    ) -> None:
        permissions.check(Act.DISPUTE, actor, self)
        reason = _require_text(reason, MAX_NOTE, N_("Please say what is wrong."))
        old = self.status
        self.status = Status.IN_PROGRESS
        self.new_comments.append(Comment(actor.id, reason, at))
        self._record(Act.DISPUTE, actor, at, channel, old, {"reason": reason})

    def comment(
        self, actor: Person, body: str, at: datetime, channel: str | None = None,
        internal: bool = False,
    ) -> Comment:
        """A public comment, or an internal note that only staff ever see."""
        permissions.check(Act.COMMENT, actor, self)
        if internal:
            permissions.check_internal_note(actor)
        body = _require_text(body, MAX_DESCRIPTION, N_("The comment is empty."))
        comment = Comment(actor.id, body, at, internal)
        self.new_comments.append(comment)
        self._record(Act.COMMENT, actor, at, channel, self.status,
                     {"length": len(body), "internal": internal})
        return comment

    def ask_release(self, actor: Person, at: datetime, channel: str | None = None) -> None:
        """The initiator asks the assignee to release it so that it can be cancelled."""
        permissions.check(Act.ASK_RELEASE, actor, self)
        self._record(Act.ASK_RELEASE, actor, at, channel, self.status)

    def attach(self, actor: Person, name: str, size: int, at: datetime,
               channel: str | None = None) -> None:
        """A file added to the request: allowed to whoever may comment on it."""
        permissions.check(Act.COMMENT, actor, self)
        self._record("attach", actor, at, channel, self.status, {"name": name, "size": size})

    # -- internals ---------------------------------------------------------------
    def _log_time(self, entry: TimeEntry) -> None:
        self.time_entries.append(entry)
        self.new_time_entries.append(entry)

    def _record(
        self,
        action: str,
        actor: Person,
        at: datetime,
        channel: str | None,
        from_status: Status | None,
        details: dict[str, Any] | None = None,
    ) -> None:
        event = Event(str(action), actor.id, at, channel, from_status, self.status, details or {})
        self.events.append(event)
        self.new_events.append(event)
        self.updated_at = at
        if from_status is not None:
            self.version += 1
