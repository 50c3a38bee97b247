"""SQLAlchemy implementations of the repository ports."""

from __future__ import annotations

from collections.abc import Sequence
from copy import copy
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Integer,
    Row,
    Select,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    text,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import ConcurrentChange, Invalid
from core.i18n import N_
from core.kinds import Resolution, Role, Status, WaitReason
from core.model import (
    Comment,
    Event,
    Person,
    Rating,
    Request,
    RequestLine,
    RequestType,
    TimeEntry,
)
from core.permissions import can_work_on
from core.ports import (
    Account,
    Contract,
    Organization,
    OrganizationRepository,
    PersonRepository,
    RequestRepository,
    RequestTypeRepository,
)
from core.sla import DEFAULT_FEEDBACK_MINUTES, SlaPolicy
from persistence.aggregate_sql import full_requests, json_row, request_lines, rows_of, when
from persistence.hot import HotStatement
from persistence.tables import (
    HELD,
    AccountRow,
    CommentRow,
    ContractRow,
    EventRow,
    OrganizationRow,
    OutboxRow,
    PersonRow,
    RatingRow,
    RequestRow,
    RequestTypeRow,
    SentMessageRow,
    TimeEntryRow,
)
from persistence.type_cache import TypeCache

# Read-only lists and lookups select plain columns (rows with the same attribute names as the
# mapped classes): cheaper than ORM objects, which only writes need.
PERSON_COLUMNS = tuple(PersonRow.__table__.c)
REQUEST_COLUMNS = tuple(RequestRow.__table__.c)
# The hottest reads, built once (building a statement costs more than running it here).
PERSON_BY_ACCOUNT = (
    select(*PERSON_COLUMNS).join(AccountRow, AccountRow.person_id == PersonRow.id)
    .where(AccountRow.channel == bindparam("channel"),
           AccountRow.address == bindparam("address")))
# The same lookup as one JSON array ``[id, name, role, language, active, timezone,
# organization_id, last_channel]`` (NULL: no such account), for a statement that already
# runs anyway: the inbox's insert of an update carries it, so identifying the sender costs
# no round trip of its own (``prefetch_person``).
PERSON_OF_ACCOUNT_JSON = type_coerce(
    select(json_row(PersonRow.id, PersonRow.name, PersonRow.role, PersonRow.language,
                    PersonRow.active, PersonRow.timezone, PersonRow.organization_id,
                    PersonRow.last_channel))
    .where(PersonRow.id == select(AccountRow.person_id).where(
        AccountRow.channel == bindparam("p_channel"),
        AccountRow.address == bindparam("p_address")).scalar_subquery())
    .scalar_subquery(), JSON)  # no join: a RETURNING clause names columns unqualified
_PREFETCHED = "hd_person_by_account"
REQUESTS_OF_INITIATOR = (
    full_requests().where(RequestRow.initiator_id == bindparam("person_id"))
    .order_by(RequestRow.id.desc()).limit(bindparam("limit", type_=Integer)))
LINES_OF_INITIATOR = (
    request_lines().where(RequestRow.initiator_id == bindparam("person_id"))
    .order_by(RequestRow.id.desc()).limit(bindparam("limit", type_=Integer)))
HOT_LINES_OF_INITIATOR = HotStatement(LINES_OF_INITIATOR, "RequestLine")
REQUEST_BY_ID = full_requests().where(RequestRow.id == bindparam("request_id"))
REQUEST_WITH_PERSON = full_requests().add_columns(
    type_coerce(select(json_row(PersonRow.id, PersonRow.name, PersonRow.role,
                                PersonRow.language, PersonRow.active, PersonRow.timezone))
                .where(PersonRow.id == bindparam("person_id")).scalar_subquery(),
                JSON).label("person"),
).where(RequestRow.id == bindparam("request_id"))
REQUEST_BY_REFERENCE = full_requests().where(RequestRow.reference == bindparam("reference"))
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


async def _core(session: AsyncSession, statement: Any,
                params: dict[str, Any] | None = None) -> Any:
    """Plain rows of a statement built once, run on the session's connection: none of the
    ORM's per-statement work (objects added in this unit of work are flushed first)."""
    if session.new or session.dirty or session.deleted:
        await session.flush()
    connection = await session.connection()
    return await connection.execute(statement, params)


