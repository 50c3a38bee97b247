"""One statement per request load: the request row with its children folded into JSON
arrays by correlated subqueries (``json_agg`` on PostgreSQL, ``json_group_array`` on
SQLite). Loading requests used to cost six statements; it now costs one, however many
requests and children (issue 14)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, ColumnElement, Select, select, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from persistence.tables import (
    LINE_COLUMNS,
    CommentRow,
    EventRow,
    PersonRow,
    RatingRow,
    RequestRow,
    RequestTypeRow,
    TimeEntryRow,
)


class json_rows(FunctionElement[Any]):  # noqa: N801 (a SQL function)
    """``[[col, …], …]`` over the rows of a subquery (NULL when there are none)."""

    inherit_cache = True


class json_row(FunctionElement[Any]):  # noqa: N801
    """``[col, …]`` for one row."""

    inherit_cache = True


class json_value(FunctionElement[Any]):  # noqa: N801
    """A JSON column embedded as JSON (SQLite keeps JSON as text)."""

    inherit_cache = True


@compiles(json_rows)
def _rows_sqlite(element: json_rows, compiler: Any, **kw: Any) -> str:
    return f"json_group_array(json_array({compiler.process(element.clauses, **kw)}))"


@compiles(json_rows, "postgresql")
def _rows_pg(element: json_rows, compiler: Any, **kw: Any) -> str:
    return f"json_agg(json_build_array({compiler.process(element.clauses, **kw)}))"


@compiles(json_row)
def _row_sqlite(element: json_row, compiler: Any, **kw: Any) -> str:
    return f"json_array({compiler.process(element.clauses, **kw)})"


@compiles(json_row, "postgresql")
def _row_pg(element: json_row, compiler: Any, **kw: Any) -> str:
    return f"json_build_array({compiler.process(element.clauses, **kw)})"


@compiles(json_value)
def _value_sqlite(element: json_value, compiler: Any, **kw: Any) -> str:
    return f"json({compiler.process(element.clauses, **kw)})"


@compiles(json_value, "postgresql")
def _value_pg(element: json_value, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)  # type: ignore[no-any-return]


def _children(table: Any, *columns: Any) -> ColumnElement[Any]:
    return type_coerce(
        select(json_rows(*columns)).where(table.request_id == RequestRow.id)
        .correlate(RequestRow).scalar_subquery(), JSON)


REQUEST_COLUMNS = tuple(RequestRow.__table__.c)
CHILD_COLUMNS = (
    select(PersonRow.name).where(PersonRow.id == RequestRow.assignee_id)
    .correlate(RequestRow).scalar_subquery().label("assignee_name"),
    select(RequestTypeRow.name).where(RequestTypeRow.id == RequestRow.type_id)
    .correlate(RequestRow).scalar_subquery().label("type_name"),
    _children(TimeEntryRow, TimeEntryRow.id, TimeEntryRow.minutes, TimeEntryRow.author_id,
              TimeEntryRow.at, TimeEntryRow.kind).label("time_entries"),
    _children(CommentRow, CommentRow.id, CommentRow.author_id, CommentRow.body,
              CommentRow.at, CommentRow.internal).label("comments"),
    _children(EventRow, EventRow.id, EventRow.action, EventRow.actor_id, EventRow.at,
              EventRow.channel, EventRow.from_status, EventRow.to_status,
              json_value(EventRow.details)).label("events"),
    type_coerce(
        select(json_row(RatingRow.stars, RatingRow.assistant_id, RatingRow.at,
                        RatingRow.comment))
        .where(RatingRow.request_id == RequestRow.id).correlate(RequestRow)
        .scalar_subquery(), JSON).label("rating"),
)


def request_lines() -> Select[Any]:
    """``SELECT`` of request lines (id, ``persistence.tables.LINE_COLUMNS``, the assignee's
    and type's names); add ``where``/``order_by``/``limit``."""
    return select(RequestRow.id, *(RequestRow.__table__.c[name] for name in LINE_COLUMNS),
                  *CHILD_COLUMNS[:2])


def full_requests() -> Select[Any]:
    """``SELECT`` of requests with every child; add ``where``/``order_by``/``limit``."""
    return select(*REQUEST_COLUMNS, *CHILD_COLUMNS)


def when(value: str | None) -> datetime | None:
    """A timestamp as JSON carries it (ISO 8601, naive on SQLite: UTC)."""
    if value is None:
        return None
    at = datetime.fromisoformat(value)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def rows_of(value: list[list[Any]] | None) -> list[list[Any]]:
    """Child rows in id order (the first element of each is its id)."""
    return sorted(value or [], key=lambda r: r[0])
