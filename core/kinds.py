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
