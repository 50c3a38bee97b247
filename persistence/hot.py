"""The webhook's hottest statements on the asyncpg connection itself (issue 14).

Each webhook update runs three statements of its own on PostgreSQL: the inbox's insert
(which also identifies the sender), the engine's list ("My requests", "Which request is
this about?") and the inbox's "processed" mark. Through SQLAlchemy's async layer one
statement costs ≈ 120 µs of CPU here against ≈ 30 µs for asyncpg alone (cache-key
generation, an execution context, the greenlet bridge, result wrapping:
docs/performance.md). A ``HotStatement`` keeps what SQLAlchemy would do — the SQL it
compiles for the dialect, its bind processors (JSON, UTC datetimes) and result processors —
computed once, and runs it with asyncpg **on the session's own connection, inside its
transaction** (begun the way SQLAlchemy's adapter begins it, under its mutex), so commit,
rollback and the pool behave exactly as before. On any other driver (SQLite) it is an
ordinary ``execute``.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Executable

Processor = Callable[[Any], Any] | None
# Called with the SQL of every statement run on asyncpg directly: SQLAlchemy's
# ``before_cursor_execute`` does not see them (tests/perf/budget.py counts through both).
STATEMENT_OBSERVERS: list[Callable[[str], None]] = []


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # the parameters in $1, $2, … order
    defaults: tuple[Any, ...]  # their values in the statement (``.values(status=DONE)``)
    binds: tuple[Processor, ...]
    results: tuple[Processor, ...]
    row: type[tuple[Any, ...]]

    def args(self, params: dict[str, Any]) -> list[Any]:
        values = (params.get(n, d) for n, d in zip(self.names, self.defaults, strict=True))
        return [value if proc is None or value is None else proc(value)
                for value, proc in zip(values, self.binds, strict=True)]

    def make(self, record: Sequence[Any]) -> tuple[Any, ...]:
        return self.row(*(value if proc is None or value is None else proc(value)
                          for value, proc in zip(record, self.results, strict=True)))


class HotStatement:
    """A Core statement built once, run on asyncpg directly (see the module doc)."""

    def __init__(self, statement: Executable, name: str) -> None:
        self.statement = statement
        self.name = name
        self._compiled: _Compiled | None = None

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled: Any = cast(Any, self.statement).compile(dialect=dialect)
        names = tuple(compiled.positiontup or ())
        processors = compiled._bind_processors
        columns = compiled._result_columns
        results = tuple(c.type._cached_result_processor(dialect, None) for c in columns)
        row = namedtuple(self.name, [c.keyname for c in columns], rename=True)  # type: ignore[misc]
        binds = compiled.binds
        defaults = tuple(binds[n].effective_value if n in binds else None for n in names)
        self._compiled = _Compiled(str(compiled), names, defaults,
                                   tuple(processors.get(n) for n in names), results, row)
        return self._compiled

    async def rows(self, connection: AsyncConnection, params: dict[str, Any]) -> list[Any]:
        """Every row (attributes named as SQLAlchemy's rows), values processed alike."""
        driver = await _driver(connection)
        if driver is None:
            return list((await connection.execute(self.statement, params)).all())
        compiled, records = await self._on_driver(connection, driver, params, "fetch")
        return [compiled.make(r) for r in records]

    async def count(self, connection: AsyncConnection, params: dict[str, Any]) -> int:
        """Run an INSERT / UPDATE / DELETE without result rows; the rows it touched."""
        driver = await _driver(connection)
        if driver is None:
            result: Any = await connection.execute(self.statement, params)
            return int(result.rowcount)
        _compiled, status = await self._on_driver(connection, driver, params, "execute")
        return int(status.rsplit(" ", 1)[-1])  # "UPDATE 1"

    async def _on_driver(self, connection: AsyncConnection, driver: Any,
                         params: dict[str, Any], method: str) -> tuple[_Compiled, Any]:
        """asyncpg's ``fetch`` or ``execute`` inside SQLAlchemy's transaction, under its
        mutex, seen by the statement observers."""
        compiled = self._compiled or self._compile(connection.dialect)
        adapted, raw = driver
        for observe in STATEMENT_OBSERVERS:
            observe(compiled.sql)
        async with adapted._execute_mutex:
            await _begin(adapted)
            result = await getattr(raw, method)(compiled.sql, *compiled.args(params))
        return compiled, result


async def _driver(connection: AsyncConnection) -> tuple[Any, Any] | None:
    """(SQLAlchemy's asyncpg adapter, the asyncpg connection), or None elsewhere."""
    if connection.dialect.driver != "asyncpg":
        return None
    fairy = await connection.get_raw_connection()
    adapted = fairy.dbapi_connection
    if not hasattr(adapted, "_execute_mutex") or not hasattr(adapted, "_start_transaction"):
        return None  # a SQLAlchemy whose adapter differs: stay on the ordinary path
    return adapted, fairy.driver_connection


async def _begin(adapted: Any) -> None:
    """Begin the transaction as SQLAlchemy's adapter does before its first statement (it
    commits or rolls it back later as usual); nothing in autocommit."""
    if adapted._transaction is None:
        await adapted._start_transaction()
