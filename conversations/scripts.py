"""The troubleshooting script of a request type, walked during the intake (issue 18).

After the type is chosen, a type with a script asks its questions with buttons (numbers on
SMS and the console) and a Back button. ``solved`` ends without a request (a deflection is
recorded); ``place`` goes on with the normal intake, the path of answers carried along and
attached to the request when it is placed. Staff walking the script (for a client on the
phone) also read each node's note for the assistant. See docs/scripts.md.

State ``intake.script``: the intake's carried data, ``type_id`` and ``trail`` — the answers
so far as ``[node id, answer index]``. A button carries its step number, so a button of an
earlier step (or of an earlier run) is refused as no longer valid.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from conversations.views import button, stale
from core import permissions
from core.actions import Action
from core.i18n import _, current_language
from core.messages import Reply
from core.model import MAX_DESCRIPTION, RequestType
from core.scripts import PLACE, SOLVED, Script, pick
from core.selfservice_ports import PathStep, ScriptPath

if TYPE_CHECKING:
    from conversations.engine import Turn

log = logging.getLogger(__name__)

STATE = "intake.script"
SOURCE = "script"  # the deflection log's source for scripts


def _sees_notes(turn: Turn) -> bool:
    return permissions.allows_role_action("script_notes", turn.person)


async def start(turn: Turn, rtype: RequestType, carried: dict[str, Any]) -> list[Reply] | None:
    """The script's first question, when ``rtype`` has a script (None: it has none)."""
    store = turn.engine.scripts
    if store is None:
        return None
    script = await store.for_type(rtype.id)
    if script is None:
        return None
    await turn.set_state(STATE, **{**carried, "type_id": rtype.id, "trail": []})
    return [node_reply(turn, script, script.start, 0)]


def _walk(script: Script, trail: list[Any]) -> str | None:
    """The node reached by ``trail`` (None when the script changed under it)."""
    current = script.start
    for node_id, index in trail:
        node = script.nodes.get(current)
        if node is None or node_id != current or not 0 <= int(index) < len(node.options):
            return None
        current = node.options[int(index)].next
    return current if current in script.nodes else None


def node_reply(turn: Turn, script: Script, node_id: str, step: int) -> Reply:
    """One question with its explanation (and the note, for staff), its answers and Back."""
    node = script.nodes[node_id]
    language = current_language()
    lines = [pick(node.question, language, script.languages)]
    if node.explanation:
        lines.append(pick(node.explanation, language, script.languages))
    if node.note and _sees_notes(turn):
        lines.append(_("Note for the assistant: {note}",
                       note=pick(node.note, language, script.languages)))
    codec = turn.engine.codec
    buttons = tuple(button(codec, pick(o.answer, language, script.languages)[:60], "scr", 0,
                           f"{step}.{i}") for i, o in enumerate(node.options))
    return Reply("\n".join(lines), buttons + (button(codec, _("Back"), "scrb", 0, str(step)),))


async def _current(turn: Turn, action: Action) -> tuple[Script, list[Any], str] | None:
    """The script, the trail and the current node, when ``action`` answers this step."""
    data = turn.state.data
    store = turn.engine.scripts
    if turn.state.state != STATE or store is None or "trail" not in data:
        return None
    trail = list(data.get("trail") or [])
    step = action.arg.partition(".")[0]
    if not step.isdigit() or int(step) != len(trail):
        return None
    script = await store.for_type(int(data.get("type_id") or 0))
    if script is None:
        return None
    node_id = _walk(script, trail)
    if node_id is None:  # reloaded under this run: from its first question again
        await turn.set_state(STATE, **{**data, "trail": []})
        raise _Restarted(node_reply(turn, script, script.start, 0))
    return script, trail, node_id


class _Restarted(Exception):
    """The script changed during a run; the run starts again with ``reply``."""

    def __init__(self, reply: Reply) -> None:
        super().__init__("script reloaded")
        self.reply = reply


async def _found(turn: Turn, action: Action) -> tuple[Script, list[Any], str] | list[Reply]:
    try:
        found = await _current(turn, action)
    except _Restarted as restarted:
        return [Reply(_("The questions for this type have changed; let us start again.")),
                restarted.reply]
    return found if found is not None else [stale()]


async def on_answer(turn: Turn, action: Action) -> list[Reply]:
    """An answer: the next question, ``solved`` (thanks; deflected) or ``place``."""
    found = await _found(turn, action)
    if isinstance(found, list):
        return found
    _step, _sep, index = action.arg.partition(".")
    if not index.isdigit():
        return [stale()]
    script, trail, node_id = found
    node = script.nodes[node_id]
    if int(index) >= len(node.options):
        return [stale()]
    option = node.options[int(index)]
    trail.append([node_id, int(index)])
    data = {**turn.state.data, "trail": trail}
    type_id = int(data.get("type_id") or 0)
    if option.next == SOLVED:
        await turn.set_state(None)
        deflections = turn.engine.deflections
        if deflections is not None:
            await deflections.record(SOURCE, script.name, type_id, turn.person.id, True,
                                     turn.engine.clock.now())
        return [Reply(_("Glad it is solved! No request was placed. Thank you — send /new "
                        "whenever you need help again."), edit=True)]
    if option.next == PLACE:
        return await _place(turn, script, data)
    await turn.set_state(STATE, **data)
    return [node_reply(turn, script, option.next, len(trail))]


