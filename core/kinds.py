"""The vocabulary of the domain: roles, statuses, resolutions and actions."""

from __future__ import annotations

import enum

from core.i18n import N_


class Role(enum.StrEnum):
    INITIATOR = "initiator"
    ASSISTANT = "assistant"
    SUPERVISOR = "supervisor"

    @property
    def is_staff(self) -> bool:
        return self is not Role.INITIATOR


class Status(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in (Status.CLOSED, Status.CANCELLED)


STATUS_LABELS: dict[Status, str] = {
    Status.OPEN: N_("open"),
    Status.IN_PROGRESS: N_("in progress"),
    Status.WAITING: N_("waiting"),
    Status.RESOLVED: N_("resolved"),
    Status.CLOSED: N_("closed"),
    Status.CANCELLED: N_("cancelled"),
}


class Resolution(enum.StrEnum):
    SOLVED = "solved"
    NO_CUSTOMER_RESPONSE = "no_customer_response"
    REJECTED = "rejected"
    SPAM = "spam"
    MERGED = "merged"  # a duplicate closed into another request (issue 16, seed 003)


class Act(enum.StrEnum):
    """Every action on an existing request (placing is a factory, see ``Request.place``)."""

    CLAIM = "claim"
    RELEASE = "release"
    CANCEL = "cancel"
    FINISH = "finish"
    CORRECT_TIME = "correct_time"
    CONFIRM = "confirm"
    DISPUTE = "dispute"
    COMMENT = "comment"
    ASK_RELEASE = "ask_release"
    WAIT = "wait"
    RESUME = "resume"
    REOPEN = "reopen"
    RATE = "rate"
    PRIORITY = "priority"
    REASSIGN = "reassign"
    STAFF_REOPEN = "staff_reopen"
    MERGE = "merge"
    SPLIT = "split"


class WaitReason(enum.StrEnum):
    """Why a request is waiting (SPEC §3): the SLA clock stops for the first two."""

    CUSTOMER = "customer"  # a question to the initiator; their reply resumes it
    THIRD_PARTY = "third_party"
    UNTIL = "until"  # back by itself at a date and time

    @property
    def pauses_sla(self) -> bool:
        return self is not WaitReason.UNTIL


WAIT_LABELS: dict[WaitReason, str] = {
    WaitReason.CUSTOMER: N_("waiting for the customer's answer"),
    WaitReason.THIRD_PARTY: N_("waiting for a third party"),
    WaitReason.UNTIL: N_("on hold until a date"),
}

RESOLUTION_LABELS: dict[Resolution, str] = {
    Resolution.SOLVED: N_("solved"),
    Resolution.NO_CUSTOMER_RESPONSE: N_("no customer response"),
    Resolution.REJECTED: N_("rejected"),
    Resolution.SPAM: N_("spam"),
    Resolution.MERGED: N_("merged into another request"),
}


class TimerKind(enum.StrEnum):
    """Future actions, each a durable row in the timers table (see ``core.timers``)."""

    CLAIM_WARN = "claim_warn"
    CLAIM_BREACH = "claim_breach"
    RESOLVE_WARN = "resolve_warn"
    RESOLVE_BREACH = "resolve_breach"
    WAIT_UNTIL = "wait_until"
    WAIT_AUTOCLOSE = "wait_autoclose"
    FEEDBACK_CLOSE = "feedback_close"
    DISPUTE_REMIND = "dispute_remind"  # a dispute not settled in 2 working days
    # On-site visits (issue 18, core.visits): reminders of a planned visit.
    VISIT_DAY = "visit_day"  # the day before
    VISIT_HOUR = "visit_hour"  # one hour before
