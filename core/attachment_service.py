"""Use case: a file sent on a request (a photo, a document, MMS media).

An attachment behaves like a public comment: whoever may comment on the request may attach
a file, and the other side (initiator ↔ assignee) is notified with the file itself where
their channel can carry files (a signed link on SMS). Order of work:

1. permission check (nothing is downloaded for a request the sender may not touch);
2. size check: refused before downloading when the platform announced the size, else the
   download stops as soon as it passes the limit — a refused file leaves nothing behind;
3. the content goes to the ``FileStore``, its metadata to the ``AttachmentIndex``;
4. the request records an ``attach`` event and the notifications go to the outbox, in one
   transaction (compare-and-set on the version). If that fails the stored file and its
   metadata are removed again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.attachment_ports import (
    AttachmentIndex,
    FileStore,
    FileTooLarge,
    StoredAttachment,
    format_size,
)
from core.clock import Clock
from core.errors import ConcurrentChange, Invalid
from core.i18n import N_
from core.messages import Attachment
from core.model import Request
from core.notifications import Notification
from core.ports import UnitOfWorkFactory
from core.services import check_allowed, load_person, load_visible, merged_target

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
MAX_NAME = 200
CAS_ATTEMPTS = 5


@dataclass(frozen=True)
class AttachmentConfig:
    """What the attachment use case needs: the stores and the size limit (bytes)."""

    files: FileStore
    index: AttachmentIndex
    max_bytes: int = DEFAULT_MAX_BYTES


def too_large(name: str, size: int | None, max_bytes: int) -> Invalid:
    limit = format_size(max_bytes)
    if size is None:
        return Invalid(N_("The file {name} is larger than {limit}, the most I accept. Nothing "
                          "was stored."), name=name, limit=limit)
    return Invalid(N_("The file {name} is too large ({size}); the limit is {limit}. Nothing "
                      "was stored."), name=name, size=format_size(size), limit=limit)


def clean_name(name: str, mime: str) -> str:
    """A file name safe to show and to send on: no path, no control characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable()).strip()[:MAX_NAME]
    return name or ("photo.jpg" if mime == "image/jpeg" else "file")


async def download(attachment: Attachment, max_bytes: int) -> bytes:
    """The attachment's content, refused (``Invalid``) beyond ``max_bytes``."""
    if attachment.size is not None and attachment.size > max_bytes:
        raise too_large(attachment.name, attachment.size, max_bytes)
    if attachment.fetch is None:
        raise Invalid(N_("I could not get the file {name}; please send it again."),
                      name=attachment.name)
    try:
        data = await attachment.fetch(max_bytes)
    except FileTooLarge as exc:
        raise too_large(attachment.name, None, max_bytes) from exc
    except Exception as exc:
        log.warning("downloading %s failed: %r", attachment.name, exc)
        raise Invalid(N_("I could not get the file {name}; please send it again."),
                      name=attachment.name) from exc
    if len(data) > max_bytes:
        raise too_large(attachment.name, len(data), max_bytes)
    return data


async def attach(
    uow_factory: UnitOfWorkFactory, clock: Clock, config: AttachmentConfig, *, actor_id: int,
    request_id: int, attachment: Attachment, caption: str = "", channel: str | None = None,
) -> tuple[Request, StoredAttachment]:
    """Store ``attachment`` on the request and notify the other side (see module doc).

    Raises ``Refused``/``NotFound`` when the actor may not comment on the request, and
    ``Invalid`` when the file is too large or cannot be downloaded; nothing is stored then.
    """
    request_id = await merged_target(uow_factory, request_id)  # a merged one: its target
    await check_allowed(uow_factory, actor_id=actor_id, request_id=request_id, act="comment")
    name = clean_name(attachment.name, attachment.mime)
    data = await download(Attachment(name, attachment.mime, attachment.size, attachment.fetch),
                          config.max_bytes)
    key = await config.files.put(data)
    stored = await config.index.add(
        request_id=request_id, uploader_id=actor_id, name=name, mime=attachment.mime,
        size=len(data), key=key, at=clock.now())
    try:
        req = await _record(uow_factory, clock, stored, caption.strip(), channel)
    except BaseException:
        await config.index.remove(stored.id)
        await _forget_file(config, key)
        raise
    return req, stored


async def purge_before(config: AttachmentConfig, cutoff: datetime) -> int:
    """Retention: delete the files of requests closed or cancelled before ``cutoff`` (the
    requests, their history and the files' names stay). Returns how many were deleted."""
    purged = 0
    for stored in await config.index.of_requests_final_before(cutoff):
        await config.index.remove(stored.id)
        await _forget_file(config, stored.key)
        purged += 1
    if purged:
        log.info("retention: deleted %s stored files of requests final before %s",
                 purged, cutoff.isoformat())
    return purged


async def forget(config: AttachmentConfig, key: str) -> None:
    """Delete a stored file that no attachment uses (one kept for a question declined)."""
    await _forget_file(config, key)


async def _forget_file(config: AttachmentConfig, key: str) -> None:
    """Delete the stored file unless another attachment has the same content (keys are
    content hashes, so identical files share one)."""
    try:
        if await config.index.uses(key) == 0:
            await config.files.delete(key)
    except Exception:  # noqa: BLE001 - a leftover file is harmless
        log.warning("could not delete the stored file %s", key)


async def _record(uow_factory: UnitOfWorkFactory, clock: Clock, stored: StoredAttachment,
                  caption: str, channel: str | None) -> Request:
    for _attempt in range(CAS_ATTEMPTS):
        async with uow_factory() as uow:
            actor = await load_person(uow, stored.uploader_id)
            req = await load_visible(uow, actor, stored.request_id)
            req.attach(actor, stored.name, stored.size, clock.now(), channel)
            rtype = await uow.types.get(req.type_id)
            data: dict[str, Any] = {
                "ref": req.reference, "type": rtype.name if rtype else "?",
                "author": actor.name, "name": stored.name, "mime": stored.mime,
                "size": stored.size, "key": stored.key, "attachment_id": stored.id,
                "caption": caption[:500],
            }
            recipients = {req.initiator_id, req.assignee_id} - {actor.id}
            for person_id in sorted(r for r in recipients if r is not None):
                await uow.outbox.add(Notification(person_id, "attachment", req.id or 0, data))
            try:
                await uow.requests.save(req)
            except ConcurrentChange:
                continue
            await uow.commit()
            return req
    raise ConcurrentChange(f"request {stored.request_id} kept changing")


async def list_for(config: AttachmentConfig, request_id: int) -> list[StoredAttachment]:
    """The request's attachments, oldest first (the caller has checked it may see them)."""
    return await config.index.for_request(request_id)


def as_outgoing(stored: StoredAttachment) -> Attachment:
    """A stored attachment as channels send it."""
    return Attachment(stored.name, stored.mime, stored.size, key=stored.key, id=stored.id)
