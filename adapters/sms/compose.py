"""Turning a ``Reply`` into the text of one SMS.

Buttons become a signed link (for request actions such as Claim or Confirm, when the plugin
can make one) or numbered choices ("Reply 1 for Place, 2 for Cancel"; a typed digit presses
the button of the last menu shown — the conversation engine remembers menus). A text that
carries a link is cut with an ellipsis so that the whole SMS fits in as few segments as the
language allows (one for English GSM-7 text): the link page shows the rest.
"""

from __future__ import annotations

from collections.abc import Sequence

from adapters.sms.segments import GSM7, capacity, count, encoding, units
from core.i18n import _, use_language
from core.messages import Reply

MAX_BODY = 1600  # Twilio refuses longer bodies (error 21617)
MIN_KEEP = 40  # keep at least this much of the text before adding segments for a link

# Typographic characters outside GSM-7 and their GSM-7 lookalikes (like Twilio's Smart
# Encoding): one curly quote would otherwise make the whole SMS UCS-2 (70 characters).
LOOKALIKES = str.maketrans({
    "“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "‚": "'",
    "–": "-", "—": "-", "−": "-", "…": "...", "→": "->", "•": "*", "\u00a0": " ",
    "\u2009": " ", "\u202f": " ", "\u2011": "-",
})


def gsm_friendly(text: str) -> str:
    """``text`` with typographic characters replaced by GSM-7 lookalikes."""
    return text.translate(LOOKALIKES)


def _cut(text: str, budget: int, enc: str) -> str:
    """The longest prefix of ``text`` within ``budget`` units, ended at a word if close."""
    used, end = 0, 0
    for index, char in enumerate(text):
        used += units(char, enc)
        if used > budget:
            break
        end = index + 1
    prefix = text[:end]
    if end < len(text):
        space = max(prefix.rfind(" "), prefix.rfind("\n"))
        if space >= max(0, end - 12):
            prefix = prefix[:space]
        line_start = prefix.rfind("\n")
        if line_start >= 0 and len(prefix) - line_start <= 10:
            prefix = prefix[:line_start]  # not just a word or two of the next line
    return prefix.rstrip(" \n.,;:-")


def fit(text: str, tail: str, min_keep: int = MIN_KEEP) -> str:
    """``text`` + newline + ``tail`` in as few segments as possible: ``tail`` (the link) is
    kept whole, ``text`` is cut with "..." (GSM-7) or "…" (UCS-2), but never before the end
    of its first line (the reference and who it is from) nor ``min_keep`` units."""
    full = f"{text}\n{tail}" if text else tail
    counted = count(full)
    if counted.segments <= 1:
        return full
    enc = counted.encoding
    ellipsis = "..." if enc == GSM7 else "…"
    need = units("\n" + tail, enc) + units(ellipsis, enc)
    first_line = text.split("\n", 1)[0]
    goal = min(units(text, enc), max(min_keep, units(first_line, enc)))
    segments = 1
    while capacity(enc, segments) - need < goal and segments < 10:
        segments += 1
    if counted.segments <= segments:
        return full
    budget = capacity(enc, segments) - need
    while True:
        # A pair kept whole at a segment boundary costs a unit: cut a little more then.
        body = _cut(text, budget, enc) + ellipsis + "\n" + tail
        if count(body).segments <= segments or budget <= 0:
            return body
        budget -= 2


def choices_line(labels: Sequence[tuple[int, str]], language: str | None) -> str:
    """"Reply 1 for Place, 2 for Cancel" in the reader's language."""
    with use_language(language):
        parts = ", ".join(_("{n} for {label}", n=n, label=label) for n, label in labels)
        return _("Reply {choices}", choices=parts)


def compose(reply: Reply, links: Sequence[str | None] = (), language: str | None = None) -> str:
    """The SMS body for ``reply``; ``links[i]`` is the signed link for button ``i`` (or None)."""
    text = gsm_friendly(reply.text).strip()
    linked: dict[str, list[str]] = {}
    menu: list[tuple[int, str]] = []
    for index, button in enumerate(reply.buttons):
        url = links[index] if index < len(links) else None
        if url:
            linked.setdefault(url, []).append(gsm_friendly(button.label))
        else:
            menu.append((index + 1, gsm_friendly(button.label)))
    tail_lines = [f"{' / '.join(labels)}: {url}" for url, labels in linked.items()]
    if menu:
        tail_lines.append(gsm_friendly(choices_line(menu, language)))
    tail = "\n".join(tail_lines)
    if linked:
        return fit(text, tail)
    body = f"{text}\n{tail}" if tail else text
    if len(body) > MAX_BODY:
        ellipsis = "..." if encoding(body) == GSM7 else "…"
        body = _cut(text, MAX_BODY - len(tail) - 4, encoding(body)) + ellipsis
        body = f"{body}\n{tail}" if tail else body
    return body
