"""Link pages: ``GET /l/{token}`` shows a request as the link's person sees it, with the
buttons the link allows; ``POST /l/{token}`` presses one (or answers the question the bot
asked, e.g. the reason of a dispute) through the conversation core, like any other channel.

No JavaScript and no cookies: each form carries a hidden token bound to the link and to the
button it presses, and a POST from another site (Origin) is refused. A link that changed its
request cannot be used again. Every failure is a short page in the reader's language.
"""

from __future__ import annotations

import abc
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import jinja2
from aiohttp import web

from adapters.web.inbox import Outcome, Receive, event_key, new_nonce, settled, to_payload
from adapters.web.tokens import Link, LinkExpired, LinkInvalid, LinkSigner, same_origin
from core.actions import ActionCodec, BadPayload
from core.clock import Clock
from core.errors import DomainError
from core.i18n import _, normalise_language, translate, use_language
from core.messages import Inbound, Reply
from core.sms_ports import LinkUses

log = logging.getLogger(__name__)

CHANNEL = "web"
PATH = "/l/{token}"
MAX_TEXT = 4000
TITLE = "Helpdesk"

Handle = Callable[[Inbound], Awaitable[list[Reply]]]
CardOf = Callable[[int, int], Awaitable[Reply]]  # (person_id, request_id), raises DomainError
VersionOf = Callable[[int], Awaitable[int | None]]  # request_id -> its version
ExpectsText = Callable[[int, int], Awaitable[bool]]  # (person_id, request_id)
LanguageOf = Callable[[int], Awaitable[str | None]]  # person_id -> language
TextsBySms = Callable[[int], Awaitable[bool]]  # person_id -> has a phone we text
T = TypeVar("T")

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",  # the token is in the URL: never leak it elsewhere
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                               "form-action 'self'; frame-ancestors 'none'",
}

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
)


def render_page(language: str, *, status: int = 200, notice: str | None = None,
                notice_kind: str = "info", lines: str = "", forms: tuple[ButtonForm, ...] = (),
                text_form: dict[str, Any] | None = None, hint: str | None = None,
                action: str = "", nonce: str = "") -> web.Response:
    """A phone-sized page (``templates/page.html``): a notice, the text, one form per button
    (the first one primary), an optional text answer and a hint — every link page's shape."""
    html = _env.get_template("page.html").render(
        lang=language, title=TITLE, notice=notice, notice_kind=notice_kind, lines=lines,
        forms=forms, text_form=text_form, hint=hint, action=action, nonce=nonce,
    )
    return web.Response(text=html, status=status, content_type="text/html",
                        headers=SECURITY_HEADERS)


@dataclass(frozen=True)
class ButtonForm:
    label: str
    payload: str
    csrf: str


def accepted_language(request: web.Request) -> str | None:
    """The first language of Accept-Language that we speak."""
    for part in request.headers.get("Accept-Language", "").split(","):
        language = normalise_language(part.split(";")[0].strip())
        if language:
            return language
    return None


