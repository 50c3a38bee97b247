"""Linking a second chat account (SPEC §1): one-time 6-digit codes.

``/link`` on one channel gives a code valid ``CODE_TTL`` seconds; ``/link CODE`` on the other
joins the two accounts to one person. Codes are guessable in principle (a million of them),
so every wrong try counts against *every* code then outstanding and against the account
trying: after ``MAX_TRIES`` wrong tries a code is locked (it never works again) and the
account trying may not try again until the codes it could be guessing have expired.
"""

from __future__ import annotations

import abc
import enum
from dataclasses import dataclass

CODE_TTL = 10 * 60
MAX_TRIES = 5
CODE_DIGITS = 6


class LinkStatus(enum.StrEnum):
    OK = "ok"
    WRONG = "wrong"  # no such code (or it expired)
    LOCKED = "locked"  # the code was locked after MAX_TRIES wrong tries
    BLOCKED = "blocked"  # this account made MAX_TRIES wrong tries: it must wait


@dataclass(frozen=True)
class LinkResult:
    status: LinkStatus
    person_id: int | None = None  # whose code it is (OK)


class LinkCodes(abc.ABC):
    """Where the codes live (``persistence.link_codes``: Redis, with expiry)."""

    @abc.abstractmethod
    async def issue(self, person_id: int) -> str:
        """A fresh code for ``person_id`` (their earlier one stops working)."""

    @abc.abstractmethod
    async def redeem(self, code: str, trier: str) -> LinkResult:
        """Use ``code`` (typed by the account ``trier``): OK consumes it; a wrong one counts
        against every outstanding code and against ``trier``."""
