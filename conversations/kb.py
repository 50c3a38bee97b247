"""The knowledge base in the conversation: ``/kb words`` and the articles offered during the
intake ("Did one of these solve it?").

- ``/kb words``: up to ``RESULTS`` articles, the person's language first (then any other);
  staff also find staff articles. Pressing one sends it.
- Intake: after an initiator describes the problem, up to ``OFFERED`` public articles in
  their language are offered (state ``kb.offer``). Opening one sends it and asks again;
  "Yes, solved" ends the intake without a request and counts a deflection for each article
  opened; "No, place the request" goes on with the intake (extra fields, the summary) and
  counts "not helpful" for each article opened.

An article is sent as text (the channel splits a long one to its limits: Telegram 4,096,
Slack 3,000 a block); on SMS it is its title and a signed link page (``article_link``, when
the helpdesk has a public address).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from conversations.views import button, stale
from core.actions import Action
from core.i18n import _
from core.kb_ports import DEFLECTION, NOT_HELPFUL, VIEW, Article, query_words
from core.messages import Reply
from core.model import MAX_DESCRIPTION
from core.permissions import can_read_article

if TYPE_CHECKING:
    from conversations.engine import Turn

RESULTS = 5  # articles a /kb search shows
OFFERED = 3  # articles offered during the intake
LINK_CHANNELS = frozenset({"sms"})  # an article is a link page there, not text
STATE = "kb.offer"
MAX_LABEL = 60
_KEYS = ("kb_ids", "kb_titles", "kb_opened")


def _label(title: str) -> str:
    return title if len(title) <= MAX_LABEL else title[:MAX_LABEL - 1].rstrip() + "…"


def _article_id(action: Action) -> int | None:
    arg = action.arg or ""
    return int(arg) if arg.isdigit() and len(arg) <= 9 else None


# -- /kb words -------------------------------------------------------------------------------


async def kb_command(turn: Turn, arg: str) -> list[Reply]:
    """``/kb words``: the best articles, each a button that sends it."""
    e = turn.engine
    if e.knowledge is None:
        return [Reply(_("The knowledge base is not available."))]
    words = " ".join(arg.split())
    if not query_words(words):
        return [Reply(_("Write what you are looking for after /kb, for example: /kb printer "
                        "paper jam"))]
    language = turn.person.language or e.default_language
    hits = await e.knowledge.search(words, language, turn.is_staff, RESULTS)
    if len(hits) < RESULTS:  # then articles in other languages
        known = {a.id for a in hits}
        hits += [a for a in await e.knowledge.search(words, None, turn.is_staff, RESULTS)
                 if a.id not in known][:RESULTS - len(hits)]
    if not hits:
        return [Reply(_("Nothing in the knowledge base matches “{words}”. Send /new to place "
                        "a request.", words=words[:60]))]
    lines = [_("Articles for “{words}”:", words=words[:60])]
    for n, article in enumerate(hits, start=1):
        staff_only = f" ({_('staff only')})" if not article.public else ""
        lines.append(f"{n}. {article.title}{staff_only}")
    return [Reply("\n".join(lines), tuple(
        button(e.codec, _label(a.title), "kbread", 0, str(a.id)) for a in hits))]


async def on_read(turn: Turn, action: Action) -> list[Reply]:
    """An article from a ``/kb`` result: sent if it still exists and the person may read it."""
    e = turn.engine
    article_id = _article_id(action)
    if article_id is None or e.knowledge is None:
        return [stale()]
    article = await e.knowledge.get(article_id)
    if article is None or not can_read_article(turn.person, article.visibility):
        return [gone()]
    await e.knowledge.count([article_id], VIEW)
    return article_replies(turn, article)


def gone() -> Reply:
    message = _("This article is no longer available.")
    return Reply(message, toast=message)


def article_replies(turn: Turn, article: Article) -> list[Reply]:
    """The article as the channel shows it: its text, or on SMS a link to its page."""
    e = turn.engine
    if turn.channel in LINK_CHANNELS and e.article_link is not None and article.id:
        url = e.article_link(turn.person.id, article.id)
        if url:
            return [Reply(f"{article.title}\n{url}")]
    return [Reply(f"{article.title}\n\n{article.body}")]


# -- the intake's offer ----------------------------------------------------------------------


async def offer(turn: Turn, data: dict[str, Any]) -> list[Reply] | None:
    """After an initiator's description: offer matching public articles in their language
    (the intake waits in ``kb.offer``); None when there are none (the intake goes on)."""
    e = turn.engine
    if e.knowledge is None or turn.is_staff:
        return None
    description = str(data.get("description") or "")
    language = turn.person.language or e.default_language
    hits = await e.knowledge.search(description, language, False, OFFERED)
    if not hits:
        return None
    data = {**data, "kb_ids": [a.id for a in hits], "kb_titles": [a.title for a in hits],
            "kb_opened": []}
    await turn.set_state(STATE, **data)
    return [offer_reply(turn, data)]


def offer_reply(turn: Turn, data: dict[str, Any]) -> Reply:
    """"Did one of these solve it?" with one button per article, Yes and No."""
    e = turn.engine
    ids = [int(i) for i in data.get("kb_ids") or []]
    titles = [str(t) for t in data.get("kb_titles") or []]
    lines = [_("These articles may answer it:")]
    lines += [f"{n}. {title}" for n, title in enumerate(titles, start=1)]
    lines.append(_("Did one of these solve it?"))
    buttons = tuple(button(e.codec, _label(t), "kbopen", 0, str(i)) for i, t in zip(
        ids, titles, strict=False))
    buttons += (button(e.codec, _("Yes, solved"), "kbyes"),
                button(e.codec, _("No, place the request"), "kbno"))
    return Reply("\n".join(lines), buttons)


def _offered(turn: Turn) -> bool:
    return turn.state.state == STATE and "kb_ids" in turn.state.data


async def on_open(turn: Turn, action: Action) -> list[Reply]:
    """An offered article: sent, remembered as opened, and the question asked again."""
    e, data = turn.engine, dict(turn.state.data)
    article_id = _article_id(action)
    if not _offered(turn) or article_id is None \
            or article_id not in (data.get("kb_ids") or []) or e.knowledge is None:
        return [stale()]
    article = await e.knowledge.get(article_id)
    if article is None or not article.public:
        return [gone(), offer_reply(turn, data)]
    await e.knowledge.count([article_id], VIEW)
    opened = [int(i) for i in data.get("kb_opened") or []]
    if article_id not in opened:
        data["kb_opened"] = opened + [article_id]
        await turn.set_state(STATE, **data)
    return [*article_replies(turn, article), offer_reply(turn, data)]


async def _log_outcome(turn: Turn, opened: list[int], type_id: int | None, *,
                       helpful: bool) -> None:
    """The outcome in the self-service log too (``helpdesk report deflections``, source
    ``kb``, one line per article opened, ref = the article's number)."""
    log_ = turn.engine.deflections
    if log_ is None:
        return
    for article in opened:
        await log_.record("kb", str(article), type_id, turn.person.id, helpful,
                          turn.engine.clock.now())


async def on_solved(turn: Turn, action: Action) -> list[Reply]:
    """"Yes, solved": no request; a deflection for each article opened."""
    e = turn.engine
    if not _offered(turn):
        return [stale()]
    opened = [int(i) for i in turn.state.data.get("kb_opened") or []]
    type_id = int(turn.state.data.get("type_id") or 0) or None
    await turn.set_state(None)
    if e.knowledge is not None and opened:
        await e.knowledge.count(opened, DEFLECTION)
    await _log_outcome(turn, opened, type_id, helpful=True)
    return [Reply(_("Glad it is solved! Nothing was placed. Send /new whenever you need "
                    "help."), edit=True)]


async def on_not_solved(turn: Turn, action: Action) -> list[Reply]:
    """"No, place the request": "not helpful" for each article opened; the intake goes on."""
    from conversations import intake  # intake imports this module

    e = turn.engine
    if not _offered(turn):
        return [stale()]
    data = {k: v for k, v in turn.state.data.items() if k not in _KEYS}
    opened = [int(i) for i in turn.state.data.get("kb_opened") or []]
    if e.knowledge is not None and opened:
        await e.knowledge.count(opened, NOT_HELPFUL)
    await _log_outcome(turn, opened, int(data.get("type_id") or 0) or None, helpful=False)
    return await intake.after_offer(turn, data)


async def more_text(turn: Turn, text: str) -> list[Reply]:
    """Text typed while the articles are offered: added to the description (nothing the
    person wrote is lost), and the question asked again."""
    data = dict(turn.state.data)
    if not text or turn.is_staff:
        return [Reply(_("Please choose one of the options above, or send /cancel.")),
                offer_reply(turn, data)]
    description = "\n".join(filter(None, (str(data.get("description") or ""), text)))
    if len(description) > MAX_DESCRIPTION:
        return [Reply(_("That is too long ({length} characters); please keep it under {limit}.",
                        length=len(description), limit=MAX_DESCRIPTION))]
    data["description"] = description
    await turn.set_state(STATE, **data)
    return [Reply(_("Added to the description.")), offer_reply(turn, data)]
