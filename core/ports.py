"""Ports: what the domain needs from storage, state and channels. Implementations live in
``persistence`` (SQLAlchemy, Redis) and ``adapters``; tests may use their own fakes.
"""

from __future__ import annotations

import abc
import builtins
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from core.kinds import Role, TimerKind
from core.messages import Reply
from core.model import Person, Request, RequestLine, RequestType
from core.notifications import Notification
from core.timers import Timer
from core.visits import Visit


@dataclass(frozen=True)
class Account:
    """A person's account on one channel (Telegram user id, Slack id, phone, e-mail...)."""

    person_id: int
    channel: str
    address: str


@dataclass(frozen=True)
class OutboxItem:
    """A notification waiting in the outbox, with its delivery bookkeeping."""

    id: int
    notification: Notification
    attempts: int
    created_at: datetime


HELD_PREFIX = "held: "  # ``last_error`` of an item kept for a person nobody can reach


@dataclass(frozen=True)
class SentMessage:
    """A message sent to a person that a later notification with ``edit_key`` edits."""

    person_id: int
    channel: str
    edit_key: str
    message_ref: str


@dataclass(frozen=True)
class DeadLetter:
    """An outbox item that will not be sent by itself: it failed past its retry budget, or
    it is held because its recipient has no account on any running channel."""

    id: int
    recipient_id: int
    kind: str
    request_id: int
    attempts: int
    created_at: datetime
    gave_up_at: datetime
    last_error: str

    @property
    def held(self) -> bool:
        return self.last_error.startswith(HELD_PREFIX)


class PersonRepository(abc.ABC):
    """People and their channel accounts."""

    @abc.abstractmethod
    async def get(self, person_id: int) -> Person | None: ...

    @abc.abstractmethod
    async def by_account(self, channel: str, address: str) -> Person | None: ...

    @abc.abstractmethod
    async def by_account_with_last_channel(
            self, channel: str, address: str) -> tuple[Person, str | None] | None:
        """The account's owner and the channel they last wrote from (one lookup)."""

    @abc.abstractmethod
    async def by_name(self, name: str) -> Person | None:
        """Case-insensitive exact name match."""

    @abc.abstractmethod
    async def add(self, name: str, role: Role, language: str | None = None,
                  timezone: str | None = None) -> Person: ...

    @abc.abstractmethod
    async def add_account(self, person_id: int, channel: str, address: str) -> None:
        """Link an account; raises ``Invalid`` if it belongs to someone else."""

    @abc.abstractmethod
    async def accounts(self, person_id: int) -> list[Account]: ...

    @abc.abstractmethod
    async def list(self, role: Role | None = None) -> list[Person]: ...

    @abc.abstractmethod
    async def set_language(self, person_id: int, language: str) -> None: ...

    @abc.abstractmethod
    async def touch_channel(self, person_id: int, channel: str) -> None:
        """Remember the channel the person used last (notifications go there)."""

    @abc.abstractmethod
    async def preferred_channel(self, person_id: int) -> str | None: ...

    @abc.abstractmethod
    async def set_preferred_channel(self, person_id: int, channel: str | None) -> None:
        """The channel notifications go to when the person has an account there (None: the
        one they used last)."""


    # -- a person's life (issue 17: admin CLI, linking) --------------------------------
    @abc.abstractmethod
    async def set_active(self, person_id: int, active: bool) -> None: ...

    @abc.abstractmethod
    async def update(self, person: Person) -> None:
        """Write name, role, language, time zone and organization."""

    @abc.abstractmethod
    async def remove_account(self, person_id: int, channel: str, address: str) -> bool:
        """Unlink an account; False when the person has no such account."""

    @abc.abstractmethod
    async def account_owner(self, channel: str, address: str) -> Person | None:
        """Whoever holds that account (active or not)."""

    @abc.abstractmethod
    async def merge(self, into_id: int, from_id: int) -> None:
        """Join ``from_id`` into ``into_id``: accounts, requests, history and everything the
        person did move over; ``from_id`` is left inactive with nothing attached."""


@dataclass(frozen=True)
class Organization:
    """A client company (seed 004): members are its initiators; an optional contract."""

    id: int
    name: str
    active: bool = True


