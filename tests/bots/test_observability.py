"""A whole story over the Telegram webhook, then: /metrics matches it (updates, actions,
deliveries) and parses with prometheus-client's parser; its JSON logs have one line per update
and no phone number, e-mail address, token or secret."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from bots.logs import JsonFormatter, Masker, configured_secrets
from core.clock import ManualClock
from persistence.tables import OutboxRow
from tests.adapters.telegram.tgstack import SECRET as WEBHOOK_SECRET
from tests.adapters.telegram.tgstack import TOKEN, TelegramStack, start_telegram
from tests.conftest import SECRET

METRICS_TOKEN = "metrics-token-0123456789abcdef"
PHONE, EMAIL = "+40 721 234 567", "Joana.Silva@Example.PT"


@pytest.fixture
async def tg(sqlite_url: str, clock: ManualClock) -> AsyncIterator[TelegramStack]:
    stack = await start_telegram(sqlite_url, clock, metrics_token=METRICS_TOKEN)
    yield stack
    await stack.close()


class Story:
    """Counts what the story did, to compare with the metrics."""

    def __init__(self, tg: TelegramStack) -> None:
        self.tg = tg
        self.updates = 0

    async def say(self, who: str, text: str) -> None:
        await self.tg.say(who, text)
        self.updates += 1

    async def press(self, who: str, label: str) -> None:
        await self.tg.press(who, label)
        self.updates += 1


async def whole_story(tg: TelegramStack) -> Story:
    """Seed 000 (place, claim, finish, confirm) plus requests placed for two clients who
    phoned and e-mailed (unreachable here: their notices are held, Ana is told)."""
    s = Story(tg)
    await s.say("Ion", "/start")
    await s.say("Ion", "/new")
    await s.press("Ion", "Peripherals")
    await s.press("Ion", "Anyone")
    await s.say("Ion", "The printer does not print; call me at " + PHONE)
    await s.press("Ion", "Place")
    await tg.deliver()
    await s.press("Bogdan", "Claim")
    await tg.deliver()
    await s.press("Bogdan", "Finish")
    await s.say("Bogdan", "1h30")
    await s.say("Bogdan", f"Replaced the fuser; wrote to {EMAIL}")
    await tg.deliver()
    await s.press("Ion", "Confirm")
    await tg.deliver()
    for client in (f"Maria Popescu {PHONE}", f"Joana <{EMAIL}>"):
        await s.say("Ana", "/new")
        await s.press("Ana", "Peripherals")
        await s.press("Ana", "Anyone")
        await s.say("Ana", "Printer at the front desk is jammed")
        await s.press("Ana", "For a client")
        await s.say("Ana", client)
        await s.press("Ana", "Place")
        await tg.deliver()
    return s


def samples(exposition: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def scrape(tg: TelegramStack, token: str | None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    assert tg.http is not None
    async with tg.http.get(f"{tg.stack.base_url}/metrics", headers=headers) as response:
        return response.status, await response.text()


async def test_metrics_match_the_story(tg: TelegramStack) -> None:
    story = await whole_story(tg)
    assert (await scrape(tg, None))[0] == 401
    assert (await scrape(tg, "wrong-token-0123456789"))[0] == 401
    status, exposition = await scrape(tg, METRICS_TOKEN)
    assert status == 200
    got = samples(exposition)

    def value(name: str, **labels: str) -> float:
        return got.get((name, tuple(sorted(labels.items()))), 0.0)

    assert value("helpdesk_updates_total", channel="telegram", outcome="ok") == story.updates
    assert value("helpdesk_update_seconds_count", channel="telegram") == story.updates
    assert value("helpdesk_actions_total", kind="claim") == 1
    assert value("helpdesk_actions_total", kind="finish") == 1
    assert value("helpdesk_actions_total", kind="confirm") == 1
    assert value("helpdesk_actions_total", kind="place") == 3
    async with tg.app.uow_factory() as uow:
        sent = await uow.outbox.s.scalar(  # type: ignore[attr-defined]
            select(func.count()).select_from(OutboxRow).where(OutboxRow.sent_at.is_not(None)))
        held = await uow.outbox.dead_letters(held=True)
    assert sent and value("helpdesk_deliveries_total", channel="telegram") == sent
    # Each client's "registered for you" notice is held (no SMS / e-mail channel here).
    assert len(held) == 2
    assert value("helpdesk_delivery_failures_total", channel="none") == 2
    assert value("helpdesk_outbox_depth") == 0
    assert value("helpdesk_outbox_oldest_age_seconds") == 0
    assert value("helpdesk_outbox_dead_letters") == 2
    assert ("helpdesk_timers_due", ()) in got and ("helpdesk_timers_late", ()) in got
    # Ana was told once per client that they cannot be reached.
    told = [t for t in tg.texts("Ana") if "cannot be reached" in t]
    assert len(told) == 2


@pytest.fixture
def json_logs(tg: TelegramStack) -> Any:
    """Every logger at DEBUG into a JSON log, masked like ``LOG_FORMAT=json`` does."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(Masker(configured_secrets(tg.app.settings))))
    root, sql = logging.getLogger(), logging.getLogger("sqlalchemy.engine")
    levels = root.level, sql.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    sql.setLevel(logging.INFO)  # every statement with its parameters: names, texts, numbers
    yield stream
    root.removeHandler(handler)
    root.setLevel(levels[0])
    sql.setLevel(levels[1])


