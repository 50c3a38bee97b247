"""The initiator's side of a request: cancel, ask for release, confirm, dispute.

Handlers take the ``Turn`` and return the replies for the sender; ``conversations.flows``
registers them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conversations.views import (
    button,
    rating_buttons,
)
from core import services
from core.actions import Action
from core.durations import format_duration
from core.errors import Refused
from core.i18n import _
from core.messages import Reply

if TYPE_CHECKING:
    from conversations.engine import Turn




async def on_cancel(turn: Turn, action: Action) -> list[Reply]:
    e = turn.engine
    try:
        req = await services.cancel(e.uow_factory, e.clock, actor_id=turn.person.id,
                                    request_id=action.request_id, channel=turn.channel)
    except Refused as exc:
        if exc.code != "claimed":
            raise
        name = exc.text.params.get("name", "?")
        message = _("{ref} is already claimed by {name}, so it can't be cancelled now.",
                    **exc.text.params)
        return [Reply(message,
                      (button(e.codec, _("Ask {name} to release it", name=name), "askrel",
                              action.request_id),),
                      toast=message)]
    return [Reply(_("{ref} is cancelled.", ref=req.reference), edit=True)]



async def on_ask_release(turn: Turn, action: Action) -> list[Reply]:
    e = turn.engine
    req = await services.ask_release(e.uow_factory, e.clock, actor_id=turn.person.id,
                                     request_id=action.request_id, channel=turn.channel)
    return [Reply(_("I asked {name} to release {ref}. You can cancel it once it is back in the "
                    "queue.", name=req.assignee_name or "?", ref=req.reference), edit=True)]



async def on_confirm(turn: Turn, action: Action) -> list[Reply]:
    e = turn.engine
    seen = int(action.arg) if action.arg.isdigit() else None
    req = await services.confirm(e.uow_factory, e.clock, actor_id=turn.person.id,
                                 request_id=action.request_id, seen_minutes=seen,
                                 channel=turn.channel)
    # The message that carried Confirm / Dispute now asks for the rating (SPEC: rate, 001);
    # the closed request's card keeps offering it until it is given.
    text = _("Thank you! {ref} is confirmed with {time} and closed.", ref=req.reference,
             time=format_duration(req.minutes_logged))
    # Link pages (web) are single-use: the rating is left to the closed request's card there.
    if turn.channel != "web" and req.awaits_rating:
        text += "\n" + _("How would you rate the help? 1 = poor, 5 = excellent.")
        return [Reply(text, rating_buttons(e.codec, req.id or 0), edit=True)]
    return [Reply(text, edit=True)]



async def on_dispute(turn: Turn, action: Action) -> list[Reply]:
    e = turn.engine
    req = await services.check_allowed(e.uow_factory, actor_id=turn.person.id,
                                       request_id=action.request_id, act="dispute")
    await turn.set_state("dispute.reason", request_id=req.id)
    return [Reply(_("What is wrong with {ref}? Your message goes to {name}.", ref=req.reference,
                    name=req.assignee_name or "?"))]



async def on_dispute_reason(turn: Turn, text: str) -> list[Reply]:
    e = turn.engine
    req = await services.dispute(e.uow_factory, e.clock, actor_id=turn.person.id,
                                 request_id=int(turn.state.data["request_id"]), reason=text,
                                 channel=turn.channel)
    await turn.set_state(None)
    return [Reply(_("Sent to {name}. {ref} is back in progress.", name=req.assignee_name or "?",
                    ref=req.reference))]

