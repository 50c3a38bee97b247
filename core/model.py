"""The request aggregate and the people around it.

A ``Request`` is changed only through its action methods; each one checks permissions
(``core.permissions``), changes the state, bumps ``version`` and appends an ``Event``.
The repository saves it with a compare-and-set on the version it was loaded with, so
two concurrent changes can never both win.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from core import permissions
from core.errors import Invalid
from core.i18n import N_
from core.kinds import Act, Resolution, Role, Status, WaitReason
from core.sla import (
    DEFAULT_FEEDBACK_MINUTES,
    DEFAULT_PRIORITY,
    PRIORITIES,
    SlaPolicy,
)

MAX_DESCRIPTION = 4000
MAX_SUBJECT = 120
MAX_NOTE = 2000
MAX_ENTRY_MINUTES = 24 * 60
MAX_FIELD = 200
MAX_AUTOCLOSE_DAYS = 90
MAX_REQUEUE_DAYS = 30
MAX_WAIT = timedelta(days=366)


@dataclass
class Person:
    id: int
    name: str
    role: Role
    language: str | None = None
    active: bool = True
    timezone: str | None = None  # IANA name; None: the settings' DEFAULT_TIMEZONE
    organization_id: int | None = None  # the client company they belong to (seed 004)


@dataclass
class RequestType:
    """A configured kind of request: who may choose it, what it asks, its SLA and routing."""

    id: int
    name: str
    internal: bool = False
    active: bool = True
    # Priority → policy; "normal" (or the defaults) for priorities without their own.
    sla: dict[str, SlaPolicy] = field(default_factory=dict)
    feedback_minutes: int = DEFAULT_FEEDBACK_MINUTES
    fields: tuple[str, ...] = ()  # extra required fields the intake asks for
    assistant_ids: tuple[int, ...] = ()  # routing: only these assistants; () = everyone
    on_site: bool = False  # visits on site may be planned on its requests (issue 18)

    def policy(self, priority: str = DEFAULT_PRIORITY) -> SlaPolicy:
        return self.sla.get(priority) or self.sla.get(DEFAULT_PRIORITY) or SlaPolicy()


@dataclass(frozen=True)
class Rating:
    """The initiator's feedback (1–5 and an optional message) about who resolved it (001)."""

    stars: int
    assistant_id: int | None
    at: datetime
    comment: str | None = None


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


