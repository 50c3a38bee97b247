"""Signed, expiring, short link tokens for the link pages (``/l/<token>``), with itsdangerous.

A token binds a person, a request and what the link is for (``claim``: 24 h; ``confirm``,
which also allows Dispute: 7 days). It looks like ``c1f-2a.Z2xkYQ.q0Hn2ZkQ7sVw`` — about 30
characters, so a link fits in an SMS next to the message. The signature is an HMAC-SHA256
with SECRET_KEY truncated to 72 bits: tokens are only ever checked online, by us.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from itsdangerous import BadSignature, Signer, TimestampSigner
from itsdangerous.signer import HMACAlgorithm

from core.clock import Clock

SIG_BYTES = 9
MAX_TOKEN = 80
KINDS: dict[str, tuple[str, timedelta]] = {
    "claim": ("c", timedelta(hours=24)),
    "confirm": ("k", timedelta(days=7)),
}
# Which button actions a link of each kind may press.
FAMILY: dict[str, frozenset[str]] = {
    "claim": frozenset({"claim"}),
    "confirm": frozenset({"confirm", "dispute"}),
}
# The kind of link that carries a button action (others get no link).
KIND_FOR_ACTION = {name: kind for kind, names in FAMILY.items() for name in names}
_BY_CODE = {code: kind for kind, (code, _ttl) in KINDS.items()}
_VALUE = re.compile(r"^([a-z])([0-9a-f]{1,8})-([0-9a-f]{1,8})$")


class LinkError(Exception):
    """The token cannot be used."""


class LinkInvalid(LinkError):
    """Not made by us, altered, or unreadable."""


class LinkExpired(LinkError):
    """Genuine, but older than its kind allows."""


@dataclass(frozen=True)
class Link:
    """What a valid token says."""

    token: str
    person_id: int
    request_id: int
    kind: str
    issued_at: datetime

    @property
    def actions(self) -> frozenset[str]:
        return FAMILY[self.kind]


class _ShortHMAC(HMACAlgorithm):
    def get_signature(self, key: bytes, value: bytes) -> bytes:
        return super().get_signature(key, value)[:SIG_BYTES]


class _ClockSigner(TimestampSigner):
    """itsdangerous' timestamp signer reading the injected clock (tests travel in time)."""

    def __init__(self, secret: str, clock: Clock, salt: str) -> None:
        super().__init__(secret, salt=salt, sep=".", algorithm=_ShortHMAC(hashlib.sha256))
        self._clock = clock

    def get_timestamp(self) -> int:
        return int(self._clock.now().timestamp())


class DatedTokens:
    """Signed, dated tokens and the hidden tokens of the forms on the pages they open.

    ``salt`` and ``form_salt`` keep each kind of token apart (neither opens the other's
    page); they are part of every token already sent, so they never change.
    """

    def __init__(self, secret: str, clock: Clock, salt: str, form_salt: str) -> None:
        self._clock = clock
        self._links = _ClockSigner(secret, clock, salt)
        self._forms = Signer(secret, salt=form_salt, sep=".",
                             algorithm=_ShortHMAC(hashlib.sha256))

    def sign_value(self, value: str) -> str:
        return self._links.sign(value).decode()

    def read_value(self, token: str, max_age: timedelta | None = None) -> tuple[str, datetime]:
        """The signed value and when it was issued; raises ``LinkInvalid`` (forged, altered,
        too long, issued in the future) or ``LinkExpired`` (older than ``max_age``)."""
        if not token or len(token) > MAX_TOKEN:
            raise LinkInvalid("bad length")
        try:
            raw, issued = self._links.unsign(token, return_timestamp=True)
        except BadSignature as exc:
            raise LinkInvalid(str(exc)) from None
        issued = issued.astimezone(UTC)
        age = self._clock.now() - issued
        if max_age is not None and age > max_age:
            raise LinkExpired(f"issued {issued.isoformat()}")
        if age < -timedelta(minutes=5):
            raise LinkInvalid("issued in the future")
        return raw.decode("ascii", "replace"), issued

    def form_token(self, token: str, what: str) -> str:
        """The hidden token of a form on the page of ``token`` (a button payload, a choice
        or "text")."""
        return self._forms.get_signature(f"{token}|{what}").decode()

    def check_form(self, token: str, what: str, given: str) -> bool:
        # As bytes: compare_digest refuses str with non-ASCII characters (TypeError).
        return hmac.compare_digest(self.form_token(token, what).encode(),
                                   (given or "").encode("utf-8", "surrogatepass"))


class LinkSigner(DatedTokens):
    """Makes and reads link tokens, and the per-form tokens of the pages they open."""

    def __init__(self, secret: str, clock: Clock) -> None:
        super().__init__(secret, clock, "helpdesk.link", "helpdesk.form")

    def make(self, person_id: int, request_id: int, kind: str) -> str:
        """A token for ``person_id`` to do ``kind`` on ``request_id``."""
        code = KINDS[kind][0]
        return self.sign_value(f"{code}{person_id:x}-{request_id:x}")

    def read(self, token: str) -> Link:
        """The link a token stands for; raises ``LinkInvalid`` or ``LinkExpired``."""
        raw, issued = self.read_value(token)
        match = _VALUE.match(raw)
        if not match or match.group(1) not in _BY_CODE:
            raise LinkInvalid("unknown link")
        kind = _BY_CODE[match.group(1)]
        if self._clock.now() - issued > KINDS[kind][1]:
            raise LinkExpired(f"issued {issued.isoformat()}")
        return Link(token, int(match.group(2), 16), int(match.group(3), 16), kind, issued)


def same_origin(origin: str | None, public_base_url: str | None, served_at: str) -> bool:
    """Whether a POST's ``Origin`` header is this site's (forms posted from elsewhere are
    refused). No header (older browsers, mail programs) passes; ``null`` does not. The
    site is ``public_base_url`` when set, else ``served_at`` (scheme://host of the request)."""
    if not origin or origin == "null":
        return origin is None
    if public_base_url:
        base = urlsplit(public_base_url)
        served_at = f"{base.scheme}://{base.netloc}"
    return origin.rstrip("/") == served_at
