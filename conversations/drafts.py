"""Staff's drafts (issue 16, seed 003): ``Save draft`` on the intake summary, ``/drafts``
to continue (then Place on the summary) or delete. Stored in the database, never notify.

Handlers take the ``Turn`` and return the replies for the sender; ``conversations.flows``
registers them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conversations import intake
from conversations.views import button, stale
from core.actions import Action
from core.i18n import _
from core.messages import Reply

if TYPE_CHECKING:
    from conversations.engine import Turn

DRAFT_KEY = "draft_id"  # in the dialog data while a draft is being continued


async def on_save_draft(turn: Turn, action: Action) -> list[Reply]:
    data = dict(turn.state.data)
    if turn.state.state != "intake.summary" or "description" not in data or not turn.is_staff:
        return [stale()]
    draft_id = data.pop(DRAFT_KEY, None)
    e = turn.engine
    async with e.uow_factory() as uow:
        await uow.drafts.save(turn.person.id, data, e.clock.now(),
                              int(draft_id) if draft_id else None)
        await uow.commit()
    await turn.set_state(None)
    return [Reply(_("Saved as a draft; nobody is told. Send /drafts to continue it."),
                  edit=True)]


async def drafts_command(turn: Turn) -> list[Reply]:
    """``/drafts``: the staff member's drafts, each with Continue and Delete."""
    await turn.set_state(None)
    if not turn.is_staff:
        return [Reply(_("Drafts are for staff."))]
    e = turn.engine
    async with e.uow_factory(read_only=True) as uow:
        drafts = await uow.drafts.list(turn.person.id)
    if not drafts:
        return [Reply(_("You have no drafts."))]
    lines = [_("Your drafts:")]
    buttons = []
    for number, draft in enumerate(drafts, start=1):
        subject = str(draft.data.get("subject") or draft.data.get("description") or "?")
        lines.append(f"{number}. {subject[:80]}")
        buttons += [button(e.codec, _("Continue {n}", n=number), "drcont", 0, str(draft.id)),
                    button(e.codec, _("Delete {n}", n=number), "drdel", 0, str(draft.id))]
    return [Reply("\n".join(lines), tuple(buttons))]


async def on_continue(turn: Turn, action: Action) -> list[Reply]:
    e = turn.engine
    if not action.arg.isdigit() or not turn.is_staff:
        return [stale()]
    async with e.uow_factory(read_only=True) as uow:
        draft = await uow.drafts.get(turn.person.id, int(action.arg))
    if draft is None:
        return [stale()]
    data = {**draft.data, DRAFT_KEY: draft.id}
    await turn.set_state("intake.summary", **data)
    return [await intake.summary(turn, data)]


async def on_delete(turn: Turn, action: Action) -> list[Reply]:
    e = turn.engine
    if not action.arg.isdigit() or not turn.is_staff:
        return [stale()]
    async with e.uow_factory() as uow:
        deleted = await uow.drafts.delete(turn.person.id, int(action.arg))
        await uow.commit()
    if not deleted:
        return [stale()]
    return [Reply(_("The draft is deleted."), edit=True)]
