"""The fake Twilio Messages API, driven by the real twilio client (``create_async``)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import ClientSession, web
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.rest.api.v2010.account.message import MessageInstance

from tests.fakes.twilio_api import (
    GSM7,
    UCS2,
    FakeTwilioAPI,
    make_client,
    segments,
    signed_inbound,
)

SID = "AC" + "ab" * 16
TOKEN = "secret-token-for-tests"
OURS = "+15005550006"
ALICE = "+40712345678"
BOB = "+79161234567"


@pytest.fixture
async def fake() -> AsyncIterator[FakeTwilioAPI]:
    """A fake without rate limit, so tests can send back to back."""
    async with FakeTwilioAPI(SID, TOKEN, rate_limit=None) as api:
        yield api


@pytest.fixture
async def client(fake: FakeTwilioAPI) -> Client:
    return make_client(fake)


async def send(
    client: Client, body: str = "hello", to: str = ALICE, **kwargs: Any
) -> MessageInstance:
    kwargs.setdefault("from_", OURS)
    return await client.messages.create_async(to=to, body=body, **kwargs)


async def refused(client: Client, **kwargs: Any) -> TwilioRestException:
    with pytest.raises(TwilioRestException) as caught:
        await send(client, **kwargs)
    return caught.value


@dataclass
class Receiver:
    """A local webhook endpoint that checks X-Twilio-Signature like our app must."""

    token: str
    url: str = ""
    calls: list[tuple[dict[str, str], bool]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        params = {k: str(v) for k, v in (await request.post()).items()}
        signature = request.headers.get("X-Twilio-Signature", "")
        valid = RequestValidator(self.token).validate(str(request.url), params, signature)
        self.calls.append((params, valid))
        return web.Response(status=204 if valid else 403)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rx = Receiver(TOKEN)
    app = web.Application()
    app.router.add_post("/twilio/status", rx.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    rx.url = f"http://127.0.0.1:{runner.addresses[0][1]}/twilio/status"
    yield rx
    await runner.cleanup()


# -- round trip --------------------------------------------------------------------------


async def test_create_message_round_trip(fake: FakeTwilioAPI, client: Client) -> None:
    media = ["https://example.com/a.png", "https://example.com/b.png"]
    message = await send(client, "Ticket #12 is open", media_url=media,
                         status_callback="https://example.com/status")

    assert re.fullmatch(r"SM[0-9a-f]{32}", message.sid)
    assert (message.status, message.num_segments, message.num_media) == ("queued", "1", "2")
    assert (message.to, message.from_, message.body) == (ALICE, OURS, "Ticket #12 is open")
    assert message.account_sid == SID and message.direction == "outbound-api"
    assert message.date_created is not None and message.uri.endswith(f"{message.sid}.json")

    [record] = fake.messages_to(ALICE)
    assert record.sid == message.sid and record.from_ == OURS and record.media_urls == media
    assert record.status_callback == "https://example.com/status"
    assert (record.encoding, record.segments) == (GSM7, 1)
    assert fake.messages_to(BOB) == [] and fake.requests == 1

    fetched = await client.messages(message.sid).fetch_async()
    assert fetched.sid == message.sid and fetched.status == "queued"


async def test_messaging_service_sender(fake: FakeTwilioAPI, client: Client) -> None:
    service = "MG" + "0" * 32
    message = await send(client, from_=None, messaging_service_sid=service)
    assert message.status == "accepted" and message.messaging_service_sid == service
    assert fake.messages[0].from_ is None


# -- segments ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("", (GSM7, 0)),
        ("a" * 160, (GSM7, 1)),
        ("a" * 161, (GSM7, 2)),
        ("a" * 306, (GSM7, 2)),
        ("a" * 307, (GSM7, 3)),
        ("€" * 80, (GSM7, 1)),  # extension table: 2 septets each
        ("€" * 80 + "a", (GSM7, 2)),
        ("[" * 81, (GSM7, 2)),
        ("a" * 152 + "€" + "a" * 152, (GSM7, 3)),  # the escape pair is not split
        ("ă" * 70, (UCS2, 1)),
        ("ă" * 71, (UCS2, 2)),
        ("ж" * 70, (UCS2, 1)),
        ("ж" * 71, (UCS2, 2)),
        ("ж" * 134, (UCS2, 2)),
        ("ж" * 135, (UCS2, 3)),
        ("a" * 159 + "ă", (UCS2, 3)),  # one non-GSM char turns the whole text to UCS-2
        ("😀" * 35, (UCS2, 1)),  # 2 UTF-16 code units each
        ("😀" * 36, (UCS2, 2)),
    ],
)
def test_segments(body: str, expected: tuple[str, int]) -> None:
    assert segments(body) == expected


@pytest.mark.parametrize(
    ("body", "count"),
    [("a" * 160, "1"), ("a" * 161, "2"), ("€" * 80, "1"), ("[" * 81, "2"),
     ("ă" * 70, "1"), ("ă" * 71, "2"), ("ж" * 70, "1"), ("ж" * 71, "2")],
)
async def test_api_reports_segments(fake: FakeTwilioAPI, client: Client, body: str,
                                    count: str) -> None:
    message = await send(client, body)
    assert message.num_segments == count
    assert fake.messages[-1].encoding == segments(body)[0]


# -- refusals ----------------------------------------------------------------------------


async def test_wrong_credentials_get_401(fake: FakeTwilioAPI) -> None:
    for sid, token in [(SID, "wrong-token"), ("AC" + "cd" * 16, TOKEN)]:
        error = await refused(make_client(fake, sid, token))
        assert (error.status, error.code) == (401, 20003)
    assert fake.messages == []


async def test_invalid_requests_get_twilio_errors(client: Client) -> None:
    assert (await refused(client, to="0712 345 678")).code == 21211
    assert (await refused(client, from_=None)).code == 21603
    assert (await refused(client, body="x" * 1601)).code == 21617


async def test_rate_limit_default_one_per_second() -> None:
    async with FakeTwilioAPI(SID, TOKEN) as fake:
        client = make_client(fake)
        await send(client)
        error = await refused(client)
        assert (error.status, error.code) == (429, 20429)
        await send(client, from_="+15005550007")  # the limit is per sender
        assert (fake.limit_violations, fake.injected_failures, len(fake.messages)) == (1, 0, 2)


async def test_rate_limit_window_is_configurable() -> None:
    async with FakeTwilioAPI(SID, TOKEN, rate_limit=2, rate_window=0.1) as fake:
        client = make_client(fake)
        await send(client)
        await send(client)
        assert (await refused(client)).code == 20429
        await asyncio.sleep(0.1)
        await send(client)
        assert fake.limit_violations == 1 and len(fake.messages) == 3


async def test_opt_out_and_opt_in(fake: FakeTwilioAPI, client: Client) -> None:
    fake.opt_out(ALICE)
    error = await refused(client)
    assert (error.status, error.code) == (400, 21610)
    await send(client, to=BOB)  # others still reachable
    fake.opt_in(ALICE)
    await send(client)
    assert [m.to for m in fake.messages] == [BOB, ALICE]


async def test_inbound_stop_and_start(fake: FakeTwilioAPI, client: Client,
                                      receiver: Receiver) -> None:
    delivery = await fake.inbound_sms(ALICE, OURS, " stop ", url=receiver.url)
    assert delivery is not None and delivery.status == 204
    params, valid = receiver.calls[0]
    assert valid and params["OptOutType"] == "STOP" and params["Body"] == " stop "
    assert (await refused(client)).code == 21610
    await fake.inbound_sms(ALICE, OURS, "START")
    await send(client)


async def test_injected_failures(fake: FakeTwilioAPI, client: Client) -> None:
    fake.fail_next(1)
    error = await refused(client)
    assert (error.status, error.code) == (500, 20500)
    await send(client)
    fake.fail_next(1, status=503)
    assert (await refused(client)).status == 503

    fake.inject(0.5, seed=7)
    outcomes = []
    for _ in range(20):
        try:
            await send(client)
            outcomes.append(True)
        except TwilioRestException:
            outcomes.append(False)
    assert 0 < outcomes.count(False) < 20
    assert fake.injected_failures == 2 + outcomes.count(False)
    assert fake.limit_violations == 0
    fake.inject(0)
    await send(client)


async def test_slow_answer(fake: FakeTwilioAPI, client: Client) -> None:
    fake.slow_next(1, seconds=0.5)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(send(client), timeout=0.1)
    await asyncio.wait_for(send(client), timeout=0.4)


# -- status callbacks and signatures -----------------------------------------------------


async def test_auto_status_callbacks_are_signed(receiver: Receiver) -> None:
    async with FakeTwilioAPI(SID, TOKEN, rate_limit=None, auto_status="delivered") as fake:
        client = make_client(fake)
        message = await send(client, status_callback=receiver.url)
        await fake.drain()
        assert [(p["MessageStatus"], ok) for p, ok in receiver.calls] == [
            ("sent", True), ("delivered", True)]
        params = receiver.calls[-1][0]
        assert params["MessageSid"] == message.sid and params["AccountSid"] == SID
        assert (params["To"], params["From"]) == (ALICE, OURS) and "ErrorCode" not in params
        fetched = await client.messages(message.sid).fetch_async()
        assert fetched.status == "delivered" and fetched.date_sent is not None


async def test_status_on_demand_and_default_url(fake: FakeTwilioAPI, client: Client,
                                                receiver: Receiver) -> None:
    message = await send(client)
    assert await fake.send_status(message.sid, "sent") is None  # no callback URL yet
    fake.status_callback = receiver.url
    delivery = await fake.send_status(message.sid, "undelivered", error_code=30003)
    assert delivery is not None and delivery.status == 204
    params, valid = receiver.calls[0]
    assert valid and params["MessageStatus"] == "undelivered" and params["ErrorCode"] == "30003"
    assert fake.message(message.sid).error_code == 30003


async def test_signed_inbound_matches_request_validator(receiver: Receiver) -> None:
    params = {"From": ALICE, "To": OURS, "Body": "Hi ă €", "MessageSid": "SM" + "1" * 32}
    headers, body = signed_inbound(receiver.url, params, TOKEN)
    validator = RequestValidator(TOKEN)
    assert validator.validate(receiver.url, params, headers["X-Twilio-Signature"])
    assert not validator.validate(receiver.url, {**params, "Body": "x"},
                                  headers["X-Twilio-Signature"])
    async with ClientSession() as http, http.post(receiver.url, data=body,
                                                   headers=headers) as response:
        assert response.status == 204
    assert receiver.calls == [(params, True)]
    forged, _ = signed_inbound(receiver.url, params, "another-token")
    assert forged["X-Twilio-Signature"] != headers["X-Twilio-Signature"]


async def test_reset(fake: FakeTwilioAPI, client: Client) -> None:
    await send(client)
    fake.opt_out(BOB)
    fake.fail_next(3)
    fake.reset()
    await send(client, to=BOB)
    assert len(fake.messages) == 1 and fake.injected_failures == 0 and fake.requests == 1


async def test_inbound_mms_media_are_served_with_basic_auth(fake: FakeTwilioAPI,
                                                             receiver: Receiver) -> None:
    from adapters.sms.media import basic_authorization

    await fake.inbound_sms(ALICE, OURS, "look", url=receiver.url,
                           media=[(b"jpeg-bytes", "image/jpeg")])
    params, valid = receiver.calls[-1]
    assert valid and params["NumMedia"] == "1" and params["MediaContentType0"] == "image/jpeg"
    url = params["MediaUrl0"]
    async with ClientSession() as http:
        async with http.get(url) as response:
            assert response.status == 401
        auth = {"Authorization": basic_authorization(SID, TOKEN)}
        async with http.get(url, headers=auth) as response:
            assert (response.status, await response.read()) == (200, b"jpeg-bytes")
            assert response.content_type == "image/jpeg"
    assert len(fake.media_downloads) == 1