class TokenPages(abc.ABC, Generic[T]):
    """Pages opened by a signed token in their URL: ``GET`` shows, ``POST`` acts.

    A forged or expired token gets a short page in the reader's language (400 / 410); the
    token's person's language is used once it is known; nothing raised ever reaches the reader
    (500, "Sorry, …"). Subclasses say how to read a token and what to show and do.
    """

    default_language: str
    public_base_url: str | None
    language_of: LanguageOf

    @abc.abstractmethod
    def read_token(self, token: str) -> T:
        """What ``token`` stands for; raises ``LinkInvalid`` or ``LinkExpired``."""

    @abc.abstractmethod
    def person_of(self, subject: T) -> int: ...

    @abc.abstractmethod
    async def show_page(self, request: web.Request, subject: T,
                        language: str) -> web.Response: ...

    @abc.abstractmethod
    async def act_page(self, request: web.Request, subject: T,
                       language: str) -> web.Response: ...

    def page(self, language: str, **parts: Any) -> web.Response:
        return render_page(language, **parts)

    def expired_page(self, language: str) -> web.Response:
        """410 for a genuine token that is too old (call inside ``use_language``)."""
        return self.page(language, status=410, notice_kind="error",
                         notice=_("This link has expired."))

    async def _open(self, request: web.Request) -> tuple[T | None, str, web.Response | None]:
        """The token's subject and the reader's language, or an error page."""
        language = accepted_language(request) or self.default_language
        try:
            subject = self.read_token(request.match_info["token"])
        except LinkExpired:
            with use_language(language):
                return None, language, self.expired_page(language)
        except LinkInvalid:
            with use_language(language):
                return None, language, self.page(
                    language, status=400, notice_kind="error",
                    notice=_("This link is not valid. Please open it exactly as you "
                             "received it."))
        language = await self.language_of(self.person_of(subject)) or language
        return subject, language, None

    async def show(self, request: web.Request) -> web.Response:
        return await self._serve(request, self.show_page)

    async def act(self, request: web.Request) -> web.Response:
        return await self._serve(request, self.act_page)

    async def _serve(self, request: web.Request, respond: Callable[
            [web.Request, T, str], Awaitable[web.Response]]) -> web.Response:
        try:
            subject, language, error = await self._open(request)
            if error is not None or subject is None:
                return error  # type: ignore[return-value]
            return await respond(request, subject, language)
        except Exception:
            log.exception("%s failed on %s %s", type(self).__name__, request.method,
                          request.path.split("/")[1])
            return self._sorry(request)

    def _same_origin(self, request: web.Request) -> bool:
        return same_origin(request.headers.get("Origin"), self.public_base_url,
                           f"{request.scheme}://{request.host}")

    def _sorry(self, request: web.Request) -> web.Response:
        language = accepted_language(request) or self.default_language
        with use_language(language):
            message = _("Sorry, something went wrong on our side. Please try again.")
        return self.page(language, status=500, notice=message, notice_kind="error")


