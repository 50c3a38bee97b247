"""Comments and internal notes on a request (buttons and /note).

Handlers take the ``Turn`` and return the replies for the sender; ``conversations.flows``
registers them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conversations.views import REFERENCE_PREFIX
from core import services
from core.actions import Action
from core.errors import NotFound
from core.i18n import N_, _
from core.messages import Reply
from core.permissions import check_internal_note

if TYPE_CHECKING:
    from conversations.engine import Turn




async def on_comment(turn: Turn, action: Action) -> list[Reply]:
    e, internal = turn.engine, action.arg == "i"
    rid = await services.merged_target(e.uow_factory, action.request_id)  # merged: the target
    req = await services.check_allowed(e.uow_factory, actor_id=turn.person.id,
                                       request_id=rid, act="comment")
    if internal:
        check_internal_note(turn.person)
    await turn.set_state("comment.body", request_id=req.id, internal=internal)
    if internal:
        return [Reply(_("Write the internal note on {ref} (the person who asked will not see "
                        "it):", ref=req.reference))]
    return [Reply(_("Write your comment on {ref}:", ref=req.reference))]



async def on_comment_body(turn: Turn, text: str) -> list[Reply]:
    data = turn.state.data
    return await _add_comment(turn, int(data["request_id"]), text, bool(data.get("internal")))



async def _add_comment(turn: Turn, request_id: int, text: str, internal: bool) -> list[Reply]:
    e = turn.engine
    req = await services.comment(e.uow_factory, e.clock, actor_id=turn.person.id,
                                 request_id=request_id, body=text, channel=turn.channel,
                                 internal=internal)
    await turn.set_state(None)
    if internal:
        return [Reply(_("Internal note added to {ref}.", ref=req.reference))]
    return [Reply(_("Comment added to {ref}.", ref=req.reference))]



async def note_command(turn: Turn, arg: str) -> list[Reply]:
    """``/note HD-2026-000042 text``: an internal note without the buttons."""
    check_internal_note(turn.person)
    reference, _sep, text = arg.strip().partition(" ")
    if not reference.upper().startswith(REFERENCE_PREFIX) or not text.strip():
        return [Reply(_("Write it like this: /note HD-2026-000042 your note"))]
    async with turn.engine.uow_factory() as uow:
        req = await uow.requests.by_reference(reference)
    if req is None:
        raise NotFound(N_("There is no request {ref}."), ref=reference[:40])
    return await _add_comment(turn, req.id or 0, text, internal=True)

