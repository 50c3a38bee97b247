"""Free text (and files) outside any dialog step: every message lands on a request.

An initiator's message, by how many *live* requests they have (open, in progress, waiting,
or resolved inside the feedback window):

- **one**: a public comment on it (a waiting question is answered and the request is back in
  progress; a resolved one asks "reopen it?" first — ``workflow.on_reopen``);
- **several**: "which one?" — a button per request plus "A new request"; the text waits in
  the dialog state (``free.which``) and is stored on the answer;
- **none** (or only closed / cancelled ones): "place a new request with this text?"
  (``free.new``); yes starts the intake with the text as the description.

More text while such a question is pending is kept with the first (nothing is lost). Files
sent without a request in context follow the same rule: they are stored at once and linked
to the request on the answer.

Staff: free text while a request's card they opened in the last 30 minutes is "current" asks
"add to HD-… as [Public comment] [Internal note] [Neither]" (``free.staff``); otherwise the
short hint. See docs/free-text.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from conversations.views import button, status_label
from core import attachment_service, services
from core.actions import Action
from core.attachment_ports import format_size
from core.errors import DomainError
from core.i18n import _
from core.kinds import Status, WaitReason
from core.messages import Attachment, Button, Reply
from core.model import MAX_DESCRIPTION, RequestLine

if TYPE_CHECKING:
    from conversations.engine import Turn

CARD_TTL = 30 * 60  # staff: a card opened this long ago is still "the one in front of them"
PENDING_STATES = ("free.which", "free.new", "free.staff", "reopen.ask")
MAX_CHOICES = 8  # "which request?" offers the most recent live ones
SNIPPET = 24


# -- the request a person has in front of them (staff) ----------------------------------------


def _card_token(person_id: int) -> str:
    return f"card:{person_id}"


async def remember_card(turn: Turn, request_id: int) -> None:
    """Staff: remember the card just shown (for "add to HD-… as …?" within 30 minutes)."""
    if turn.is_staff and request_id:
        at = turn.engine.clock.now().timestamp()
        await turn.engine.dialogs.put_value(_card_token(turn.person.id),
                                            f"{request_id} {at}", CARD_TTL)


async def _current_card(turn: Turn) -> int | None:
    """The card the staff member opened in the last 30 minutes (by the engine's clock; the
    key also expires by itself)."""
    raw = await turn.engine.dialogs.get_value(_card_token(turn.person.id))
    request_id, _sep, at = (raw or "").partition(" ")
    try:
        if not request_id.isdigit() or \
                turn.engine.clock.now().timestamp() - float(at) > CARD_TTL:
            return None
    except ValueError:
        return None
    return int(request_id)


# -- pending texts and files --------------------------------------------------------------------


def pending_texts(data: dict[str, Any]) -> list[str]:
    """The texts kept in a pending question's state (``texts``, or reopen's ``text``)."""
    texts = data.get("texts")
    if isinstance(texts, list):
        return [str(t) for t in texts if str(t).strip()]
    text = str(data.get("text") or "")
    return [text] if text.strip() else []


def pending_files(data: dict[str, Any]) -> list[list[Any]]:
    """The files kept in a dialog's state: ``[name, mime, size, key]`` each."""
    files = data.get("files")
    return [list(f) for f in files if isinstance(f, list) and len(f) == 4] \
        if isinstance(files, list) else []


def joined(texts: list[str]) -> str:
    return "\n\n".join(texts)


def _too_long(texts: list[str]) -> Reply | None:
    total = len(joined(texts))
    if total > MAX_DESCRIPTION:
        return Reply(_("That is too long ({length} characters); please keep it under {limit}.",
                       length=total, limit=MAX_DESCRIPTION))
    return None


async def keep_files(turn: Turn) -> list[list[Any]]:
    """Store the message's files now (before we know their request); their descriptions go
    into the dialog state and ``attach_kept`` links them to the request later."""
    config = turn.engine.attachments
    kept: list[list[Any]] = []
    if config is None:
        return kept
    for attachment in turn.inbound.attachments:
        name = attachment_service.clean_name(attachment.name, attachment.mime)
        data = await attachment_service.download(
            Attachment(name, attachment.mime, attachment.size, attachment.fetch),
            config.max_bytes)
        kept.append([name, attachment.mime, len(data), await config.files.put(data)])
    return kept


async def attach_kept(turn: Turn, request_id: int, files: list[list[Any]]) -> list[Reply]:
    """Attach the files kept in the dialog state to the request."""
    config = turn.engine.attachments
    replies: list[Reply] = []
    if config is None:
        return replies
    for name, mime, size, key in files:
        async def read(_max_bytes: int, key: str = str(key)) -> bytes:
            return await config.files.read(key)

        req, stored = await attachment_service.attach(
            turn.engine.uow_factory, turn.engine.clock, config, actor_id=turn.person.id,
            request_id=request_id, attachment=Attachment(str(name), str(mime), int(size), read),
            channel=turn.channel)
        replies.append(Reply(_("{name} ({size}) is attached to {ref}.", name=stored.name,
                               size=format_size(stored.size), ref=req.reference)))
    return replies


