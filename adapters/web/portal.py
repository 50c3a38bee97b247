"""The web portal (``/p``): for people without a chat app, and for staff at a desk.

Server-rendered pages (``templates/portal.html``), no JavaScript, phone-sized, in the
person's language. Everything a person does goes through the conversation core like any
channel (channel ``web``, the same dialog key as the link pages): buttons are the card's
buttons, a comment is the Comment button followed by its text, a file is sent on the request
being commented, a new request is the channel-neutral request form (``core.forms``).

- **Sign-in by magic link** (no passwords): the person gives their e-mail address or phone
  number; a link is sent there (``send_link``) that works **once**, for **15 minutes**.
  Opening it shows a "Sign in" button (a mail scanner's GET signs nobody in); pressing it
  signs in. Asking is rate-limited per address and per IP (``RATE_*``), and the answer is the
  same whether the address is known or not.
- **Session**: a signed cookie (``hd_session``: person and a random session id), HttpOnly,
  SameSite=Lax, Secure when ``PUBLIC_BASE_URL`` is https, valid 30 days and renewed on every
  visit (sliding). Every form carries a CSRF token bound to the session id; a POST without it
  (or from another site, by ``Origin``) is refused with 403 and changes nothing.
- A request the person may not see is **404**, whatever the reason.
- ``view_link(person_id, request_id)``: a signed link for notices ("View the request") that
  opens the request page signed in (valid 30 days; it only signs in, it changes nothing).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from adapters.web.inbox import (
    NONCE,
    Outcome,
    Receive,
    event_key,
    new_nonce,
    settled,
    to_payload,
)
from adapters.web.inbox import upload as _upload
from adapters.web.pages import SECURITY_HEADERS, accepted_language
from adapters.web.tokens import DatedTokens, LinkError, LinkInvalid, same_origin
from core.clock import Clock
from core.errors import DomainError
from core.forms import REQUEST_FORM, Form, FormResult
from core.i18n import _, use_language
from core.messages import Inbound, Reply

log = logging.getLogger(__name__)

CHANNEL = "web"
COOKIE = "hd_session"
MAGIC_MINUTES = 15
SESSION_DAYS = 30
VIEW_DAYS = 30
RATE_PER_ADDRESS = 5  # sign-in links asked for one address per window
RATE_PER_IP = 20  # … from one IP address per window
RATE_WINDOW = 15 * 60  # seconds
MAX_UPLOAD = 50 * 1024 * 1024
FORM_ONCE_SECONDS = 24 * 3600  # a request form posted again within this is placed once

Handle = Callable[[Inbound], Awaitable[list[Reply]]]
CardOf = Callable[[int, int], Awaitable[Reply]]  # (person, request) → card + history
ExpectsText = Callable[[int], Awaitable[bool]]  # person → is a question waiting for text
# (channel, address) → the person (registered when registration is open), or None
Identify = Callable[[str, str], Awaitable[int | None]]
# address as typed → (channel, normalised address), or None when it is neither
AddressOf = Callable[[str], tuple[str, str] | None]
SendLink = Callable[[str, str, str, str], Awaitable[bool]]  # (channel, address, url, lang)
RememberOnce = Callable[[str, float], Awaitable[bool]]
# person → [(section title, [(request id, reference, text)], text when empty)]
Sections = Callable[[int], Awaitable[list[tuple[str, list[tuple[int, str, str]], str]]]]
# person → (may sign in: exists and active, their language)
PersonInfo = Callable[[int], Awaitable[tuple[bool, str | None]]]
LatestRequest = Callable[[int], Awaitable[int | None]]  # person → their newest request
OpenForm = Callable[[Inbound, str], Awaitable[Form | list[Reply] | None]]
SubmitForm = Callable[[Inbound, str, dict[str, str], str], Awaitable[FormResult]]
Pack = Callable[[str, int], str]  # (action name, request id) → payload

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


class PortalTokens(DatedTokens):
    """Magic-link, session and view-link tokens; each kind has its own prefix and salt."""

    def __init__(self, secret: str, clock: Clock) -> None:
        super().__init__(secret, clock, "helpdesk.portal", "helpdesk.portal.form")

    def magic(self, channel: str, address: str) -> str:
        packed = f"{channel}|{address}|{os.urandom(8).hex()}".encode()
        return self.sign_value("m" + base64.urlsafe_b64encode(packed).decode().rstrip("="))

    def read_magic(self, token: str) -> tuple[str, str, str]:
        """(channel, address, nonce); raises ``LinkInvalid`` / ``LinkExpired``."""
        value, _issued = self.read_value(token, timedelta(minutes=MAGIC_MINUTES))
        if not value.startswith("m"):
            raise LinkInvalid("not a magic link")
        try:
            packed = base64.urlsafe_b64decode(value[1:] + "=" * (-len(value[1:]) % 4))
            parts = packed.decode().split("|")
        except (ValueError, UnicodeDecodeError):
            raise LinkInvalid("not a magic link") from None
        if len(parts) != 3:
            raise LinkInvalid("not a magic link")
        return parts[0], parts[1], parts[2]

    def session(self, person_id: int, session_id: str) -> str:
        return self.sign_value(f"s|{person_id:x}|{session_id}")

    def read_session(self, token: str) -> tuple[int, str]:
        value, _issued = self.read_value(token, timedelta(days=SESSION_DAYS))
        parts = value.split("|")
        if len(parts) != 3 or parts[0] != "s":
            raise LinkInvalid("not a session")
        return int(parts[1], 16), parts[2]

    def view(self, person_id: int, request_id: int) -> str:
        return self.sign_value(f"v|{person_id:x}|{request_id:x}")

    def read_view(self, token: str) -> tuple[int, int]:
        value, _issued = self.read_value(token, timedelta(days=VIEW_DAYS))
        parts = value.split("|")
        if len(parts) != 3 or parts[0] != "v":
            raise LinkInvalid("not a view link")
        return int(parts[1], 16), int(parts[2], 16)

    def csrf(self, session_id: str) -> str:
        return self.form_token(session_id, "csrf")


@dataclass
class Session:
    person_id: int
    session_id: str
    language: str

    @property
    def address(self) -> str:
        return str(self.person_id)


@dataclass
class Portal:
    """The portal's routes (see the module doc); everything else is passed in."""

    tokens: PortalTokens
    clock: Clock
    handle: Handle
    card: CardOf
    sections: Sections
    latest_request: LatestRequest
    open_form: OpenForm
    submit_form: SubmitForm
    pack: Pack
    expects_text: ExpectsText
    person_info: PersonInfo
    identify: Identify
    address_of: AddressOf
    send_link: SendLink
    remember_once: RememberOnce
    public_base_url: str | None
    default_language: str = "en"
    max_upload: int = MAX_UPLOAD
    # The durable inbox (``adapters.web.inbox``); None: POSTs are handled here directly.
    receive: Receive | None = None
    outcome: Outcome | None = None

    # -- wiring --------------------------------------------------------------------------
    def mount(self, web_app: web.Application) -> None:
        r = web_app.router
        r.add_get("/p", self._guard(self.home))
        r.add_get("/p/sign-in", self._guard(self.sign_in_page))
        r.add_post("/p/sign-in", self._guard(self.ask_link))
        r.add_get("/p/m/{token}", self._guard(self.magic_page))
        r.add_post("/p/m/{token}", self._guard(self.use_magic))
        r.add_get("/p/v/{token}", self._guard(self.use_view))
        r.add_post("/p/sign-out", self._guard(self.sign_out))
        r.add_get("/p/r/{id}", self._guard(self.request_page))
        r.add_post("/p/r/{id}", self._guard(self.act))
        r.add_get("/p/new", self._guard(self.new_page))
        r.add_post("/p/new", self._guard(self.place))
        r.add_post("/p/step", self._guard(self.step))

    def view_link(self, person_id: int, request_id: int) -> str | None:
        """The notice link that opens the request page signed in."""
        if not self.public_base_url:
            return None
        return f"{self.public_base_url}/p/v/{self.tokens.view(person_id, request_id)}"

    def _guard(self, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
               ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def guarded(request: web.Request) -> web.StreamResponse:
            try:
                return await handler(request)
            except web.HTTPException:
                raise
            except Exception:
                log.exception("portal failed on %s %s", request.method, request.path)
                language = accepted_language(request) or self.default_language
                with use_language(language):
                    return self._page(language, status=500, notice_kind="error", notice=_(
                        "Sorry, something went wrong on our side. Please try again."))
        return guarded

    # -- rendering -----------------------------------------------------------------------
    def _words(self) -> dict[str, str]:
        return {
            "menu": _("Menu"), "my_requests": _("My requests"),
            "new_request": _("New request"), "sign_out": _("Sign out"),
            "address": _("Your e-mail address or phone number"),
            "send_link": _("Send me a sign-in link"),
            "sign_in_hint": _("No password: we send you a link that signs you in. It works "
                              "once, for 15 minutes."),
            "sign_in": _("Sign in"), "send": _("Send"), "comment": _("Add a comment"),
            "attach": _("Attach a file"), "upload": _("Upload"),
        }

    def _page(self, language: str, *, status: int = 200, session: Session | None = None,
              heading: str | None = None, page: str = "", notice: str | None = None,
              notice_kind: str = "info", **parts: Any) -> web.Response:
        html = _env.get_template("portal.html").render(
            lang=language, title=heading or "Helpdesk", heading=heading or "Helpdesk",
            page=page, notice=notice, notice_kind=notice_kind, t=self._words(),
            signed_in=session is not None, nonce=new_nonce(),
            csrf=self.tokens.csrf(session.session_id) if session else parts.pop("csrf", ""),
            **parts)
        response = web.Response(text=html, status=status, content_type="text/html",
                                headers=SECURITY_HEADERS)
        if session is not None:
            self._set_cookie(response, session)  # sliding: 30 more days from now
        return response

    def _set_cookie(self, response: web.StreamResponse, session: Session) -> None:
        secure = bool(self.public_base_url and self.public_base_url.startswith("https://"))
        response.set_cookie(COOKIE, self.tokens.session(session.person_id, session.session_id),
                            max_age=SESSION_DAYS * 24 * 3600, path="/p", httponly=True,
                            secure=secure, samesite="Lax")

    def _redirect(self, location: str, session: Session | None = None) -> web.Response:
        response = web.Response(status=303, headers={"Location": location, **SECURITY_HEADERS})
        if session is not None:
            self._set_cookie(response, session)
        return response

    # -- sessions ------------------------------------------------------------------------
    async def _session(self, request: web.Request) -> Session | None:
        token = request.cookies.get(COOKIE)
        if not token:
            return None
        try:
            person_id, session_id = self.tokens.read_session(token)
        except (LinkError, ValueError):
            return None
        may, language = await self.person_info(person_id)
        if not may:
            return None
        return Session(person_id, session_id,
                       language or accepted_language(request) or self.default_language)

    async def _posted(self, request: web.Request, session: Session | None,
                      form: Any) -> web.Response | None:
        """403 unless the form carries this session's CSRF token and comes from here."""
        served_at = f"{request.scheme}://{request.host}"
        origin_ok = same_origin(request.headers.get("Origin"), self.public_base_url, served_at)
        given = str(form.get("csrf", "")) if form is not None else ""
        expected = self.tokens.csrf(session.session_id) if session else ""
        if session is None or not origin_ok or not hmac.compare_digest(
                expected.encode(), given.encode("utf-8", "surrogatepass")):
            language = session.language if session else (
                accepted_language(request) or self.default_language)
            with use_language(language):
                return self._page(language, status=403, notice_kind="error", notice=_(
                    "This form has expired or did not come from this site; nothing was "
                    "changed. Please try again."), heading=_("Helpdesk"))
        return None

    async def _signed_in(self, request: web.Request) -> Session | web.Response:
        session = await self._session(request)
        if session is None:
            return self._redirect("/p/sign-in")
        return session

    # -- sign-in -------------------------------------------------------------------------
    async def sign_in_page(self, request: web.Request) -> web.StreamResponse:
        language = accepted_language(request) or self.default_language
        with use_language(language):
            return self._page(language, heading=_("Sign in"), page="sign_in", address="")

    async def _rate_ok(self, kind: str, who: str, limit: int) -> bool:
        window = int(self.clock.now().timestamp()) // RATE_WINDOW
        for slot in range(limit):
            if await self.remember_once(f"portal-rate:{kind}:{who}:{window}:{slot}",
                                        RATE_WINDOW * 2):
                return True
        return False

    async def ask_link(self, request: web.Request) -> web.StreamResponse:
        language = accepted_language(request) or self.default_language
        form = await request.post()
        typed = str(form.get("address", "")).strip()[:320]
        with use_language(language):
            found = self.address_of(typed) if typed else None
            if found is None:
                return self._page(language, status=400, heading=_("Sign in"), page="sign_in",
                                  address=typed, notice_kind="error", notice=_(
                                      "Please write an e-mail address (name@example.com) or a "
                                      "phone number in international form (+40 721 234 567)."))
            channel, address = found
            ip = request.remote or "?"
            if not (await self._rate_ok("ip", ip, RATE_PER_IP)
                    and await self._rate_ok("address", address, RATE_PER_ADDRESS)):
                return self._page(language, status=429, heading=_("Sign in"), page="sign_in",
                                  address=typed, notice_kind="error", notice=_(
                                      "Too many sign-in links were asked for; please wait a "
                                      "few minutes and try again."))
            url = f"{self.public_base_url or ''}/p/m/{self.tokens.magic(channel, address)}"
            try:
                await self.send_link(channel, address, url, language)
            except Exception:  # noqa: BLE001 - the same answer either way (no address probing)
                log.warning("could not send a sign-in link by %s", channel, exc_info=True)
            return self._page(language, heading=_("Sign in"), notice=_(
                "If {address} may use this helpdesk, a sign-in link is on its way. It works "
                "once, for 15 minutes.", address=address))

    async def magic_page(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        language = accepted_language(request) or self.default_language
        with use_language(language):
            try:
                self.tokens.read_magic(token)
            except LinkError:
                return self._expired_link(language)
            return self._page(language, heading=_("Sign in"), page="magic",
                              action=f"/p/m/{token}",
                              csrf=self.tokens.form_token(token, "magic"))

    def _expired_link(self, language: str) -> web.Response:
        return self._page(language, status=410, heading=_("Sign in"), page="sign_in",
                          address="", notice_kind="error", notice=_(
                              "This sign-in link has expired or was already used. Ask for a "
                              "new one below."))

    async def use_magic(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        language = accepted_language(request) or self.default_language
        form = await request.post()
        with use_language(language):
            try:
                channel, address, nonce = self.tokens.read_magic(token)
            except LinkError:
                return self._expired_link(language)
            if not self.tokens.check_form(token, "magic", str(form.get("csrf", ""))):
                return self._page(language, status=403, notice_kind="error", notice=_(
                    "This form has expired or did not come from this site; nothing was "
                    "changed. Please try again."), heading=_("Sign in"))
            if not await self.remember_once(f"portal-magic:{nonce}",
                                            MAGIC_MINUTES * 60 * 2):
                return self._expired_link(language)
            person_id = await self.identify(channel, address)
            if person_id is None:
                return self._page(language, status=403, heading=_("Sign in"),
                                  notice_kind="error", notice=_(
                                      "Sorry, this helpdesk only serves registered people."))
        return self._redirect("/p", Session(person_id, os.urandom(8).hex(), language))

    async def use_view(self, request: web.Request) -> web.StreamResponse:
        try:
            person_id, request_id = self.tokens.read_view(request.match_info["token"])
        except LinkError:
            return self._redirect("/p/sign-in")
        session = await self._session(request)
        if session is None or session.person_id != person_id:
            session = Session(person_id, os.urandom(8).hex(), self.default_language)
        return self._redirect(f"/p/r/{request_id}", session)

    async def sign_out(self, request: web.Request) -> web.StreamResponse:
        session = await self._session(request)
        refused = await self._posted(request, session, await request.post())
        if refused is not None:
            return refused
        response = self._redirect("/p/sign-in")
        response.del_cookie(COOKIE, path="/p")
        return response

    # -- pages ---------------------------------------------------------------------------
    def _inbound(self, session: Session, **fields: Any) -> Inbound:
        return Inbound(CHANNEL, session.address, person_id=session.person_id,
                       language=session.language, **fields)

    async def home(self, request: web.Request) -> web.StreamResponse:
        session = await self._signed_in(request)
        if isinstance(session, web.Response):
            return session
        with use_language(session.language):
            sections = [{"title": title, "empty": empty,
                         "entries": [{"id": rid, "ref": ref, "text": text}
                                     for rid, ref, text in rows]}
                        for title, rows, empty in await self.sections(session.person_id)]
            return self._page(session.language, session=session, heading=_("My requests"),
                              page="home", sections=sections)

    async def _request_id(self, request: web.Request) -> int:
        raw = request.match_info["id"]
        if not raw.isdigit() or len(raw) > 12:
            raise web.HTTPNotFound()
        return int(raw)

    async def request_page(self, request: web.Request) -> web.StreamResponse:
        session = await self._signed_in(request)
        if isinstance(session, web.Response):
            return session
        return await self._request(session, await self._request_id(request))

    async def _request(self, session: Session, rid: int, notice: str | None = None,
                       notice_kind: str = "info", status: int = 200,
                       offered: tuple[Any, ...] = ()) -> web.StreamResponse:
        with use_language(session.language):
            try:
                card = await self.card(session.person_id, rid)
            except DomainError:
                return self._page(session.language, status=404, session=session,
                                  heading=_("Helpdesk"), notice_kind="error",
                                  notice=_("That request does not exist."))
            answer = None
            if await self.expects_text(session.person_id):
                answer = notice or _("Your answer")
                notice = None
            first, _sep, rest = card.text.partition("\n")
            # The card's buttons, after those the last answer offered (Skip, a rating…).
            shown = {b.payload for b in card.buttons}
            buttons = [b for b in offered if b.payload not in shown] + list(card.buttons)
            forms = [{"label": b.label, "payload": b.payload} for b in buttons]
            can_comment = any(b.payload.split(":", 1)[0] == "comment" for b in card.buttons)
            return self._page(session.language, status=status, session=session,
                              heading=first, page="request", lines=rest.strip(), forms=forms,
                              answer=answer, can_comment=can_comment, action=f"/p/r/{rid}",
                              notice=notice, notice_kind=notice_kind)

    async def act(self, request: web.Request) -> web.StreamResponse:
        """A pressed button, an answer, a comment or a file, through the conversation core."""
        session = await self._signed_in(request)
        if isinstance(session, web.Response):
            return session
        rid = await self._request_id(request)
        try:
            form = await request.post()
        except ValueError:
            form = None
        refused = await self._posted(request, session, form)
        if refused is not None or form is None:
            return refused or web.Response(status=400)
        with use_language(session.language):
            try:
                await self.card(session.person_id, rid)  # 404 before anything else
            except DomainError:
                return self._page(session.language, status=404, session=session,
                                  heading=_("Helpdesk"), notice_kind="error",
                                  notice=_("That request does not exist."))
        events: list[tuple[Inbound, bytes | None]] = []
        fields: list[tuple[str, str]] = []
        if form.get("payload"):
            fields = [("payload", str(form["payload"]))]
            events = [(self._inbound(session, payload=str(form["payload"])), None)]
        elif form.get("text"):
            fields = [("text", str(form["text"]))]
            events = [(self._inbound(session, text=str(form["text"])), None)]
        elif form.get("comment"):
            fields = [("comment", str(form["comment"]))]
            events = [(self._inbound(session, payload=self.pack("comment", rid)), None),
                      (self._inbound(session, text=str(form["comment"])), None)]
        elif isinstance(form.get("file"), web.FileField):
            upload = form["file"]
            assert isinstance(upload, web.FileField)
            data = upload.file.read(self.max_upload + 1)
            attachment = _upload(upload.filename or "file", upload.content_type, data)
            fields = [("file", f"{attachment.name}|{hashlib.sha256(data).hexdigest()}")]
            events = [(self._inbound(session, payload=self.pack("comment", rid)), None),
                      (self._inbound(session, text="", attachments=(attachment,)), data)]
        replies = await self._apply(session, request, form.get("nonce"), fields, events)
        notice = "\n".join(r.text for r in replies if r.text) or None
        offered = replies[-1].buttons if replies else ()
        return await self._request(session, rid, notice, offered=offered)

    async def new_page(self, request: web.Request, session: Session | None = None,
                       values: dict[str, str] | None = None,
                       errors: dict[str, str] | None = None) -> web.StreamResponse:
        if session is None:
            found = await self._signed_in(request)
            if isinstance(found, web.Response):
                return found
            session = found
        form = await self.open_form(self._inbound(session), REQUEST_FORM)
        with use_language(session.language):
            if not isinstance(form, Form):
                notice = "\n".join(r.text for r in form) if isinstance(form, list) else None
                return self._page(session.language, session=session, heading=_("New request"),
                                  notice=notice, notice_kind="error")
            return self._page(session.language, status=400 if errors else 200,
                              session=session, heading=form.title, page="new",
                              fields=form.fields, form_context=form.context, submit=form.submit,
                              values=values or {}, errors=errors or {})

    async def place(self, request: web.Request) -> web.StreamResponse:
        session = await self._signed_in(request)
        if isinstance(session, web.Response):
            return session
        form = await request.post()
        refused = await self._posted(request, session, form)
        if refused is not None:
            return refused
        values = {k: str(v) for k, v in form.items() if k not in ("csrf", "context", "nonce")
                  and isinstance(v, str)}
        nonce = form.get("nonce")
        if isinstance(nonce, str) and NONCE.fullmatch(nonce) and not await self.remember_once(
                f"portal-new:{session.session_id}:{nonce}", FORM_ONCE_SECONDS):
            return self._redirect("/p")  # the same form posted again: placed once
        before = await self.latest_request(session.person_id)
        result = await self.submit_form(self._inbound(session), REQUEST_FORM, values,
                                        str(form.get("context", "")))
        if not result.ok:
            return await self.new_page(request, session, values, result.errors)
        return await self._dialog(session, list(result.replies), before)

    async def step(self, request: web.Request) -> web.StreamResponse:
        """One step of a dialog the core leads (the type's extra fields, the summary's
        Place button): a pressed button or a typed answer."""
        session = await self._signed_in(request)
        if isinstance(session, web.Response):
            return session
        form = await request.post()
        refused = await self._posted(request, session, form)
        if refused is not None:
            return refused
        before = await self.latest_request(session.person_id)
        if form.get("payload"):
            fields = [("payload", str(form["payload"]))]
            inbound = self._inbound(session, payload=str(form["payload"]))
        else:
            fields = [("text", str(form.get("text", "")))]
            inbound = self._inbound(session, text=str(form.get("text", "")))
        replies = await self._apply(session, request, form.get("nonce"), fields,
                                    [(inbound, None)])
        return await self._dialog(session, replies, before)

    async def _apply(self, session: Session, request: web.Request, nonce: object,
                     fields: list[tuple[str, str]],
                     events: list[tuple[Inbound, bytes | None]]) -> list[Reply]:
        """Apply the form's events in order (stored in the inbox first, when there is one)
        and return the replies to the last one; a form posted again (same page nonce and
        fields) is applied once and shown the replies of its first post."""
        if not events:
            return []
        if self.receive is None or self.outcome is None:
            replies: list[Reply] = []
            for inbound, _data in events:
                replies = await self.handle(inbound)
            return replies
        key = event_key("p", f"{session.session_id}|{request.path}", nonce, fields)
        last = f"{key}:{len(events)}"
        found = await settled(self.outcome, last)
        if found is None:
            for number, (inbound, data) in enumerate(events, 1):
                await self.receive(f"{key}:{number}", session.person_id,
                                   to_payload(inbound, data))
            found = await settled(self.outcome, last)
        status, replies = found or ("pending", [])
        if status == "pending":
            with use_language(session.language):
                message = _("Received. It will be applied in a moment; open the page again "
                            "to see the result.")
            return [Reply(message)]
        return replies

    async def _dialog(self, session: Session, replies: list[Reply],
                      before: int | None) -> web.StreamResponse:
        """The request just placed, or the dialog's next step (a question, the summary)."""
        expects = await self.expects_text(session.person_id)
        last = replies[-1] if replies else Reply("")
        placed = await self.latest_request(session.person_id)
        if placed is not None and placed != before:
            return await self._request(session, placed, "\n".join(
                r.text for r in replies if r.text) or None)
        if not expects and not last.buttons:
            return self._redirect("/p")
        with use_language(session.language):
            earlier = "\n".join(r.text for r in replies[:-1] if r.text)
            forms = [{"label": b.label, "payload": b.payload} for b in last.buttons]
            return self._page(session.language, session=session, heading=_("New request"),
                              page="request", lines=last.text, forms=forms,
                              answer=_("Your answer") if expects else None,
                              can_comment=False, action="/p/step", notice=earlier or None)


def link_message(url: str) -> str:
    """The message carrying a sign-in link (call inside the reader's ``use_language``)."""
    return _("Your sign-in link for the helpdesk (it works once, for 15 minutes):") + "\n" + url


__all__ = ["Portal", "PortalTokens", "link_message"]
