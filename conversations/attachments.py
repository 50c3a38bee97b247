"""Files people send (photos, documents, MMS media): which request they belong to, and how
they are listed and forwarded.

Which request a file is for, in this order:

1. the request of the dialog in progress — after pressing **Comment** (the file is the
   comment, and the dialog ends) or while finishing / disputing / correcting a request;
2. a reference in the caption (``HD-2026-000042``, the rest of the caption goes along);
3. the sender's only live request (an initiator's one open request, an assistant's one
   request in progress).

Otherwise nothing is stored and the person is told how to say which request it is for.
Otherwise an initiator's files follow the free-text rule (``conversations.free_text``: which
request? / a new request?). During the intake wizard the files are kept and attached once the
request is placed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conversations import free_text
from conversations.views import REFERENCE_PREFIX, button
from core import attachment_service
from core.attachment_ports import format_size
from core.attachment_service import AttachmentConfig
from core.errors import NotFound
from core.i18n import N_, _
from core.kinds import Status
from core.messages import Reply
from core.model import Request

if TYPE_CHECKING:
    from conversations.engine import Turn

INTAKE_STATES = ("intake.type", "intake.assignee", "intake.describe", "intake.summary")


async def on_files(turn: Turn, caption: str) -> list[Reply]:
    """Store every file of the message on the request in context (see module doc)."""
    e = turn.engine
    config: AttachmentConfig | None = e.attachments
    if config is None:
        return [Reply(_("Files are not accepted here; please describe it in words."))]
    if turn.state.state in INTAKE_STATES:
        return await _keep_for_intake(turn, caption)
    if turn.state.state in free_text.PENDING_STATES:
        return await free_text.more(turn, caption)
    request_id, caption = await _request_in_context(turn, caption)
    if request_id is None and not turn.is_staff:
        await turn.set_state(None)
        return await free_text.initiator_files(turn, caption)
    if request_id is None:
        return [Reply(
            _("Which request is this file for? Send it again with the reference as its "
              "caption (for example HD-2026-000042), or open the request and press Comment "
              "first."),
            (button(e.codec, _("My requests"), "my"),))]
    if turn.state.state == "comment.body":
        await turn.set_state(None)
    replies: list[Reply] = []
    for index, attachment in enumerate(turn.inbound.attachments):
        req, stored = await attachment_service.attach(
            e.uow_factory, e.clock, config, actor_id=turn.person.id, request_id=request_id,
            attachment=attachment, caption=caption if index == 0 else "",
            channel=turn.channel)
        replies.append(Reply(_("{name} ({size}) is attached to {ref}.", name=stored.name,
                               size=format_size(stored.size), ref=req.reference)))
    return replies


async def _keep_for_intake(turn: Turn, caption: str) -> list[Reply]:
    """Files sent during the intake: kept and attached once the request is placed (a
    caption typed while the description is asked is the description)."""
    data = dict(turn.state.data)
    files = free_text.pending_files(data) + await free_text.keep_files(turn)
    data["files"] = files
    state = turn.state.state or ""
    if caption and state == "intake.describe":
        await turn.set_state(state, **data)
        from conversations.intake import on_description

        return await on_description(turn, caption)
    if caption:
        data["description"] = "\n".join(filter(None, (str(data.get("description") or ""),
                                                      caption)))
    await turn.set_state(state, **data)
    return [Reply(_("I will attach {name} when the request is placed.",
                    name=", ".join(str(f[0]) for f in files)))]


async def _request_in_context(turn: Turn, caption: str) -> tuple[int | None, str]:
    """The request id the file is for (or None), and what is left of the caption."""
    data = turn.state.data
    if turn.state.state and isinstance(data.get("request_id"), int):
        return int(data["request_id"]), caption
    first, _sep, rest = caption.strip().partition(" ")
    e = turn.engine
    if first.upper().startswith(REFERENCE_PREFIX):
        async with e.uow_factory() as uow:
            req = await uow.requests.by_reference(first)
        if req is None:
            raise NotFound(N_("There is no request {ref}."), ref=first[:40])
        return req.id, rest.strip()
    live = await _live_requests(turn)
    if len(live) == 1:
        return live[0].id, caption
    return None, caption


async def _live_requests(turn: Turn) -> list[Request]:
    e, me = turn.engine, turn.person
    async with e.uow_factory() as uow:
        if me.role.is_staff:
            reqs = await uow.requests.list_for_staff(me, limit=50)
            return [r for r in reqs if r.assignee_id == me.id and r.status is Status.IN_PROGRESS]
        reqs = await uow.requests.list_for_initiator(me.id, limit=50)
        return [r for r in reqs if not r.status.is_final]


async def card_lines(turn: Turn, request_id: int) -> list[str]:
    """The card's "Files:" lines (name and size of each attachment), if there are any."""
    config: AttachmentConfig | None = turn.engine.attachments
    if config is None:
        return []
    stored = await attachment_service.list_for(config, request_id)
    if not stored:
        return []
    return [_("Files:")] + [f"📎 {s.name} ({format_size(s.size)})" for s in stored]
