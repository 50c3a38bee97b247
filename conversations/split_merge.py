"""Split a request and merge a duplicate into another (issue 16, seed 003).

Handlers take the ``Turn`` and return the replies for the sender; ``conversations.flows``
registers them. The rules are in ``core`` (``Request.merge_into``, ``core.permissions``,
``core.services.merge``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conversations.views import REFERENCE_PREFIX, button, stale
from core import services
from core.actions import Action
from core.i18n import _
from core.kinds import Act
from core.messages import Reply
from core.model import MAX_DESCRIPTION, MAX_SUBJECT

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


# -- split --------------------------------------------------------------------------------


async def on_split(turn: Turn, action: Action) -> list[Reply]:
    """``Split`` on the card: a new request for a part of the problem; its subject first."""
    e = turn.engine
    req = await services.check_allowed(e.uow_factory, actor_id=turn.person.id,
                                       request_id=action.request_id, act=Act.SPLIT)
    await turn.set_state("split.subject", request_id=req.id)
    return [Reply(_("A new request from a part of {ref}. Its subject (at most {limit} "
                    "characters)?", ref=req.reference, limit=MAX_SUBJECT))]


async def on_split_subject(turn: Turn, text: str) -> list[Reply]:
    if not text.strip():
        return [Reply(_("Please write a short subject."))]
    if len(text) > MAX_SUBJECT or "\n" in text.strip():
        return [Reply(_("A subject is one line of at most {limit} characters.",
                        limit=MAX_SUBJECT))]
    await turn.set_state("split.describe", **turn.state.data, subject=" ".join(text.split()))
    return [Reply(_("Describe that part of the problem."))]


async def on_split_description(turn: Turn, text: str) -> list[Reply]:
    if not text.strip():
        return [Reply(_("Please describe the problem in a few words."))]
    if len(text) > MAX_DESCRIPTION:
        return [Reply(_("That is too long ({length} characters); please keep it under {limit}.",
                        length=len(text), limit=MAX_DESCRIPTION))]
    e = turn.engine
    async with e.uow_factory() as uow:
        types = await uow.types.list(include_internal=True)
    rid = int(turn.state.data["request_id"])
    await turn.set_state("split.type", **turn.state.data, description=text)
    return [Reply(_("Which type is the new request?"),
                  tuple(button(e.codec, t.name, "splittype", rid, str(t.id)) for t in types))]


async def on_split_type(turn: Turn, action: Action) -> list[Reply]:
    data = turn.state.data
    if turn.state.state != "split.type" or data.get("request_id") != action.request_id \
            or not action.arg.isdigit():
        return [stale()]
    e = turn.engine
    source, new = await services.split(
        e.uow_factory, e.clock, actor_id=turn.person.id, request_id=action.request_id,
        type_id=int(action.arg), subject=str(data["subject"]),
        description=str(data["description"]), channel=turn.channel)
    await turn.set_state(None)
    return [Reply(_("{new} is split off {ref}; both histories name the other.",
                    new=new.reference, ref=source.reference),
                  (button(e.codec, new.reference, "view", new.id or 0),
                   button(e.codec, source.reference, "view", source.id or 0)), edit=True)]
