"""One helpdesk, three channels at once (fakes of Slack, Telegram and Twilio running):
the request flows across all of them, and everyone reads their own language."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp

from adapters.telegram import FloodLimiter
from bots.channel_slack import Plugin as SlackPlugin
from bots.channel_sms import Plugin as SmsPlugin
from bots.channel_telegram import Plugin as TelegramPlugin
from bots.channel_web import Plugin as WebPlugin
from core.clock import ManualClock
from core.kinds import Role, Status
from tests.adapters.slack.slackstack import (
    BOT_TOKEN,
    RATE_WINDOW,
    SIGNING_SECRET,
    USERS,
    SlackHelpdesk,
)
from tests.adapters.sms.smsstack import OUR_NUMBER, SID, SmsHelpdesk
from tests.adapters.sms.smsstack import TOKEN as TWILIO_TOKEN
from tests.adapters.stack import Stack, start_stack
from tests.adapters.telegram.tgstack import SECRET as TG_SECRET
from tests.adapters.telegram.tgstack import TOKEN as TG_TOKEN
from tests.adapters.telegram.tgstack import WINDOW, TelegramStack
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.twilio_api import FakeTwilioAPI

REF = re.compile(r"HD-\d{4}-\d{6}")
BOGDAN_PHONE = "+40721000102"


@dataclass
class Everything:
    stack: Stack
    slack: SlackHelpdesk
    telegram: TelegramStack
    sms: SmsHelpdesk

    async def deliver(self) -> None:
        await self.slack.settle()
        await self.telegram.deliver()


@asynccontextmanager
async def three_channels(db_url: str, clock: ManualClock) -> AsyncIterator[Everything]:
    slack_fake = FakeSlackAPI(token=BOT_TOKEN, rate_window=RATE_WINDOW)
    for name, user in USERS.items():
        slack_fake.add_user(user, name.lower(), real_name=name)
    await slack_fake.start()
    tg_fake = await FakeTelegramAPI(token=TG_TOKEN, window=WINDOW).start()
    twilio_fake = FakeTwilioAPI(SID, TWILIO_TOKEN, rate_limit=1, rate_window=0.02)
    await twilio_fake.start()
    slack, telegram = SlackPlugin(min_interval=RATE_WINDOW * 1.5), TelegramPlugin(
        limiter=FloodLimiter(window=WINDOW, margin=3.0))
    stack = await start_stack(
        db_url, clock, [slack, telegram, SmsPlugin(), WebPlugin()],
        slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack_fake.base_url,
        telegram_bot_token=TG_TOKEN, telegram_api_url=tg_fake.base_url,
        telegram_webhook_secret=TG_SECRET,
        twilio_account_sid=SID, twilio_auth_token=TWILIO_TOKEN, twilio_from_number=OUR_NUMBER,
        twilio_api_url=twilio_fake.base_url, sms_rate_per_second=40.0,
    )
    assert slack.bot is not None
    await slack.bot.identity()
    http = aiohttp.ClientSession()
    try:
        yield Everything(stack, SlackHelpdesk(stack, slack_fake, slack, http),
                         TelegramStack(stack, tg_fake, telegram, {}, http),
                         SmsHelpdesk(stack, twilio_fake, http))
    finally:
        await http.close()
        await stack.close()
        await slack_fake.close()
        await tg_fake.close()
        await twilio_fake.close()


async def test_slack_initiator_telegram_and_sms_assistants(db_url: str,
                                                           clock: ManualClock) -> None:
    async with three_channels(db_url, clock) as hd:
        await hd.stack.add_type("Peripherals")
        await hd.stack.add_person("Ana", Role.ASSISTANT, telegram="101")
        hd.telegram.users["Ana"] = 101
        await hd.stack.add_person("Bogdan", Role.ASSISTANT, sms=BOGDAN_PHONE)

        # Ion places a request on Slack (/helpdesk → modal → submit).
        await hd.slack.command("Ion")
        await hd.deliver()
        modal = hd.slack.last_modal()
        types = {o["text"]["text"]: o["value"] for b in modal["blocks"]
                 if b["block_id"] == "type" for o in b["element"]["options"]}
        await hd.slack.submit("Ion", modal, {"type": types["Peripherals"], "assistant": "0",
                                             "description": "Scanner is offline"})
        await hd.deliver()
        ref = REF.search(hd.slack.inbox("Ion")[-1].text or "")
        assert ref is not None

        # Ana is offered it on Telegram, Bogdan by SMS with a link.
        assert hd.telegram.texts("Ana")[-1].startswith(f"New request {ref.group(0)}")
        offer_sms = hd.sms.fake.messages_to(BOGDAN_PHONE)[-1].body
        assert ref.group(0) in offer_sms and "/l/" in offer_sms

        # Bogdan claims from his SMS link; Ana's Telegram offer is edited; Ion hears on Slack.
        status, page = await hd.sms.press(hd.sms.last_link_to(BOGDAN_PHONE), "Claim")
        assert status == 200, page
        await hd.deliver()
        assert hd.telegram.texts("Ana")[-1].endswith("was claimed by Bogdan.")
        assert any("Bogdan has taken your request" in (m.text or "")
                   for m in hd.slack.inbox("Ion"))

        # Bogdan finishes by SMS; Ion confirms on Slack; Bogdan is told by SMS.
        async def text(body: str) -> str:
            return await hd.sms.text_from(BOGDAN_PHONE, body)

        await text("MY")
        await text("1")
        assert "How much time" in await text("1")
        await text("1h30")
        assert "is resolved" in await text("Replaced the cable")
        await hd.deliver()
        resolution = hd.slack.last_with("Ion", "Confirm")
        assert "1 hour, 30 minutes" in (resolution.text or "")
        await hd.slack.press("Ion", resolution, "Confirm")
        await hd.deliver()
        await hd.sms.deliver()
        async with hd.stack.app.uow_factory() as uow:
            req = await uow.requests.by_reference(ref.group(0))
        assert req is not None and req.status is Status.CLOSED
        assert "confirmed" in hd.sms.fake.messages_to(BOGDAN_PHONE)[-1].body


CYRILLIC = re.compile(r"[А-Яа-яЁё]")


async def test_russian_telegram_initiator_and_romanian_sms_assistant(
        db_url: str, clock: ManualClock) -> None:
    from tests.adapters.telegram.tgstack import message_update
    from tests.test_console_languages import english_fragments

    async with three_channels(db_url, clock) as hd:
        tg, sms = hd.telegram, hd.sms
        await hd.stack.add_type("Periferice")
        async with hd.stack.app.uow_factory() as uow:
            # As `helpdesk admin add-person Bogdan --role assistant --phone +40…` does:
            # the language comes from the phone's country.
            bogdan = await uow.people.add("Bogdan", Role.ASSISTANT, "ro")
            await uow.people.add_account(bogdan.id, "sms", BOGDAN_PHONE)
            await uow.commit()
        tg.users["Ivan"] = 777

        async def ivan_says(text: str) -> None:
            assert await tg.post(message_update(777, text, "Ivan", language="ru")) == 200

        await ivan_says("/new")
        await tg.press("Ivan", "Periferice")
        await tg.press("Ivan", "Любой")
        await ivan_says("Сканер не работает")
        await tg.press("Ivan", "Отправить")
        await hd.deliver()
        offer = sms.fake.messages_to(BOGDAN_PHONE)[-1].body
        assert "Cerere nouă" in offer or "cerere" in offer.lower()
        status, page = await sms.press(sms.last_link_to(BOGDAN_PHONE), "Preluare")
        assert status == 200, page
        await hd.deliver()
        await sms.text_from(BOGDAN_PHONE, "MY")
        await sms.text_from(BOGDAN_PHONE, "1")
        await sms.text_from(BOGDAN_PHONE, "1")
        await sms.text_from(BOGDAN_PHONE, "1h30")
        await sms.text_from(BOGDAN_PHONE, "Am înlocuit cablul")
        await hd.deliver()
        await tg.press("Ivan", "Подтвердить")
        await hd.deliver()
        await sms.deliver()

        ivan = [m.text or "" for m in tg.fake.sent_messages(777)]
        ivan += [m.text or "" for m in tg.fake.messages_in_chat(777)]
        bogdan_sms = [m.body for m in sms.fake.messages_to(BOGDAN_PHONE)]
        assert len(ivan) > 6 and len(bogdan_sms) > 5
        english = english_fragments("ru") | english_fragments("ro")
        for text in ivan:
            assert CYRILLIC.search(text), f"not Russian: {text!r}"
            assert not [f for f in english if f in text], text
        assert any("1 час 30 минут" in t for t in ivan)
        for text in bogdan_sms:
            assert not CYRILLIC.search(text.replace("Сканер не работает", "")), text
            assert not [f for f in english if f in text], text
        assert any("ră" in t or "ț" in t or "ș" in t or "ă" in t for t in bogdan_sms)
