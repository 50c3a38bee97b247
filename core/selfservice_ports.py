"""Ports for self-service before a request (issue 18): scripts and the deflection log.

``ScriptStore`` keeps each request type's troubleshooting script (``core.scripts``) and the
path of answers attached to a request placed after one. ``DeflectionLog`` counts, per
source (``script`` now; the knowledge base may feed it too) and reference (a script's name,
an article…), how often self-service solved the problem (``helpful``) and how often it did
not. The SQL implementations live in ``persistence.selfservice``.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.scripts import Script


@dataclass(frozen=True)
class PathStep:
    """One answered question of a script run, with every language's text."""

    node: str
    question: dict[str, str]
    answer: dict[str, str]
    note: dict[str, str] | None = None

    def to_data(self) -> dict[str, Any]:
        return {"node": self.node, "question": self.question, "answer": self.answer,
                "note": self.note}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> PathStep:
        return cls(str(data.get("node") or ""), dict(data.get("question") or {}),
                   dict(data.get("answer") or {}), data.get("note") or None)


@dataclass(frozen=True)
class ScriptPath:
    """The answers given before a request was placed."""

    script: str
    languages: tuple[str, ...]
    steps: tuple[PathStep, ...]


class ScriptStore(abc.ABC):
    """Troubleshooting scripts per request type, and the paths attached to requests."""

    @abc.abstractmethod
    async def replace(self, type_id: int, script: Script, at: datetime) -> None:
        """Store ``script`` as the script of ``type_id`` (replacing the one it had)."""

    @abc.abstractmethod
    async def remove(self, type_id: int) -> bool:
        """Drop the script of ``type_id``; False when it had none."""

    @abc.abstractmethod
    async def for_type(self, type_id: int) -> Script | None:
        """The script of ``type_id`` (None: the type has none)."""

    @abc.abstractmethod
    async def list(self) -> list[tuple[int, str, int]]:
        """(type id, script name, number of nodes) of every stored script."""

    @abc.abstractmethod
    async def attach(self, request_id: int, path: ScriptPath) -> None:
        """Attach the path of answers to a placed request."""

    @abc.abstractmethod
    async def path(self, request_id: int) -> ScriptPath | None:
        """The path attached to a request (None: it was placed without a script)."""


@dataclass(frozen=True)
class DeflectionCount:
    """One line of the deflection report."""

    source: str
    ref: str
    request_type: str
    deflected: int
    not_helpful: int

    @property
    def rate(self) -> float:
        total = self.deflected + self.not_helpful
        return self.deflected / total if total else 0.0


class DeflectionLog(abc.ABC):
    """Self-service outcomes: solved without a request (``helpful``) or not."""

    @abc.abstractmethod
    async def record(self, source: str, ref: str, request_type: int | None,
                     person: int | None, helpful: bool, at: datetime) -> None:
        """Record one outcome of ``source`` (``script``, ``kb``…) for ``ref``."""

    @abc.abstractmethod
    async def counts(self, start: datetime | None = None,
                     end: datetime | None = None) -> list[DeflectionCount]:
        """Outcomes recorded in ``start`` ≤ at < ``end``, per source, ref and type,
        most deflections first."""