def subject_from(text: str) -> str:
    """A subject taken from a description: its first non-empty line, cut at a word to
    ``MAX_SUBJECT`` characters (with "…") when longer."""
    first = next((ln.strip() for ln in (text or "").splitlines() if ln.strip()), "")
    first = " ".join(first.split())
    if len(first) <= MAX_SUBJECT:
        return first
    cut = first[: MAX_SUBJECT - 1]
    if " " in cut[MAX_SUBJECT // 2:]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:") + "…"


def validate_subject(subject: str) -> str:
    """A subject as given: one line, not empty, at most ``MAX_SUBJECT`` characters."""
    return _require_text(" ".join((subject or "").split()), MAX_SUBJECT,
                         N_("Please write a short subject."))


def validate_minutes(minutes: int) -> int:
    if minutes <= 0:
        raise Invalid(N_("The time spent must be more than zero."))
    if minutes > MAX_ENTRY_MINUTES:
        raise Invalid(N_("At most 24 hours can be logged at a time."))
    return minutes


def in_feedback_window(status: Status, feedback_until: datetime | None, now: datetime) -> bool:
    """Resolved, and the initiator may still reopen it (SPEC §3 reopen)."""
    return status is Status.RESOLVED and (feedback_until is None or now < feedback_until)


@dataclass(frozen=True)
class RequestLine:
    """A request as a list line shows it ("My requests", "Which request is this about?"):
    what one index holds (PostgreSQL reads it from ``ix_requests_initiator_recent`` alone),
    no description, no children; the logged time is the stored total."""

    id: int
    reference: str
    type_id: int
    subject: str
    status: Status
    assignee_name: str | None
    minutes_logged: int
    feedback_until: datetime | None
    type_name: str | None = None

    @classmethod
    def of(cls, req: Request) -> RequestLine:
        return cls(req.id or 0, req.reference, req.type_id, req.subject, req.status,
                   req.assignee_name, req.minutes_logged, req.feedback_until, req.type_name)

    def in_feedback_window(self, now: datetime) -> bool:
        return in_feedback_window(self.status, self.feedback_until, now)


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
    subject: str = ""
    target_id: int | None = None
    assignee_id: int | None = None
    assignee_name: str | None = None
    type_name: str | None = None  # filled in by loads (display only, like assignee_name)
    resolved_by_id: int | None = None
    resolution_note: str | None = None
    resolution_method: Resolution | None = None
    priority: str = DEFAULT_PRIORITY
    fields: dict[str, str] = field(default_factory=dict)
    pool: tuple[int, ...] = ()  # the assistants the type routes it to; () = every assistant
    organization_id: int | None = None  # the initiator's organization when it was placed
    # SLA (core.sla): the policy snapshot, the running deadlines and what was already said.
    sla_claim_minutes: int = SlaPolicy().claim_minutes
    sla_resolve_minutes: int = SlaPolicy().resolve_minutes
    feedback_minutes: int = DEFAULT_FEEDBACK_MINUTES
    claim_due: datetime | None = None
    resolve_due: datetime | None = None
    resolve_left_seconds: int | None = None  # kept while the resolve clock is paused
    sla_flags: set[str] = field(default_factory=set)
    # Waiting (SPEC §3).
    wait_reason: WaitReason | None = None
    wait_until: datetime | None = None
    wait_since: datetime | None = None
    wait_autoclose_days: int | None = None
    merged_into_id: int | None = None  # closed as a duplicate of this request
    wait_requeue: bool = False  # after those days: back to the queue instead of closed (003)
    resolved_at: datetime | None = None
    feedback_until: datetime | None = None
    rating: Rating | None = None
    time_entries: list[TimeEntry] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    # Changes not yet saved; the repository writes and clears them.
    new_events: list[Event] = field(default_factory=list, repr=False)
    new_time_entries: list[TimeEntry] = field(default_factory=list, repr=False)
    new_comments: list[Comment] = field(default_factory=list, repr=False)
    rating_changed: bool = field(default=False, repr=False)
    loaded_version: int = field(default=1, repr=False)

    # -- queries ---------------------------------------------------------------
    @property
    def minutes_logged(self) -> int:
        return sum(e.minutes for e in self.time_entries)

    @property
    def awaits_rating(self) -> bool:
        """Resolved by an assistant (not as spam) and not rated yet: the initiator is asked."""
        return (self.rating is None and self.resolved_by_id is not None
                and self.resolution_method is not Resolution.SPAM)

    @property
    def was_resolved(self) -> bool:
        return self.resolution_note is not None

    def in_feedback_window(self, now: datetime) -> bool:
        """Resolved, and the initiator may still reopen it (SPEC §3 reopen)."""
        return in_feedback_window(self.status, self.feedback_until, now)

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
        fields: dict[str, str] | None = None,
        priority: str = DEFAULT_PRIORITY,
        subject: str | None = None,
    ) -> Request:
        """A new open request; the reference is given by the repository when it is saved.
        Without a subject, the first line of the description is the subject."""
        permissions.check_place(actor, initiator, rtype, target)
        description = _require_text(
            description, MAX_DESCRIPTION, N_("Please describe the problem in a few words.")
        )
        subject = validate_subject(subject) if subject and subject.strip() \
            else subject_from(description)
        given = {k.strip(): (v or "").strip() for k, v in (fields or {}).items()}
        values: dict[str, str] = {}
        for name in rtype.fields:
            value = given.get(name, "")
            if not value:
                raise Invalid(N_("Please fill in “{field}”."), field=name)
            if len(value) > MAX_FIELD:
                raise Invalid(
                    N_("That is too long ({length} characters); please keep it under {limit}."),
                    length=len(value), limit=MAX_FIELD,
                )
            values[name] = value
        policy = rtype.policy(priority)
        req = cls(
            id=None,
            reference="",
            type_id=rtype.id,
            description=description,
            subject=subject,
            initiator_id=initiator.id,
            status=Status.OPEN,
            created_at=at,
            updated_at=at,
            target_id=target.id if target else None,
            priority=priority,
            fields=values,
            pool=tuple(rtype.assistant_ids),
            organization_id=initiator.organization_id,
            sla_claim_minutes=policy.claim_minutes,
            sla_resolve_minutes=policy.resolve_minutes,
            feedback_minutes=rtype.feedback_minutes,
            claim_due=at + timedelta(minutes=policy.claim_minutes),
            resolve_due=at + timedelta(minutes=policy.resolve_minutes),
        )
        req._record("place", actor, at, channel, None, {"type": rtype.name})
        return req

    # -- actions ---------------------------------------------------------------
    def claim(self, actor: Person, at: datetime, channel: str | None = None) -> None:
        permissions.check(Act.CLAIM, actor, self)
        old = self.status
        self.status = Status.IN_PROGRESS
        self.assignee_id, self.assignee_name = actor.id, actor.name
        self.claim_due = None
        self._record(Act.CLAIM, actor, at, channel, old)

    def release(self, actor: Person, at: datetime, channel: str | None = None) -> None:
        permissions.check(Act.RELEASE, actor, self)
        old, previous = self.status, self.assignee_id
        self.status = Status.OPEN
        self.assignee_id = self.assignee_name = None
        self._leave_waiting(at)
        # Back in the queue: a new time to claim starts (the resolve clock keeps running).
        self.claim_due = at + timedelta(minutes=self.sla_claim_minutes)
        self.sla_flags -= {"claim_warned", "claim_breached"}
        self._record(Act.RELEASE, actor, at, channel, old, {"previous_assignee": previous})

    def reassign(self, actor: Person, to: Person, at: datetime,
                 channel: str | None = None) -> int | None:
        """A supervisor hands the request to another assistant (003); an open one becomes
        theirs at once. Returns the previous assignee's id (None when it was open)."""
        permissions.check(Act.REASSIGN, actor, self)
        permissions.check_reassign_target(self, to)
        old, previous = self.status, self.assignee_id
        if self.status is Status.OPEN:
            self.status = Status.IN_PROGRESS
            self.claim_due = None
        self.assignee_id, self.assignee_name = to.id, to.name
        self._record(Act.REASSIGN, actor, at, channel, old,
                     {"from": previous, "to": to.id, "name": to.name})
        return previous

    def release_by_deactivation(self, at: datetime) -> int | None:
        """The assignee was deactivated: back to the queue (no actor; recorded as the system)."""
        previous = self.assignee_id
        if previous is None or self.status not in (Status.IN_PROGRESS, Status.WAITING):
            return None
        old = self.status
        self.status = Status.OPEN
        self.assignee_id = self.assignee_name = None
        self._leave_waiting(at)
        self.claim_due = at + timedelta(minutes=self.sla_claim_minutes)
        self.sla_flags -= {"claim_warned", "claim_breached"}
        self._record_system("release", at, old, {"previous_assignee": previous,
                                                 "reason": "deactivated"})
        return previous

    @property
    def unsettled_dispute_at(self) -> datetime | None:
        """When the initiator disputed the logged time, if nothing settled it since
        (a correction, a new resolution or a confirmation)."""
        for event in reversed(self.events):
            if event.action == Act.DISPUTE:
                return event.at if not self.status.is_final else None
            if event.action in (Act.CORRECT_TIME, Act.FINISH, Act.CONFIRM):
                return None
        return None

    def cancel(self, actor: Person, at: datetime, channel: str | None = None) -> None:
        permissions.check(Act.CANCEL, actor, self)
        old = self.status
        self.status = Status.CANCELLED
        self._stop_clocks()
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
        """Resolve it; the feedback window starts. Spam closes it at once, nothing to confirm."""
        permissions.check(Act.FINISH, actor, self)
        if method is Resolution.SPAM and not minutes and not (note or "").strip():
            note = "spam"  # spam: nothing to log, nothing to explain
        else:
            validate_minutes(minutes)
        note = _require_text(note, MAX_NOTE, N_("Please write a short resolution note."))
        if self.status is Status.OPEN:
            # Staff act without claiming (004: open → resolved): it is claimed for them first,
            # recorded as its own event.
            self.status = Status.IN_PROGRESS
            self.assignee_id, self.assignee_name = actor.id, actor.name
            self.claim_due = None
            self._record(Act.CLAIM, actor, at, channel, Status.OPEN, {"by": "finish"})
        if minutes:
            self._log_time(TimeEntry(minutes, actor.id, at))
        old = self.status
        self._leave_waiting(at)  # resolving a waiting request (no customer response, ...)
        self.resolved_by_id = actor.id
        self.resolution_note, self.resolution_method = note, method
        self.resolved_at = at
        if method is Resolution.SPAM:
            self.status = Status.CLOSED
            self._stop_clocks()
        else:
            self.status = Status.RESOLVED
            self._pause_resolve(at)
            self.feedback_until = at + timedelta(minutes=self.feedback_minutes)
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
        self._pause_resolve(at)
        # The initiator must confirm again: a fresh feedback window.
        self.resolved_at = at
        self.feedback_until = at + timedelta(minutes=self.feedback_minutes)
        self._record(
            Act.CORRECT_TIME, actor, at, channel, old, {"from": before, "to": total_minutes}
        )

    def confirm(self, actor: Person, at: datetime, channel: str | None = None) -> None:
        permissions.check(Act.CONFIRM, actor, self)
        old = self.status
        self.status = Status.CLOSED
        self._stop_clocks()
        self._record(Act.CONFIRM, actor, at, channel, old, {"minutes": self.minutes_logged})

    def dispute(
        self, actor: Person, reason: str, at: datetime, channel: str | None = None
    ) -> None:
        permissions.check(Act.DISPUTE, actor, self)
        reason = _require_text(reason, MAX_NOTE, N_("Please say what is wrong."))
        old = self.status
        self.status = Status.IN_PROGRESS
        self._restart_resolve(at)
        self.feedback_until = None
        self.sla_flags.discard("dispute_reminded")
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
        if self.is_reply(actor, internal):
            # The initiator's answer to a question: back in progress, SLA clock restarts (001).
            old = self.status
            self.status = Status.IN_PROGRESS
            reason = self._leave_waiting(at)
            self._record(Act.RESUME, actor, at, channel, old, {"reason": reason, "by": "reply"})
        return comment

    def is_reply(self, actor: Person, internal: bool = False) -> bool:
        """A public comment by the initiator now answers the assistant's question."""
        return (not internal and actor.id == self.initiator_id
                and self.status is Status.WAITING and self.wait_reason is WaitReason.CUSTOMER)

    def wait(
        self,
        actor: Person,
        reason: WaitReason,
        at: datetime,
        channel: str | None = None,
        *,
        question: str | None = None,
        until: datetime | None = None,
        autoclose_days: int | None = None,
        requeue_days: int | None = None,
    ) -> None:
        """Put it on hold: for the customer's answer (the question is sent to them and kept
        as a public comment), for a third party, or until a date and time. Without an answer
        a customer wait may close after ``autoclose_days`` or go back to the queue after
        ``requeue_days`` (1–30; seed 003 "Poczekaj na więcej informacji")."""
        permissions.check(Act.WAIT, actor, self)
        details: dict[str, Any] = {"reason": reason.value}
        if reason is WaitReason.CUSTOMER:
            question = _require_text(question or "", MAX_NOTE,
                                     N_("Please write the question for the customer."))
            if autoclose_days is not None and not 1 <= autoclose_days <= MAX_AUTOCLOSE_DAYS:
                raise Invalid(N_("Automatic closing takes 1 to {max} days."),
                              max=MAX_AUTOCLOSE_DAYS)
            details["autoclose_days"] = autoclose_days
            if requeue_days is not None:
                if autoclose_days is not None or not 1 <= requeue_days <= MAX_REQUEUE_DAYS:
                    raise Invalid(N_("Returning to the queue takes 1 to {max} days."),
                                  max=MAX_REQUEUE_DAYS)
                autoclose_days = requeue_days
                details["requeue_days"] = requeue_days
        else:
            autoclose_days = requeue_days = None
        if reason is WaitReason.UNTIL:
            if until is None or until <= at:
                raise Invalid(N_("That moment has already passed; please give a later one."))
            if until - at > MAX_WAIT:
                raise Invalid(N_("That is too far away; at most a year."))
            details["until"] = until.isoformat()
        else:
            until = None
        old = self.status
        self.status = Status.WAITING
        self.wait_reason, self.wait_until, self.wait_since = reason, until, at
        self.wait_autoclose_days = autoclose_days
        self.wait_requeue = requeue_days is not None
        if reason.pauses_sla:
            self._pause_resolve(at)
        if question:
            self.new_comments.append(Comment(actor.id, question, at))
            details["question"] = question
        self._record(Act.WAIT, actor, at, channel, old, details)

    def resume(self, actor: Person | None, at: datetime, channel: str | None = None) -> None:
        """Back to in progress: by the assignee, or by the clock (``actor`` None) at ``until``."""
        if actor is not None:
            permissions.check(Act.RESUME, actor, self)
        elif self.status is not Status.WAITING:
            raise Invalid(N_("{ref} is not waiting."), ref=self.reference)
        old = self.status
        self.status = Status.IN_PROGRESS
        reason = self._leave_waiting(at)
        self._record(Act.RESUME, actor, at, channel, old,
                     {"reason": reason, "by": "clock" if actor is None else "hand"})

    def reopen(self, actor: Person, message: str, at: datetime,
               channel: str | None = None) -> None:
        """Inside the feedback window the initiator reopens it to its assignee (003, 004)."""
        permissions.check(Act.REOPEN, actor, self)
        permissions.check_feedback_window(self, at)
        message = _require_text(message, MAX_DESCRIPTION, N_("The comment is empty."))
        old = self.status
        self.status = Status.IN_PROGRESS
        self.feedback_until = None
        self._restart_resolve(at)
        self.new_comments.append(Comment(actor.id, message, at))
        self._record(Act.REOPEN, actor, at, channel, old, {"body": message})

    def staff_reopen(self, actor: Person, reason: str, at: datetime,
                     channel: str | None = None) -> None:
        """Staff (who resolved it, or a supervisor) take a resolved request back into work;
        the reason is a public comment, so the initiator is told why."""
        permissions.check(Act.STAFF_REOPEN, actor, self)
        reason = _require_text(reason, MAX_NOTE, N_("Please say why it is reopened."))
        old = self.status
        self.status = Status.IN_PROGRESS
        if self.assignee_id is None:
            self.assignee_id, self.assignee_name = actor.id, actor.name
        self.feedback_until = None
        self._restart_resolve(at)
        self.new_comments.append(Comment(actor.id, reason, at))
        self._record(Act.STAFF_REOPEN, actor, at, channel, old, {"reason": reason})

    def rate(self, actor: Person, stars: int, at: datetime, channel: str | None = None,
             comment: str | None = None) -> Rating:
        """1–5 and an optional message about the assistant who resolved it (001).
        Rating again replaces the earlier rating."""
        permissions.check(Act.RATE, actor, self)
        if not 1 <= stars <= 5:
            raise Invalid(N_("Please rate from 1 to 5."))
        text = None
        if comment is not None and comment.strip():
            text = _require_text(comment, MAX_NOTE, N_("The comment is empty."))
        self.rating = Rating(stars, self.resolved_by_id, at, text)
        self.rating_changed = True
        self._record(Act.RATE, actor, at, channel, self.status,
                     {"stars": stars, "comment": text})
        return self.rating

    # -- the clock's actions (timers) ----------------------------------------------------
    def close_unconfirmed(self, at: datetime) -> None:
        """The feedback window ended without confirmation (003): closed."""
        if self.status is not Status.RESOLVED:
            raise Invalid(N_("{ref} is not resolved."), ref=self.reference)
        self.status = Status.CLOSED
        self._stop_clocks()
        self._record_system("auto_close", at, Status.RESOLVED, {"reason": "feedback_window"})

    def close_no_response(self, at: datetime) -> None:
        """No answer from the customer within the days set when asking (003)."""
        if self.status is not Status.WAITING or self.wait_reason is not WaitReason.CUSTOMER:
            raise Invalid(N_("{ref} is not waiting."), ref=self.reference)
        days = self.wait_autoclose_days
        self.status = Status.CLOSED
        self.resolution_method = Resolution.NO_CUSTOMER_RESPONSE
        self.resolved_by_id = self.resolved_by_id or self.assignee_id
        self.resolved_at = at
        self._leave_waiting(at)
        self._stop_clocks()
        self._record_system("auto_close", at, Status.WAITING,
                            {"reason": "no_customer_response", "days": days})

    def merge_into(self, actor: Person, target: Request, at: datetime,
                   channel: str | None = None) -> None:
        """Close this duplicate into ``target`` (resolution *merged*); both histories name
        the other. Moving comments and attachments is the repository's part."""
        permissions.check(Act.MERGE, actor, self)
        if target.id == self.id:
            raise Invalid(N_("A request cannot be merged into itself."))
        if target.status.is_final or target.merged_into_id is not None:
            raise Invalid(N_("{ref} is closed; choose a request that is still open."),
                          ref=target.reference)
        old = self.status
        self._leave_waiting(at)
        self.status = Status.CLOSED
        self.resolution_method = Resolution.MERGED
        self.merged_into_id = target.id
        self._stop_clocks()
        self._record(Act.MERGE, actor, at, channel, old, {"into": target.reference})
        target._record("merged_from", actor, at, channel, target.status,
                       {"from": self.reference})

    def split_off(self, actor: Person, new: Request, at: datetime,
                  channel: str | None = None) -> None:
        """A new request (``new``, already placed and saved) takes over a part of this one;
        both histories name the other."""
        permissions.check(Act.SPLIT, actor, self)
        self._record(Act.SPLIT, actor, at, channel, self.status, {"to": new.reference})
        new._record("split_from", actor, at, channel, None, {"from": self.reference})

    def requeue_no_response(self, at: datetime) -> None:
        """No answer within the days set when asking, and "return to the queue" was chosen:
        open again, unassigned; a fresh time to claim starts (003)."""
        if (self.status is not Status.WAITING or self.wait_reason is not WaitReason.CUSTOMER
                or not self.wait_requeue):
            raise Invalid(N_("{ref} is not waiting."), ref=self.reference)
        days, previous = self.wait_autoclose_days, self.assignee_id
        self._leave_waiting(at)
        self.status = Status.OPEN
        self.assignee_id = self.assignee_name = None
        self.claim_due = at + timedelta(minutes=self.sla_claim_minutes)
        self.sla_flags -= {"claim_warned", "claim_breached"}
        self._record_system("auto_requeue", at, Status.WAITING,
                            {"days": days, "previous_assignee": previous})

    def mark_sla(self, flag: str, at: datetime) -> None:
        """Record an SLA warning or breach (``claim_warned``, ``resolve_breached``...)."""
        self.sla_flags.add(flag)
        action = "sla_breach" if flag.endswith("breached") else "sla_warning"
        self._record_system(action, at, self.status, {"clock": flag.split("_")[0]})

    def mark_dispute_reminded(self, at: datetime) -> None:
        """The supervisors were reminded of a dispute not settled in 2 working days."""
        self.sla_flags.add("dispute_reminded")
        self._record_system("dispute_reminder", at, self.status, {})

    def set_priority(self, actor: Person, priority: str, policy: SlaPolicy, at: datetime,
                     channel: str | None = None) -> bool:
        """Triage: a new priority and its SLA policy. Running clocks move by the difference
        (a paused resolve clock keeps the moved time left); a clock moved later may warn
        again. False (nothing recorded) when the priority is the same."""
        permissions.check(Act.PRIORITY, actor, self)
        if priority not in PRIORITIES:
            raise Invalid(N_("Unknown priority {priority}."), priority=priority[:20])
        if priority == self.priority:
            return False
        claim_shift = timedelta(minutes=policy.claim_minutes - self.sla_claim_minutes)
        resolve_shift = timedelta(minutes=policy.resolve_minutes - self.sla_resolve_minutes)
        if self.claim_due is not None:
            self.claim_due += claim_shift
            if claim_shift > timedelta(0):
                self.sla_flags -= {"claim_warned", "claim_breached"}
        if self.resolve_due is not None:
            self.resolve_due += resolve_shift
        elif self.resolve_left_seconds is not None:
            self.resolve_left_seconds += int(resolve_shift.total_seconds())
        if resolve_shift > timedelta(0):
            self.sla_flags -= {"resolve_warned", "resolve_breached"}
        before, self.priority = self.priority, priority
        self.sla_claim_minutes = policy.claim_minutes
        self.sla_resolve_minutes = policy.resolve_minutes
        self._record(Act.PRIORITY, actor, at, channel, self.status,
                     {"from": before, "to": priority})
        return True

    def ask_release(self, actor: Person, at: datetime, channel: str | None = None) -> None:
        """The initiator asks the assignee to release it so that it can be cancelled."""
        permissions.check(Act.ASK_RELEASE, actor, self)
        self._record(Act.ASK_RELEASE, actor, at, channel, self.status)

    def record_visit(self, actor: Person, action: str, at: datetime,
                     details: dict[str, Any]) -> None:
        """A visit on site changed (issue 18, ``core.visits``): a line of the history. The
        request itself does not change (no new version)."""
        self._record(action, actor, at, None, None, details)

    def attach(self, actor: Person, name: str, size: int, at: datetime,
               channel: str | None = None) -> None:
        """A file added to the request: allowed to whoever may comment on it."""
        permissions.check(Act.COMMENT, actor, self)
        self._record("attach", actor, at, channel, self.status, {"name": name, "size": size})

    # -- internals ---------------------------------------------------------------
    def _pause_resolve(self, at: datetime) -> None:
        if self.resolve_due is not None:
            self.resolve_left_seconds = int((self.resolve_due - at).total_seconds())
            self.resolve_due = None

    def _restart_resolve(self, at: datetime) -> None:
        if self.resolve_due is None and self.resolve_left_seconds is not None:
            self.resolve_due = at + timedelta(seconds=self.resolve_left_seconds)
            self.resolve_left_seconds = None

    def _stop_clocks(self) -> None:
        self.claim_due = self.resolve_due = None
        self.resolve_left_seconds = None
        self.feedback_until = None

    def _leave_waiting(self, at: datetime) -> str | None:
        """Forget the wait; restart the resolve clock if the wait had paused it."""
        reason = self.wait_reason.value if self.wait_reason else None
        self.wait_reason = self.wait_until = self.wait_since = None
        self.wait_autoclose_days = None
        self.wait_requeue = False
        if self.status is not Status.CLOSED:
            self._restart_resolve(at)
        return reason

    def _record_system(self, action: str, at: datetime, from_status: Status,
                       details: dict[str, Any]) -> None:
        """An event done by the clock (no actor)."""
        event = Event(action, None, at, "clock", from_status, self.status, details)
        self.events.append(event)
        self.new_events.append(event)
        self.updated_at = at
        self.version += 1

    def _log_time(self, entry: TimeEntry) -> None:
        self.time_entries.append(entry)
        self.new_time_entries.append(entry)

    def _record(
        self,
        action: str,
        actor: Person | None,
        at: datetime,
        channel: str | None,
        from_status: Status | None,
        details: dict[str, Any] | None = None,
    ) -> None:
        event = Event(str(action), actor.id if actor else None, at,
                      channel if actor else (channel or "clock"), from_status, self.status,
                      details or {})
        self.events.append(event)
        self.new_events.append(event)
        self.updated_at = at
        if from_status is not None:
            self.version += 1