async def drop_kept(turn: Turn, files: list[list[Any]]) -> None:
    """Forget files kept for a question the person declined."""
    config = turn.engine.attachments
    if config is not None:
        for _name, _mime, _size, key in files:
            await attachment_service.forget(config, str(key))


# -- the initiator ------------------------------------------------------------------------------


async def live_requests(turn: Turn) -> list[RequestLine]:
    """The initiator's live requests, most recent first (see module doc)."""
    e = turn.engine
    async with e.uow_factory(read_only=True) as uow:
        mine = await uow.requests.lines_for_initiator(turn.person.id, limit=50)
    now = e.clock.now()
    return [r for r in mine if r.status in (Status.OPEN, Status.IN_PROGRESS, Status.WAITING)
            or r.in_feedback_window(now)]


async def initiator_message(turn: Turn, texts: list[str],
                            files: list[list[Any]]) -> list[Reply]:
    """Where an initiator's free text / files go (see module doc)."""
    live = await live_requests(turn)
    if len(live) == 1:
        return await store_on(turn, live[0].id or 0, texts, files)
    if live:
        return await ask_which(turn, live, texts, files)
    return await ask_new(turn, texts, files)


async def ask_which(turn: Turn, live: list[RequestLine], texts: list[str],
                    files: list[list[Any]]) -> list[Reply]:
    e = turn.engine
    choices = live[:MAX_CHOICES]
    await turn.set_state("free.which", texts=texts, files=files,
                         offered=[r.id for r in choices])
    async with e.uow_factory(read_only=True) as uow:
        names = {t.id: t.name for t in await uow.types.list(include_internal=True)}
    lines = [_("Which request is this about?")]
    lines += [f"• {r.reference} — {names.get(r.type_id, '?')} — {status_label(r.status)}"
              for r in choices]
    buttons: tuple[Button, ...] = tuple(
        button(e.codec, _label(r), "ftfor", r.id or 0) for r in choices)
    buttons += (button(e.codec, _("A new request"), "ftfor", 0, "new"),)
    return [Reply("\n".join(lines), buttons)]


def _label(req: RequestLine) -> str:
    subject = req.subject  # the description's first line unless someone gave one
    if len(subject) > SNIPPET:
        subject = subject[: SNIPPET - 1].rstrip() + "…"
    return f"{req.reference} · {subject}"


async def ask_new(turn: Turn, texts: list[str], files: list[list[Any]]) -> list[Reply]:
    e = turn.engine
    await turn.set_state("free.new", texts=texts, files=files)
    if texts:
        quoted = joined(texts)
        if len(quoted) > 300:
            quoted = quoted[:299].rstrip() + "…"
        text = _("You have no open request. Place a new request with this text?") + \
            f"\n“{quoted}”"
    else:
        text = _("You have no open request. Place a new request with this file?")
    return [Reply(text, (button(e.codec, _("Yes, place a new request"), "ftnew", 0, "y"),
                         button(e.codec, _("No"), "ftnew", 0, "n")))]


async def store_on(turn: Turn, request_id: int, texts: list[str],
                   files: list[list[Any]], *, edit: bool = False) -> list[Reply]:
    """Store the texts and files on the request: comments (an answer to a question), or —
    resolved inside the feedback window — "reopen it?" with the text kept. A request that
    became final meanwhile: offer a new request instead."""
    e = turn.engine
    async with e.uow_factory(read_only=True) as uow:
        req = await services.load_visible(uow, turn.person, request_id)
    if req.status.is_final or (req.status is Status.RESOLVED
                               and not req.in_feedback_window(e.clock.now())):
        return await ask_new(turn, texts, files)
    replies = await attach_kept(turn, request_id, files)
    if req.status is Status.RESOLVED:
        if not texts:
            await turn.set_state(None)
            return _edited(replies, edit)
        from conversations.workflow import ask_reopen

        return _edited(replies + await ask_reopen(turn, req, joined(texts)), edit)
    await turn.set_state(None)
    answering = req.status is Status.WAITING and req.wait_reason is WaitReason.CUSTOMER
    for text in texts:
        req = await services.comment(e.uow_factory, e.clock, actor_id=turn.person.id,
                                     request_id=request_id, body=text, channel=turn.channel)
    if not texts:
        return _edited(replies, edit)
    if answering:
        said = _("Thank you! Your answer was added to {ref} and sent to {name}.",
                 ref=req.reference, name=req.assignee_name or "?")
    elif req.assignee_name:
        said = _("Added to {ref} as a comment; {name} is told.", ref=req.reference,
                 name=req.assignee_name)
    else:
        said = _("Added to {ref} as a comment; whoever takes the request will see it.",
                 ref=req.reference)
    return _edited([Reply(said)] + replies, edit)


def _edited(replies: list[Reply], edit: bool) -> list[Reply]:
    """The first reply replaces the question whose button was pressed (its buttons go)."""
    if edit and replies:
        first = replies[0]
        return [Reply(first.text, first.buttons, edit=True, attachments=first.attachments),
                *replies[1:]]
    return replies


