"""Report figures by SQL aggregation (``core.report_ports.Reports``).

Each report is a handful of ``GROUP BY`` queries: no Python loop over time entries or
requests. The time report classifies every entry with a ``CASE`` against the request's
latest confirmation and dispute (see ``core.report_ports`` for the rules).
"""

from __future__ import annotations

import statistics
from datetime import datetime
from typing import Any

from sqlalchemy import Float, and_, case, cast, distinct, func, literal, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.report_ports import (
    GROUPINGS,
    Breach,
    FeedbackMessage,
    FeedbackReport,
    FeedbackRow,
    Period,
    Reports,
    SlaReport,
    SlaRow,
    Stats,
    TimeReport,
    TimeRow,
)
from persistence.tables import (
    ContractRow,
    EventRow,
    OrganizationRow,
    PersonRow,
    RatingRow,
    RequestRow,
    RequestTypeRow,
    TimeEntryRow,
)


class SqlReports(Reports):
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessionmaker

    async def time(self, period: Period, by: str) -> TimeReport:
        if by not in GROUPINGS:
            raise ValueError(by)
        te = TimeEntryRow
        in_period = and_(te.at >= period.start, te.at < period.end)
        touched = select(te.request_id).where(in_period).scalar_subquery()
        marks = (
            select(EventRow.request_id.label("rid"),
                   func.max(case((EventRow.action == "confirm", EventRow.at))).label("conf"),
                   func.max(case((EventRow.action == "dispute", EventRow.at))).label("disp"))
            .where(EventRow.action.in_(("confirm", "dispute")),
                   EventRow.request_id.in_(touched))
            .group_by(EventRow.request_id).subquery())
        confirmed = and_(marks.c.conf.is_not(None), marks.c.conf >= te.at)
        disputed = and_(not_(confirmed), marks.c.disp.is_not(None), marks.c.disp >= te.at)
        key = {"organization": RequestRow.organization_id, "assistant": te.author_id,
               "type": RequestRow.type_id, "initiator": RequestRow.initiator_id}[by]
        zero = literal(0)
        query = (
            select(key.label("key"),
                   func.sum(case((confirmed, te.minutes), else_=zero)).label("confirmed"),
                   func.sum(case((disputed, te.minutes), else_=zero)).label("disputed"),
                   func.sum(te.minutes).label("total"),
                   func.count(distinct(te.request_id)).label("requests"))
            .select_from(te)
            .join(RequestRow, RequestRow.id == te.request_id)
            .outerjoin(marks, marks.c.rid == te.request_id)
            .where(in_period).group_by(key))
        async with self._sessions() as s:
            sums = (await s.execute(query)).all()
            labels = await self._labels(s, by, [r.key for r in sums if r.key is not None])
            contracts: dict[int, Any] = {}
            if by == "organization":
                contracts = {c.organization_id: c for c in await s.scalars(select(ContractRow))}
                for oid in contracts:  # organizations with a contract and no hours show too
                    if oid not in {r.key for r in sums}:
                        labels.update(await self._labels(s, by, [oid]))
        rows: list[TimeRow] = []
        seen: set[int | None] = set()
        for r in sums:
            seen.add(r.key)
            label, inactive = labels.get(r.key, ("—", False))
            confirmed_m, disputed_m = int(r.confirmed or 0), int(r.disputed or 0)
            rows.append(TimeRow(
                r.key, label, confirmed_m, int(r.total or 0) - confirmed_m - disputed_m,
                disputed_m, int(r.requests), self._allowance(contracts, r.key, period),
                inactive))
        for oid in contracts:
            if oid not in seen and oid in labels:
                rows.append(TimeRow(oid, labels[oid][0], 0, 0, 0, 0,
                                    self._allowance(contracts, oid, period), labels[oid][1]))
        rows.sort(key=lambda row: (-row.confirmed, -row.total, row.label.casefold()))
        return TimeReport(period, by, rows)

    @staticmethod
    def _allowance(contracts: dict[int, Any], key: int | None, period: Period) -> int | None:
        contract = contracts.get(key or 0)
        if contract is None:
            return None
        return contract.monthly_minutes * period.months(contract.valid_from, contract.valid_to)

    @staticmethod
    async def _labels(s: AsyncSession, by: str,
                      keys: list[int]) -> dict[int | None, tuple[str, bool]]:
        if not keys:
            return {}
        if by == "organization":
            rows = await s.execute(select(OrganizationRow.id, OrganizationRow.name,
                                          OrganizationRow.active)
                                   .where(OrganizationRow.id.in_(keys)))
        elif by == "type":
            rows = await s.execute(select(RequestTypeRow.id, RequestTypeRow.name,
                                          RequestTypeRow.active)
                                   .where(RequestTypeRow.id.in_(keys)))
        else:
            rows = await s.execute(select(PersonRow.id, PersonRow.name, PersonRow.active)
                                   .where(PersonRow.id.in_(keys)))
        return {i: (name, not active) for i, name, active in rows}

    async def sla(self, period: Period) -> SlaReport:
        placed = and_(RequestRow.created_at >= period.start, RequestRow.created_at < period.end)
        breached_ids = (select(EventRow.request_id).where(EventRow.action == "sla_breach")
                        .distinct().subquery())
        query = (
            select(RequestTypeRow.name, RequestRow.priority,
                   func.count(RequestRow.id).label("n"),
                   func.count(breached_ids.c.request_id).label("breached"))
            .select_from(RequestRow)
            .join(RequestTypeRow, RequestTypeRow.id == RequestRow.type_id)
            .outerjoin(breached_ids, breached_ids.c.request_id == RequestRow.id)
            .where(placed).group_by(RequestTypeRow.name, RequestRow.priority)
            .order_by(RequestTypeRow.name, RequestRow.priority))
        listing = (
            select(RequestRow.reference, RequestTypeRow.name, RequestRow.priority,
                   EventRow.details, EventRow.at, PersonRow.name.label("assignee"))
            .select_from(EventRow)
            .join(RequestRow, RequestRow.id == EventRow.request_id)
            .join(RequestTypeRow, RequestTypeRow.id == RequestRow.type_id)
            .outerjoin(PersonRow, PersonRow.id == RequestRow.assignee_id)
            .where(EventRow.action == "sla_breach", EventRow.at >= period.start,
                   EventRow.at < period.end)
            .order_by(EventRow.at).limit(1000))
        async with self._sessions() as s:
            rows = [SlaRow(name, priority, int(n), int(b))
                    for name, priority, n, b in (await s.execute(query)).all()]
            breaches = [Breach(ref or "", name, priority, str((details or {}).get("clock", "?")),
                               at, assignee)
                        for ref, name, priority, details, at, assignee
                        in (await s.execute(listing)).all()]
        return SlaReport(period, rows, breaches)

    async def feedback(self, period: Period) -> FeedbackReport:
        window = and_(RatingRow.at >= period.start, RatingRow.at < period.end)
        query = (
            select(PersonRow.name, func.count(RatingRow.request_id),
                   func.avg(cast(RatingRow.stars, Float)))
            .select_from(RatingRow).join(PersonRow, PersonRow.id == RatingRow.assistant_id)
            .where(window).group_by(PersonRow.name).order_by(PersonRow.name))
        messages = (
            select(PersonRow.name, RequestRow.reference, RatingRow.stars, RatingRow.comment,
                   RatingRow.at)
            .select_from(RatingRow).join(PersonRow, PersonRow.id == RatingRow.assistant_id)
            .join(RequestRow, RequestRow.id == RatingRow.request_id)
            .where(window, RatingRow.comment.is_not(None), RatingRow.comment != "")
            .order_by(PersonRow.name, RatingRow.at).limit(1000))
        async with self._sessions() as s:
            rows = [FeedbackRow(name, int(n), round(float(avg or 0), 2))
                    for name, n, avg in (await s.execute(query)).all()]
            said = [FeedbackMessage(name, ref or "", int(stars), comment or "", at)
                    for name, ref, stars, comment, at in (await s.execute(messages)).all()]
        return FeedbackReport(period, rows, said)

    async def stats(self, since: datetime) -> Stats:
        recent = EventRow.at >= since
        counts = (
            select(EventRow.action, func.count())
            .where(recent, EventRow.action.in_(
                ("place", "claim", "finish", "confirm", "sla_breach")))
            .group_by(EventRow.action))
        # Times to claim and to resolve of what was claimed / resolved in the window: the
        # request's creation to its event (the median itself is taken below, portably).
        first_claim = (
            select(EventRow.at, RequestRow.created_at)
            .join(RequestRow, RequestRow.id == EventRow.request_id)
            .where(recent, or_(EventRow.action == "claim", and_(
                EventRow.action == "reassign", EventRow.from_status == "open"))))
        resolved = (
            select(EventRow.at, RequestRow.created_at)
            .join(RequestRow, RequestRow.id == EventRow.request_id)
            .where(recent, EventRow.action == "finish"))
        rating = select(func.avg(cast(RatingRow.stars, Float))).where(RatingRow.at >= since)
        async with self._sessions() as s:
            found = dict((await s.execute(counts)).all())
            claim_times = [_minutes(a, b) for a, b in (await s.execute(first_claim)).all()]
            resolve_times = [_minutes(a, b) for a, b in (await s.execute(resolved)).all()]
            average = await s.scalar(rating)
        return Stats(
            placed=int(found.get("place", 0)), claimed=int(found.get("claim", 0)),
            resolved=int(found.get("finish", 0)), confirmed=int(found.get("confirm", 0)),
            breached=int(found.get("sla_breach", 0)),
            median_claim_minutes=_median(claim_times),
            median_resolve_minutes=_median(resolve_times),
            average_rating=round(float(average), 2) if average is not None else None)


def _minutes(at: datetime, since: datetime) -> int:
    return int((at - since).total_seconds() // 60)


def _median(values: list[int]) -> int | None:
    return int(statistics.median(values)) if values else None


__all__ = ["SqlReports"]