@dataclass(frozen=True)
class Contract:
    """A monthly hours allowance valid from a day to a day (``valid_to`` None: open-ended)."""

    organization_id: int
    monthly_minutes: int
    valid_from: date
    valid_to: date | None = None


class OrganizationRepository(abc.ABC):
    """Organizations and their contracts."""

    @abc.abstractmethod
    async def add(self, name: str) -> Organization: ...

    @abc.abstractmethod
    async def get(self, organization_id: int) -> Organization | None: ...

    @abc.abstractmethod
    async def by_name(self, name: str) -> Organization | None:
        """Case-insensitive exact name match."""

    @abc.abstractmethod
    async def list(self) -> list[Organization]: ...

    @abc.abstractmethod
    async def set_contract(self, contract: Contract | None, organization_id: int) -> None:
        """The organization's contract (None: no contract)."""

    @abc.abstractmethod
    async def contract(self, organization_id: int) -> Contract | None: ...


class RequestTypeRepository(abc.ABC):
    @abc.abstractmethod
    async def get(self, type_id: int) -> RequestType | None: ...

    @abc.abstractmethod
    async def by_name(self, name: str) -> RequestType | None: ...

    @abc.abstractmethod
    async def add(self, name: str, internal: bool = False) -> RequestType: ...

    @abc.abstractmethod
    async def list(self, include_internal: bool = True) -> list[RequestType]:
        """Active types, in the order they were added."""

    async def list_all(self) -> builtins.list[RequestType]:
        """Every type, deactivated ones too."""
        raise NotImplementedError

    async def save(self, rtype: RequestType) -> None:
        """Write a type's settings (internal, SLA, feedback window, fields, routing)."""
        raise NotImplementedError


class RequestRepository(abc.ABC):
    @abc.abstractmethod
    async def get(self, request_id: int) -> Request | None: ...

    @abc.abstractmethod
    async def get_with_person(self, request_id: int,
                              person_id: int) -> tuple[Request, Person | None] | None:
        """The request and, read in the same statement, ``person_id`` (None when that
        person does not exist); None when the request does not exist."""

    @abc.abstractmethod
    async def by_reference(self, reference: str) -> Request | None: ...

    @abc.abstractmethod
    async def add(self, request: Request) -> None:
        """Insert a new request; sets its ``id`` and ``reference`` (``HD-YYYY-NNNNNN``)."""

    @abc.abstractmethod
    async def save(self, request: Request) -> None:
        """Write the changes with a compare-and-set on ``loaded_version``.

        Raises ``ConcurrentChange`` when someone else saved it first; nothing is written then.
        """

    async def append(self, request: Request) -> None:
        """Write only what was added (comments, events) without the version check: an
        append cannot conflict with a concurrent change, so it never fails for one."""
        await self.save(request)

    @abc.abstractmethod
    async def list_for_initiator(self, person_id: int, limit: int = 20) -> list[Request]: ...

    async def lines_for_initiator(self, person_id: int, limit: int = 20) -> list[RequestLine]:
        """``list_for_initiator`` as list lines, newest first: only what a line shows, which
        is cheaper to load. By default made from the full list."""
        return [RequestLine.of(r) for r in await self.list_for_initiator(person_id, limit)]

    @abc.abstractmethod
    async def move_children(self, source_id: int, target_id: int) -> tuple[int, int]:
        """Move every comment and attachment of ``source_id`` to ``target_id`` (a merge);
        returns how many of each were moved."""

    @abc.abstractmethod
    async def list_for_staff(self, person: Person, limit: int = 20) -> list[Request]:
        """Requests the assistant holds plus the open ones they may claim."""

    @abc.abstractmethod
    async def queue(self, offset: int, limit: int, now: datetime,
                    organization_id: int | None = None) -> tuple[list[Request], int]:
        """Live requests (open, in progress, waiting), overdue first then by the nearest SLA
        deadline (paused clocks last); one page and the total count. The requests come
        without their children (time entries, comments, events, rating): a list, not cards."""

    @abc.abstractmethod
    async def held_by(self, person_id: int) -> list[Request]:
        """Requests the person holds now (in progress or waiting)."""


