"""Block Kit: neutral replies, forms and overviews drawn as Slack messages, modals and the
App Home; submitted modal values read back. Pure functions, no I/O.
"""

from __future__ import annotations

import re
from typing import Any

from core.forms import Form, FormField, Overview
from core.messages import Button, Reply

ACTION_PREFIX = "hd."  # action ids of our buttons: hd.0, hd.1, ... (unique within a block)
ACTION_ID = re.compile(r"^hd\.\d+$")
VIEW_PREFIX = "hd."  # modal callback ids: hd.request, hd.finish
COMMAND = "/helpdesk"
# Slack's limits (https://docs.slack.dev/reference/block-kit/blocks)
SECTION_TEXT = 3000
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
ACTIONS_PER_BLOCK = 25
VIEW_TITLE = 24
LABEL = 2000
OPTION_TEXT = 75
OPTIONS = 100
MESSAGE_TEXT = 40000
MESSAGE_BLOCKS = 50  # blocks in one message
VIEW_BLOCKS = 100  # blocks in a modal or the App Home
INPUT_MAX_LENGTH = 3000  # plain_text_input.max_length
HEADER_TEXT = 150
METADATA = 3000
ORIGIN_SEP = "\n"  # private_metadata: the form's context, then the origin message (channel:ts)
# Commands the conversation layer mentions (/new, /my ...) are subcommands of /helpdesk here.
_COMMANDS = re.compile(r"(?<![\w/])/(new|my|help|cancel|language|start|notices|history|note)\b")

Block = dict[str, Any]


