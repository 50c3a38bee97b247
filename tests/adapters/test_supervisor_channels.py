"""Supervisors across channels (issue 17): /reassign refused for assistants, done by a
supervisor on Slack with the Reassign button — the Telegram assistant's stale buttons are
edited away, the SMS assistant and the Slack initiator are told; /link joins a Telegram and
a Slack account, and brute force locks the code."""

from __future__ import annotations

import re

from core.clock import ManualClock
from core.kinds import Role, Status
from tests.adapters.slack.slackstack import buttons_of
from tests.adapters.telegram.tgstack import message_update
from tests.adapters.test_cross_channel import BOGDAN_PHONE, three_channels

CODE = re.compile(r"\b(\d{6})\b")


async def test_reassign_on_telegram_slack_and_sms(db_url: str, clock: ManualClock) -> None:
    async with three_channels(db_url, clock) as hd:
        tg, sms, slack = hd.telegram, hd.sms, hd.slack
        await hd.stack.add_type("Peripherals")
        await hd.stack.add_person("Ion", Role.INITIATOR, slack="U0ION")
        await hd.stack.add_person("Ana", Role.ASSISTANT, telegram="101")
        tg.users["Ana"] = 101
        await hd.stack.add_person("Bogdan", Role.ASSISTANT, sms=BOGDAN_PHONE)
        await hd.stack.add_person("Cora", Role.SUPERVISOR, slack="U0CORA")
        rid = await hd.stack.place("Ion", "The scanner is offline")
        await hd.deliver()
        await sms.deliver()
        ref = (await hd.stack.status(rid)).reference

        # Ana claims on Telegram: her offer becomes the work message (Finish / Release).
        await tg.press("Ana", "Claim")
        await hd.deliver()
        _data, work_message = tg.button("Ana", "Finish")

        # Assistants may not reassign: on Telegram and by SMS they are told why.
        await tg.say("Ana", f"/reassign {ref} Bogdan")
        assert tg.texts("Ana")[-1] == f"Only supervisors can reassign {ref}."
        answer = await sms.text_from(BOGDAN_PHONE, f"/reassign {ref} Ana")
        assert f"Only supervisors can reassign {ref}." in answer
        assert (await hd.stack.status(rid)).assignee_id == hd.stack.people["Ana"]

        # Cora (supervisor, Slack) opens the card and presses Reassign, then Bogdan.
        await slack.dm("Cora", ref)
        await hd.deliver()
        card = slack.last_with("Cora", "Reassign")
        await slack.press("Cora", card, "Reassign")
        await hd.deliver()
        choice = slack.last_with("Cora", "Bogdan")
        assert "Ana" not in [b["text"]["text"] for b in buttons_of(choice.blocks)]
        await slack.press("Cora", choice, "Bogdan")
        await hd.deliver()
        await sms.deliver()

        req = await hd.stack.status(rid)
        assert req.assignee_id == hd.stack.people["Bogdan"] and req.status is Status.IN_PROGRESS
        # Telegram: Ana's work message lost its buttons; she is told who has it now.
        edited = [m for m in tg.fake.messages_in_chat(101) if m.message_id == work_message][-1]
        assert not (edited.reply_markup or {}).get("inline_keyboard")
        assert any(f"Cora gave {ref} (Peripherals) to Bogdan" in t for t in tg.texts("Ana"))
        # SMS: Bogdan gets it with the work choices.
        gift = sms.fake.messages_to(BOGDAN_PHONE)[-1].body
        assert f"Cora gave you {ref}" in gift and "Reply 1 for Finish" in gift
        # Slack: Ion is told who helps him now.
        assert any(f"Bogdan is now handling your request {ref}" in (m.text or "")
                   for m in slack.inbox("Ion"))
        # Bogdan can finish from his SMS as the new assignee.
        await sms.text_from(BOGDAN_PHONE, "MY")
        assert ref in await sms.text_from(BOGDAN_PHONE, "1")


async def test_link_joins_telegram_and_slack_and_locks_on_brute_force(
        db_url: str, clock: ManualClock) -> None:
    async with three_channels(db_url, clock) as hd:
        tg, slack = hd.telegram, hd.slack
        await hd.stack.add_type("Peripherals")
        tg.users["Ion"] = 777

        # Ion writes on Telegram first (registered there) and places a request.
        assert await tg.post(message_update(777, "/start", "Ion Popescu", language="ro")) == 200
        async with hd.stack.app.uow_factory() as uow:
            ion_tg = await uow.people.by_account("telegram", "777")
        assert ion_tg is not None
        hd.stack.people["Ion"] = ion_tg.id
        rid = await hd.stack.place("Ion", "The printer is jammed")

        # /link on Telegram gives a code.
        assert await tg.post(message_update(777, "/link", "Ion Popescu", language="ro")) == 200
        code_match = CODE.search(tg.texts("Ion")[-1])
        assert code_match is not None
        code = code_match.group(1)

        # Someone on Slack guesses: 5 wrong codes lock every outstanding code.
        for guess in ("000001", "000002", "000003", "000004", "000005"):
            if guess == code:
                continue
            await slack.command("Maria", f"link {guess}")
        await hd.deliver()
        said = slack.ephemerals_to("Maria") + [m.text or "" for m in slack.inbox("Maria")]
        assert any("wrong or has expired" in t for t in said)
        await slack.command("Ion", f"link {code}")
        await hd.deliver()
        said = slack.ephemerals_to("Ion") + [m.text or "" for m in slack.inbox("Ion")]
        assert any("locked after too many wrong tries" in t for t in said), said

        # A fresh code, sent from Slack, joins the two accounts: one person, history kept.
        assert await tg.post(message_update(777, "/link", "Ion Popescu", language="ro")) == 200
        code = CODE.findall(tg.texts("Ion")[-1])[0]
        await slack.command("Ion", f"link {code}")
        await hd.deliver()
        async with hd.stack.app.uow_factory() as uow:
            from_slack = await uow.people.by_account("slack", "U0ION")
            from_tg = await uow.people.by_account("telegram", "777")
            req = await uow.requests.get(rid)
        assert from_slack is not None and from_tg is not None
        assert from_slack.id == from_tg.id == ion_tg.id
        assert from_slack.language == "ro"
        assert req is not None and req.initiator_id == ion_tg.id