async def on_which(turn: Turn, action: Action) -> list[Reply]:
    """The answer to "which request is this about?"."""
    data = turn.state.data
    if turn.state.state != "free.which":
        return [_stale_choice()]
    texts, files = pending_texts(data), pending_files(data)
    if action.arg == "new":
        from conversations.intake import start_intake

        await turn.set_state(None)
        return [Reply(_("A new request with your message."), edit=True)] + \
            await start_intake(turn, description=joined(texts), files=files)
    if action.request_id not in (data.get("offered") or []):
        return [_stale_choice()]
    return await store_on(turn, action.request_id, texts, files, edit=True)


async def on_new(turn: Turn, action: Action) -> list[Reply]:
    """The answer to "place a new request with this text?"."""
    data = turn.state.data
    if turn.state.state != "free.new":
        return [_stale_choice()]
    texts, files = pending_texts(data), pending_files(data)
    await turn.set_state(None)
    if action.arg != "y":
        await drop_kept(turn, files)
        return [Reply(_("All right; nothing was placed and your message was not kept."),
                      edit=True)]
    from conversations.intake import start_intake

    return [Reply(_("A new request with your message."), edit=True)] + \
        await start_intake(turn, description=joined(texts), files=files)


def _stale_choice() -> Reply:
    message = _("This button is no longer valid.")
    return Reply(message, toast=message, edit=True)


async def more(turn: Turn, text: str) -> list[Reply]:
    """More free text (or files) while a question about earlier text is pending: kept with
    it (the question, still above with its buttons, decides for all of it)."""
    data, state = dict(turn.state.data), turn.state.state or ""
    texts = pending_texts(data) + ([text] if text else [])
    refused = _too_long(texts)
    if refused is not None:
        return [refused]
    new_files = await keep_files(turn) if turn.inbound.attachments else []
    replies: list[Reply] = []
    if state == "reopen.ask":
        # The request exists: files go on it now; the text waits for "reopen?".
        replies = await attach_kept(turn, int(data["request_id"]), new_files)
        await turn.set_state(state, **{**data, "text": joined(texts)})
    else:
        await turn.set_state(state, **{**data, "texts": texts,
                                       "files": pending_files(data) + new_files})
    return _kept(text) + replies


def _kept(text: str) -> list[Reply]:
    kept = _("I keep this with your previous message.") if text else \
        _("I keep this file with your previous message.")
    return [Reply(kept + " " + _("Please answer the question above."))]


async def initiator_files(turn: Turn, caption: str) -> list[Reply]:
    """Files from an initiator with no request in context (see module doc)."""
    files = await keep_files(turn)
    texts = [caption] if caption else []
    return await initiator_message(turn, texts, files)


# -- staff ---------------------------------------------------------------------------------------


async def staff_text(turn: Turn, text: str) -> list[Reply] | None:
    """Staff free text with a card opened in the last 30 minutes: "add to HD-… as …?"; None
    when there is no such card (the caller gives the short hint)."""
    request_id = await _current_card(turn)
    if request_id is None or not text:
        return None
    try:
        async with turn.engine.uow_factory(read_only=True) as uow:
            req = await services.load_visible(uow, turn.person, request_id)
        await services.check_allowed(turn.engine.uow_factory, actor_id=turn.person.id,
                                     request_id=request_id, act="comment")
    except DomainError:
        return None
    if req.status.is_final:
        return None
    refused = _too_long([text])
    if refused is not None:
        return [refused]
    await turn.set_state("free.staff", request_id=request_id, texts=[text])
    return await _ask_staff(turn, request_id)


async def _ask_staff(turn: Turn, request_id: int) -> list[Reply]:
    e = turn.engine
    async with e.uow_factory(read_only=True) as uow:
        req = await services.load_visible(uow, turn.person, request_id)
    text = _("Add to {ref} as:", ref=req.reference)
    return [Reply(text, (button(e.codec, _("Public comment"), "ftstaff", request_id, "p"),
                         button(e.codec, _("Internal note"), "ftstaff", request_id, "i"),
                         button(e.codec, _("Neither"), "ftstaff", request_id, "n")))]


async def on_staff(turn: Turn, action: Action) -> list[Reply]:
    """The answer to "add to HD-… as …?"."""
    e, data = turn.engine, turn.state.data
    if turn.state.state != "free.staff" or data.get("request_id") != action.request_id \
            or action.arg not in ("p", "i", "n"):
        return [_stale_choice()]
    texts = pending_texts(data)
    await turn.set_state(None)
    if action.arg == "n":
        return [Reply(_("All right; it was not added to any request."), edit=True)]
    internal = action.arg == "i"
    req = None
    for text in texts:
        req = await services.comment(e.uow_factory, e.clock, actor_id=turn.person.id,
                                     request_id=action.request_id, body=text,
                                     channel=turn.channel, internal=internal)
    ref = req.reference if req else ""
    if internal:
        return [Reply(_("Internal note added to {ref}.", ref=ref), edit=True)]
    return [Reply(_("Comment added to {ref}.", ref=ref), edit=True)]


BUTTONS = {
    "ftfor": on_which,
    "ftnew": on_new,
    "ftstaff": on_staff,
}
