"""SQLAlchemy implementations of the repository ports."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Integer, Row, Select, bindparam, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import ConcurrentChange, Invalid
from core.i18n import N_
from core.kinds import Resolution, Role, Status, WaitReason
from core.model import Comment, Event, Person, Rating, Request, RequestType, TimeEntry
from core.permissions import can_work_on
from core.ports import Account, PersonRepository, RequestRepository, RequestTypeRepository
from core.sla import DEFAULT_FEEDBACK_MINUTES, SlaPolicy
from persistence.tables import (
    AccountRow,
    CommentRow,
    EventRow,
    PersonRow,
    RatingRow,
    RequestRow,
    RequestTypeRow,
    TimeEntryRow,
)

# Read-only lists and lookups select plain columns (rows with the same attribute names as the
# mapped classes): cheaper than ORM objects, which only writes need.
PERSON_COLUMNS = tuple(PersonRow.__table__.c)
REQUEST_COLUMNS = tuple(RequestRow.__table__.c)
# The hottest reads, built once (building a statement costs more than running it here).
PERSON_BY_ACCOUNT = (
    select(*PERSON_COLUMNS).join(AccountRow, AccountRow.person_id == PersonRow.id)
    .where(AccountRow.channel == bindparam("channel"),
           AccountRow.address == bindparam("address")))
REQUESTS_OF_INITIATOR = (
    select(*REQUEST_COLUMNS).where(RequestRow.initiator_id == bindparam("person_id"))
    .order_by(RequestRow.id.desc()).limit(bindparam("limit", type_=Integer)))


def _person(row: PersonRow | Row[Any]) -> Person:
    return Person(row.id, row.name, Role(row.role), row.language, row.active, row.timezone)


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
        # Every inbound message starts here: a statement built once, plain columns.
        row = (await self.s.execute(PERSON_BY_ACCOUNT,
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


class SqlRequestTypeRepository(RequestTypeRepository):
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    @staticmethod
    def _type(row: RequestTypeRow) -> RequestType:
        sla = {priority: SlaPolicy(int(pair[0]), int(pair[1]))
               for priority, pair in (row.sla or {}).items()}
        return RequestType(
            row.id, row.name, row.internal, row.active, sla=sla,
            feedback_minutes=row.feedback_minutes or DEFAULT_FEEDBACK_MINUTES,
            fields=tuple(row.fields or ()), assistant_ids=tuple(row.assistant_ids or ()),
        )

    async def save(self, rtype: RequestType) -> None:
        await self.s.execute(
            update(RequestTypeRow).where(RequestTypeRow.id == rtype.id).values(
                name=rtype.name, internal=rtype.internal, active=rtype.active,
                sla={p: [v.claim_minutes, v.resolve_minutes] for p, v in rtype.sla.items()},
                feedback_minutes=rtype.feedback_minutes, fields=list(rtype.fields),
                assistant_ids=list(rtype.assistant_ids),
            ))

    async def get(self, type_id: int) -> RequestType | None:
        row = await self.s.get(RequestTypeRow, type_id)
        return self._type(row) if row else None

    async def by_name(self, name: str) -> RequestType | None:
        row = await self.s.scalar(
            select(RequestTypeRow).where(func.lower(RequestTypeRow.name) == name.strip().lower())
        )
        return self._type(row) if row else None

    async def add(self, name: str, internal: bool = False) -> RequestType:
        row = RequestTypeRow(name=name, internal=internal, active=True)
        self.s.add(row)
        await self.s.flush()
        return self._type(row)

    async def list(self, include_internal: bool = True) -> list[RequestType]:
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
        """Requests with their children: five queries however many rows (no N+1)."""
        if not rows:
            return []
        ids = [row.id for row in rows]
        assignees = {r.assignee_id for r in rows if r.assignee_id}
        names: dict[int, str] = {}
        if assignees:
            names = {pid: name for pid, name in await self.s.execute(
                select(PersonRow.id, PersonRow.name).where(PersonRow.id.in_(assignees)))}
        entries: dict[int, list[TimeEntry]] = defaultdict(list)
        for e in await self.s.scalars(select(TimeEntryRow).where(
                TimeEntryRow.request_id.in_(ids)).order_by(TimeEntryRow.id)):
            entries[e.request_id].append(TimeEntry(e.minutes, e.author_id, e.at, e.kind))
        comments: dict[int, list[Comment]] = defaultdict(list)
        for c in await self.s.scalars(select(CommentRow).where(
                CommentRow.request_id.in_(ids)).order_by(CommentRow.id)):
            comments[c.request_id].append(Comment(c.author_id, c.body, c.at, c.internal))
        events: dict[int, list[Event]] = defaultdict(list)
        for ev in await self.s.scalars(select(EventRow).where(
                EventRow.request_id.in_(ids)).order_by(EventRow.id)):
            events[ev.request_id].append(Event(
                ev.action, ev.actor_id, ev.at, ev.channel,
                Status(ev.from_status) if ev.from_status else None, Status(ev.to_status),
                ev.details or {}))
        ratings = {r.request_id: Rating(r.stars, r.assistant_id, r.at, r.comment)
                   for r in await self.s.scalars(
                       select(RatingRow).where(RatingRow.request_id.in_(ids)))}
        return [self._request(row, names.get(row.assignee_id or 0), entries[row.id],
                              comments[row.id], events[row.id], ratings.get(row.id))
                for row in rows]

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
            rating=rating,
            time_entries=entries,
            comments=comments,
            events=events,
        )

    async def get(self, request_id: int) -> Request | None:
        return await self._load(await self.s.get(RequestRow, request_id))

    async def by_reference(self, reference: str) -> Request | None:
        row = await self.s.scalar(
            select(RequestRow).where(RequestRow.reference == reference.strip().upper()))
        return await self._load(row)

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
        rows = (await self.s.execute(query, params)).all()
        return await self._load_many(rows)

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

    async def list_for_staff(self, person: Person, limit: int = 20) -> list[Request]:
        held = (RequestRow.assignee_id == person.id) & RequestRow.status.in_(
            [Status.IN_PROGRESS.value, Status.WAITING.value, Status.RESOLVED.value])
        open_ = (RequestRow.status == Status.OPEN.value)
        if person.role is not Role.SUPERVISOR:
            open_ = open_ & or_(RequestRow.target_id.is_(None), RequestRow.target_id == person.id)
        # Routing (a type's assistants) is decided in core.permissions: over-fetch, filter.
        found = await self._many(
            select(*REQUEST_COLUMNS).where(or_(held, open_)).order_by(RequestRow.id.desc())
            .limit(limit * 3))
        return [r for r in found if can_work_on(person, r)][:limit]