def prefetch_person(session: AsyncSession, channel: str, address: str,
                    found: list[Any] | None) -> None:
    """Remember what ``PERSON_OF_ACCOUNT_JSON`` read for this account in this session's
    transaction: the next ``by_account_with_last_channel`` of it uses it instead of a
    statement (once; later lookups read the database again)."""
    session.info.setdefault(_PREFETCHED, {})[(channel, address)] = found


def _person(row: PersonRow | Row[Any]) -> Person:
    return Person(row.id, row.name, Role(row.role), row.language, row.active, row.timezone,
                  row.organization_id)


class SqlPersonRepository(PersonRepository):
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def get(self, person_id: int) -> Person | None:
        row = await self.s.get(PersonRow, person_id)
        return _person(row) if row else None

    async def by_account(self, channel: str, address: str) -> Person | None:
        row = await self.s.scalar(
            select(PersonRow).join(AccountRow, AccountRow.person_id == PersonRow.id)
            .where(AccountRow.channel == channel, AccountRow.address == address)
        )
        return _person(row) if row else None

    async def by_account_with_last_channel(
            self, channel: str, address: str) -> tuple[Person, str | None] | None:
        prefetched = self.s.info.get(_PREFETCHED)
        if prefetched and (channel, address) in prefetched:  # read with the inbox's insert
            found = prefetched.pop((channel, address))
            if found is None:
                return None
            pid, name, role, language, active, timezone, organization, last = found
            return (Person(int(pid), name, Role(role), language, bool(active), timezone,
                           organization), last)
        # Every inbound message starts here: a statement built once, plain columns.
        row = (await _core(self.s, PERSON_BY_ACCOUNT,
                           {"channel": channel, "address": address})).first()
        return (_person(row), row.last_channel) if row else None

    async def by_name(self, name: str) -> Person | None:
        row = await self.s.scalar(
            select(PersonRow).where(func.lower(PersonRow.name) == name.strip().lower())
            .order_by(PersonRow.id).limit(1)
        )
        return _person(row) if row else None

    async def add(self, name: str, role: Role, language: str | None = None,
                  timezone: str | None = None) -> Person:
        row = PersonRow(name=name, role=role.value, language=language, timezone=timezone,
                        active=True, created_at=datetime.now(UTC))
        self.s.add(row)
        await self.s.flush()
        return _person(row)

    async def add_account(self, person_id: int, channel: str, address: str) -> None:
        owner = await self.s.scalar(
            select(AccountRow.person_id).where(
                AccountRow.channel == channel, AccountRow.address == address)
        )
        if owner == person_id:
            return
        if owner is not None:
            raise Invalid(N_("That {channel} account belongs to someone else."), channel=channel)
        try:
            async with self.s.begin_nested():
                self.s.add(AccountRow(person_id=person_id, channel=channel, address=address))
        except IntegrityError as exc:
            raise Invalid(
                N_("That {channel} account belongs to someone else."), channel=channel
            ) from exc

    async def accounts(self, person_id: int) -> list[Account]:
        rows = await self.s.scalars(
            select(AccountRow).where(AccountRow.person_id == person_id).order_by(AccountRow.id)
        )
        return [Account(r.person_id, r.channel, r.address) for r in rows]

    async def list(self, role: Role | None = None) -> list[Person]:
        query = select(PersonRow).order_by(PersonRow.id)
        if role is not None:
            query = query.where(PersonRow.role == role.value)
        return [_person(r) for r in await self.s.scalars(query)]

    async def set_language(self, person_id: int, language: str) -> None:
        await self.s.execute(
            update(PersonRow).where(PersonRow.id == person_id).values(language=language))

    async def touch_channel(self, person_id: int, channel: str) -> None:
        await self.s.execute(
            update(PersonRow).where(PersonRow.id == person_id, or_(
                PersonRow.last_channel.is_(None), PersonRow.last_channel != channel))
            .values(last_channel=channel)
        )

    async def set_preferred_channel(self, person_id: int, channel: str | None) -> None:
        await self.s.execute(
            update(PersonRow).where(PersonRow.id == person_id).values(preferred_channel=channel))

    async def preferred_channel(self, person_id: int) -> str | None:
        row = await self.s.get(PersonRow, person_id)
        if row is None:
            return None
        return row.preferred_channel or row.last_channel

    async def set_active(self, person_id: int, active: bool) -> None:
        await self.s.execute(
            update(PersonRow).where(PersonRow.id == person_id).values(active=active))

    async def update(self, person: Person) -> None:
        await self.s.execute(update(PersonRow).where(PersonRow.id == person.id).values(
            name=person.name, role=person.role.value, language=person.language,
            timezone=person.timezone, organization_id=person.organization_id))

    async def remove_account(self, person_id: int, channel: str, address: str) -> bool:
        result = await self.s.execute(delete(AccountRow).where(
            AccountRow.person_id == person_id, AccountRow.channel == channel,
            AccountRow.address == address))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def account_owner(self, channel: str, address: str) -> Person | None:
        return await self.by_account(channel, address)

    async def merge(self, into_id: int, from_id: int) -> None:
        if into_id == from_id:
            return
        moves: list[tuple[Any, str]] = [
            (AccountRow, "person_id"), (RequestRow, "initiator_id"), (RequestRow, "target_id"),
            (RequestRow, "assignee_id"), (RequestRow, "resolved_by_id"),
            (TimeEntryRow, "author_id"), (CommentRow, "author_id"), (EventRow, "actor_id"),
            (RatingRow, "assistant_id"), (OutboxRow, "recipient_id"),
        ]
        for table, column in moves:
            col = getattr(table, column)
            await self.s.execute(update(table).where(col == from_id).values({column: into_id}))
        # Stale-button records keyed by the merged person are dropped (nothing to edit).
        await self.s.execute(delete(SentMessageRow).where(SentMessageRow.person_id == from_id))
        into = await self.s.get(PersonRow, into_id)
        gone = await self.s.get(PersonRow, from_id)
        if into is not None and gone is not None:
            into.language = into.language or gone.language
            into.timezone = into.timezone or gone.timezone
            into.organization_id = into.organization_id or gone.organization_id
            gone.active = False
        await self.s.flush()


