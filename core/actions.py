"""Button payloads: one typed, signed, compact format for every channel (≤ 64 bytes).

``name:request:version:arg:signature`` — the signature is a truncated HMAC-SHA256 with the
project's secret key, so a payload changed by a client is recognised and refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

MAX_PAYLOAD = 64  # Telegram's callback_data limit, in bytes
_SIG_BYTES = 6


class BadPayload(ValueError):
    """The payload was not made by us, or was altered."""


@dataclass(frozen=True)
class Action:
    """What a button does: an action name, the request it is about and one small argument."""

    name: str
    request_id: int = 0
    version: int = 0
    arg: str = ""


class ActionCodec:
    """Packs and unpacks ``Action`` with a secret key."""

    def __init__(self, secret: str | bytes) -> None:
        self._key = secret.encode() if isinstance(secret, str) else secret

    def _sign(self, body: str) -> str:
        digest = hmac.new(self._key, body.encode(), hashlib.sha256).digest()[:_SIG_BYTES]
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def pack(self, action: Action) -> str:
        for part in (action.name, action.arg):
            if ":" in part:
                raise ValueError(f"':' not allowed in action part {part!r}")
        body = f"{action.name}:{action.request_id:x}:{action.version:x}:{action.arg}"
        packed = f"{body}:{self._sign(body)}"
        if len(packed.encode()) > MAX_PAYLOAD:
            raise ValueError(f"action payload longer than {MAX_PAYLOAD} bytes: {packed!r}")
        return packed

    def unpack(self, payload: str) -> Action:
        try:
            body, sig = payload.rsplit(":", 1)
            name, req, ver, arg = body.split(":")
            # As bytes: compare_digest refuses str with non-ASCII characters (TypeError).
            if not hmac.compare_digest(sig.encode("utf-8", "surrogatepass"),
                                       self._sign(body).encode()):
                raise BadPayload("signature mismatch")
            return Action(name, int(req, 16), int(ver, 16), arg)
        except BadPayload:
            raise
        except (ValueError, AttributeError) as exc:
            raise BadPayload(str(exc)) from exc