def escape(text: str) -> str:
    """Text for a mrkdwn field: ``&``, ``<`` and ``>`` escaped, so nobody can inject mentions
    or links (``<!channel>``) through a description."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_commands(text: str) -> str:
    """``/new`` → ``/helpdesk new``: on Slack our commands live under one slash command."""
    return _COMMANDS.sub(lambda m: f"{COMMAND} {m.group(1)}", text)


def _plain(text: str, limit: int) -> dict[str, Any]:
    text = text.strip() or "…"
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return {"type": "plain_text", "text": text, "emoji": True}


_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def _escaped_chunks(text: str, size: int) -> list[str]:
    """``text`` escaped and cut into pieces of at most ``size`` characters, at a line break
    or a space where one is near; never inside an entity such as ``&amp;``."""
    pieces = [_ESCAPES.get(char, char) for char in text]
    chunks: list[str] = []
    start = 0
    while start < len(pieces):
        length, end, soft = 0, start, -1
        while end < len(pieces) and length + len(pieces[end]) <= size:
            length += len(pieces[end])
            if pieces[end] in ("\n", " "):
                soft = end
            end += 1
        if end < len(pieces) and soft > start + (end - start) // 2:
            end = soft + 1  # the break stays with the first part
        chunks.append("".join(pieces[start:end]))
        start = end
    return chunks or [""]


def text_blocks(text: str, max_blocks: int = MESSAGE_BLOCKS) -> list[Block]:
    """The text as mrkdwn sections (a long one split at Slack's 3,000 characters), at most
    ``max_blocks`` of them (the last one then ends with "…")."""
    chunks = _escaped_chunks(slack_commands(text), SECTION_TEXT)
    if len(chunks) > max_blocks:
        chunks = chunks[:max_blocks]
        last = chunks[-1]
        cut = len(last) - 1
        amp = last.rfind("&", max(0, cut - 4), cut)
        if amp != -1 and ";" not in last[amp:cut]:
            cut = amp  # do not leave half an entity before the ellipsis
        chunks[-1] = last[:cut] + "…"
    return [{"type": "section", "text": {"type": "mrkdwn", "text": chunk or " "}}
            for chunk in chunks]


def button_blocks(buttons: tuple[Button, ...], block_id: str = "hd") -> list[Block]:
    """Actions blocks; each button's ``value`` is its packed payload."""
    blocks: list[Block] = []
    for start in range(0, len(buttons), ACTIONS_PER_BLOCK):
        elements = [
            {"type": "button", "action_id": f"{ACTION_PREFIX}{start + i}",
             "text": _plain(b.label, BUTTON_TEXT), "value": b.payload[:BUTTON_VALUE]}
            for i, b in enumerate(buttons[start:start + ACTIONS_PER_BLOCK])
        ]
        suffix = f".{start // ACTIONS_PER_BLOCK}" if start else ""
        blocks.append({"type": "actions", "block_id": f"{block_id}{suffix}", "elements": elements})
    return blocks


def message(reply: Reply, *, buttons: bool = True) -> dict[str, Any]:
    """``text`` (notification fallback) and ``blocks`` for chat.postMessage / chat.update."""
    actions = button_blocks(reply.buttons) if buttons and reply.buttons else []
    blocks = text_blocks(reply.text, max(1, MESSAGE_BLOCKS - len(actions))) + actions
    return {"text": fallback_text(reply.text), "blocks": blocks}


def fallback_text(text: str) -> str:
    return _escaped_chunks(slack_commands(text), MESSAGE_TEXT)[0] or " "


# -- modals ---------------------------------------------------------------------------------


def _element(field: FormField) -> dict[str, Any]:
    if field.kind == "select":
        options = [{"text": _plain(c.label, OPTION_TEXT), "value": c.value}
                   for c in field.choices[:OPTIONS]]
        element: dict[str, Any] = {"type": "static_select", "action_id": field.name,
                                   "options": options}
        initial = [o for o in options if o["value"] == field.initial]
        if initial:
            element["initial_option"] = initial[0]
        return element
    element = {"type": "plain_text_input", "action_id": field.name,
               "multiline": field.kind == "multiline"}
    if field.max_length:
        element["max_length"] = min(field.max_length, INPUT_MAX_LENGTH)
    if field.initial:
        element["initial_value"] = field.initial[:INPUT_MAX_LENGTH]
    return element


def modal(form: Form, origin: str | None = None) -> dict[str, Any]:
    """The modal for ``form``; each input's block id is the field name. ``origin`` (the
    ``channel:ts`` of the message it was opened from) rides in ``private_metadata`` after
    the form's context (see ``split_metadata``)."""
    blocks: list[Block] = []
    for field in form.fields:
        block: Block = {"type": "input", "block_id": field.name,
                        "label": _plain(field.label, LABEL), "element": _element(field)}
        if field.hint:
            block["hint"] = _plain(field.hint, LABEL)
        blocks.append(block)
    return {
        "type": "modal",
        "callback_id": f"{VIEW_PREFIX}{form.kind}",
        "title": _plain(form.title, VIEW_TITLE),
        "submit": _plain(form.submit, VIEW_TITLE),
        "close": _plain(form.cancel, VIEW_TITLE),
        "private_metadata": (form.context + (ORIGIN_SEP + origin if origin else ""))[:METADATA],
        "blocks": blocks[:VIEW_BLOCKS],
    }


def split_metadata(metadata: str) -> tuple[str, str | None]:
    """``private_metadata`` → the form's context and the origin message (or None)."""
    context, sep, origin = metadata.partition(ORIGIN_SEP)
    return context, (origin or None) if sep else None


def form_kind(view: dict[str, Any]) -> str | None:
    """``request`` for a submitted ``hd.request`` modal; None for modals that are not ours."""
    callback = str(view.get("callback_id") or "")
    return callback[len(VIEW_PREFIX):] if callback.startswith(VIEW_PREFIX) else None


def submitted_values(view: dict[str, Any]) -> dict[str, str]:
    """Field name → submitted text or selected option value (missing ones are left out)."""
    values: dict[str, str] = {}
    state = ((view.get("state") or {}).get("values")) or {}
    if not isinstance(state, dict):
        return values
    for block_id, actions in state.items():
        if not isinstance(actions, dict):
            continue
        for action in actions.values():
            if not isinstance(action, dict):
                continue
            selected = action.get("selected_option")
            if isinstance(selected, dict):
                values[str(block_id)] = str(selected.get("value") or "")
            elif action.get("value") is not None:
                values[str(block_id)] = str(action["value"])
    return values


# -- App Home -------------------------------------------------------------------------------


def home(overview: Overview) -> dict[str, Any]:
    """The App Home tab: greeting, general buttons, then each section with its entries."""
    blocks: list[Block] = text_blocks(overview.greeting)[:1]
    blocks += button_blocks(overview.buttons, "hd.home")
    for index, section in enumerate(overview.sections):
        blocks.append({"type": "divider"})
        blocks.append({"type": "header", "text": _plain(section.title, HEADER_TEXT)})
        if not section.entries and section.empty:
            blocks += text_blocks(section.empty)[:1]
        for number, entry in enumerate(section.entries):
            blocks += text_blocks(entry.text)[:1]
            if entry.buttons:
                blocks += button_blocks(entry.buttons, f"hd.s{index}.{number}")
    return {"type": "home", "blocks": blocks[:VIEW_BLOCKS]}
