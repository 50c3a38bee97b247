"""A local fake of Twilio's Programmable Messaging REST API, for tests and benchmarks.

``FakeTwilioAPI`` is an aiohttp server on 127.0.0.1 (ephemeral port) that answers

* ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` (create a message) and
* ``GET /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json`` (fetch it back)

like api.twilio.com does: HTTP basic auth, form-encoded parameters, the Message resource
JSON, and Twilio's error JSON ``{"code", "message", "more_info", "status"}``. On top of that
it enforces a per-sender rate (429 / 20429), honours opt-outs (400 / 21610), injects faults
and slow answers, and POSTs signed status callbacks.

Pointing the real ``twilio`` client at the fake
-----------------------------------------------
Every REST call goes through a *domain* object whose ``base_url`` is read on each request
(``twilio.base.domain.Domain.absolute_url``); the Messages API lives on ``client.api``
(``ApiBase`` sets it to ``https://api.twilio.com``). So, inside a running event loop::

    client = Client(sid, token, http_client=AsyncTwilioHttpClient())
    client.edge = client.region = None
    client.api.base_url = fake.base_url
    await client.messages.create_async(to=..., from_=..., body=...)   # reaches the fake

``make_client`` does exactly that (the tests check it). Clearing ``edge`` / ``region`` keeps
a TWILIO_EDGE / TWILIO_REGION from the environment from rewriting the host
(``ClientBase.get_hostname`` would turn ``127.0.0.1`` into ``127.<edge>.<region>...``).
``AsyncTwilioHttpClient`` opens its aiohttp session in its constructor, so it must be built
while an event loop is running. Only ``client.api`` is redirected; other domains
(``messaging``, ``lookups``...) still point at twilio.com and are not faked.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import random
import re
import secrets
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http import HTTPStatus
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

log = logging.getLogger(__name__)

API_VERSION = "2010-04-01"
ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "fake-twilio-auth-token"

GSM7 = "GSM-7"
UCS2 = "UCS-2"
# GSM 03.38: the basic table (one septet each) and the extension table (ESC + one septet).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("\f^{}\\[~]|€")
_LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}  # (single message, each part of a long one)

MAX_BODY = 1600
OPT_OUT_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
OPT_IN_KEYWORDS = frozenset({"START", "YES", "UNSTOP"})
HELP_KEYWORDS = frozenset({"HELP", "INFO"})
STATUSES = ("queued", "accepted", "sending", "sent", "delivered", "undelivered", "failed")
# auto_status -> the callbacks Twilio would send on the way there, and their ErrorCode.
_AUTO_STEPS = {
    "sent": ("sent",),
    "delivered": ("sent", "delivered"),
    "undelivered": ("sent", "undelivered"),
    "failed": ("failed",),
}
_AUTO_ERRORS = {"undelivered": 30003, "failed": 30008}
_RATE_TOLERANCE = 0.02  # of the window: absorbs scheduling jitter of a client pacing exactly
_ADDRESS = re.compile(r"^(?:[a-z]+:)?\+[1-9]\d{1,14}$")


def segments(body: str) -> tuple[str, int]:
    """Encoding (``"GSM-7"`` or ``"UCS-2"``) and number of SMS segments of ``body``.

    GSM-7 when every character is in the GSM 03.38 tables (extension characters such as
    ``€ [ ] { } ~ ^ | \\`` take two septets): 160 septets fit one SMS, 153 each part of a
    concatenated one. Any other character switches the whole text to UCS-2, counted in
    UTF-16 code units: 70 in one SMS, 67 per part. Like Twilio's segment calculator, parts
    are packed greedily and a two-unit character (escape pair, surrogate pair) is never
    split across two parts, so a long text can take one part more than ``ceil(n / 153)``.
    An empty body is 0 segments (the API still reports ``num_segments`` "1" for it).
    """
    if all(c in GSM7_BASIC or c in GSM7_EXTENDED for c in body):
        encoding, costs = GSM7, [2 if c in GSM7_EXTENDED else 1 for c in body]
    else:
        encoding, costs = UCS2, [2 if ord(c) > 0xFFFF else 1 for c in body]
    single, part = _LIMITS[encoding]
    if sum(costs) <= single:
        return encoding, 1 if body else 0
    count, used = 1, 0
    for cost in costs:
        if used + cost > part:
            count, used = count + 1, 0
        used += cost
    return encoding, count


def signed_inbound(
    url: str, params: Mapping[str, str], auth_token: str
) -> tuple[dict[str, str], bytes]:
    """Headers and form body of a webhook POST to ``url``, signed as Twilio signs it.

    The ``X-Twilio-Signature`` is ``RequestValidator(auth_token).compute_signature(url,
    params)``: HMAC-SHA1 over the full URL followed by the sorted parameter names and values.
    """
    signature = RequestValidator(auth_token).compute_signature(url, dict(params))
    headers = {
        "X-Twilio-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
        "User-Agent": "TwilioProxy/1.1",
        "I-Twilio-Idempotency-Token": str(uuid.uuid4()),
    }
    return headers, urlencode(dict(params)).encode()


def twilio_error(status: int, code: int, message: str) -> web.Response:
    """A response carrying Twilio's error JSON."""
    payload = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return web.json_response(payload, status=status)