class Outbox(abc.ABC):
    """Notifications written in the same transaction as the change that caused them."""

    @abc.abstractmethod
    async def add(self, notification: Notification) -> None: ...

    @abc.abstractmethod
    async def add_for_holders(self, notification: Notification, exclude_id: int) -> int:
        """``notification`` to every person but ``exclude_id`` holding a sent message with
        its ``edit_key`` (one statement); returns how many."""

    @abc.abstractmethod
    async def claim_due(self, now: datetime, limit: int, lease_seconds: float,
                        after: int = 0) -> list[OutboxItem]:
        """Lease up to ``limit`` due items so no other worker takes them meanwhile.

        ``after``: the recipient where this worker's previous lease ended; a store that
        walks the recipients in order starts after it, so every recipient gets its turn."""

    @abc.abstractmethod
    async def mark_sent(self, item_id: int, now: datetime,
                        record: SentMessage | None = None) -> None:
        """Mark the item sent; ``record``: also remember the message it became (for later
        edits; ``SentMessages.put``), in the same statement where the database allows."""

    @abc.abstractmethod
    async def mark_failed(self, item_id: int, error: str, retry_at: datetime | None) -> None:
        """Record a failed attempt; retry at ``retry_at``, or give up when it is None."""

    @abc.abstractmethod
    async def release(self, item_id: int) -> None:
        """Give a leased item back untouched."""

    @abc.abstractmethod
    async def pending_count(self) -> int: ...

    # Dead letters (``helpdesk admin outbox``). Not abstract: stores without them refuse.
    async def hold(self, item_id: int, reason: str) -> None:
        """Keep the item without retrying: nobody can reach its recipient now."""
        raise NotImplementedError

    async def dead_letters(self, *, held: bool = False, limit: int = 1000) -> list[DeadLetter]:
        """Items that gave up; with ``held``, the ones kept for unreachable people."""
        raise NotImplementedError

    async def retry(self, item_ids: list[int] | None = None) -> int:
        """Queue given-up items again (all of them when ``item_ids`` is None)."""
        raise NotImplementedError

    async def release_held(self, channels: list[str]) -> int:
        """Queue again the held items of people now reachable on one of ``channels``."""
        raise NotImplementedError

    async def was_held(self, recipient_id: int, request_id: int, before_id: int) -> bool:
        """Whether an earlier item for this person and request was held."""
        raise NotImplementedError
    @abc.abstractmethod
    async def purge_sent(self, before: datetime) -> int:
        """Delete the items sent before ``before``; returns how many."""


class TimerStore(abc.ABC):
    """Durable timers (``core.timers``): rows that survive restarts, leased by workers so
    that several workers never fire one twice."""

    @abc.abstractmethod
    async def sync(self, request_id: int, wanted: dict[TimerKind, datetime],
                   kinds: frozenset[TimerKind] | None = None) -> None:
        """Make the request's pending timers of ``kinds`` exactly ``wanted``: schedule new
        ones, move changed ones, cancel the others (fired ones are kept as a record).
        ``kinds`` None: the request's own kinds (``core.timers.REQUEST_KINDS``)."""

    @abc.abstractmethod
    async def pending(self, request_id: int) -> list[Timer]: ...

    @abc.abstractmethod
    async def claim_due(self, now: datetime, limit: int, lease_seconds: float) -> list[Timer]:
        """Lease up to ``limit`` timers due at ``now`` (``FOR UPDATE SKIP LOCKED`` on
        PostgreSQL); a leased timer is not given to anyone else until the lease ends."""

    @abc.abstractmethod
    async def mark_fired(self, timer_id: int, now: datetime, outcome: str) -> bool:
        """Mark it fired, in the transaction that applies its effect. False when it was
        fired or cancelled meanwhile: then the caller must not apply anything."""

    @abc.abstractmethod
    async def mark_failed(self, timer_id: int, error: str, retry_at: datetime | None) -> None:
        """Record a failed attempt; retry at ``retry_at``, or give up when it is None."""

    @abc.abstractmethod
    async def pending_count(self) -> int: ...

    async def release(self, timer_id: int) -> None:
        """Give a leased timer back untouched (a stopping worker); by default it waits for
        its lease to end."""
        return None


