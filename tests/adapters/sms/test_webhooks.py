"""Twilio webhooks and the SMS sender against the local fake Twilio API.

Inbound requests are signed exactly as Twilio signs them (twilio's own RequestValidator via
the fake's ``signed_inbound``); anything else is refused with 403 and changes nothing.
"""

from __future__ import annotations

import time

import pytest

from core import services
from core.clock import ManualClock
from core.kinds import Role
from tests.adapters.sms.smsstack import OUR_NUMBER, PHONES, SID, TOKEN, SmsHelpdesk, sms_helpdesk
from tests.fakes.twilio_api import signed_inbound


@pytest.fixture
async def hd(sqlite_url: str, clock: ManualClock):  # type: ignore[no-untyped-def]
    async with sms_helpdesk(sqlite_url, clock) as helpdesk:
        yield helpdesk


def inbound_params(sid: str, body: str = "HELP", phone: str = PHONES["Ion"]) -> dict[str, str]:
    return {"AccountSid": SID, "MessageSid": sid, "SmsSid": sid, "From": phone,
            "To": OUR_NUMBER, "Body": body, "NumMedia": "0"}


async def people_count(hd: SmsHelpdesk) -> int:
    async with hd.stack.app.uow_factory() as uow:
        return len(await uow.people.list())


async def post(hd: SmsHelpdesk, path: str, headers: dict[str, str], body: bytes) -> int:
    url = f"{hd.stack.base_url}{path}"
    async with hd.http.post(url, data=body, headers=headers) as response:
        text = await response.text()
        assert "Traceback" not in text
        return response.status


async def test_forged_missing_and_wrong_url_signatures_are_refused(hd: SmsHelpdesk) -> None:
    url = hd.webhook
    params = inbound_params("SM" + "1" * 32)
    cases = {
        "forged": signed_inbound(url, params, "not-the-auth-token"),
        "wrong URL": signed_inbound("https://elsewhere.example.com/sms/twilio", params, TOKEN),
        "altered": signed_inbound(url, {**params, "Body": "HELP"}, TOKEN),
    }
    headers, body = signed_inbound(url, params, TOKEN)
    missing = {k: v for k, v in headers.items() if k != "X-Twilio-Signature"}
    cases["missing"] = (missing, body)
    altered_headers, _ = cases["altered"]
    cases["altered"] = (altered_headers, body.replace(b"HELP", b"NEW"))
    other_account = {**params, "AccountSid": "AC" + "9" * 32}
    cases["other account"] = signed_inbound(url, other_account, TOKEN)
    for name, (h, b) in cases.items():
        assert await post(hd, "/sms/twilio", h, b) == 403, name
        assert await post(hd, "/sms/twilio/status", h, b) == 403, name
    assert await people_count(hd) == 0
    assert hd.fake.messages == []


async def test_a_signed_message_is_answered_and_a_duplicate_sid_processed_once(
    hd: SmsHelpdesk,
) -> None:
    headers, body = signed_inbound(hd.webhook, inbound_params("SM" + "2" * 32, "HELP"), TOKEN)
    for _ in range(3):  # Twilio retries with the same MessageSid
        assert await post(hd, "/sms/twilio", headers, body) == 200
    assert await people_count(hd) == 1
    answers = hd.inbox("Ion")
    assert len(answers) == 1 and "/new" in answers[0].body


async def test_signature_uses_the_public_url_behind_a_proxy(sqlite_url: str,
                                                            clock: ManualClock) -> None:
    public = "https://helpdesk.example.com"
    async with sms_helpdesk(sqlite_url, clock, public_base_url=public) as hd:
        params = inbound_params("SM" + "3" * 32, "HELP")
        # Signed by Twilio for the public URL, received by us on the internal one.
        headers, body = signed_inbound(f"{public}/sms/twilio", params, TOKEN)
        assert await post(hd, "/sms/twilio", headers, body) == 200
        headers, body = signed_inbound(f"{hd.stack.base_url}/sms/twilio",
                                       inbound_params("SM" + "4" * 32), TOKEN)
        assert await post(hd, "/sms/twilio", headers, body) == 403
        assert len(hd.inbox("Ion")) == 1


async def test_bad_input_gets_a_clear_answer(hd: SmsHelpdesk) -> None:
    no_from = {k: v for k, v in inbound_params("SM" + "5" * 32).items() if k != "From"}
    assert await post(hd, "/sms/twilio", *signed_inbound(hd.webhook, no_from, TOKEN)) == 400
    said = await hd.text("Ion", "7")
    assert "didn't understand" in said
    said = await hd.text("Ion", "x" * 5000)
    assert "too long" in said or "didn't understand" in said


async def place_for_assistants(hd: SmsHelpdesk, description: str = "Screen is black") -> int:
    stack = hd.stack
    if "Ion" not in stack.people:
        await stack.add_person("Ion", Role.INITIATOR, sms=PHONES["Ion"])
    rid = await stack.place("Ion", description)
    await hd.deliver()
    return rid


async def test_stop_means_no_more_sms_until_start(hd: SmsHelpdesk) -> None:
    await hd.stack.add_person("Ana", Role.ASSISTANT, sms=PHONES["Ana"])
    await place_for_assistants(hd)
    assert len(hd.inbox("Ana")) == 1
    assert await hd.text("Ana", "STOP") == ""  # Twilio itself confirms the opt-out
    requests_before = hd.fake.requests
    await place_for_assistants(hd, "Keyboard missing keys")
    assert len(hd.inbox("Ana")) == 1, "nothing more was sent to Ana"
    assert hd.fake.requests == requests_before, "we did not even try"
    assert await hd.text("Ana", "start") == ""
    await place_for_assistants(hd, "Mouse is dead")
    assert len(hd.inbox("Ana")) == 2 and "Mouse is dead" in hd.inbox("Ana")[-1].body


