"""Which database failures are the database's, not the event's (``docs/inbox.md``).

A failure of the database service — the connection lost or refused, the pool exhausted, a
lock not granted in time, a deadlock or serialization conflict that PostgreSQL resolved by
cancelling us, the server shutting down or out of resources — says nothing about the event
being processed: it is retried without counting against the event's retry budget.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

# SQLSTATE classes and codes of the service, not of the statement (PostgreSQL appendix A).
TRANSIENT_CLASSES = ("08", "53", "57", "58")  # connection, resources, intervention, system
TRANSIENT_CODES = frozenset({
    "40001",  # serialization_failure
    "40P01",  # deadlock_detected
    "55P03",  # lock_not_available (lock_timeout)
    "55006",  # object_in_use
})


def sqlstate_of(exc: BaseException) -> str | None:
    """The SQLSTATE of a PostgreSQL error (through SQLAlchemy's wrapper), if any."""
    seen: BaseException | None = exc
    for _ in range(4):
        if seen is None:
            return None
        code = getattr(seen, "sqlstate", None) or getattr(seen, "pgcode", None)
        if isinstance(code, str) and code:
            return code
        seen = getattr(seen, "orig", None) or seen.__cause__
    return None


def is_transient_database_error(exc: BaseException) -> bool:
    """True for a failure of the database service (see the module doc)."""
    if isinstance(exc, PoolTimeout | OperationalError | InterfaceError):
        return True  # SQLite "database is locked", pool exhausted, connection closed
    if type(getattr(exc, "orig", None)).__name__ == "InternalClientError":
        return True  # asyncpg: a connection left mid-operation by a terminated backend
    code = sqlstate_of(exc)
    if code is not None and (code in TRANSIENT_CODES or code[:2] in TRANSIENT_CLASSES):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)
