"""Twilio webhooks: incoming SMS (``POST /sms/twilio``) and delivery statuses
(``POST /sms/twilio/status``).

Every request must carry a valid ``X-Twilio-Signature`` computed over the *public* URL
(PUBLIC_BASE_URL + path, so it works behind a proxy); anything else is answered 403 and
changes nothing. Incoming messages are processed once per MessageSid. Replies are sent
through the Messages API (rate-limited, logged, with status callbacks); the webhook itself
answers with an empty TwiML document.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from multidict import MultiDict
from twilio.request_validator import RequestValidator

from adapters.limits import MAX_BODY, clean_text
from adapters.sms.client import OPTED_OUT, SmsError
from adapters.sms.media import media_of
from adapters.sms.phones import InvalidPhone, to_e164
from adapters.sms.sender import CHANNEL, SmsSender
from core.clock import Clock
from core.i18n import language_for_phone
from core.messages import Inbound, Reply
from core.sms_ports import SmsRecord, SmsStore

log = logging.getLogger(__name__)

INBOUND_PATH = "/sms/twilio"
STATUS_PATH = "/sms/twilio/status"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
# Twilio's default opt-out and opt-in keywords (it blocks/unblocks the number itself too).
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE",
                        "OPTOUT"})
START_WORDS = frozenset({"START", "YES", "UNSTOP"})
# Delivery errors worth another try (queue overflow, handset unreachable, unknown, lost part).
TRANSIENT_ERRORS = frozenset({"", "30001", "30003", "30008", "30009"})
MAX_ATTEMPTS = 3
DEDUPE_SECONDS = 7 * 24 * 3600

Handle = Callable[[Inbound], Awaitable[list[Reply]]]
RememberOnce = Callable[[str, float], Awaitable[bool]]
# Stores a verified message in the durable inbox (MessageSid, phone, form) and processes it.
Receive = Callable[[str, str, dict[str, str]], Awaitable[bool]]
Report = Callable[[SmsRecord], Awaitable[None]]


def _twiml() -> web.Response:
    return web.Response(text=EMPTY_TWIML, content_type="text/xml")


class TwilioWebhooks:
    """The two Twilio webhooks, mounted on the shared aiohttp app."""

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        public_base_url: str | None,
        handle: Handle,
        sender: SmsSender,
        store: SmsStore,
        remember_once: RememberOnce,
        clock: Clock,
        report: Report | None = None,
        receive: Receive | None = None,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.validator = RequestValidator(auth_token)
        self.public_base_url = public_base_url.rstrip("/") if public_base_url else None
        self.handle = handle
        self.sender = sender
        self.store = store
        self.remember_once = remember_once
        self.clock = clock
        self.report = report
        self.receive = receive  # the inbox (``bots.inbox``); None: handled here directly

    def mount(self, web_app: web.Application) -> None:
        web_app.router.add_post(INBOUND_PATH, self.inbound)
        web_app.router.add_post(STATUS_PATH, self.status)

    def public_url(self, request: web.Request) -> str:
        """The URL Twilio signed: the public one, not the one behind the proxy."""
        if self.public_base_url:
            return self.public_base_url + request.rel_url.path_qs
        return str(request.url)

    async def verified(self, request: web.Request) -> dict[str, str] | None:
        """The parameters if the request is signed by Twilio for our account.

        Form bodies are checked over every value of every name (a name may repeat), as
        Twilio signs them; a JSON body is covered by the ``bodySHA256`` query parameter of
        the signed URL (Twilio's rule for JSON webhooks)."""
        signature = request.headers.get("X-Twilio-Signature", "")
        if not signature:
            return None
        if request.content_length is not None and request.content_length > MAX_BODY:
            return None  # over 1 MB: not read at all
            return None
        url = self.public_url(request)
        try:
            if request.content_type == "application/json":
                body = await request.text()
                if "bodySHA256" not in request.rel_url.query or \
                        not self.validator.validate(url, body, signature):
                    return None
                data = json.loads(body)
                if not isinstance(data, dict):
                    return None
                params = {str(k): v if isinstance(v, str) else json.dumps(v)
                          for k, v in data.items()}
            else:
                form = await request.post()
                signed = MultiDict((k, v) for k, v in form.items() if isinstance(v, str))
                if not self.validator.validate(url, signed, signature):
                    return None
                params = {k: signed[k] for k in signed}  # the first value of each name
        except Exception:  # noqa: BLE001 - unreadable body: not from Twilio
            return None
        if params.get("AccountSid", self.account_sid) != self.account_sid:
            return None
        return params

    async def inbound(self, request: web.Request) -> web.Response:
        params = await self.verified(request)
        if params is None:
            log.warning("refused an unsigned or forged SMS webhook from %s", request.remote)
            return web.Response(status=403, text="invalid signature")
        sid = params.get("MessageSid") or params.get("SmsSid") or ""
        try:
            phone = to_e164(params.get("From", ""))
        except InvalidPhone:
            return web.Response(status=400, text="missing or invalid From")
        if not sid or len(sid) > 200:
            return web.Response(status=400, text="missing MessageSid")
        if clean_text(params.get("Body", "")) is None:
            return web.Response(status=400, text="invalid Body")
        if self.receive is None and not await self.remember_once(f"twilio:{sid}",
                                                                  DEDUPE_SECONDS):
            return _twiml()  # a retry of a message we already handled
        body = params.get("Body", "")
        word = " ".join(body.split()).upper()
        opt = params.get("OptOutType", "").upper()
        if opt == "STOP" or word in STOP_WORDS:
            await self.store.set_opted_out(phone, True, "STOP", self.clock.now())
            return _twiml()
        if opt == "START" or word in START_WORDS:
            await self.store.set_opted_out(phone, False, "START", self.clock.now())
            return _twiml()
        if self.receive is not None:
            try:
                await self.receive(sid, phone, params)
            except Exception:
                log.exception("the SMS %s was not stored; answering 500", sid)
                return web.Response(status=500, text="try again")
            return _twiml()
        try:
            replies = await self.handle(self.to_inbound(phone, params))
            await self.respond_to(phone, replies)
        except SmsError as exc:
            log.warning("could not answer %s: %s", phone, exc)
        except Exception:
            log.exception("failed to handle the SMS %s from %s", sid, phone)
        return _twiml()

    def to_inbound(self, phone: str, params: dict[str, str]) -> Inbound:
        """The message an incoming SMS stands for."""
        sid = params.get("MessageSid") or params.get("SmsSid") or ""
        return Inbound(CHANNEL, phone, text=params.get("Body", ""),
                       language=language_for_phone(phone), message_ref=sid,
                       attachments=media_of(params, self.account_sid, self.auth_token))

    async def respond_to(self, phone: str, replies: list[Reply]) -> None:
        for reply in replies:
            await self.sender.send(phone, reply)

    async def stored_inbound(self, params: dict[str, str]) -> Inbound | None:
        """``to_inbound`` for a message stored in the inbox."""
        return self.to_inbound(to_e164(params.get("From", "")), params)

    async def stored_respond(self, params: dict[str, str], replies: list[Reply]) -> None:
        """Send the replies to a stored message (a number that cannot take them is logged;
        retrying would not help)."""
        try:
            await self.respond_to(to_e164(params.get("From", "")), replies)
        except SmsError as exc:
            log.warning("could not answer %s: %s", params.get("From"), exc)

    async def status(self, request: web.Request) -> web.Response:
        params = await self.verified(request)
        if params is None:
            return web.Response(status=403, text="invalid signature")
        sid = params.get("MessageSid") or params.get("SmsSid") or ""
        status = params.get("MessageStatus") or params.get("SmsStatus") or ""
        if not sid or not status:
            return web.Response(status=400, text="missing MessageSid or MessageStatus")
        code = params.get("ErrorCode") or None
        record = await self.store.update_status(sid, status, code, self.clock.now())
        if record is not None and status in ("undelivered", "failed"):
            try:
                await self.on_failure(record)
            except Exception:
                log.exception("handling the failed SMS %s", sid)
        return web.Response(status=204)

    async def on_failure(self, record: SmsRecord) -> None:
        """Retry a transient failure (up to 3 attempts); otherwise tell the supervisors."""
        code = record.error_code or ""
        if code == str(OPTED_OUT):
            await self.store.set_opted_out(record.to, True, "error 21610", self.clock.now())
            return
        if code in TRANSIENT_ERRORS and record.attempt < MAX_ATTEMPTS:
            if not await self.store.is_opted_out(record.to):
                log.info("SMS %s to %s %s (%s); sending it again", record.sid, record.to,
                         record.status, code or "no code")
                await self.sender.send_text(record.to, record.body, attempt=record.attempt + 1,
                                            retry_of=record.sid)
            return
        log.warning("SMS %s to %s could not be delivered (%s)", record.sid, record.to, code)
        if self.report is not None:
            await self.report(record)

