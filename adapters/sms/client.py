"""The Twilio Messages API through the twilio package's async client, rate-limited.

The SDK client is held, not inherited from; its base URL comes from TWILIO_API_URL so tests
point it at a local fake. A 429 (Twilio error 20429) is retried after a pause; error 21610
(the number sent STOP) raises ``OptedOut``; any other refusal raises ``SmsError``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from core.ports import RateGate
from core.telemetry import telemetry

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.twilio.com"
OPTED_OUT = 21610
TOO_MANY_REQUESTS = 20429


class SmsError(Exception):
    """The provider refused or failed to take the message."""

    def __init__(self, message: str, code: int | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class OptedOut(SmsError):
    """The recipient opted out (STOP); nothing may be sent until they send START."""


@dataclass(frozen=True)
class Accepted:
    """What the provider answered for a message it accepted."""

    sid: str
    status: str
    segments: int


class RateLimiter:
    """At most ``rate`` calls per second, spaced evenly (one per sender number)."""

    def __init__(self, rate: float, *, monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.interval = 1.0 / rate
        self._monotonic = monotonic
        self._sleep = sleep
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        """Return when the next call may be made."""
        async with self._lock:
            now = self._monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            await self._sleep(slot - now)


def make_client(account_sid: str, auth_token: str, api_url: str) -> Client:
    """A twilio ``Client`` with the async HTTP client, talking to ``api_url``."""
    client = Client(account_sid, auth_token, http_client=AsyncTwilioHttpClient())
    if api_url.rstrip("/") != DEFAULT_API_URL:
        client.edge = client.region = None  # TWILIO_EDGE/REGION would rewrite the host
        client.api.base_url = api_url.rstrip("/")
    return client


class TwilioMessages:
    """Creates messages from one sender (a number or a Messaging Service), rate-limited."""

    def __init__(
        self,
        client: Client,
        *,
        from_number: str | None = None,
        messaging_service_sid: str | None = None,
        status_callback: str | None = None,
        rate_per_second: float = 1.0,
        retries_on_429: int = 3,
        shared: RateGate | None = None,
    ) -> None:
        if not from_number and not messaging_service_sid:
            raise ValueError("set TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID")
        self.client = client
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid
        self.status_callback = status_callback
        self.limiter = RateLimiter(rate_per_second)
        # The sender's pace across every process (Redis), on top of this process's pace.
        self.shared = shared
        self.shared_key = f"sms:{messaging_service_sid or from_number}"
        self.retries_on_429 = retries_on_429

    async def create(self, to: str, body: str) -> Accepted:
        """Send ``body`` to ``to``; raises ``OptedOut`` or ``SmsError`` when refused."""
        for attempt in range(self.retries_on_429 + 1):
            await self.limiter.wait()
            if self.shared is not None:
                await self.shared.wait(self.shared_key)
            try:
                message = await self.client.messages.create_async(
                    to=to,
                    from_=self.from_number if not self.messaging_service_sid else None,
                    messaging_service_sid=self.messaging_service_sid,
                    body=body,
                    status_callback=self.status_callback,
                )
            except TwilioRestException as exc:
                if exc.code == OPTED_OUT:
                    raise OptedOut(exc.msg, exc.code, exc.status) from None
                if exc.status == 429:
                    telemetry().rate_limited("twilio")
                if exc.status == 429 and attempt < self.retries_on_429:
                    log.info("Twilio rate limit (429); retrying")
                    await asyncio.sleep(min(4.0, self.limiter.interval * 2 ** attempt))
                    continue
                raise SmsError(f"Twilio refused the message: {exc.msg}", exc.code,
                               exc.status) from None
            except (OSError, TimeoutError, aiohttp.ClientError, TwilioException) as exc:
                raise SmsError(f"Twilio unreachable or unreadable: {exc!r}") from None
            segments = int(message.num_segments or 1)
            return Accepted(message.sid or "", message.status or "queued", segments)
        raise SmsError("Twilio kept answering 429", TOO_MANY_REQUESTS, 429)

    async def close(self) -> None:
        http = self.client.http_client
        if isinstance(http, AsyncTwilioHttpClient):
            await http.close()
