"""The dialog registry: commands, the text steps and button handlers by name.

The handlers live with their actor: ``intake`` (the wizard), ``lists`` (lists and cards),
``work`` (staff work on a request), ``confirm`` (the initiator's side), ``comments``, and
``workflow`` (waiting, resolve as…, rating, reopen). Every handler takes the ``Turn`` and
returns the replies for the sender. Anything that changes a request goes through
``core.services``; refusals raise and are answered by the engine in the sender's language.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from conversations import (
    comments,
    confirm,
    drafts,
    free_text,
    history,
    intake,
    kb,
    linking,
    lists,
    notices,
    scripts,
    split_merge,
    staff,
    supervisor,
    visits,
    work,
    workflow,
)
from conversations.views import REFERENCE_PREFIX, button, help_text
from core.actions import Action
from core.i18n import LANGUAGE_NAMES, _, normalise_language, use_language
from core.kinds import Role
from core.messages import Reply
from core.model import MAX_DESCRIPTION

if TYPE_CHECKING:
    from conversations.engine import Turn

TextStep = Callable[["Turn", str], Awaitable[list[Reply]]]
ButtonHandler = Callable[["Turn", Action], Awaitable[list[Reply]]]


# -- commands ------------------------------------------------------------------------------


async def command(turn: Turn, text: str) -> list[Reply]:
    name, _sep, arg = text.partition(" ")
    name = name.split("@")[0].lower()  # Telegram group form: /new@helpdesk_bot
    if name == "/start":
        await turn.set_state(None)
        if arg.strip().upper().startswith(REFERENCE_PREFIX):
            return await lists.show_reference(turn, arg.strip())
        return [welcome(turn)]
    if name == "/new":
        return await intake.start_intake(turn)
    if name == "/my":
        return await my_list(turn)
    if name == "/help":
        return [Reply(help_text(turn.is_staff, turn.person.role is Role.SUPERVISOR))]
    if name == "/language":
        return await language_command(turn, arg)
    if name == "/drafts":
        return await drafts.drafts_command(turn)
    if name == "/note":
        return await comments.note_command(turn, arg)
    if name == "/notices":
        return await notices.notices_command(turn, arg)
    if name == "/history":
        return await history.command(turn, arg)
    if name == "/queue":
        resume = await intake.unfinished(turn)
        if resume is None:
            await turn.set_state(None)
        return await supervisor.queue_command(turn, arg) + (resume or [])
    if name == "/reassign":
        return await supervisor.reassign_command(turn, arg)
    if name == "/stats":
        return await supervisor.stats_command(turn)
    if name == "/report":
        return await supervisor.report_command(turn, arg)
    if name == "/link":
        return await linking.link_command(turn, arg)
    if name == "/agenda":  # on-site visits (issue 18)
        return await visits.agenda_command(turn, arg)
    if name == "/kb":  # knowledge base (issue 18)
        return await kb.kb_command(turn, arg)
    if name == "/cancel":
        had_dialog = turn.state.state is not None
        await turn.set_state(None)
        if had_dialog:
            return [Reply(_("Stopped. Nothing was changed."))]
        return [Reply(_("There is nothing to stop."))]
    shown = name[:30]
    return [Reply(_("I don't know the command {command}. Send /help to see what I can do.",
                    command=shown))]


async def my_list(turn: Turn, action: Action | None = None) -> list[Reply]:
    """``/my`` or the "My requests" button: the list; an intake in progress that holds the
    person's text is kept and shown again after it, any other dialog ends."""
    resume = await intake.unfinished(turn)
    if resume is None:
        await turn.set_state(None)
    return await lists.my_requests(turn) + (resume or [])


def welcome(turn: Turn) -> Reply:
    e = turn.engine
    if turn.is_staff:
        text = _("Hello {name}! New requests for you will arrive here.", name=turn.person.name)
        buttons = (button(e.codec, _("My queue"), "my"), button(e.codec, _("New request"), "new"))
    else:
        text = _("Hello {name}! I am the helpdesk bot: tell me what is wrong and I will find "
                 "someone to help.", name=turn.person.name)
        buttons = (button(e.codec, _("New request"), "new"),
                   button(e.codec, _("My requests"), "my"))
    return Reply(text + "\n" + help_text(turn.is_staff, turn.person.role is Role.SUPERVISOR),
                 buttons)


async def unexpected_text(turn: Turn, text: str) -> list[Reply]:
    """Text that is no command and no step's answer: kept wherever it belongs (see
    ``conversations.free_text``); only what cannot be kept gets the short hint."""
    e, state = turn.engine, turn.state.state or ""
    if state == scripts.STATE:  # issue 18: text while a troubleshooting question waits
        return await scripts.on_text(turn, text)
    if state == kb.STATE:  # the offered articles: text is added to the description
        return await kb.more_text(turn, text)
    if state in free_text.PENDING_STATES and text:
        return await free_text.more(turn, text)
    if state in ("intake.type", "intake.assignee") and text:
        chosen = await intake.typed_choice(turn, text)
        if chosen is not None:
            return chosen
    if state in ("intake.type", "intake.assignee", "intake.summary") and text \
            and not turn.is_staff:
        return await intake.more_description(turn, text)
    if state in ("intake.type", "intake.assignee", "intake.summary", "split.type",
                 "wait.autoclose"):
        return [Reply(_("Please choose one of the options above, or send /cancel."))]
    if text.upper().startswith(REFERENCE_PREFIX) and len(text) < 40:
        return await lists.show_reference(turn, text)
    if text and len(text) > MAX_DESCRIPTION:
        return [Reply(_("That is too long ({length} characters); please keep it under {limit}.",
                        length=len(text), limit=MAX_DESCRIPTION))]
    if text.isdigit():  # a menu choice without a menu: nothing worth keeping
        text = ""
    if text and not turn.is_staff:
        await turn.set_state(None)
        return await free_text.initiator_message(turn, [text], [])
    if text:
        asked = await free_text.staff_text(turn, text)
        if asked is not None:
            return asked
    if turn.inbound.text and turn.inbound.text.strip().isdigit():
        hint = _("I didn't understand that.")
    elif not text:
        hint = _("I didn't get any text.")
    else:
        hint = _("I didn't understand that.")
    return [Reply(hint + " " + _("Send /new to place a request or /help to see what I can do."),
                  (button(e.codec, _("New request"), "new"),))]


