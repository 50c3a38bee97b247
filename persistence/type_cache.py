"""A per-process cache of the request types (issue 14: an intake step in ≤ 2 statements).

Types change rarely (``helpdesk admin``) and are read by almost every intake step. The
cache is valid while a version key in Redis is unchanged: every change of a type sets the
key to a new random value after its commit, and the conversation lock's script reads the key
in the round trip that takes the lock (``RedisDialogStore.locked``), so checking the cache
costs no extra command. A process that never takes a conversation lock (workers, the CLI)
never uses the cache; entries also expire after ``max_age`` seconds, in case a change could
not reach Redis.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from core.model import RequestType

VERSION_KEY = "version:types"  # under the dialog store's prefix (``hd:version:types``)


class TypeCache:
    """Every request type, as last loaded, with the version it was loaded under."""

    max_age = 60.0

    def __init__(self, bump: Callable[[], Awaitable[object]] | None = None) -> None:
        self.observed: str | None = None  # the version last read with a conversation lock
        self.bump = bump  # sets a new version (after a change was committed)
        self._types: list[RequestType] | None = None
        self._version: str | None = None
        self._loaded_at = 0.0
        # Data that changes with the types (a type's troubleshooting script), valid as long as
        # the cached types are: dropped whenever the types are loaded again.
        self.extras: dict[object, object] = {}

    def observe(self, version: str) -> None:
        self.observed = version

    @property
    def usable(self) -> bool:
        return self.observed is not None

    def current(self) -> list[RequestType] | None:
        """The cached types while they are still valid, else None (load them again)."""
        if self._types is None or self._version != self.observed \
                or time.monotonic() - self._loaded_at > self.max_age:
            return None
        return self._types

    def store(self, types: list[RequestType], version: str | None) -> None:
        self._types, self._version, self._loaded_at = types, version, time.monotonic()
        self.extras = {}

    def invalidate(self) -> None:
        self._types = None
        self.extras = {}