async def test_json_logs_of_a_story_hide_personal_data_and_secrets(
        tg: TelegramStack, json_logs: io.StringIO) -> None:
    story = await whole_story(tg)
    await scrape(tg, METRICS_TOKEN)
    logging.getLogger("test").warning("SMTP at smtp://help:%s@mail.example.com, card %s",
                                      "hunter2-password", PHONE)
    lines = [json.loads(line) for line in json_logs.getvalue().splitlines()]
    assert lines
    updates = [entry for entry in lines if entry["logger"] == "helpdesk.updates"]
    assert len(updates) == story.updates
    for entry in updates:
        assert entry["channel"] == "telegram" and entry["outcome"] == "ok"
        assert entry["kind"] in {"command", "button", "text"}
        assert isinstance(entry["person_id"], int) and isinstance(entry["ms"], float)
    refs = {entry["reference"] for entry in updates} - {None}
    assert any(re.fullmatch(r"HD-\d{4}-\d{6}", ref) for ref in refs)

    text = json_logs.getvalue()
    digits = re.sub(r"\D", "", PHONE)
    forbidden = [digits, PHONE, "721 234 567", "721234567", EMAIL, EMAIL.lower(), TOKEN,
                 TOKEN.split(":")[1], SECRET, WEBHOOK_SECRET, METRICS_TOKEN, "hunter2-password"]
    for value in forbidden:
        assert value not in text, value
    assert "[masked]@mail.example.com" in text
    # The SQL log carried the description and the clients: masked there too.
    assert text.count("[phone]") > 2 and text.count("[email]") > 2


def test_masker_covers_the_usual_suspects() -> None:
    mask = Masker(["s3cr3t-value-xyz"])
    cases = {
        "call +48 (22) 123-45-67 now": "call [phone] now",
        "to 0721 234 567": "to [phone]",
        "mail ana.pop@example.com": "mail [email]",
        "GET /bot123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-ZT/getMe": "GET /bot[token]/getMe",
        "xoxb-1234-5678-abcdEFGH": "[token]",
        "AC0123456789abcdef0123456789abcdef": "[sid]",
        "auth_token=abcdef123 ok": "auth_token=[masked] ok",
        '{"password": "p4ss"}': '{"password": "[masked]"}',
        "Authorization: Bearer abc.def.ghi123": "Authorization: [masked]",
        "GET /l/eyJwIjoxLCJyIjoyfQ.abc123def456ghi HTTP/1.1": "GET /l/[token] HTTP/1.1",
        "the key is s3cr3t-value-xyz": "the key is [secret]",
        "HD-2026-000042 took 12.5 ms at 2026-11-29T19:40:01.123+00:00":
            "HD-2026-000042 took 12.5 ms at 2026-11-29T19:40:01.123+00:00",
        "telegram user 123456789 pressed claim": "telegram user 123456789 pressed claim",
    }
    for given, expected in cases.items():
        assert mask(given) == expected, given


async def test_metrics_port_or_token_is_required(sqlite_url: str, clock: ManualClock) -> None:
    stack = await start_telegram(sqlite_url, clock)  # neither METRICS_TOKEN nor METRICS_PORT
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{stack.stack.base_url}/metrics") as response:
                assert response.status == 404
    finally:
        await stack.close()


async def test_a_slack_app_leaves_the_update_log_to_the_logging_config(
        sqlite_url: str, clock: ManualClock) -> None:
    """Slack Bolt names a logger after its app and, on every request, pins that logger at the
    root's level of the moment. Named "helpdesk", it was the parent of "helpdesk.updates":
    after any Slack request at WARNING, the update lines stayed off when logging was raised
    to INFO or DEBUG later (the JSON-log story above then saw none after the Slack tests)."""
    from slack_bolt.logger import get_bolt_app_logger

    from bots.observability import update_log
    from tests.adapters.slack.slackstack import slack_helpdesk

    root = logging.getLogger()
    level = root.level
    async with slack_helpdesk(sqlite_url, clock) as hd:
        assert hd.plugin.bot is not None
        bolt = hd.plugin.bot.app
    try:
        root.setLevel(logging.WARNING)
        get_bolt_app_logger(app_name=bolt.name, base_logger=bolt._base_logger)  # a request
        root.setLevel(logging.INFO)
        assert update_log.isEnabledFor(logging.INFO)
    finally:
        root.setLevel(level)