class SentMessages(abc.ABC):
    """The platform message ids we sent under an edit key, so stale buttons can be edited."""

    @abc.abstractmethod
    async def get(self, person_id: int, channel: str, edit_key: str) -> str | None: ...

    @abc.abstractmethod
    async def put(self, person_id: int, channel: str, edit_key: str, message_ref: str) -> None: ...

    @abc.abstractmethod
    async def route(self, person_id: int, edit_key: str | None) -> DeliveryRoute | None:
        """Everything delivering a notification to ``person_id`` needs, in one read: the
        person, their preferred channel, their accounts and the messages already sent under
        ``edit_key`` (channel → message ref). None when the person does not exist."""


@dataclass(frozen=True)
class DeliveryRoute:
    person: Person
    preferred_channel: str | None
    accounts: list[Account]
    previous: dict[str, str]
    notices_off: bool = False  # turned optional status notices off (core.notifications)


@dataclass(frozen=True)
class Draft:
    """An intake saved for later by staff (issue 16): the dialog's answers so far."""

    id: int
    person_id: int
    data: dict[str, Any]
    updated_at: datetime


class DraftRepository(abc.ABC):
    """Drafts live in the database (not only in the dialog state): they survive restarts
    of the process and of Redis. They never notify anyone."""

    @abc.abstractmethod
    async def save(self, person_id: int, data: dict[str, Any], at: datetime,
                   draft_id: int | None = None) -> Draft:
        """Add a draft, or replace ``draft_id`` (only one of the person's own)."""

    @abc.abstractmethod
    async def list(self, person_id: int) -> list[Draft]: ...

    @abc.abstractmethod
    async def get(self, person_id: int, draft_id: int) -> Draft | None:
        """The person's own draft, or None."""

    @abc.abstractmethod
    async def delete(self, person_id: int, draft_id: int) -> bool: ...


@dataclass(frozen=True)
class VisitTotal:
    """Visits done by one technician in a period (``helpdesk report visits``)."""

    technician_id: int
    name: str
    visits: int
    minutes: int


class VisitRepository(abc.ABC):
    """On-site visits (issue 18, ``core.visits``); saved with compare-and-set on the version."""

    @abc.abstractmethod
    async def add(self, visit: Visit) -> None:
        """Store a new visit; sets its ``id``."""

    @abc.abstractmethod
    async def save(self, visit: Visit) -> None:
        """Save a changed visit; ``ConcurrentChange`` when someone changed it meanwhile."""

    @abc.abstractmethod
    async def get(self, visit_id: int) -> Visit | None: ...

    @abc.abstractmethod
    async def live(self, request_id: int) -> Visit | None:
        """The request's proposed or planned visit, if any."""

    @abc.abstractmethod
    async def for_request(self, request_id: int) -> builtins.list[Visit]:
        """Every visit of the request, oldest first."""

    @abc.abstractmethod
    async def overlapping(self, technician_id: int, start: datetime, end: datetime,
                          exclude_id: int | None = None) -> Visit | None:
        """A planned visit of the technician that overlaps ``start``..``end``."""

    @abc.abstractmethod
    async def agenda(self, technician_id: int | None, start: datetime,
                     end: datetime) -> builtins.list[Visit]:
        """The technician's (None: everyone's) planned and done visits starting in
        ``start``..``end``, in order (with ``reference`` and the technician's name)."""

    @abc.abstractmethod
    async def done_totals(self, start: datetime, end: datetime) -> builtins.list[VisitTotal]:
        """Visits done (count and planned minutes) per technician, started in the period."""


class UnitOfWork(abc.ABC):
    """One transaction over all repositories. Commit is explicit; leaving rolls back."""

    people: PersonRepository
    organizations: OrganizationRepository
    types: RequestTypeRepository
    requests: RequestRepository
    outbox: Outbox
    sent: SentMessages
    timers: TimerStore
    drafts: DraftRepository
    visits: VisitRepository

    async def __aenter__(self) -> UnitOfWork:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.rollback()

    @abc.abstractmethod
    async def commit(self) -> None: ...

    @abc.abstractmethod
    async def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    """Makes a fresh unit of work; ``read_only=True`` for lookups that write nothing (it may
    skip the transaction round trips, and cannot commit)."""

    def __call__(self, *, read_only: bool = False) -> UnitOfWork: ...


