"""Errors the domain raises. Every one carries a translatable message for the user."""

from __future__ import annotations

from typing import Any

from core.i18n import Text


class DomainError(Exception):
    """Base class: an action could not be done; nothing was changed."""

    def __init__(self, msgid: str, code: str | None = None, **params: Any) -> None:
        super().__init__(msgid)
        self.text = Text(msgid, params)
        self.code = code


class Refused(DomainError):
    """The person may not do this action on this request in its current state."""


class Invalid(DomainError):
    """The input of an action is not acceptable (empty note, bad time, unknown type...)."""


class NotFound(DomainError):
    """The request, person or type does not exist or is not visible to the person."""


class ConcurrentChange(Exception):
    """Someone else changed the request since it was read (compare-and-set failed)."""
