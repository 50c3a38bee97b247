"""Merge a duplicate into another request (issue 16, seed 003 "Połączone").

Handlers take the ``Turn`` and return the replies for the sender; ``conversations.flows``
registers them. The rules are in ``core`` (``Request.merge_into``, ``core.permissions``,
``core.services.merge``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conversations.views import REFERENCE_PREFIX, button
from core import services
from core.actions import Action
from core.i18n import _
from core.kinds import Act
from core.messages import Reply

if TYPE_CHECKING:
    from conversations.engine import Turn


async def on_merge(turn: Turn, action: Action) -> list[Reply]:
    """``Merge into HD-…`` on the card: ask which request it duplicates."""
    e = turn.engine
    req = await services.check_allowed(e.uow_factory, actor_id=turn.person.id,
                                       request_id=action.request_id, act=Act.MERGE)
    await turn.set_state("merge.target", request_id=req.id)
    return [Reply(_("Which request does {ref} duplicate? Write its reference, like "
                    "HD-2026-000042.", ref=req.reference))]


async def on_merge_target(turn: Turn, text: str) -> list[Reply]:
    reference = text.strip().upper()
    if not reference.startswith(REFERENCE_PREFIX) or len(reference) > 40 \
            or " " in reference:
        return [Reply(_("Please write a reference like HD-2026-000042, or send /cancel."))]
    e = turn.engine
    req, target, (comments, files) = await services.merge(
        e.uow_factory, e.clock, actor_id=turn.person.id,
        request_id=int(turn.state.data["request_id"]), target_reference=reference,
        channel=turn.channel)
    await turn.set_state(None)
    return [Reply(_("{ref} is merged into {target}: {comments} comments and {files} files "
                    "moved; the person who placed it is told to follow {target}.",
                    ref=req.reference, target=target.reference, comments=comments,
                    files=files),
                  (button(e.codec, target.reference, "view", target.id or 0),))]