class SqlOrganizationRepository(OrganizationRepository):
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def add(self, name: str) -> Organization:
        row = OrganizationRow(name=name, active=True)
        self.s.add(row)
        await self.s.flush()
        return Organization(row.id, row.name, row.active)

    async def get(self, organization_id: int) -> Organization | None:
        row = await self.s.get(OrganizationRow, organization_id)
        return Organization(row.id, row.name, row.active) if row else None

    async def by_name(self, name: str) -> Organization | None:
        row = await self.s.scalar(select(OrganizationRow).where(
            func.lower(OrganizationRow.name) == name.strip().lower()))
        return Organization(row.id, row.name, row.active) if row else None

    async def list(self) -> list[Organization]:
        rows = await self.s.scalars(select(OrganizationRow).order_by(OrganizationRow.id))
        return [Organization(r.id, r.name, r.active) for r in rows]

    async def set_contract(self, contract: Contract | None, organization_id: int) -> None:
        await self.s.execute(delete(ContractRow).where(
            ContractRow.organization_id == organization_id))
        if contract is not None:
            self.s.add(ContractRow(organization_id=organization_id,
                                   monthly_minutes=contract.monthly_minutes,
                                   valid_from=contract.valid_from, valid_to=contract.valid_to))
        await self.s.flush()

    async def contract(self, organization_id: int) -> Contract | None:
        row = await self.s.get(ContractRow, organization_id)
        if row is None:
            return None
        return Contract(row.organization_id, row.monthly_minutes, row.valid_from, row.valid_to)


