"""Counting what an update costs: SQL statements (a SQLAlchemy event listener) and Redis
commands (every command the client sends, scripts included)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event

from bots.bootstrap import App
from persistence.hot import STATEMENT_OBSERVERS


@dataclass
class Counts:
    statements: list[str] = field(default_factory=list)
    redis: list[str] = field(default_factory=list)

    @property
    def sql(self) -> int:
        return len(self.statements)

    def __str__(self) -> str:
        return "\n".join(["SQL:", *self.statements, "Redis:", *self.redis])


@contextmanager
def counting(app: App) -> Iterator[Counts]:
    """Count the statements sent to ``app``'s database and the commands sent to its Redis."""
    counts = Counts()
    engine = app.engine.sync_engine

    def seen(statement: str) -> None:
        counts.statements.append(" ".join(statement.split())[:160])

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen(statement)

    redis = app.dialogs.redis
    original = redis.execute_command

    async def execute_command(*args: Any, **options: Any) -> Any:
        counts.redis.append(str(args[0]))
        return await original(*args, **options)

    event.listen(engine, "before_cursor_execute", before)
    STATEMENT_OBSERVERS.append(seen)  # the webhook's statements run on asyncpg directly
    redis.execute_command = execute_command  # type: ignore[method-assign]
    try:
        yield counts
    finally:
        STATEMENT_OBSERVERS.remove(seen)
        event.remove(engine, "before_cursor_execute", before)
        redis.execute_command = original  # type: ignore[method-assign]