# -- language ----------------------------------------------------------------------------


def language_menu(turn: Turn) -> Reply:
    """The language choices. Each button carries the language in use when it was shown, so
    a menu left over from before a change is stale (it cannot switch the language back)."""
    c, now = turn.engine.codec, turn.person.language or ""
    return Reply(_("Choose your language:"),
                 tuple(button(c, name, "lang", 0, f"{code}.{now}")
                       for code, name in LANGUAGE_NAMES.items()))


def _language_of(word: str) -> str | None:
    """``ro``, ``ro-RO``, ``Română`` or ``romana`` → ``ro``; None when we do not speak it."""
    word = word.strip()
    code = normalise_language(word) if len(word) <= 8 else None
    if code is not None:
        return code
    folded = _fold(word)
    return next((c for c, name in LANGUAGE_NAMES.items() if _fold(name) == folded), None)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


async def language_command(turn: Turn, arg: str) -> list[Reply]:
    """``/language`` shows the menu; ``/language ro`` (or ``Română``) switches at once."""
    if not arg.strip():
        return [language_menu(turn)]
    code = _language_of(arg)
    if code is None:
        return [Reply(_("I don't know the language “{language}”.", language=arg.strip()[:30])),
                language_menu(turn)]
    return await _set_language(turn, code, edit=False)


async def on_language(turn: Turn, action: Action) -> list[Reply]:
    code, _sep, shown_with = action.arg.partition(".")
    if code not in LANGUAGE_NAMES or shown_with != (turn.person.language or ""):
        return [stale_choice()]
    return await _set_language(turn, code, edit=True)


async def _set_language(turn: Turn, code: str, *, edit: bool) -> list[Reply]:
    async with turn.engine.uow_factory() as uow:
        await uow.people.set_language(turn.person.id, code)
        await uow.commit()
    turn.person.language = code
    with use_language(code):
        return [Reply(_("From now on I will write to you in English."), edit=edit)]


def stale_choice() -> Reply:
    """A choice button that no longer applies: said, and the old menu loses its buttons."""
    message = _("This button is no longer valid.")
    return Reply(message, toast=message, edit=True)


TEXT_STEPS: dict[str, TextStep] = {
    "intake.describe": intake.on_description,
    "intake.field": intake.on_field,
    "intake.client": intake.on_client,
    "intake.subject": intake.on_subject,
    "sreopen.reason": staff.on_staff_reopen_reason,
    "merge.target": split_merge.on_merge_target,
    "split.subject": split_merge.on_split_subject,
    "split.describe": split_merge.on_split_description,
    "finish.time": work.on_finish_time,
    "finish.note": work.on_finish_note,
    "correct.time": work.on_correct_time,
    "dispute.reason": confirm.on_dispute_reason,
    "comment.body": comments.on_comment_body,
    **workflow.TEXT_STEPS,
    # On-site visits (issue 18, conversations.visits).
    visits.WHEN_STATE: visits.on_when,
    visits.DURATION_STATE: visits.on_duration_text,
    visits.WORK_STATE: visits.on_work_done,
}

BUTTONS: dict[str, ButtonHandler] = {
    "notices": notices.on_notices,
    "new": intake.on_new,
    "my": my_list,
    "type": intake.on_type,
    "asg": intake.on_assignee,
    "place": intake.on_place,
    "drop": intake.on_drop,
    "prio": intake.on_priority,
    "client": intake.on_for_client,
    "subj": intake.on_edit_subject,
    "sreopen": staff.on_staff_reopen,
    "merge": split_merge.on_merge,
    "split": split_merge.on_split,
    "draft": drafts.on_save_draft,
    "drcont": drafts.on_continue,
    "drdel": drafts.on_delete,
    "splittype": split_merge.on_split_type,
    "view": lists.on_view,
    "claim": work.on_claim,
    "release": work.on_release,
    "cancel": confirm.on_cancel,
    "askrel": confirm.on_ask_release,
    "finish": work.on_finish,
    "correct": work.on_correct,
    "confirm": confirm.on_confirm,
    "dispute": confirm.on_dispute,
    "lang": on_language,
    "comment": comments.on_comment,
    "history": history.on_history,
    "queue": supervisor.on_queue,
    "reassign": supervisor.on_reassign,
    **workflow.BUTTONS,
    **free_text.BUTTONS,
    # issue 18: troubleshooting scripts (an answer, Back)
    "scr": scripts.on_answer,
    "scrb": scripts.on_back,
    # On-site visits (issue 18, conversations.visits).
    "vprop": visits.on_propose,
    "valt": visits.on_another_time,
    "vdur": visits.on_duration,
    "vok": visits.on_accept,
    "vcancel": visits.on_cancel,
    "vdone": visits.on_done,
    "agenda": visits.on_agenda,
    # knowledge base (issue 18): /kb results, the intake's offered articles, Yes / No
    "kbread": kb.on_read,
    "kbopen": kb.on_open,
    "kbyes": kb.on_solved,
    "kbno": kb.on_not_solved,
}