def _rfc2822(moment: datetime | None) -> str | None:
    return format_datetime(moment) if moment else None


@dataclass
class SentMessage:
    """A message the fake accepted (``FakeTwilioAPI.messages``)."""

    sid: str
    to: str
    from_: str | None
    messaging_service_sid: str | None
    body: str
    media_urls: list[str]
    segments: int
    encoding: str
    at: datetime
    status: str = "queued"
    status_callback: str | None = None
    error_code: int | None = None
    updated: datetime | None = None


@dataclass
class Delivery:
    """A POST the fake made: a status callback or a simulated inbound webhook."""

    url: str
    params: dict[str, str]
    headers: dict[str, str]
    status: int | None  # HTTP status the receiver answered; None when unreachable
    error: str | None = None


@dataclass
class _Fault:
    status: int
    code: int
    message: str


@dataclass
class _Counters:
    requests: int = 0
    injected_failures: int = 0
    limit_violations: int = 0
    sent_at: defaultdict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))


class FakeTwilioAPI:
    """Twilio's Messages API on 127.0.0.1, with rate limits, opt-outs, faults and callbacks.

    Use ``async with FakeTwilioAPI() as fake`` (or ``start()`` / ``close()``) and point a
    client at ``fake.base_url`` (see ``make_client``). Accepted messages are in
    ``fake.messages``; POSTs the fake made (callbacks, webhooks) in ``fake.deliveries``.

    :param account_sid: the only account sid accepted (in the URL and as basic-auth user).
    :param auth_token: the basic-auth password; also the key signing callbacks.
    :param rate_limit: messages a sender (From, else MessagingServiceSid) may send per
        ``rate_window`` seconds (sliding window, 2 % slack for timing jitter); one more
        gets 429 / 20429. ``None`` disables the limit.
    :param rate_window: the window of ``rate_limit``, in seconds (shorten it in fast tests).
    :param status_callback: callback URL for messages created without StatusCallback.
    :param auto_status: ``"sent"``, ``"delivered"``, ``"undelivered"`` or ``"failed"``: after
        each accepted message, move it there in the background, POSTing each step
        (e.g. sent, then delivered) to its callback URL. ``None``: only ``send_status``.
    :param status_delay: seconds before each automatic status step.
    :param latency: seconds every answer is delayed by (see also ``slow_next``).
    """

    def __init__(
        self,
        account_sid: str = ACCOUNT_SID,
        auth_token: str = AUTH_TOKEN,
        *,
        rate_limit: int | None = 1,
        rate_window: float = 1.0,
        status_callback: str | None = None,
        auto_status: str | None = None,
        status_delay: float = 0.0,
        latency: float = 0.0,
    ) -> None:
        if auto_status is not None and auto_status not in _AUTO_STEPS:
            raise ValueError(f"auto_status must be one of {sorted(_AUTO_STEPS)}")
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.rate_limit = rate_limit
        self.rate_window = rate_window
        self.status_callback = status_callback
        self.auto_status = auto_status
        self.status_delay = status_delay
        self.latency = latency
        self.messages: list[SentMessage] = []
        self.deliveries: list[Delivery] = []
        self.opted_out: set[str] = set()
        self.media: dict[str, tuple[bytes, str]] = {}  # media sid -> (content, content type)
        self.media_downloads: list[str] = []  # media sids fetched, in order
        self._counters = _Counters()
        self._faults: deque[_Fault] = deque()
        self._slow: deque[float] = deque()
        self._fault_rate = 0.0
        self._fault_rng = random.Random()
        self._random_fault = _Fault(500, 20500, "Internal Server Error")
        self._tasks: set[asyncio.Task[None]] = set()
        self._clients: list[AsyncTwilioHttpClient] = []
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._port: int | None = None

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> FakeTwilioAPI:
        """Listen on 127.0.0.1 on a free port; returns ``self``."""
        app = web.Application()
        base = f"/{API_VERSION}/Accounts/{{account_sid}}/Messages"
        app.router.add_post(base + ".json", self._create_message)
        app.router.add_get(base + "/{sid}.json", self._fetch_message)
        app.router.add_get(base + "/{sid}/Media/{media_sid}", self._fetch_media)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]
        self._session = aiohttp.ClientSession()
        return self

    async def close(self) -> None:
        """Stop the server, pending status callbacks and the clients ``make_client`` made."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for http in self._clients:
            await http.close()
        self._clients.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTwilioAPI:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``: what replaces ``https://api.twilio.com``."""
        if self._port is None:
            raise RuntimeError("FakeTwilioAPI is not started")
        return f"http://127.0.0.1:{self._port}"

    def messages_url(self) -> str:
        """Full URL of this account's Messages.json on the fake."""
        return f"{self.base_url}/{API_VERSION}/Accounts/{self.account_sid}/Messages.json"

    def reset(self) -> None:
        """Forget messages, deliveries, opt-outs, counters, faults and slow answers."""
        self.messages.clear()
        self.deliveries.clear()
        self.opted_out.clear()
        self._counters = _Counters()
        self._faults.clear()
        self._slow.clear()
        self._fault_rate = 0.0

    # -- what happened -----------------------------------------------------------------

    @property
    def requests(self) -> int:
        """Create-message requests received, whatever their answer."""
        return self._counters.requests

    @property
    def injected_failures(self) -> int:
        """Requests failed on purpose by ``fail_next`` / ``inject``."""
        return self._counters.injected_failures

    @property
    def limit_violations(self) -> int:
        """Requests refused with 429 / 20429 by the sender rate limit."""
        return self._counters.limit_violations

    def messages_to(self, number: str) -> list[SentMessage]:
        """Accepted messages addressed to ``number``, oldest first."""
        return [m for m in self.messages if m.to == number]

    def message(self, sid: str) -> SentMessage:
        """The accepted message ``sid`` (KeyError if unknown)."""
        for record in self.messages:
            if record.sid == sid:
                return record
        raise KeyError(sid)

    # -- behaviour knobs ---------------------------------------------------------------

    def opt_out(self, number: str) -> None:
        """``number`` replied STOP: sends to it now fail with 400 / 21610."""
        self.opted_out.add(number)

    def opt_in(self, number: str) -> None:
        """``number`` replied START: sends to it work again."""
        self.opted_out.discard(number)

    def fail_next(self, n: int = 1, status: int = 500, code: int | None = None) -> None:
        """Fail the next ``n`` create requests with ``status`` (Twilio code 20000+status)."""
        fault = self._fault(status, code)
        self._faults.extend([fault] * n)

    def inject(
        self, rate: float, *, seed: int | None = None, status: int = 500, code: int | None = None
    ) -> None:
        """Fail each create request with probability ``rate`` (0 disables), reproducibly."""
        self._fault_rate = rate
        self._fault_rng = random.Random(seed)
        self._random_fault = self._fault(status, code)

    def slow_next(self, n: int = 1, seconds: float = 1.0) -> None:
        """Delay the next ``n`` answers by ``seconds`` (instead of ``latency``)."""
        self._slow.extend([seconds] * n)

    @staticmethod
    def _fault(status: int, code: int | None) -> _Fault:
        return _Fault(status, code or 20000 + status, HTTPStatus(status).phrase)

    # -- callbacks and inbound messages ------------------------------------------------

    async def send_status(
        self, sid: str, status: str, *, error_code: int | None = None
    ) -> Delivery | None:
        """Move message ``sid`` to ``status`` and POST the signed status callback.

        The callback goes to the message's StatusCallback, else the fake's default; returns
        what was delivered, or ``None`` when the message has no callback URL.
        """
        if status not in STATUSES:
            raise ValueError(f"unknown message status {status!r}")
        record = self.message(sid)
        record.status, record.error_code = status, error_code
        record.updated = datetime.now(UTC)
        url = record.status_callback or self.status_callback
        if not url:
            return None
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "MessageSid": sid,
            "SmsSid": sid,
            "MessageStatus": status,
            "SmsStatus": status,
            "To": record.to,
            "From": record.from_ or "",
        }
        if record.messaging_service_sid:
            params["MessagingServiceSid"] = record.messaging_service_sid
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        return await self._post_signed(url, params)

    def add_media(self, data: bytes, content_type: str) -> str:
        """Host ``data`` as MMS media; returns its URL (served with the account's basic
        auth, like Twilio's media URLs when media authentication is on)."""
        message_sid = "MM" + secrets.token_hex(16)
        media_sid = "ME" + secrets.token_hex(16)
        self.media[media_sid] = (data, content_type)
        return (f"{self.base_url}/{API_VERSION}/Accounts/{self.account_sid}/Messages/"
                f"{message_sid}/Media/{media_sid}")

    async def inbound_sms(
        self, from_: str, to: str, body: str, *, url: str | None = None,
        media: Sequence[tuple[bytes, str]] = (),
    ) -> Delivery | None:
        """Simulate an SMS from ``from_`` to your number ``to``.

        Twilio's default keywords apply (STOP, UNSUBSCRIBE... opt ``from_`` out; START,
        YES, UNSTOP opt in; the webhook then carries ``OptOutType``). With ``url``, POSTs
        the signed incoming-message webhook there and returns the delivery.
        """
        keyword = body.strip().upper()
        opt_out_type = None
        if keyword in OPT_OUT_KEYWORDS:
            self.opt_out(from_)
            opt_out_type = "STOP"
        elif keyword in OPT_IN_KEYWORDS:
            self.opt_in(from_)
            opt_out_type = "START"
        elif keyword in HELP_KEYWORDS:
            opt_out_type = "HELP"
        if url is None:
            return None
        sid = "SM" + secrets.token_hex(16)
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "MessageSid": sid,
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "SmsStatus": "received",
            "From": from_,
            "To": to,
            "Body": body,
            "NumMedia": str(len(media)),
            "NumSegments": str(max(1, segments(body)[1])),
        }
        for index, (data, content_type) in enumerate(media):
            params[f"MediaUrl{index}"] = self.add_media(data, content_type)
            params[f"MediaContentType{index}"] = content_type
        if opt_out_type:
            params["OptOutType"] = opt_out_type
        return await self._post_signed(url, params)

    async def drain(self) -> None:
        """Wait until the automatic status callbacks started so far have been POSTed."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _post_signed(self, url: str, params: dict[str, str]) -> Delivery:
        if self._session is None:
            raise RuntimeError("FakeTwilioAPI is not started")
        headers, body = signed_inbound(url, params, self.auth_token)
        delivery = Delivery(url, params, headers, status=None)
        try:
            async with self._session.post(url, data=body, headers=headers) as response:
                await response.read()
                delivery.status = response.status
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            delivery.error = repr(exc)
            log.warning("fake Twilio could not POST to %s: %r", url, exc)
        self.deliveries.append(delivery)
        return delivery

    async def _auto_status(self, sid: str, final: str) -> None:
        for status in _AUTO_STEPS[final]:
            await asyncio.sleep(self.status_delay)
            await self.send_status(sid, status, error_code=_AUTO_ERRORS.get(status))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- HTTP handlers -----------------------------------------------------------------

    async def _create_message(self, request: web.Request) -> web.Response:
        self._counters.requests += 1
        await self._pause()
        if not self._authorised(request):
            return twilio_error(401, 20003, "Authenticate")
        form = await request.post()
        to = str(form.get("To", "")).strip()
        from_ = str(form.get("From", "")).strip() or None
        service = str(form.get("MessagingServiceSid", "")).strip() or None
        body = str(form.get("Body", ""))
        media = [str(url) for url in form.getall("MediaUrl", [])]
        refused = _invalid(to, from_, service, body, media)
        if refused is None:
            refused = self._take_fault()
        if refused is not None:
            return refused
        if to in self.opted_out:
            return twilio_error(400, 21610, "Attempt to send to unsubscribed recipient")
        if not self._admit(from_ or service or ""):
            self._counters.limit_violations += 1
            return twilio_error(429, 20429, "Too Many Requests")
        encoding, count = segments(body)
        record = SentMessage(
            sid="SM" + secrets.token_hex(16),
            to=to,
            from_=from_,
            messaging_service_sid=service,
            body=body,
            media_urls=media,
            segments=max(1, count),
            encoding=encoding,
            at=datetime.now(UTC),
            status="queued" if from_ else "accepted",
            status_callback=str(form.get("StatusCallback", "")) or None,
        )
        self.messages.append(record)
        if self.auto_status:
            self._spawn(self._auto_status(record.sid, self.auto_status))
        return web.json_response(self._resource(record), status=201)

    async def _fetch_message(self, request: web.Request) -> web.Response:
        await self._pause()
        if not self._authorised(request):
            return twilio_error(401, 20003, "Authenticate")
        try:
            record = self.message(request.match_info["sid"])
        except KeyError:
            return twilio_error(404, 20404, f"The requested resource {request.path} was not found")
        return web.json_response(self._resource(record))

    async def _fetch_media(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return twilio_error(401, 20003, "Authenticate")
        found = self.media.get(request.match_info["media_sid"])
        if found is None:
            return twilio_error(404, 20404, "The requested resource was not found")
        self.media_downloads.append(request.match_info["media_sid"])
        data, content_type = found
        return web.Response(body=data, content_type=content_type)

    async def _pause(self) -> None:
        delay = self._slow.popleft() if self._slow else self.latency
        if delay > 0:
            await asyncio.sleep(delay)

    def _authorised(self, request: web.Request) -> bool:
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        try:
            decoded = base64.b64decode(encoded, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return False
        login, _, password = decoded.partition(":")
        return (
            scheme.lower() == "basic"
            and request.match_info["account_sid"] == self.account_sid
            and (login, password) == (self.account_sid, self.auth_token)
        )

    def _take_fault(self) -> web.Response | None:
        if self._faults:
            fault = self._faults.popleft()
        elif self._fault_rate > 0 and self._fault_rng.random() < self._fault_rate:
            fault = self._random_fault
        else:
            return None
        self._counters.injected_failures += 1
        return twilio_error(fault.status, fault.code, fault.message)

    def _admit(self, sender: str) -> bool:
        """Sliding window: at most ``rate_limit`` accepted sends per sender per window."""
        if self.rate_limit is None:
            return True
        now = time.monotonic()
        recent = self._counters.sent_at[sender]
        horizon = now - self.rate_window * (1 - _RATE_TOLERANCE)
        while recent and recent[0] <= horizon:
            recent.popleft()
        if len(recent) >= self.rate_limit:
            return False
        recent.append(now)
        return True

    def _resource(self, record: SentMessage) -> dict[str, Any]:
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{record.sid}"
        sent = record.status in ("sent", "delivered", "undelivered")
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": record.body,
            "date_created": _rfc2822(record.at),
            "date_sent": _rfc2822(record.updated) if sent else None,
            "date_updated": _rfc2822(record.updated or record.at),
            "direction": "outbound-api",
            "error_code": record.error_code,
            "error_message": None,
            "from": record.from_,
            "messaging_service_sid": record.messaging_service_sid,
            "num_media": str(len(record.media_urls)),
            "num_segments": str(record.segments),
            "price": None,
            "price_unit": "USD",
            "sid": record.sid,
            "status": record.status,
            "subresource_uris": {"media": f"{uri}/Media.json", "feedback": f"{uri}/Feedback.json"},
            "to": record.to,
            "uri": f"{uri}.json",
        }


def _invalid(
    to: str, from_: str | None, service: str | None, body: str, media: list[str]
) -> web.Response | None:
    """Twilio's 400 for a create request it would not accept, or ``None``."""
    if not to:
        return twilio_error(400, 21604, "A 'To' phone number is required.")
    if not _ADDRESS.match(to):
        return twilio_error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
    if not from_ and not service:
        return twilio_error(400, 21603, "A 'From' phone number is required.")
    if not body and not media:
        return twilio_error(400, 21602, "Message body is required.")
    if len(body) > MAX_BODY:
        return twilio_error(
            400, 21617, "The concatenated message body exceeds the 1600 character limit."
        )
    return None


def make_client(
    fake: FakeTwilioAPI, account_sid: str | None = None, auth_token: str | None = None
) -> Client:
    """A ``twilio.rest.Client`` with ``AsyncTwilioHttpClient``, talking to ``fake``.

    Credentials default to the fake's own. Call it inside a running event loop; the fake
    closes the client's HTTP session in ``close()`` (closing it earlier is fine too).
    """
    http = AsyncTwilioHttpClient()
    client = Client(
        account_sid or fake.account_sid,
        auth_token or fake.auth_token,
        http_client=http,
    )
    client.edge = client.region = None  # a TWILIO_EDGE / TWILIO_REGION would rewrite the host
    client.api.base_url = fake.base_url
    fake._clients.append(http)
    return client