class SqlRequestTypeRepository(RequestTypeRepository):
    def __init__(self, session: AsyncSession, cache: TypeCache | None = None) -> None:
        self.s = session
        self.cache = cache  # see persistence.type_cache: reads need no statement while valid
        self.changed = False  # a type was written: the cache's version moves after commit

    async def _cached(self) -> list[RequestType] | None:
        """Every type from the cache (loaded once per version); None without a cache."""
        cache = self.cache
        if cache is None or not cache.usable:
            return None
        types = cache.current()
        if types is None:
            version = cache.observed
            types = await self._load_all()
            cache.store(types, version)
        return [copy(t) for t in types]  # callers may change theirs (then ``save``)

    async def _load_all(self) -> list[RequestType]:
        rows = await self.s.scalars(select(RequestTypeRow).order_by(RequestTypeRow.id))
        return [self._type(r) for r in rows]

    def _written(self) -> None:
        self.changed = True
        if self.cache is not None:
            self.cache.invalidate()

    @staticmethod
    def _type(row: RequestTypeRow) -> RequestType:
        sla = {priority: SlaPolicy(int(pair[0]), int(pair[1]))
               for priority, pair in (row.sla or {}).items()}
        return RequestType(
            row.id, row.name, row.internal, row.active, sla=sla,
            feedback_minutes=row.feedback_minutes or DEFAULT_FEEDBACK_MINUTES,
            fields=tuple(row.fields or ()), assistant_ids=tuple(row.assistant_ids or ()),
            on_site=bool(row.on_site),
        )

    async def save(self, rtype: RequestType) -> None:
        self._written()
        await self.s.execute(
            update(RequestTypeRow).where(RequestTypeRow.id == rtype.id).values(
                name=rtype.name, internal=rtype.internal, active=rtype.active,
                sla={p: [v.claim_minutes, v.resolve_minutes] for p, v in rtype.sla.items()},
                feedback_minutes=rtype.feedback_minutes, fields=list(rtype.fields),
                assistant_ids=list(rtype.assistant_ids), on_site=rtype.on_site,
            ))

    async def get(self, type_id: int) -> RequestType | None:
        cached = await self._cached()
        if cached is not None:
            return next((t for t in cached if t.id == type_id), None)
        row = await self.s.get(RequestTypeRow, type_id)
        return self._type(row) if row else None

    async def by_name(self, name: str) -> RequestType | None:
        cached = await self._cached()
        if cached is not None:
            wanted = name.strip().lower()
            return next((t for t in cached if t.name.lower() == wanted), None)
        row = await self.s.scalar(
            select(RequestTypeRow).where(func.lower(RequestTypeRow.name) == name.strip().lower())
        )
        return self._type(row) if row else None

    async def add(self, name: str, internal: bool = False) -> RequestType:
        self._written()
        row = RequestTypeRow(name=name, internal=internal, active=True)
        self.s.add(row)
        await self.s.flush()
        return self._type(row)

    async def list_all(self) -> list[RequestType]:
        cached = await self._cached()
        if cached is not None:
            return cached
        return await self._load_all()

    async def list(self, include_internal: bool = True) -> list[RequestType]:
        cached = await self._cached()
        if cached is not None:
            return [t for t in cached if t.active and (include_internal or not t.internal)]
        query = select(RequestTypeRow).where(RequestTypeRow.active.is_(True))
        if not include_internal:
            query = query.where(RequestTypeRow.internal.is_(False))
        return [self._type(r) for r in await self.s.scalars(query.order_by(RequestTypeRow.id))]


def reference_for(request_id: int, created_at: datetime) -> str:
    return f"HD-{created_at.year}-{request_id:06d}"


