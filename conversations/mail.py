"""What an incoming e-mail does: place a request, or comment on / reopen the one it replies to.

E-mail is not a dialog: a message arrives whole (subject, text, files) and must end up
somewhere without questions and answers. The rules themselves stay in ``core.services``:

- **A reply** (it names a request the sender may see, by its headers or the subject):
  inside the feedback window of a resolved request it **reopens** it (``services.reopen``);
  otherwise it is a **comment** (``services.comment``), which answers a question that was
  waiting for the customer (the request goes back in progress). Its files are attached.
- **A new message** (or a reply to a closed or cancelled request, or to a request the sender
  may not see): a request of the default type (``EMAIL_DEFAULT_TYPE``, else the first public
  type). The e-mail's subject is the request's subject (and, so nothing is lost, also the
  first line of the description). Its files are attached to the new request.

The sender is identified (and registered when registration is open) by the engine, under the
same per-conversation lock and in the same language as on every channel. Only a new request
gets an answer (its reference, so the next reply threads in); a refusal gets one too, except
for unknown senders when registration is closed (answering them would mail spam's forged
senders).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core import attachment_service, services
from core.errors import DomainError
from core.i18n import _, translate
from core.inbox_ports import TurnScope
from core.messages import Inbound, Reply
from core.model import MAX_DESCRIPTION, Request, subject_from
from core.permissions import can_see

if TYPE_CHECKING:
    from conversations.engine import Conversations, Turn


@dataclass
class MailResult:
    """What came of the message: ``outcome`` is placed / comment / reopened / refused."""

    outcome: str
    request_id: int | None = None
    replies: list[Reply] = field(default_factory=list)


async def on_mail(engine: Conversations, inbound: Inbound, *, subject: str,
                  reference: str | None, default_type: str | None,
                  scope: TurnScope | None = None) -> MailResult:
    """Handle one incoming e-mail (see the module doc). Never raises for bad input. With an
    inbox ``scope`` (``core.inbox_ports``) everything it changes commits together with the
    inbox row marked processed; an unexpected failure rolls it all back and is raised."""
    async with engine.turn(inbound, scope) as turn:
        if turn is None:  # unknown, registration closed: no answer (no backscatter to spam)
            result = MailResult("refused", None)
        else:
            try:
                target = await _replied_request(turn, reference)
                if target is not None:
                    result = await _follow_up(turn, target)
                else:
                    result = await _place(turn, subject, default_type)
            except DomainError as exc:
                result = MailResult("refused", None, [Reply(translate(exc.text))])
        if scope is not None:
            await scope.finish(result.replies, None)
        return result


async def _replied_request(turn: Turn, reference: str | None) -> Request | None:
    """The live request the message replies to, when the sender may see it."""
    if not reference:
        return None
    async with turn.engine.uow_factory() as uow:
        req = await uow.requests.by_reference(reference)
    if req is None or req.status.is_final or not can_see(turn.person, req):
        return None
    return req


async def _follow_up(turn: Turn, req: Request) -> MailResult:
    e, text = turn.engine, turn.inbound.text or ""
    rid = req.id or 0
    outcome = "comment"
    if text:
        if req.in_feedback_window(e.clock.now()) and req.initiator_id == turn.person.id:
            await services.reopen(e.uow_factory, e.clock, actor_id=turn.person.id,
                                  request_id=rid, message=text, channel=turn.channel)
            outcome = "reopened"
        else:
            await services.comment(e.uow_factory, e.clock, actor_id=turn.person.id,
                                   request_id=rid, body=text[:MAX_DESCRIPTION],
                                   channel=turn.channel)
    problems = await _attach(turn, rid)
    if not text and not turn.inbound.attachments:
        return MailResult("empty", rid)
    return MailResult(outcome, rid, [Reply("\n".join(problems))] if problems else [])


async def _place(turn: Turn, subject: str, default_type: str | None) -> MailResult:
    e = turn.engine
    async with e.uow_factory() as uow:
        rtype = await uow.types.by_name(default_type) if default_type else None
        if rtype is None:
            public = await uow.types.list(include_internal=turn.is_staff)
            rtype = public[0] if public else None
    if rtype is None:
        return MailResult("refused", None, [Reply(_(
            "No request types are configured yet; please tell your helpdesk admin."))])
    body = (turn.inbound.text or "").strip()
    description = "\n\n".join(part for part in (subject.strip(), body) if part)
    if not description and turn.inbound.attachments:
        description = ", ".join(a.name for a in turn.inbound.attachments)
    if not description:
        return MailResult("empty", None)
    if len(description) > MAX_DESCRIPTION:
        description = description[:MAX_DESCRIPTION - 1].rstrip() + "…"
    req = await services.place(e.uow_factory, e.clock, actor_id=turn.person.id,
                               type_id=rtype.id, description=description,
                               channel=turn.channel,
                               subject=subject_from(subject.strip() or description))
    rid = req.id or 0
    problems = await _attach(turn, rid)
    text = _("Request {ref} is placed. I will tell you when someone takes it.",
             ref=req.reference)
    return MailResult("placed", rid, [Reply("\n".join([text, *problems]))])


async def _attach(turn: Turn, request_id: int) -> list[str]:
    """Store the message's files on the request; returns why files were refused (too large,
    files not accepted), so the sender learns it."""
    e = turn.engine
    if not turn.inbound.attachments:
        return []
    if e.attachments is None:
        return [_("Files are not accepted here; please describe it in words.")]
    problems = []
    for attachment in turn.inbound.attachments:
        try:
            await attachment_service.attach(
                e.uow_factory, e.clock, e.attachments, actor_id=turn.person.id,
                request_id=request_id, attachment=attachment, channel=turn.channel)
        except DomainError as exc:
            problems.append(f"{attachment.name}: {translate(exc.text)}")
    return problems
