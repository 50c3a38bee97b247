"""Link-page and portal form POSTs on the durable inbox (``docs/inbox.md``).

A POST that acts (a pressed button, a typed answer, a comment, a file) is stored as an inbox
event of the channel ``web`` (conversation = the person) before anything else, then applied
from there — inline, so the page still shows its result. Its key comes from a nonce the page
put in every form (``nonce``) and what was posted, so the same form posted again (a
double click, the browser's "resend", a retried connection) is the same event: applied once,
and the repeated POST is shown the result of the first. A form without a nonce (a page
rendered before the upgrade) gets a random key: stored and applied, not deduplicated.

Pure translation here: the storing itself is passed in (``Receive``, ``Outcome``).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import re
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from core.attachment_ports import FileTooLarge
from core.messages import Attachment, Inbound, Reply

CHANNEL = "web"
NONCE = re.compile(r"[A-Za-z0-9_-]{8,64}")
WAIT_SECONDS = 5.0  # how long a POST waits for its event when someone else is applying it

# (event id, person id, payload) -> stored now (False: stored before); raises: not stored
Receive = Callable[[str, int, dict[str, Any]], Awaitable[bool]]
# event id -> (status, replies) of the stored event, None when it was never stored
Outcome = Callable[[str], Awaitable[tuple[str, list[Reply]] | None]]


def new_nonce() -> str:
    """A fresh nonce for the forms of one rendered page."""
    return os.urandom(12).hex()


def event_key(prefix: str, secret_part: str, nonce: object,
              fields: Iterable[tuple[str, str]]) -> str:
    """The event id of a posted form: ``prefix`` + a hash of what identifies the page it came
    from (the link token, the session id and path), its nonce and the posted fields; random
    when the form carries no valid nonce."""
    if not isinstance(nonce, str) or not NONCE.fullmatch(nonce):
        return f"{prefix}:r:{os.urandom(16).hex()}"
    digest = hashlib.sha256()
    for part in (secret_part, nonce, *(f"{k}={v}" for k, v in fields)):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return f"{prefix}:{digest.hexdigest()}"


def to_payload(inbound: Inbound, file_data: bytes | None = None) -> dict[str, Any]:
    """What is stored for a web event (JSON): who, and what they pressed, typed or sent."""
    payload: dict[str, Any] = {"person_id": inbound.person_id, "language": inbound.language,
                               "payload": inbound.payload, "text": inbound.text}
    if inbound.attachments and file_data is not None:
        file = inbound.attachments[0]
        payload["file"] = {"name": file.name, "mime": file.mime,
                           "data": base64.b64encode(file_data).decode("ascii")}
    return payload


def from_payload(payload: dict[str, Any]) -> Inbound | None:
    """The message a stored web event stands for (None: not one of ours)."""
    person_id = payload.get("person_id")
    if not isinstance(person_id, int):
        return None
    attachments: tuple[Attachment, ...] = ()
    file = payload.get("file")
    if isinstance(file, dict):
        data = base64.b64decode(str(file.get("data", "")))
        attachments = (upload(str(file.get("name") or "file"),
                              str(file.get("mime") or ""), data),)
    language = payload.get("language")
    text = payload.get("text")
    button = payload.get("payload")
    return Inbound(CHANNEL, str(person_id), text=text if isinstance(text, str) else None,
                   payload=button if isinstance(button, str) else None,
                   person_id=person_id, attachments=attachments,
                   language=language if isinstance(language, str) else None)


def upload(name: str, mime: str, data: bytes) -> Attachment:
    """A file posted in a form, as an attachment."""

    async def fetch(max_bytes: int) -> bytes:
        if len(data) > max_bytes:
            raise FileTooLarge(len(data))
        return data

    return Attachment(name[:255], mime or "application/octet-stream", len(data), fetch)


async def settled(outcome: Outcome, event_id: str,
                  wait: float = WAIT_SECONDS) -> tuple[str, list[Reply]] | None:
    """The event's outcome once it is no longer pending (another request may be applying
    it); None when it was never stored; ("pending", []) when it still is after ``wait``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    delay = 0.02
    while True:
        found = await outcome(event_id)
        if found is None or found[0] != "pending" or loop.time() >= deadline:
            return found
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.25)