class LinkPages(TokenPages[Link]):
    """The ``/l/{token}`` routes."""

    def __init__(
        self,
        *,
        signer: LinkSigner,
        uses: LinkUses,
        codec: ActionCodec,
        clock: Clock,
        handle: Handle,
        card: CardOf,
        version_of: VersionOf,
        expects_text: ExpectsText,
        language_of: LanguageOf,
        public_base_url: str | None = None,
        default_language: str = "en",
        texts_by_sms: TextsBySms | None = None,
        receive: Receive | None = None,
        outcome: Outcome | None = None,
    ) -> None:
        self.signer = signer
        self.uses = uses
        self.codec = codec
        self.clock = clock
        self.handle = handle
        self.card = card
        self.version_of = version_of
        self.expects_text = expects_text
        self.language_of = language_of
        self.public_base_url = public_base_url
        self.default_language = default_language
        self.texts_by_sms = texts_by_sms
        # The durable inbox (``adapters.web.inbox``); None: handled here directly.
        self.receive = receive
        self.outcome = outcome

    def mount(self, web_app: web.Application) -> None:
        web_app.router.add_get(PATH, self.show)
        web_app.router.add_post(PATH, self.act)

    # -- rendering ---------------------------------------------------------------------------
    def text_form(self, token: str) -> dict[str, Any]:
        return {"csrf": self.signer.form_token(token, "text"), "label": _("Your answer"),
                "submit": _("Send"), "maxlength": MAX_TEXT}

    async def _hint(self, person_id: int) -> str | None:
        """"Send MY by text message" — only for people who can text us (not e-mail only)."""
        if self.texts_by_sms is not None and not await self.texts_by_sms(person_id):
            return None
        return _("To see your requests, send MY by text message.")

    def read_token(self, token: str) -> Link:
        return self.signer.read(token)

    def person_of(self, subject: Link) -> int:
        return subject.person_id

    def expired_page(self, language: str) -> web.Response:
        return self.page(language, status=410, notice=_("This link has expired."),
                         notice_kind="error",
                         hint=_("To see your requests, send MY by text message."))

    # -- GET ---------------------------------------------------------------------------------
    async def show_page(self, request: web.Request, subject: Link,
                        language: str) -> web.Response:
        return await self._show(subject, language)

    async def _show(self, link: Link, language: str, notice: str | None = None,
                    notice_kind: str = "info") -> web.Response:
        action = PATH.format(token=link.token)
        used = await self.uses.used_at(link.token)
        with use_language(language):
            try:
                card = await self.card(link.person_id, link.request_id)
            except DomainError as exc:
                return self.page(language, notice=translate(exc.text), notice_kind="error",
                                 hint=await self._hint(link.person_id))
            if used is not None:
                return self.page(language, notice=_("This link was already used."),
                                 notice_kind="info", lines=card.text)
            forms = tuple(
                ButtonForm(b.label, b.payload, self.signer.form_token(link.token, b.payload))
                for b in card.buttons if self._allowed(link, b.payload)
            )
            text_form = None
            if await self.expects_text(link.person_id, link.request_id):
                text_form = self.text_form(link.token)
            return self.page(language, notice=notice, notice_kind=notice_kind, lines=card.text,
                             forms=forms, text_form=text_form, action=action,
                             nonce=new_nonce())

    def _allowed(self, link: Link, payload: str) -> bool:
        try:
            action = self.codec.unpack(payload)
        except BadPayload:
            return False
        return action.name in link.actions and action.request_id == link.request_id

    # -- POST --------------------------------------------------------------------------------
    async def act_page(self, request: web.Request, link: Link,
                       language: str) -> web.Response:
        with use_language(language):
            stale = _("This page is out of date; please open the link again.")
        if not self._same_origin(request):
            return self.page(language, status=403, notice=stale, notice_kind="error")
        form = await request.post()
        payload, text = form.get("payload"), form.get("text")
        key = event_key("l", link.token, form.get("nonce"),
                        [(k, v) for k, v in (("payload", payload), ("text", text))
                         if isinstance(v, str)])
        if self.outcome is not None:
            repeated = await settled(self.outcome, key)
            if repeated is not None:  # the same form posted again: its first result
                return await self._result(link, language, repeated, None)
        if await self.uses.used_at(link.token) is not None:
            response = await self._show(link, language)
            response.set_status(409)
            return response
        csrf = str(form.get("csrf") or "")
        person_id = link.person_id
        if isinstance(payload, str):
            if not self.signer.check_form(link.token, payload, csrf) or \
                    not self._allowed(link, payload):
                return self.page(language, status=400, notice=stale, notice_kind="error")
            inbound = Inbound(CHANNEL, str(person_id), payload=payload, person_id=person_id)
        elif isinstance(text, str):
            if not self.signer.check_form(link.token, "text", csrf):
                return self.page(language, status=400, notice=stale, notice_kind="error")
            if not await self.expects_text(person_id, link.request_id):
                return await self._show(link, language)
            inbound = Inbound(CHANNEL, str(person_id), text=text[:MAX_TEXT], person_id=person_id)
        else:
            return self.page(language, status=400, notice=stale, notice_kind="error")

        before = await self.version_of(link.request_id)
        if self.receive is None or self.outcome is None:
            replies = await self.handle(inbound)
            return await self._result(link, language, ("done", replies), before)
        await self.receive(key, person_id, to_payload(inbound))  # raises: not stored (500)
        found = await settled(self.outcome, key)
        return await self._result(link, language, found or ("pending", []), before)

    async def _result(self, link: Link, language: str, outcome: tuple[str, list[Reply]],
                      before: int | None) -> web.Response:
        """The page after a POST: what the bot answered; the link is used up once the press
        changed the request (``before``: its version before; None for a repeated POST)."""
        status, replies = outcome
        person_id = link.person_id
        with use_language(language):
            if status == "pending":  # stored; someone else is applying the conversation's
                return self.page(language, status=202, notice_kind="info", notice=_(
                    "Received. It will be applied in a moment; open the page again to see "
                    "the result."))
            failed = any(r.toast for r in replies)
            said = "\n\n".join(r.text for r in replies)
            if failed:
                return self.page(language, status=409, notice=said, notice_kind="error",
                                 hint=await self._hint(person_id))
            if before is None:
                changed = await self.uses.used_at(link.token) is not None
            else:
                changed = before != await self.version_of(link.request_id)
            if changed:
                await self.uses.mark_used(link.token, person_id, link.request_id, link.kind,
                                          self.clock.now())
                return self.page(language, notice=said, notice_kind="success",
                                 hint=await self._hint(person_id))
            text_form = None
            if await self.expects_text(person_id, link.request_id):
                text_form = self.text_form(link.token)
            return self.page(language, lines=said, text_form=text_form,
                             action=PATH.format(token=link.token), nonce=new_nonce())
