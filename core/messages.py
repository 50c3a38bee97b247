"""Channel-neutral messages: what people send (``Inbound``) and what the bot answers (``Reply``).

Adapters translate platform updates into ``Inbound`` and ``Reply`` into platform calls;
nothing else about a platform leaks into the core.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

# Downloads an incoming file: called with the most bytes accepted, it returns the content
# or raises ``core.attachment_ports.FileTooLarge`` as soon as the file turns out larger.
Fetch = Callable[[int], Awaitable[bytes]]


@dataclass(frozen=True)
class Button:
    """A button: what it says and the packed ``Action`` it sends back when pressed."""

    label: str
    payload: str


@dataclass(frozen=True)
class Attachment:
    """A file in a message, channel-neutral.

    Incoming (``Inbound.attachments``): ``fetch`` downloads it from the platform and ``size``
    is what the platform announced (None when it says nothing). Outgoing
    (``Reply.attachments``): ``key`` names the stored file the channel sends.
    """

    name: str
    mime: str = "application/octet-stream"
    size: int | None = None  # bytes
    fetch: Fetch | None = field(default=None, compare=False, repr=False)
    key: str | None = None  # the stored file (``core.attachment_ports.FileStore``)
    id: int | None = None  # the stored attachment's id


@dataclass(frozen=True)
class Inbound:
    """Something a person sent on a channel: text, or a pressed button's payload."""

    channel: str
    address: str  # the person's account on that channel (chat id, user id, phone, name)
    text: str | None = None
    payload: str | None = None
    display_name: str | None = None
    language: str | None = None  # hint from the platform (Telegram language_code, ...)
    message_ref: str | None = None  # the platform message carrying the pressed button
    # Set only by adapters that identified the person themselves (a signed link page);
    # otherwise the person is found by (channel, address).
    person_id: int | None = None
    attachments: tuple[Attachment, ...] = ()  # photos and files sent with the message


@dataclass(frozen=True)
class Invitation:
    """A calendar invitation (an on-site visit, issue 18), for channels that carry calendar
    files (e-mail: an ``.ics`` part). ``method`` is ``REQUEST`` (new or updated: the same
    ``uid``, a higher ``sequence``) or ``CANCEL``; times are shown in ``timezone``."""

    uid: str
    sequence: int
    method: str
    start: datetime  # aware
    minutes: int
    timezone: str  # the reader's IANA zone
    summary: str
    description: str = ""


@dataclass(frozen=True)
class Reply:
    """What the bot says.

    ``edit`` asks the channel to replace the message carrying the button that was pressed
    (channels that cannot edit send a new message). ``toast`` is a short notice for
    channels that show one for a pressed button (Telegram's callback answer).
    """

    text: str
    buttons: tuple[Button, ...] = ()
    edit: bool = False
    toast: str | None = None
    attachments: tuple[Attachment, ...] = ()  # stored files to send along (forwarding)
    topic: str | None = None  # the request's subject, for channels with a subject line
    invitation: Invitation | None = None  # a calendar invitation (e-mail attaches it)


def numbered(reply: Reply) -> str:
    """The reply as plain text with buttons as numbered choices, for channels without buttons."""
    if not reply.buttons:
        return reply.text
    menu = "  ".join(f"[{i}] {b.label}" for i, b in enumerate(reply.buttons, start=1))
    return f"{reply.text}\n{menu}"


@dataclass(frozen=True)
class Outgoing:
    """A rendered notification ready for a channel sender."""

    reply: Reply
    edit_key: str | None = None
    edit_only: bool = False
    extra: dict[str, str] = field(default_factory=dict)
