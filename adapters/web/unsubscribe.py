"""The unsubscribe page (``/u/{token}``): turn status-change notices off (or back on).

``GET`` only shows what the link does and a button — a link preview or a mail scanner that
fetches the link changes nothing. ``POST`` with the button's form token turns the notices off
(or on). A ``POST`` with the body ``List-Unsubscribe=One-Click`` (RFC 8058, sent by mail
programs for the ``List-Unsubscribe-Post`` header) turns them off without a page.

Questions addressed to the person and the resolution of their requests are always sent: which
notices are optional is decided in ``core.notifications``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta

from aiohttp import web

from adapters.web.pages import SECURITY_HEADERS, ButtonForm, TokenPages
from adapters.web.tokens import DatedTokens, LinkInvalid
from core.clock import Clock
from core.i18n import _, use_language
from core.preference_ports import NoticePreferences

log = logging.getLogger(__name__)

UNSUBSCRIBE_PATH = "/u/{token}"
TTL = timedelta(days=400)  # an old e-mail's link keeps working for more than a year
ONE_CLICK = "One-Click"
OFF, ON = "off", "on"
_VALUE = re.compile(r"^u([0-9a-f]{1,8})$")

LanguageOf = Callable[[int], Awaitable[str | None]]  # person_id -> language


class UnsubscribeSigner(DatedTokens):
    """Makes and reads unsubscribe tokens (a person, signed and dated), and form tokens.

    A separate salt from the link pages' tokens: neither kind of token opens the other page.
    """

    def __init__(self, secret: str, clock: Clock) -> None:
        super().__init__(secret, clock, "helpdesk.unsubscribe", "helpdesk.unsubscribe.form")

    def make(self, person_id: int) -> str:
        return self.sign_value(f"u{person_id:x}")

    def read(self, token: str) -> int:
        """The person a token stands for; raises ``LinkInvalid`` or ``LinkExpired``."""
        raw, _issued = self.read_value(token, max_age=TTL)
        match = _VALUE.match(raw)
        if not match:
            raise LinkInvalid("not an unsubscribe token")
        return int(match.group(1), 16)


class UnsubscribePages(TokenPages[int]):
    """The ``/u/{token}`` routes (a token stands for a person)."""

    def __init__(
        self,
        *,
        signer: UnsubscribeSigner,
        preferences: NoticePreferences,
        clock: Clock,
        language_of: LanguageOf,
        public_base_url: str | None = None,
        default_language: str = "en",
        channel: str = "email",
    ) -> None:
        self.signer = signer
        self.preferences = preferences
        self.clock = clock
        self.language_of = language_of
        self.public_base_url = public_base_url
        self.default_language = default_language
        self.channel = channel

    def mount(self, web_app: web.Application) -> None:
        web_app.router.add_get(UNSUBSCRIBE_PATH, self.show)
        web_app.router.add_post(UNSUBSCRIBE_PATH, self.act)

    def url(self, person_id: int) -> str | None:
        """The unsubscribe link of ``person_id`` (None without PUBLIC_BASE_URL)."""
        if not self.public_base_url:
            return None
        return self.public_base_url.rstrip("/") + UNSUBSCRIBE_PATH.format(
            token=self.signer.make(person_id))

    def read_token(self, token: str) -> int:
        return self.signer.read(token)

    def person_of(self, subject: int) -> int:
        return subject

    # -- rendering ---------------------------------------------------------------------------
    def _choice_page(self, token: str, language: str, off: bool, *, notice: str | None = None,
                     notice_kind: str = "info") -> web.Response:
        """The page offering to turn notices off (or, when they are off, back on)."""
        with use_language(language):
            always = _("Questions addressed to you and the resolution of your requests are "
                       "always sent.")
            if off:
                lines = _("Notices about status changes are off for you.") + "\n" + always
                form = ButtonForm(_("Turn them back on"), ON, self.signer.form_token(token, ON))
            else:
                lines = _("Stop notices about status changes, such as a request being claimed "
                          "or put back in the queue?") + "\n" + always
                form = ButtonForm(_("Stop these notices"), OFF,
                                  self.signer.form_token(token, OFF))
        return self.page(language, notice=notice, notice_kind=notice_kind, lines=lines,
                         forms=(form,), action=UNSUBSCRIBE_PATH.format(token=token))

    # -- GET ---------------------------------------------------------------------------------
    async def show_page(self, request: web.Request, subject: int,
                        language: str) -> web.Response:
        off = await self.preferences.notices_off(subject)
        return self._choice_page(request.match_info["token"], language, off)

    # -- POST --------------------------------------------------------------------------------
    async def act_page(self, request: web.Request, person_id: int,
                       language: str) -> web.Response:
        token = request.match_info["token"]
        form = await request.post()
        if form.get("List-Unsubscribe") == ONE_CLICK:
            # RFC 8058: the mail program asks on the reader's behalf; no page, no Origin.
            await self.preferences.set_notices(person_id, False, self.channel, self.clock.now())
            log.info("person %s turned status notices off (one-click)", person_id)
            return web.Response(status=200, text="unsubscribed", headers=SECURITY_HEADERS)
        choice, csrf = form.get("payload"), str(form.get("csrf") or "")
        with use_language(language):
            stale = _("This page is out of date; please open the link again.")
        if (not self._same_origin(request) or choice not in (OFF, ON)
                or not self.signer.check_form(token, str(choice), csrf)):
            return self.page(language, status=400 if self._same_origin(request) else 403,
                             notice=stale, notice_kind="error")
        off = choice == OFF
        await self.preferences.set_notices(person_id, not off, self.channel, self.clock.now())
        log.info("person %s turned status notices %s", person_id, choice)
        with use_language(language):
            notice = (_("Done: you will no longer get notices about status changes.") if off
                      else _("Done: you will get notices about status changes again."))
        return self._choice_page(token, language, off, notice=notice, notice_kind="success")