@dataclass(frozen=True)
class DialogKey:
    """Whose dialog: one per person per channel."""

    channel: str
    address: str

    def __str__(self) -> str:
        return f"{self.channel}:{self.address}"


@dataclass
class DialogState:
    """Where a person is in a dialog and what they entered so far."""

    state: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Held:
    """What ``DialogStore.locked`` yields: the state read under the lock."""

    state: DialogState
    final: tuple[DialogState, float | None] | None = None

    def keep(self, state: DialogState, ttl: float | None = None) -> None:
        """Store ``state`` (for ``ttl`` seconds) when the lock is released."""
        self.final = (state, ttl)


class DialogStore(abc.ABC):
    """Dialog state per person and channel, with a TTL, plus a per-conversation lock."""

    @abc.abstractmethod
    async def get(self, key: DialogKey) -> DialogState:
        """The state, or an empty one when there is none (or it expired)."""

    @abc.abstractmethod
    async def set(self, key: DialogKey, state: DialogState, ttl: float | None = None) -> None:
        """Store ``state``; it expires after ``ttl`` seconds (the store's default if None)."""

    @abc.abstractmethod
    async def clear(self, key: DialogKey) -> None: ...

    @abc.abstractmethod
    def lock(self, key: DialogKey, expire: float = 30.0) -> AbstractAsyncContextManager[None]:
        """Held while one message of this conversation is handled; others wait their turn."""

    @asynccontextmanager
    async def locked(self, key: DialogKey, expire: float = 30.0) -> AsyncIterator[Held]:
        """``lock`` and ``get`` together: yields the state read under the lock. What is
        given to ``Held.keep`` is stored as the lock is released. Stores override this to
        do each step in one round trip."""
        async with self.lock(key, expire):
            held = Held(await self.get(key))
            yield held
            if held.final is not None:
                await self.set(key, *held.final)

    @abc.abstractmethod
    async def set_menu(self, key: DialogKey, payloads: list[str], ttl: float | None = None) -> None:
        """Remember the buttons last shown, so a typed digit can press one (SMS, console)."""

    @abc.abstractmethod
    async def get_menu(self, key: DialogKey) -> list[str]: ...

    @abc.abstractmethod
    async def put_value(self, token: str, value: str, ttl: float) -> None:
        """Keep a short ``value`` under ``token`` for ``ttl`` seconds (e.g. the card a
        person looked at last)."""

    @abc.abstractmethod
    async def get_value(self, token: str) -> str | None:
        """The value kept under ``token``, or None when there is none (or it expired)."""

    @abc.abstractmethod
    async def is_remembered(self, token: str) -> bool:
        """True when ``token`` was remembered and has not expired."""

    @abc.abstractmethod
    async def remember(self, token: str, ttl: float) -> None:
        """Remember ``token`` for ``ttl`` seconds (e.g. an update that was fully handled)."""

    @abc.abstractmethod
    async def remember_once(self, token: str, ttl: float) -> bool:
        """True the first time ``token`` is seen within ``ttl`` seconds (webhook dedupe)."""


class ChannelSender(abc.ABC):
    """Sends rendered replies to one channel. Adapters implement it."""

    channel: str

    @abc.abstractmethod
    async def send(self, address: str, reply: Reply) -> str | None:
        """Send a new message; returns the platform's message reference if it has one."""

    async def edit(self, address: str, message_ref: str, reply: Reply) -> None:
        """Replace an earlier message. Channels that cannot edit send a new message."""
        await self.send(address, reply)

    async def clear_buttons(self, address: str, message_ref: str) -> None:  # noqa: B027
        """Remove now-stale buttons from an earlier message, where the channel can."""




class RateGate(abc.ABC):
    """A rate limit shared by every process (``persistence.rate_limit``): ``wait(key)``
    returns when one more call under ``key`` keeps all processes together within it."""

    @abc.abstractmethod
    async def wait(self, key: str) -> None: ...
