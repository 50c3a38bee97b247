"""Reports (issue 17): what supervisors get out of the helpdesk, and the port that computes it.

The figures are computed by the database (``persistence.reports``: SQL aggregation); the
rendering (a table, CSV, xlsx, a PNG chart) is the caller's business (``bots.reports``).

Time entries count in the period in which they were *logged* (``TimeEntry.at``), so an entry
logged on 31 October and its correction logged on 2 November fall in two months. Periods are
whole days in a time zone. An entry is *confirmed* when the initiator confirmed the request
after it was logged, *disputed* when the initiator disputed the time after it was logged and
has not confirmed since, and *unconfirmed* otherwise (including requests closed because the
feedback window ended: nobody confirmed that time).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

GROUPINGS = ("organization", "assistant", "type", "initiator")


@dataclass(frozen=True)
class Period:
    """Whole days ``first``..``last`` (inclusive) in ``timezone``."""

    first: date
    last: date
    timezone: str = "UTC"

    @property
    def start(self) -> datetime:
        """The first moment, in UTC."""
        return datetime.combine(self.first, time(), ZoneInfo(self.timezone)).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """The moment after the last day, in UTC (exclusive)."""
        return datetime.combine(self.last + timedelta(days=1), time(),
                                ZoneInfo(self.timezone)).astimezone(UTC)

    def months(self, valid_from: date, valid_to: date | None) -> int:
        """Calendar months of the period that overlap ``valid_from``..``valid_to``."""
        first = max(self.first, valid_from)
        last = min(self.last, valid_to) if valid_to else self.last
        if first > last:
            return 0
        return (last.year - first.year) * 12 + last.month - first.month + 1


@dataclass(frozen=True)
class TimeRow:
    """Hours of one group (an organization, assistant, type or initiator), in minutes."""

    key: int | None
    label: str
    confirmed: int
    unconfirmed: int
    disputed: int
    requests: int
    allowance: int | None = None  # the contract's minutes for the period (organizations)
    inactive: bool = False  # a deactivated person (their hours still count)

    @property
    def total(self) -> int:
        return self.confirmed + self.unconfirmed + self.disputed


@dataclass(frozen=True)
class TimeReport:
    period: Period
    by: str
    rows: list[TimeRow] = field(default_factory=list)


@dataclass(frozen=True)
class SlaRow:
    type_name: str
    priority: str
    requests: int
    breached: int

    @property
    def within_share(self) -> float:
        return 1.0 if not self.requests else (self.requests - self.breached) / self.requests


@dataclass(frozen=True)
class Breach:
    reference: str
    type_name: str
    priority: str
    clock: str  # "claim" or "resolve"
    at: datetime
    assignee: str | None


@dataclass(frozen=True)
class SlaReport:
    period: Period
    rows: list[SlaRow] = field(default_factory=list)
    breaches: list[Breach] = field(default_factory=list)


@dataclass(frozen=True)
class FeedbackRow:
    assistant: str
    ratings: int
    average: float


@dataclass(frozen=True)
class FeedbackMessage:
    assistant: str
    reference: str
    stars: int
    comment: str
    at: datetime


@dataclass(frozen=True)
class FeedbackReport:
    period: Period
    rows: list[FeedbackRow] = field(default_factory=list)
    messages: list[FeedbackMessage] = field(default_factory=list)


@dataclass(frozen=True)
class Stats:
    """One window (today, this week) at a glance."""

    placed: int
    claimed: int
    resolved: int
    confirmed: int
    breached: int
    median_claim_minutes: int | None
    median_resolve_minutes: int | None
    average_rating: float | None


class Reports(abc.ABC):
    """Report figures, computed by the database."""

    @abc.abstractmethod
    async def time(self, period: Period, by: str) -> TimeReport: ...

    @abc.abstractmethod
    async def sla(self, period: Period) -> SlaReport: ...

    @abc.abstractmethod
    async def feedback(self, period: Period) -> FeedbackReport: ...

    @abc.abstractmethod
    async def stats(self, since: datetime) -> Stats:
        """Counts and medians of what happened since ``since``."""


class ReportFiles(abc.ABC):
    """Turns a report into a stored file to send in chat (``bots.reports``)."""

    @abc.abstractmethod
    async def time_file(self, report: TimeReport) -> tuple[str, str, int]:
        """Store the report as a file: (stored key, file name, size in bytes)."""