async def _place(turn: Turn, script: Script, data: dict[str, Any]) -> list[Reply]:
    """The script did not solve it: the normal intake goes on with the answers attached."""
    from conversations import intake

    steps = []
    for node_id, index in data["trail"]:
        node = script.nodes[node_id]
        steps.append(PathStep(node_id, node.question, node.options[index].answer,
                              node.note).to_data())
    carried = {k: v for k, v in data.items() if k not in ("trail", "type_id")}
    carried["script"] = {"name": script.name, "languages": list(script.languages),
                         "steps": steps}
    async with turn.engine.uow_factory(read_only=True) as uow:
        rtype = await uow.types.get(int(data.get("type_id") or 0))
    if rtype is None or not rtype.active:
        return await intake.start_intake(turn, description=str(carried.get("description", "")),
                                         files=carried.get("files"))
    return await intake.after_type(turn, rtype, carried)


async def on_back(turn: Turn, action: Action) -> list[Reply]:
    """Back: the previous question; on the first one, the choice of type again."""
    found = await _found(turn, action)
    if isinstance(found, list):
        return found
    script, trail, _node_id = found
    if not trail:
        from conversations import intake

        data = turn.state.data
        return await intake.start_intake(turn, description=str(data.get("description") or ""),
                                         files=data.get("files"))
    previous = trail.pop()[0]
    await turn.set_state(STATE, **{**turn.state.data, "trail": trail})
    return [node_reply(turn, script, str(previous), len(trail))]


async def on_text(turn: Turn, text: str) -> list[Reply]:
    """Text while a question waits for an answer: an initiator's becomes (part of) the
    description (nothing they write is lost); the question is asked again."""
    data = dict(turn.state.data)
    replies: list[Reply] = []
    if text and not turn.is_staff:
        description = "\n".join(filter(None, (str(data.get("description") or ""), text)))
        if len(description) > MAX_DESCRIPTION:
            return [Reply(_("That is too long ({length} characters); please keep it under "
                            "{limit}.", length=len(description), limit=MAX_DESCRIPTION))]
        data["description"] = description
        await turn.set_state(STATE, **data)
        replies.append(Reply(_("Noted as the description of your request. Please choose one "
                               "of the options above, or send /cancel.")))
    else:
        replies.append(Reply(_("Please choose one of the options above, or send /cancel.")))
    store = turn.engine.scripts
    script = await store.for_type(int(data.get("type_id") or 0)) if store else None
    trail = list(data.get("trail") or [])
    node_id = _walk(script, trail) if script is not None else None
    if script is not None and node_id is not None:
        replies.append(node_reply(turn, script, node_id, len(trail)))
    return replies


def path_of(data: dict[str, Any]) -> ScriptPath | None:
    """The path carried by an intake (None: no script was walked)."""
    raw = data.get("script")
    if not isinstance(raw, dict) or not raw.get("steps"):
        return None
    return ScriptPath(str(raw.get("name") or ""), tuple(raw.get("languages") or ()),
                      tuple(PathStep.from_data(s) for s in raw["steps"]))


async def attach(turn: Turn, request_id: int, data: dict[str, Any]) -> None:
    """After the request is placed: its path of answers, and a "not deflected" outcome."""
    path = path_of(data)
    e = turn.engine
    if path is None or e.scripts is None:
        return
    try:
        await e.scripts.attach(request_id, path)
        if e.deflections is not None:
            await e.deflections.record(SOURCE, path.script, int(data.get("type_id") or 0) or None,
                                       turn.person.id, False, e.clock.now())
    except Exception:  # the request is placed; the path is a help, not a must
        log.exception("could not attach the script path to request %s", request_id)


def path_lines(turn: Turn, path: ScriptPath) -> list[str]:
    """The answers as ``question → answer`` lines; notes only for staff."""
    language = current_language()
    lines = [_("Troubleshooting answers:")]
    notes = _sees_notes(turn)
    for step in path.steps:
        lines.append(f"• {pick(step.question, language, path.languages)} → "
                     f"{pick(step.answer, language, path.languages)}")
        if notes and step.note:
            lines.append("  " + _("Note for the assistant: {note}",
                                  note=pick(step.note, language, path.languages)))
    return lines


async def card_lines(turn: Turn, request_id: int) -> list[str]:
    """The card's lines for the path of answers attached to the request (if any)."""
    store = turn.engine.scripts
    if store is None:
        return []
    path = await store.path(request_id)
    return path_lines(turn, path) if path is not None else []