class SqlRequestRepository(RequestRepository):
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def _load(self, row: RequestRow | None) -> Request | None:
        return (await self._load_many([row]))[0] if row is not None else None

    async def _load_many(self, rows: Sequence[RequestRow | Row[Any]]) -> list[Request]:
        """Requests with their children: one more statement however many rows. Hot paths
        select ``full_requests()`` directly and skip it (see ``_many``)."""
        if not rows:
            return []
        found = await self._many(full_requests().where(RequestRow.id.in_([r.id for r in rows])))
        by_id = {r.id: r for r in found}
        return [by_id[row.id] for row in rows if row.id in by_id]

    @classmethod
    def _from_full(cls, row: Row[Any]) -> Request:
        """A request from a ``full_requests()`` row (children folded in as JSON)."""
        entries = [TimeEntry(m, author, when(at) or _EPOCH, kind)
                   for _id, m, author, at, kind in rows_of(row.time_entries)]
        comments = [Comment(author, body, when(at) or _EPOCH, bool(internal))
                    for _id, author, body, at, internal in rows_of(row.comments)]
        events = [Event(action, actor, when(at) or _EPOCH, channel,
                        Status(before) if before else None, Status(after), details or {})
                  for _id, action, actor, at, channel, before, after, details
                  in rows_of(row.events)]
        rating = None
        if row.rating:
            stars, assistant, at, comment = row.rating
            rating = Rating(stars, assistant, when(at) or _EPOCH, comment)
        req = cls._request(row, row.assignee_name, entries, comments, events, rating)
        req.type_name = row.type_name
        return req

    @staticmethod
    def _request(row: RequestRow | Row[Any], assignee_name: str | None, entries: list[TimeEntry],
                 comments: list[Comment], events: list[Event],
                 rating: Rating | None) -> Request:
        defaults = SlaPolicy()
        return Request(
            id=row.id,
            reference=row.reference or "",
            type_id=row.type_id,
            description=row.description,
            subject=row.subject or "",
            initiator_id=row.initiator_id,
            status=Status(row.status),
            created_at=row.created_at,
            updated_at=row.updated_at,
            version=row.version,
            loaded_version=row.version,
            target_id=row.target_id,
            assignee_id=row.assignee_id,
            assignee_name=assignee_name,
            resolved_by_id=row.resolved_by_id,
            resolution_note=row.resolution_note,
            resolution_method=Resolution(row.resolution_method) if row.resolution_method else None,
            priority=row.priority,
            fields=dict(row.fields or {}),
            pool=tuple(row.pool or ()),
            sla_claim_minutes=row.sla_claim_minutes or defaults.claim_minutes,
            sla_resolve_minutes=row.sla_resolve_minutes or defaults.resolve_minutes,
            feedback_minutes=row.feedback_minutes or DEFAULT_FEEDBACK_MINUTES,
            claim_due=row.claim_due,
            resolve_due=row.resolve_due,
            resolve_left_seconds=row.resolve_left_seconds,
            sla_flags=set(row.sla_flags or ()),
            wait_reason=WaitReason(row.wait_reason) if row.wait_reason else None,
            wait_until=row.wait_until,
            wait_since=row.wait_since,
            wait_autoclose_days=row.wait_autoclose_days,
            wait_requeue=bool(row.wait_requeue),
            merged_into_id=row.merged_into_id,
            resolved_at=row.resolved_at,
            feedback_until=row.feedback_until,
            organization_id=row.organization_id,
            rating=rating,
            time_entries=entries,
            comments=comments,
            events=events,
        )

    async def get(self, request_id: int) -> Request | None:
        found = await self._many(REQUEST_BY_ID, {"request_id": request_id})
        return found[0] if found else None

    async def get_with_person(self, request_id: int,
                              person_id: int) -> tuple[Request, Person | None] | None:
        row = (await _core(self.s, REQUEST_WITH_PERSON,
                           {"request_id": request_id, "person_id": person_id})).first()
        if row is None:
            return None
        person = None
        if row.person:
            pid, name, role, language, active, timezone = row.person
            person = Person(pid, name, Role(role), language, bool(active), timezone)
        return self._from_full(row), person

    async def by_reference(self, reference: str) -> Request | None:
        found = await self._many(REQUEST_BY_REFERENCE,
                                 {"reference": reference.strip().upper()})
        return found[0] if found else None

    def _columns(self, req: Request) -> dict[str, object]:
        return {
            "type_id": req.type_id,
            "description": req.description,
            "subject": req.subject,
            "initiator_id": req.initiator_id,
            "target_id": req.target_id,
            "assignee_id": req.assignee_id,
            "resolved_by_id": req.resolved_by_id,
            "status": req.status.value,
            "priority": req.priority,
            "version": req.version,
            "resolution_note": req.resolution_note,
            "resolution_method": req.resolution_method.value if req.resolution_method else None,
            "updated_at": req.updated_at,
            "fields": req.fields,
            "pool": list(req.pool),
            "sla_claim_minutes": req.sla_claim_minutes,
            "sla_resolve_minutes": req.sla_resolve_minutes,
            "feedback_minutes": req.feedback_minutes,
            "claim_due": req.claim_due,
            "resolve_due": req.resolve_due,
            "resolve_left_seconds": req.resolve_left_seconds,
            "sla_flags": sorted(req.sla_flags),
            "wait_reason": req.wait_reason.value if req.wait_reason else None,
            "wait_until": req.wait_until,
            "wait_since": req.wait_since,
            "wait_autoclose_days": req.wait_autoclose_days,
            "wait_requeue": req.wait_requeue,
            "merged_into_id": req.merged_into_id,
            "resolved_at": req.resolved_at,
            "feedback_until": req.feedback_until,
            "organization_id": req.organization_id,
        }

    async def add(self, request: Request) -> None:
        row = RequestRow(created_at=request.created_at, **self._columns(request))
        self.s.add(row)
        await self.s.flush()
        request.id = row.id
        request.reference = row.reference = reference_for(row.id, request.created_at)
        await self.s.flush()
        await self._write_children(request)
        request.loaded_version = request.version

    async def save(self, request: Request) -> None:
        assert request.id is not None
        if request.new_events and self.s.get_bind().dialect.name == "postgresql":
            await self._save_with_events(request)
            return
        result = await self.s.execute(
            update(RequestRow)
            .where(RequestRow.id == request.id, RequestRow.version == request.loaded_version)
            .values(**self._columns(request))
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConcurrentChange(request.reference)
        await self._write_children(request)
        request.loaded_version = request.version

    async def _save_with_events(self, req: Request) -> None:
        """PostgreSQL: the compare-and-set update and the new events in one statement (a
        data-modifying CTE); no event row is written when the version did not match."""
        assert req.id is not None
        changed = (
            update(RequestRow)
            .where(RequestRow.id == req.id, RequestRow.version == req.loaded_version)
            .values(**self._columns(req)).returning(RequestRow.id).cte("changed"))
        table = EventRow.__table__
        rows = [
            select(changed.c.id, *(literal(value, table.c[name].type) for name, value in (
                ("action", e.action), ("actor_id", e.actor_id), ("channel", e.channel),
                ("from_status", e.from_status.value if e.from_status else None),
                ("to_status", e.to_status.value), ("details", e.details), ("at", e.at))))
            for e in req.new_events
        ]
        result = await self.s.execute(
            insert(table).from_select(  # type: ignore[arg-type]
                ["request_id", "action", "actor_id", "channel", "from_status", "to_status",
                 "details", "at"], rows[0] if len(rows) == 1 else union_all(*rows))
            .add_cte(changed, nest_here=True))
        if result.rowcount != len(rows):  # type: ignore[attr-defined]
            raise ConcurrentChange(req.reference)
        req.new_events.clear()
        await self._write_children(req)
        req.loaded_version = req.version

    async def append(self, request: Request) -> None:
        assert request.id is not None
        await self._write_children(request)
        request.version = request.loaded_version  # the row itself was not written

    async def _write_children(self, req: Request) -> None:
        assert req.id is not None
        for t in req.new_time_entries:
            self.s.add(TimeEntryRow(request_id=req.id, minutes=t.minutes, author_id=t.author_id,
                                    kind=t.kind, at=t.at))
        for c in req.new_comments:
            self.s.add(CommentRow(request_id=req.id, author_id=c.author_id, body=c.body,
                                  internal=c.internal, at=c.at))
        for e in req.new_events:
            self.s.add(EventRow(
                request_id=req.id, action=e.action, actor_id=e.actor_id, channel=e.channel,
                from_status=e.from_status.value if e.from_status else None,
                to_status=e.to_status.value, details=e.details, at=e.at))
        if req.rating_changed and req.rating is not None:
            row = await self.s.get(RatingRow, req.id)
            if row is None:
                row = RatingRow(request_id=req.id)
                self.s.add(row)
            row.assistant_id, row.stars = req.rating.assistant_id, req.rating.stars
            row.comment, row.at = req.rating.comment, req.rating.at
            req.rating_changed = False
        req.new_time_entries.clear()
        req.new_comments.clear()
        req.new_events.clear()
        await self.s.flush()

    async def _many(self, query: Select[Any],
                    params: dict[str, Any] | None = None) -> list[Request]:
        """Requests from a ``full_requests()`` query: one statement, children included."""
        return [self._from_full(row) for row in await _core(self.s, query, params)]

    async def move_children(self, source_id: int, target_id: int) -> tuple[int, int]:
        from persistence.attachments import AttachmentRow

        comments = await self.s.execute(update(CommentRow).where(
            CommentRow.request_id == source_id).values(request_id=target_id))
        files = await self.s.execute(update(AttachmentRow).where(
            AttachmentRow.request_id == source_id).values(request_id=target_id))
        return comments.rowcount or 0, files.rowcount or 0  # type: ignore[attr-defined]

    async def list_for_initiator(self, person_id: int, limit: int = 20) -> list[Request]:
        return await self._many(REQUESTS_OF_INITIATOR,
                                {"person_id": person_id, "limit": limit})

    async def lines_for_initiator(self, person_id: int, limit: int = 20) -> list[RequestLine]:
        # "My requests" and "Which request is this about?": on asyncpg directly.
        s = self.s
        if s.new or s.dirty or s.deleted:
            await s.flush()
        rows = await HOT_LINES_OF_INITIATOR.rows(await s.connection(),
                                                 {"person_id": person_id, "limit": limit})
        return [RequestLine(row.id, row.reference or "", row.type_id, row.subject or "",
                            Status(row.status), row.assignee_name, row.minutes_logged or 0,
                            row.feedback_until, row.type_name) for row in rows]

    async def list_for_staff(self, person: Person, limit: int = 20) -> list[Request]:
        held = (RequestRow.assignee_id == person.id) & HELD  # ix_requests_held
        open_ = (RequestRow.status == Status.OPEN.value)
        if person.role is not Role.SUPERVISOR:
            open_ = open_ & or_(RequestRow.target_id.is_(None), RequestRow.target_id == person.id)
        # Routing (a type's assistants) is decided in core.permissions: over-fetch, filter.
        found = await self._many(
            full_requests().where(or_(held, open_)).order_by(RequestRow.id.desc())
            .limit(limit * 3))
        return [r for r in found if can_work_on(person, r)][:limit]

    async def queue(self, offset: int, limit: int, now: datetime,
                    organization_id: int | None = None) -> tuple[list[Request], int]:
        live: Any = LIVE_SQL
        if organization_id is not None:
            live = and_(live, RequestRow.organization_id == organization_id)
        total = await self.s.scalar(select(func.count()).select_from(RequestRow).where(live))
        rows: Sequence[Any] = (await self.s.execute(
            select(*REQUEST_COLUMNS, PersonRow.name.label("assignee_name"))
            .outerjoin(PersonRow, PersonRow.id == RequestRow.assignee_id).where(live)
            .order_by(QUEUE_DUE.asc().nulls_last(), RequestRow.id)
            .offset(offset).limit(limit))).all()
        # One query for the page: the lines need no time entries, comments or events.
        return [self._request(row, row.assignee_name, [], [], [], None)
                for row in rows], int(total or 0)

    async def held_by(self, person_id: int) -> list[Request]:
        return await self._many(full_requests().where(
            RequestRow.assignee_id == person_id,
            RequestRow.status.in_([Status.IN_PROGRESS.value, Status.WAITING.value]))
            .order_by(RequestRow.id))


# Live requests, and the deadline the queue sorts by: the claim deadline of an open request,
# else the running resolve deadline (None while paused: those come last); overdue ones come
# first by themselves. Written as literal SQL so that they match the partial expression index
# ix_requests_queue (migration 0007_i17_organizations) word for word.
LIVE_SQL = text("requests.status IN ('open', 'in_progress', 'waiting')")
QUEUE_DUE: Any = literal_column("(CASE WHEN requests.status = 'open' THEN "
                           "coalesce(requests.claim_due, requests.resolve_due) "
                           "ELSE requests.resolve_due END)")
