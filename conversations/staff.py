"""Staff actions beyond claim → finish (issue 16): reopening a resolved request.

Handlers take the ``Turn`` and return the replies for the sender; ``conversations.flows``
registers them. The rules are in ``core`` (``Request.staff_reopen``, ``core.permissions``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core import services
from core.actions import Action
from core.i18n import _
from core.kinds import Act
from core.messages import Reply
from core.model import MAX_NOTE

if TYPE_CHECKING:
    from conversations.engine import Turn


async def on_staff_reopen(turn: Turn, action: Action) -> list[Reply]:
    """``Reopen`` on a resolved request's card: ask the reason (the initiator is told)."""
    e = turn.engine
    req = await services.check_allowed(e.uow_factory, actor_id=turn.person.id,
                                       request_id=action.request_id, act=Act.STAFF_REOPEN)
    await turn.set_state("sreopen.reason", request_id=req.id)
    return [Reply(_("Why is {ref} reopened? The person who placed it will read this.",
                    ref=req.reference))]


async def on_staff_reopen_reason(turn: Turn, text: str) -> list[Reply]:
    if not text.strip():
        return [Reply(_("Please say why it is reopened."))]
    if len(text) > MAX_NOTE:
        return [Reply(_("That is too long ({length} characters); please keep it under {limit}.",
                        length=len(text), limit=MAX_NOTE))]
    e = turn.engine
    req = await services.staff_reopen(e.uow_factory, e.clock, actor_id=turn.person.id,
                                      request_id=int(turn.state.data["request_id"]),
                                      reason=text, channel=turn.channel)
    await turn.set_state(None)
    return [Reply(_("{ref} is in progress again; the person who placed it is told.",
                    ref=req.reference))]