async def test_error_21610_marks_the_number_opted_out(hd: SmsHelpdesk) -> None:
    await hd.stack.add_person("Ana", Role.ASSISTANT, sms=PHONES["Ana"])
    hd.fake.opt_out(PHONES["Ana"])  # she replied STOP to Twilio; we were not told
    await place_for_assistants(hd)
    assert hd.inbox("Ana") == [] and hd.fake.requests == 1
    async with hd.stack.app.uow_factory() as uow:
        assert await uow.outbox.pending_count() == 0  # nothing left to retry
    await place_for_assistants(hd, "Another one")
    assert hd.fake.requests == 1, "no second attempt to an opted-out number"


async def test_sending_is_rate_limited_per_sender(sqlite_url: str, clock: ManualClock) -> None:
    async with sms_helpdesk(sqlite_url, clock, fake_options={"rate_window": 0.1},
                            sms_rate_per_second=8.0) as hd:
        for name in ("Ana", "Bogdan", "Cora"):
            await hd.stack.add_person(name, Role.ASSISTANT, sms=PHONES[name])
        started = time.monotonic()
        await place_for_assistants(hd)
        await place_for_assistants(hd, "Second problem")
        assert len(hd.fake.messages) == 6
        assert hd.fake.limit_violations == 0
        assert time.monotonic() - started >= 0.45  # 6 messages at 8/s
        stamps = [m.at.timestamp() for m in hd.fake.messages]
        assert all(b - a >= 0.08 for a, b in zip(stamps, stamps[1:], strict=False))


async def test_a_429_is_retried(hd: SmsHelpdesk) -> None:
    await hd.stack.add_person("Ana", Role.ASSISTANT, sms=PHONES["Ana"])
    hd.fake.fail_next(1, status=429, code=20429)
    await place_for_assistants(hd)
    assert len(hd.inbox("Ana")) == 1 and hd.fake.injected_failures == 1


async def test_a_server_error_is_retried_by_the_outbox(hd: SmsHelpdesk) -> None:
    await hd.stack.add_person("Ana", Role.ASSISTANT, sms=PHONES["Ana"])
    hd.fake.fail_next(1, status=500)
    await place_for_assistants(hd)
    assert hd.inbox("Ana") == []
    async with hd.stack.app.uow_factory() as uow:
        assert await uow.outbox.pending_count() == 1


async def test_status_callbacks_record_delivery_retry_and_report(hd: SmsHelpdesk) -> None:
    stack = hd.stack
    await stack.add_person("Ana", Role.ASSISTANT, sms=PHONES["Ana"])
    await stack.add_person("Sam", Role.SUPERVISOR, sms=PHONES["Sam"])
    await place_for_assistants(hd)
    offer = hd.inbox("Ana")[-1]
    assert offer.status_callback == f"{stack.base_url}/sms/twilio/status"
    delivery = await hd.fake.send_status(offer.sid, "delivered")
    assert delivery is not None and delivery.status == 204
    plugin = stack.running.plugins[0]
    record = await plugin.store.get(offer.sid)  # type: ignore[attr-defined]
    assert record.status == "delivered"

    # Undelivered with a transient error: sent again (at most 3 attempts in all).
    await hd.fake.send_status(offer.sid, "undelivered", error_code=30003)
    retry = hd.inbox("Ana")[-1]
    assert retry.sid != offer.sid and retry.body == offer.body
    await hd.fake.send_status(retry.sid, "undelivered", error_code=30003)
    third = hd.inbox("Ana")[-1]
    assert third.sid != retry.sid
    sam_before = len(hd.inbox("Sam"))
    await hd.fake.send_status(third.sid, "undelivered", error_code=30003)
    assert len(hd.inbox("Ana")) == 3, "given up after three attempts"
    await hd.deliver()
    report = hd.inbox("Sam")[-1].body
    assert len(hd.inbox("Sam")) == sam_before + 1
    assert f"A text message to Ana ({PHONES['Ana']}) could not be delivered (error 30003)" in report

    # A permanent failure (landline) is reported at once, without retry.
    await place_for_assistants(hd, "Monitor flickers")
    offer = hd.inbox("Ana")[-1]
    await hd.fake.send_status(offer.sid, "failed", error_code=30006)
    assert hd.inbox("Ana")[-1].sid == offer.sid
    await hd.deliver()
    assert "(error 30006)" in hd.inbox("Sam")[-1].body


async def test_messaging_service_sender(sqlite_url: str, clock: ManualClock) -> None:
    service = "MG" + "7" * 32
    async with sms_helpdesk(sqlite_url, clock, twilio_messaging_service_sid=service) as hd:
        await hd.stack.add_person("Ana", Role.ASSISTANT, sms=PHONES["Ana"])
        await place_for_assistants(hd)
        sent = hd.inbox("Ana")[-1]
        assert sent.messaging_service_sid == service and sent.from_ is None


async def test_a_digit_answers_the_notification_menu(hd: SmsHelpdesk) -> None:
    stack = hd.stack
    await stack.add_person("Ana", Role.ASSISTANT, sms=PHONES["Ana"])
    rid = await place_for_assistants(hd)
    await services.claim(stack.app.uow_factory, stack.clock, actor_id=stack.people["Ana"],
                         request_id=rid)
    await services.ask_release(stack.app.uow_factory, stack.clock,
                               actor_id=stack.people["Ion"], request_id=rid)
    await hd.deliver()
    asked = hd.inbox("Ana")[-1].body
    assert "asks you to release it" in asked and "Reply 1 for Release" in asked
    assert "You released" in await hd.text("Ana", "1")
