"""Dialogs of the workflow (SPEC §3): wait / resume, resolve with a method, rating, the
initiator's answer to a question and reopening inside the feedback window.

Handlers take the ``Turn`` like those in ``conversations.flows`` (which registers them);
every change goes through ``core.services``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conversations.views import (
    button,
    more_work_buttons,
    resolution_label,
    stale,
    waiting_buttons,
)
from core import services
from core.actions import Action
from core.durations import format_duration
from core.errors import Invalid
from core.i18n import N_, _, format_datetime
from core.kinds import Resolution, WaitReason
from core.messages import Reply
from core.model import MAX_NOTE, Request
from core.timers import parse_until

if TYPE_CHECKING:
    from conversations.engine import Turn

AUTOCLOSE_CHOICES = (3, 7, 14)
REQUEUE_CHOICES = (3, 7)  # "return to the queue after N days" (1–30 in core.model)
REASON_ARGS = {"c": WaitReason.CUSTOMER, "t": WaitReason.THIRD_PARTY, "u": WaitReason.UNTIL}
METHOD_ARGS = {"n": Resolution.NO_CUSTOMER_RESPONSE, "r": Resolution.REJECTED,
               "s": Resolution.SPAM}


def _timezone(turn: Turn) -> str:
    return turn.person.timezone or turn.engine.default_timezone


async def _initiator_name(turn: Turn, person_id: int) -> str:
    async with turn.engine.uow_factory() as uow:
        person = await uow.people.get(person_id)
    return person.name if person else "?"


# -- wait / resume -------------------------------------------------------------------------


async def on_wait(turn: Turn, action: Action) -> list[Reply]:
    e = turn.engine
    req = await services.check_allowed(e.uow_factory, actor_id=turn.person.id,
                                       request_id=action.request_id, act="wait")
    rid = req.id or 0
    return [Reply(_("What is {ref} waiting for?", ref=req.reference), (
        button(e.codec, _("A question for the customer"), "waitr", rid, "c"),
        button(e.codec, _("A third party"), "waitr", rid, "t"),
        button(e.codec, _("Until a date and time"), "waitr", rid, "u"),
    ))]


async def on_wait_reason(turn: Turn, action: Action) -> list[Reply]:
    e = turn.engine
    reason = REASON_ARGS.get(action.arg)
    if reason is None:
        return [stale()]
    req = await services.check_allowed(e.uow_factory, actor_id=turn.person.id,
                                       request_id=action.request_id, act="wait")
    if reason is WaitReason.THIRD_PARTY:
        req = await services.wait(e.uow_factory, e.clock, actor_id=turn.person.id,
                                  request_id=req.id or 0, reason=reason, channel=turn.channel)
        return [Reply(_("{ref} is waiting for a third party; the SLA clock is paused. Press "
                        "Resume when you can go on.", ref=req.reference),
                      waiting_buttons(e.codec, req.id or 0), edit=True)]
    if reason is WaitReason.CUSTOMER:
        await turn.set_state("wait.question", request_id=req.id)
        name = await _initiator_name(turn, req.initiator_id)
        return [Reply(_("Write your question for {name}:", name=name), edit=True)]
    await turn.set_state("wait.until", request_id=req.id)
    return [Reply(_("Until when? For example 16:30, tomorrow 9:00, 2026-12-01 10:00, 4h or 3d "
                    "(time zone {zone}).", zone=_timezone(turn)), edit=True)]


async def on_wait_question(turn: Turn, text: str) -> list[Reply]:
    e = turn.engine
    if not text:
        return [Reply(_("Please write the question for the customer."))]
    if len(text) > MAX_NOTE:
        return [Reply(_("That is too long ({length} characters); please keep it under {limit}.",
                        length=len(text), limit=MAX_NOTE))]
    rid = int(turn.state.data["request_id"])
    await turn.set_state("wait.autoclose", request_id=rid, question=text)
    buttons = tuple(button(e.codec, _("Close after {n} days", n=n), "waitac", rid, str(n))
                    for n in AUTOCLOSE_CHOICES)
    buttons += tuple(button(e.codec, _("Back to the queue after {n} days", n=n), "waitac", rid,
                            f"q{n}") for n in REQUEUE_CHOICES)
    return [Reply(_("Close it automatically if there is no answer?"),
                  buttons + (button(e.codec, _("Keep it open"), "waitac", rid, "0"),))]


async def on_wait_autoclose(turn: Turn, action: Action) -> list[Reply]:
    e, data = turn.engine, turn.state.data
    requeue = action.arg.startswith("q")
    arg = action.arg[1:] if requeue else action.arg
    if turn.state.state != "wait.autoclose" or data.get("request_id") != action.request_id \
            or not arg.isdigit() or len(arg) > 3:
        return [stale()]
    days = int(arg) or None
    req = await services.wait(e.uow_factory, e.clock, actor_id=turn.person.id,
                              request_id=action.request_id, reason=WaitReason.CUSTOMER,
                              question=str(data.get("question", "")),
                              autoclose_days=None if requeue else days,
                              requeue_days=days if requeue else None, channel=turn.channel)
    await turn.set_state(None)
    name = await _initiator_name(turn, req.initiator_id)
    text = _("Your question was sent to {name}; {ref} waits for the answer and the SLA clock "
             "is paused.", name=name, ref=req.reference)
    if days and requeue:
        text += "\n" + _("Without an answer it goes back to the queue after {n} days.", n=days)
    elif days:
        text += "\n" + _("Without an answer it closes by itself after {n} days.", n=days)
    return [Reply(text, waiting_buttons(e.codec, req.id or 0), edit=True)]


async def on_wait_until(turn: Turn, text: str) -> list[Reply]:
    e = turn.engine
    until = parse_until(text, e.clock.now(), _timezone(turn))
    if until is None:
        return [Reply(_("I couldn't read that time. For example 16:30, tomorrow 9:00, "
                        "2026-12-01 10:00, 4h or 3d."))]
    req = await services.wait(e.uow_factory, e.clock, actor_id=turn.person.id,
                              request_id=int(turn.state.data["request_id"]),
                              reason=WaitReason.UNTIL, until=until, channel=turn.channel)
    await turn.set_state(None)
    return [Reply(_("{ref} is on hold until {date}; it comes back to you by itself then.",
                    ref=req.reference, date=format_datetime(until, _timezone(turn))),
                  waiting_buttons(e.codec, req.id or 0))]


async def on_resume(turn: Turn, action: Action) -> list[Reply]:
    e = turn.engine
    req = await services.resume(e.uow_factory, e.clock, actor_id=turn.person.id,
                                request_id=action.request_id, channel=turn.channel)
    return [Reply(_("{ref} is in progress again.", ref=req.reference),
                  more_work_buttons(e.codec, req.id or 0), edit=True)]


# -- resolve with a method -------------------------------------------------------------------


async def on_resolve_as(turn: Turn, action: Action) -> list[Reply]:
    e = turn.engine
    req = await services.check_allowed(e.uow_factory, actor_id=turn.person.id,
                                       request_id=action.request_id, act="finish")
    rid = req.id or 0
    return [Reply(_("How was {ref} resolved? (Finish resolves it as solved.)",
                    ref=req.reference),
                  tuple(button(e.codec, resolution_label(m), "method", rid, arg)
                        for arg, m in METHOD_ARGS.items()))]


async def on_method(turn: Turn, action: Action) -> list[Reply]:
    e = turn.engine
    method = METHOD_ARGS.get(action.arg)
    if method is None:
        return [stale()]
    if method is Resolution.SPAM:
        req = await services.finish(e.uow_factory, e.clock, actor_id=turn.person.id,
                                    request_id=action.request_id, minutes=0, note="",
                                    method=method, channel=turn.channel)
        await turn.set_state(None)
        return [Reply(_("{ref} was closed as spam; nobody is asked to confirm.",
                        ref=req.reference), edit=True)]
    req = await services.check_allowed(e.uow_factory, actor_id=turn.person.id,
                                       request_id=action.request_id, act="finish")
    await turn.set_state("finish.time", request_id=req.id, method=method.value)
    text = _("Resolving {ref} as “{method}”. How much time did you spend? For example 1h30, "
             "90m, 1:30 or 45.", ref=req.reference, method=resolution_label(method))
    if req.minutes_logged:
        text += "\n" + _("Already logged: {time}; this adds to it.",
                         time=format_duration(req.minutes_logged))
    return [Reply(text, edit=True)]


# -- rating ----------------------------------------------------------------------------------


async def on_rate(turn: Turn, action: Action) -> list[Reply]:
    e = turn.engine
    if not action.arg.isdigit():
        return [stale()]
    req = await services.rate(e.uow_factory, e.clock, actor_id=turn.person.id,
                              request_id=action.request_id, stars=int(action.arg),
                              channel=turn.channel)
    await turn.set_state("rate.comment", request_id=req.id, stars=int(action.arg))
    return [Reply(_("Thank you! You rated {ref} {stars}/5. Would you like to add a message? "
                    "Write it, or press Skip.", ref=req.reference, stars=int(action.arg)),
                  (button(e.codec, _("Skip"), "rateskip", req.id or 0),), edit=True)]


async def on_rate_comment(turn: Turn, text: str) -> list[Reply]:
    e, data = turn.engine, turn.state.data
    if not text:
        return [Reply(_("Write your message, or press Skip."))]
    if len(text) > MAX_NOTE:
        return [Reply(_("That is too long ({length} characters); please keep it under {limit}.",
                        length=len(text), limit=MAX_NOTE))]
    await services.rate(e.uow_factory, e.clock, actor_id=turn.person.id,
                        request_id=int(data["request_id"]), stars=int(data["stars"]),
                        comment=text, channel=turn.channel)
    await turn.set_state(None)
    return [Reply(_("Thank you for your feedback!"))]


async def on_rate_skip(turn: Turn, action: Action) -> list[Reply]:
    await turn.set_state(None)
    return [Reply(_("Thank you for your feedback!"), edit=True)]


# -- the initiator's free text: an answer, or reopen? --------------------------------------------


async def ask_reopen(turn: Turn, req: Request, text: str) -> list[Reply]:
    """Inside the feedback window a message from the initiator asks "reopen it?" (the text is
    kept in the dialog state; ``conversations.free_text`` decides when to ask)."""
    e, rid = turn.engine, req.id or 0
    await turn.set_state("reopen.ask", request_id=rid, text=text)
    return [Reply(_("{ref} was resolved. Reopen it with your message?", ref=req.reference),
                  (button(e.codec, _("Yes, reopen it"), "reopen", rid, "y"),
                   button(e.codec, _("No, just add it as a comment"), "reopen", rid, "n"),
                   button(e.codec, _("New request"), "new")))]


async def on_reopen(turn: Turn, action: Action) -> list[Reply]:
    e, data = turn.engine, turn.state.data
    if turn.state.state != "reopen.ask" or data.get("request_id") != action.request_id:
        return [stale()]
    text = str(data.get("text", ""))
    await turn.set_state(None)
    if action.arg == "y":
        req = await services.reopen(e.uow_factory, e.clock, actor_id=turn.person.id,
                                    request_id=action.request_id, message=text,
                                    channel=turn.channel)
        return [Reply(_("{ref} is reopened; {name} will look at it again.", ref=req.reference,
                        name=req.assignee_name or "?"), edit=True)]
    req = await services.comment(e.uow_factory, e.clock, actor_id=turn.person.id,
                                 request_id=action.request_id, body=text, channel=turn.channel)
    return [Reply(_("Comment added to {ref}.", ref=req.reference), edit=True)]


def check_method(value: object) -> Resolution:
    """The resolution method kept in a dialog's state (Finish: solved)."""
    try:
        return Resolution(str(value or Resolution.SOLVED.value))
    except ValueError:
        raise Invalid(N_("This button is no longer valid.")) from None


TEXT_STEPS = {
    "wait.question": on_wait_question,
    "wait.until": on_wait_until,
    "rate.comment": on_rate_comment,
}

BUTTONS = {
    "wait": on_wait,
    "waitr": on_wait_reason,
    "waitac": on_wait_autoclose,
    "resume": on_resume,
    "resolveas": on_resolve_as,
    "method": on_method,
    "rate": on_rate,
    "rateskip": on_rate_skip,
    "reopen": on_reopen,
}
