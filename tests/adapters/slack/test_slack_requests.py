"""Slack requests: signatures, retries applied once, bad input, App Home, slash subcommands."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import text

from core.clock import ManualClock
from core.kinds import Role, Status
from tests.adapters.slack.slackstack import (
    TRIAGE,
    USERS,
    SlackHelpdesk,
    buttons_of,
    signed_headers,
    slack_helpdesk,
    trigger,
)


async def seeded(hd: SlackHelpdesk) -> None:
    for name in ("Integrat.STS", "Peripherals"):
        await hd.stack.add_type(name)
    for name in ("Ana", "Bogdan"):
        await hd.stack.add_person(name, Role.ASSISTANT, slack=USERS[name])


async def request_count(hd: SlackHelpdesk) -> int:
    async with hd.stack.app.engine.connect() as conn:
        return int((await conn.execute(text("SELECT count(*) FROM requests"))).scalar_one())


async def open_request_modal(hd: SlackHelpdesk, who: str = "Ion") -> dict[str, Any]:
    await hd.command(who)
    await hd.settle()
    return hd.last_modal()


def type_id(modal: dict[str, Any], name: str) -> str:
    select = next(b for b in modal["blocks"] if b["block_id"] == "type")["element"]
    return next(o["value"] for o in select["options"] if o["text"]["text"] == name)


# -- signatures ------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["wrong secret", "old timestamp", "future timestamp",
                                  "no signature", "body changed"])
async def test_unsigned_requests_are_refused(sqlite_url: str, clock: ManualClock,
                                             case: str) -> None:
    async with slack_helpdesk(sqlite_url, clock) as hd:
        await seeded(hd)
        body = hd.command_body("Ion")
        if case == "wrong secret":
            status, _ = await hd.post(body, secret="another-secret-0123456789")
        elif case == "old timestamp":
            status, _ = await hd.post(body, timestamp=int(time.time()) - 5 * 60 - 5)
        elif case == "future timestamp":
            status, _ = await hd.post(body, timestamp=int(time.time()) + 5 * 60 + 5)
        elif case == "no signature":
            async with hd.http.post(hd.url, data=body, headers={
                    "Content-Type": "application/x-www-form-urlencoded"}) as resp:
                status = resp.status
        else:
            headers = signed_headers(body)
            async with hd.http.post(hd.url, data=body.replace("Ion", "Ana").replace(
                    "ion", "ana"), headers=headers) as resp:
                status = resp.status
        assert status == 401
        await hd.settle()
        assert hd.fake.calls == []  # nothing was done: not even users.info
        async with hd.stack.app.uow_factory() as uow:
            assert await uow.people.by_account("slack", USERS["Ion"]) is None


async def test_a_signed_request_four_minutes_old_is_accepted(sqlite_url: str,
                                                             clock: ManualClock) -> None:
    async with slack_helpdesk(sqlite_url, clock) as hd:
        await seeded(hd)
        status, _ = await hd.command("Ion", timestamp=int(time.time()) - 4 * 60)
        assert status == 200
        await hd.settle()
        assert hd.last_modal()["callback_id"] == "hd.request"


async def test_url_verification_answers_the_challenge(sqlite_url: str,
                                                      clock: ManualClock) -> None:
    async with slack_helpdesk(sqlite_url, clock) as hd:
        body = json.dumps({"token": "x", "challenge": "abc123", "type": "url_verification"})
        status, answer = await hd.post(body, content_type="application/json")
        assert status == 200 and "abc123" in answer


# -- retries ---------------------------------------------------------------------------------


async def test_the_same_event_three_times_is_applied_once(sqlite_url: str,
                                                          clock: ManualClock) -> None:
    async with slack_helpdesk(sqlite_url, clock) as hd:
        await seeded(hd)
        body = hd.event_body({"type": "message", "channel_type": "im", "channel": "D" +
                              USERS["Ion"], "user": USERS["Ion"], "text": "/help",
                              "ts": "1700000000.000100"}, event_id="Ev0SAME")
        for retry in (None, "1", "2"):
            headers = {"X-Slack-Retry-Num": retry, "X-Slack-Retry-Reason": "http_timeout"} \
                if retry else {}
            status, _ = await hd.post(body, content_type="application/json", headers=headers)
            assert status == 200
        await hd.settle()
        answers = hd.inbox("Ion")
        assert len(answers) == 1 and "/helpdesk new" in (answers[0].text or "")


async def test_the_same_claim_three_times_is_applied_once(sqlite_url: str,
                                                          clock: ManualClock) -> None:
    async with slack_helpdesk(sqlite_url, clock) as hd:
        await seeded(hd)
        modal = await open_request_modal(hd)
        await hd.submit("Ion", modal, {"type": type_id(modal, "Peripherals"), "assistant": "0",
                                       "description": "Mouse broken"})
        await hd.settle()
        offer = hd.fake.messages_in(TRIAGE)[0]
        payload = hd.button_payload("Ana", offer, "Claim")
        for retry in (None, "1", "2"):
            headers = {"X-Slack-Retry-Num": retry} if retry else {}
            assert (await hd.interact(payload, headers=headers))[0] == 200
        await hd.settle()
        async with hd.stack.app.uow_factory() as uow:
            req = await uow.requests.get(1)
        assert req is not None and req.assignee_name == "Ana"
        assert [e.action for e in req.events].count("claim") == 1
        assert len([m for m in hd.inbox("Ana") if "You claimed" in (m.text or "")]) == 1
        assert not hd.ephemerals_to("Ana")  # no "You already hold it" for the repeats


async def test_the_same_command_and_submission_three_times_place_once(
        sqlite_url: str, clock: ManualClock) -> None:
    async with slack_helpdesk(sqlite_url, clock) as hd:
        await seeded(hd)
        body = hd.command_body("Ion", trigger_id=trigger())
        for _ in range(3):
            assert (await hd.post(body))[0] == 200
        await hd.settle()
        assert len(hd.fake.calls_of("views.open")) == 1
        submission = hd.submission("Ion", hd.last_modal(), {
            "type": type_id(hd.last_modal(), "Peripherals"), "assistant": "0",
            "description": "Keyboard"})
        for _ in range(3):
            assert (await hd.interact(submission))[0] == 200
        await hd.settle()
        assert await request_count(hd) == 1
        assert len([m for m in hd.inbox("Ion") if "is placed" in (m.text or "")]) == 1
        assert len(hd.fake.messages_in(TRIAGE)) == 1


# -- bad input -------------------------------------------------------------------------------


async def test_malformed_payload_json_is_refused(sqlite_url: str, clock: ManualClock) -> None:
    async with slack_helpdesk(sqlite_url, clock) as hd:
        await seeded(hd)
        for body in (urlencode({"payload": "{not json"}), urlencode({"payload": "[1, 2]"}),
                     "{broken json"):
            status, answer = await hd.post(body)
            assert status == 400 and "malformed payload" in answer
        await hd.settle()
        assert hd.fake.calls == [] and await request_count(hd) == 0


async def test_unknown_action_ids_and_forged_values_are_refused(sqlite_url: str,
                                                                clock: ManualClock) -> None:
    async with slack_helpdesk(sqlite_url, clock) as hd:
        await seeded(hd)
        modal = await open_request_modal(hd)
        await hd.submit("Ion", modal, {"type": type_id(modal, "Peripherals"), "assistant": "0",
                                       "description": "Screen flickers"})
        await hd.settle()
        offer = hd.fake.messages_in(TRIAGE)[0]
        unknown = hd.button_payload("Ana", offer, "Claim")
        unknown["actions"][0]["action_id"] = "delete_everything"
        forged = hd.button_payload("Bogdan", offer, "Claim")
        forged["actions"][0]["value"] = forged["actions"][0]["value"].replace("claim:1", "claim:2")
        no_value = hd.button_payload("Ana", offer, "Claim")
        del no_value["actions"][0]["value"]
        for payload in (unknown, forged, no_value):
            assert (await hd.interact(payload))[0] == 200
        await hd.settle()
        assert hd.ephemerals_to("Ana") == ["This button is no longer valid."] * 2
        assert hd.ephemerals_to("Bogdan") == ["This button is no longer valid."]
        async with hd.stack.app.uow_factory() as uow:
            req = await uow.requests.get(1)
        assert req is not None and req.status is Status.OPEN
        assert hd.fake.updates_of(TRIAGE, offer.ts) == 0


@pytest.mark.parametrize("case", ["empty description", "deleted type", "no type",
                                  "forged type", "forged context", "gone assistant",
                                  "too long", "forged priority"])
async def test_bad_request_modal_gets_errors_and_places_nothing(
        sqlite_url: str, clock: ManualClock, case: str) -> None:
    async with slack_helpdesk(sqlite_url, clock) as hd:
        await seeded(hd)
        modal = await open_request_modal(hd)
        values = {"type": type_id(modal, "Peripherals"), "assistant": "0",
                  "description": "The printer does not print"}
        field, message = "description", "Please describe the problem in a few words."
        if case == "empty description":
            values["description"] = "  \n\t "
        elif case == "deleted type":
            async with hd.stack.app.engine.begin() as conn:
                await conn.execute(text("UPDATE request_types SET active = false "
                                        "WHERE name = 'Peripherals'"))
            await hd.stack.app.dialogs.bump_types()  # changed by hand: processes reload
            field, message = "type", "The type “Peripherals” is no longer offered."
        elif case == "no type":
            del values["type"]
            field, message = "type", "That request type does not exist any more."
        elif case == "forged type":
            values["type"] = "9999"
            field, message = "type", "That request type does not exist any more."
        elif case == "forged context":
            modal = {**modal, "private_metadata": "request:0:0::AAAAAAAA"}
            field, message = "type", "This button is no longer valid."
        elif case == "gone assistant":
            values["assistant"] = "777"
            field, message = "assistant", "That assistant does not exist any more."
        elif case == "forged priority":
            values["priority"] = "whenever"
            field, message = "priority", "Unknown priority whenever."
        else:
            values["description"] = "x" * 4001
            message = "That is too long (4001 characters); please keep it under 4000."
        status, answer = await hd.submit("Ion", modal, values)
        assert status == 200
        assert answer == {"response_action": "errors", "errors": {field: message}}
        await hd.settle()
        assert await request_count(hd) == 0
        assert not hd.fake.messages_in(TRIAGE)


async def test_request_modal_asks_the_priority(sqlite_url: str, clock: ManualClock) -> None:
    async with slack_helpdesk(sqlite_url, clock) as hd:
        await seeded(hd)
        modal = await open_request_modal(hd)
        block = next(b for b in modal["blocks"] if b["block_id"] == "priority")
        assert [o["value"] for o in block["element"]["options"]] == [
            "low", "normal", "high", "urgent"]
        assert block["element"]["initial_option"]["value"] == "normal"
        await hd.submit("Ion", modal, {"type": type_id(modal, "Peripherals"), "assistant": "0",
                                       "description": "Server down", "priority": "high"})
        await hd.settle()
        async with hd.stack.app.uow_factory() as uow:
            req = await uow.requests.get(1)
        assert req is not None and req.priority == "high"
        assert "Priority: High" in (hd.fake.messages_in(TRIAGE)[0].text or "")


async def test_bad_finish_modal_gets_errors(sqlite_url: str, clock: ManualClock) -> None:
    async with slack_helpdesk(sqlite_url, clock) as hd:
        await seeded(hd)
        modal = await open_request_modal(hd)
        await hd.submit("Ion", modal, {"type": type_id(modal, "Peripherals"), "assistant": "0",
                                       "description": "Scanner"})
        await hd.settle()
        await hd.press("Ana", hd.fake.messages_in(TRIAGE)[0], "Claim")
        await hd.settle()
        await hd.press("Ana", hd.last_with("Ana", "Finish"), "Finish")
        await hd.settle()
        finish = hd.last_modal()
        cases = [
            ({"time": "soon", "note": "done"},
             {"time": "I couldn't read that time. Write it like 1h30, 90m, 1:30 or 45."}),
            ({"time": "0", "note": "done"}, {"time": "The time spent must be more than zero."}),
            ({"time": "25h", "note": "done"},
             {"time": "At most 24 hours can be logged at a time."}),
            ({"time": "1h", "note": "  "}, {"note": "Please write a short resolution note."}),
        ]
        for values, errors in cases:
            status, answer = await hd.submit("Ana", finish, values)
            assert (status, answer) == (200, {"response_action": "errors", "errors": errors})
        # Bogdan (not the holder) cannot use Ana's modal either.
        status, answer = await hd.submit("Bogdan", finish, {"time": "1h", "note": "done"})
        assert answer["errors"] == {"time": "Already claimed by Ana."}
        async with hd.stack.app.uow_factory() as uow:
            req = await uow.requests.get(1)
        assert req is not None and req.status is Status.IN_PROGRESS and req.minutes_logged == 0


# -- App Home, subcommands, DMs -----------------------------------------------------------------


async def test_app_home_shows_open_requests_and_queue(sqlite_url: str,
                                                      clock: ManualClock) -> None:
    async with slack_helpdesk(sqlite_url, clock) as hd:
        await seeded(hd)
        modal = await open_request_modal(hd)
        await hd.submit("Ion", modal, {"type": type_id(modal, "Peripherals"), "assistant": "0",
                                       "description": "Printer <!channel> jammed"})
        await hd.settle()
        for who in ("Ion", "Ana"):
            await hd.event({"type": "app_home_opened", "user": USERS[who], "tab": "home",
                            "channel": "D" + USERS[who]})
        await hd.settle()
        ion = json.dumps(hd.fake.home_view(USERS["Ion"]))
        assert "Your requests:" in ion and "HD-" in ion and "Cancel request" in ion
        assert "&lt;!channel&gt;" in ion and "<!channel>" not in ion
        ana_view = hd.fake.home_view(USERS["Ana"])
        assert ana_view is not None
        ana = json.dumps(ana_view)
        assert "Your queue:" in ana and "HD-" in ana
        claim = next(b for b in buttons_of(ana_view["blocks"]) if b["text"]["text"] == "Claim")
        # Claim from the Home tab: the reply comes by DM and the Home is refreshed.
        payload = {
            "type": "block_actions", "team": {"id": hd.team},
            "user": {"id": USERS["Ana"]}, "trigger_id": trigger(),
            "container": {"type": "view", "view_id": ana_view["id"]},
            "view": ana_view,
            "actions": [{"type": "button", "action_id": claim["action_id"], "block_id": "x",
                         "value": claim["value"], "action_ts": f"{time.time():.6f}"}],
        }
        assert (await hd.interact(payload))[0] == 200
        await hd.settle()
        assert "You claimed" in (hd.inbox("Ana")[-1].text or "")
        refreshed = json.dumps(hd.fake.home_view(USERS["Ana"]))
        assert "Finish" in refreshed


async def test_subcommands_answer_ephemerally(sqlite_url: str, clock: ManualClock) -> None:
    async with slack_helpdesk(sqlite_url, clock) as hd:
        await seeded(hd)
        await hd.command("Ion", "help")
        await hd.command("Ion", "my")
        await hd.command("Ion", "frobnicate now")
        await hd.settle()
        answers = hd.ephemerals_to("Ion")  # each command answered, in whatever order
        assert len(answers) == 3
        help_text = next(t for t in answers if "/helpdesk my" in t)
        assert "/helpdesk new – place a new request" in help_text
        assert any("You have no requests yet." in t for t in answers)
        # Words that are no subcommand are a message: kept (issue 12), not "not understood".
        assert any("Place a new request with this text?" in t for t in answers)
        assert not hd.fake.opened_views


async def test_no_types_configured_is_said_instead_of_a_modal(sqlite_url: str,
                                                              clock: ManualClock) -> None:
    async with slack_helpdesk(sqlite_url, clock) as hd:
        await hd.command("Ion", "new")
        await hd.settle()
        assert not hd.fake.opened_views
        assert hd.ephemerals_to("Ion") == [
            "No request types are configured yet; please tell your helpdesk admin."]


async def test_unknown_users_get_name_and_language_from_slack(sqlite_url: str,
                                                              clock: ManualClock) -> None:
    async with slack_helpdesk(sqlite_url, clock) as hd:
        await seeded(hd)
        hd.fake.add_user(USERS["Maria"], "maria", locale="ro-RO", real_name="Maria Pop")
        await hd.command("Maria", "help")
        await hd.settle()
        async with hd.stack.app.uow_factory() as uow:
            maria = await uow.people.by_account("slack", USERS["Maria"])
        assert maria is not None and maria.name == "Maria Pop" and maria.language == "ro"
        assert maria.role is Role.INITIATOR
        assert "/helpdesk new" in hd.ephemerals_to("Maria")[0]
        assert "place a new request" not in hd.ephemerals_to("Maria")[0]  # it is in Romanian


async def test_dispute_by_dm_text(sqlite_url: str, clock: ManualClock) -> None:
    """The step-by-step parts (a dispute's reason) work in the DM with the bot."""
    async with slack_helpdesk(sqlite_url, clock) as hd:
        await seeded(hd)
        modal = await open_request_modal(hd)
        await hd.submit("Ion", modal, {"type": type_id(modal, "Peripherals"), "assistant": "0",
                                       "description": "Router"})
        await hd.settle()
        await hd.press("Bogdan", hd.fake.messages_in(TRIAGE)[0], "Claim")
        await hd.settle()
        await hd.press("Bogdan", hd.last_with("Bogdan", "Finish"), "Finish")
        await hd.settle()
        await hd.submit("Bogdan", hd.last_modal(), {"time": "45", "note": "Rebooted"})
        await hd.settle()
        await hd.press("Ion", hd.last_with("Ion", "Dispute"), "Dispute")
        await hd.settle()
        assert "What is wrong with" in (hd.inbox("Ion")[-1].text or "")
        await hd.dm("Ion", "It still drops every hour")
        await hd.settle()
        assert "back in progress" in (hd.inbox("Ion")[-1].text or "")
        assert any("It still drops every hour" in (m.text or "") for m in hd.inbox("Bogdan"))


# -- acknowledged within 3 seconds --------------------------------------------------------------


async def test_the_ack_does_not_wait_for_slow_work(sqlite_url: str, clock: ManualClock) -> None:
    async with slack_helpdesk(sqlite_url, clock) as hd:
        await seeded(hd)
        hd.fake.latency = 0.6  # every Web API answer is slow
        started = time.monotonic()
        assert await hd.command("Ion") == (200, "")
        assert time.monotonic() - started < 0.5  # answered before users.info / views.open
        await hd.settle()
        assert hd.last_modal()["callback_id"] == "hd.request"


async def test_a_slow_submission_closes_the_modal_and_answers_by_dm(
        sqlite_url: str, clock: ManualClock) -> None:
    async with slack_helpdesk(sqlite_url, clock, submit_timeout=0.0) as hd:
        await seeded(hd)
        modal = await open_request_modal(hd)
        status, answer = await hd.submit("Ion", modal, {"type": type_id(modal, "Peripherals"),
                                                        "description": "   "})
        assert (status, answer) == (200, {})  # closed at once
        await hd.settle()
        assert hd.inbox("Ion")[-1].text == "Please describe the problem in a few words."
        await hd.submit("Ion", modal, {"type": type_id(modal, "Peripherals"),
                                       "description": "Late but fine"})
        await hd.settle()
        assert "is placed" in (hd.inbox("Ion")[-1].text or "")
        assert await request_count(hd) == 1
