"""Staff work on a request: claim, release, finish (time and note), correct time, triage.

Handlers take the ``Turn`` and return the replies for the sender; ``conversations.flows``
registers them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conversations import workflow
from conversations.views import (
    button,
    work_buttons,
)
from core import services, sla
from core.actions import Action
from core.durations import format_duration, parse_duration
from core.i18n import _
from core.messages import Reply

if TYPE_CHECKING:
    from conversations.engine import Turn


from conversations import lists


async def on_claim(turn: Turn, action: Action) -> list[Reply]:
    e = turn.engine
    req = await services.claim(e.uow_factory, e.clock, actor_id=turn.person.id,
                               request_id=action.request_id, channel=turn.channel)
    return [Reply(
        _("You claimed {ref}. Contact the person who placed it; press Finish when done.",
          ref=req.reference),
        work_buttons(e.codec, req.id or 0), edit=True,
    )]



async def on_release(turn: Turn, action: Action) -> list[Reply]:
    e = turn.engine
    req = await services.release(e.uow_factory, e.clock, actor_id=turn.person.id,
                                 request_id=action.request_id, channel=turn.channel)
    return [Reply(_("You released {ref}; it is back in the queue.", ref=req.reference), edit=True)]



async def on_finish(turn: Turn, action: Action) -> list[Reply]:
    e = turn.engine
    req = await services.check_allowed(e.uow_factory, actor_id=turn.person.id,
                                       request_id=action.request_id, act="finish")
    await turn.set_state("finish.time", request_id=req.id)
    text = _("How much time did you spend on {ref}? For example 1h30, 90m, 1:30 or 45.",
             ref=req.reference)
    if req.minutes_logged:
        text += "\n" + _("Already logged: {time}; this adds to it.",
                         time=format_duration(req.minutes_logged))
    return [Reply(text)]



async def on_finish_time(turn: Turn, text: str) -> list[Reply]:
    minutes = parse_duration(text)
    await turn.set_state("finish.note", **turn.state.data, minutes=minutes)
    return [Reply(_("{time} noted. Now a short resolution note for the person who asked:",
                    time=format_duration(minutes)))]



async def on_finish_note(turn: Turn, text: str) -> list[Reply]:
    e, data = turn.engine, turn.state.data
    method = workflow.check_method(data.get("method"))
    req = await services.finish(e.uow_factory, e.clock, actor_id=turn.person.id,
                                request_id=int(data["request_id"]), minutes=int(data["minutes"]),
                                note=text, channel=turn.channel, method=method)
    await turn.set_state(None)
    return [Reply(_("{ref} is resolved with {time} logged; the person who asked will confirm it.",
                    ref=req.reference, time=format_duration(req.minutes_logged)))]



async def on_correct(turn: Turn, action: Action) -> list[Reply]:
    e = turn.engine
    req = await services.check_allowed(e.uow_factory, actor_id=turn.person.id,
                                       request_id=action.request_id, act="correct_time")
    await turn.set_state("correct.time", request_id=req.id)
    return [Reply(_("Logged on {ref}: {time}. What should the total be?", ref=req.reference,
                    time=format_duration(req.minutes_logged)))]



async def on_correct_time(turn: Turn, text: str) -> list[Reply]:
    e = turn.engine
    minutes = parse_duration(text)
    req = await services.correct_time(e.uow_factory, e.clock, actor_id=turn.person.id,
                                      request_id=int(turn.state.data["request_id"]),
                                      total_minutes=minutes, channel=turn.channel)
    await turn.set_state(None)
    return [Reply(_("{ref}: the time is now {time}; the person who asked will confirm it again.",
                    ref=req.reference, time=format_duration(req.minutes_logged)))]



async def triage(turn: Turn, action: Action) -> list[Reply]:
    e, rid = turn.engine, action.request_id
    if not action.arg:
        req = await services.check_allowed(e.uow_factory, actor_id=turn.person.id,
                                           request_id=rid, act="priority")
        return [Reply(_("How urgent is {ref}? Now: {priority}.", ref=req.reference,
                        priority=sla.priority_label(req.priority)), tuple(
            button(e.codec, sla.priority_label(p), "prio", rid, p) for p in sla.PRIORITIES))]
    await services.set_priority(e.uow_factory, e.clock, actor_id=turn.person.id,
                                request_id=rid, priority=action.arg, channel=turn.channel)
    return await lists.card(turn, rid)

