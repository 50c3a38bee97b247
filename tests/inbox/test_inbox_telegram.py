"""The durable inbox on Telegram: redelivery, lost dialog state, hostile payloads."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from core.clock import ManualClock
from core.kinds import Status
from persistence.inbox import InboxRow
from tests.adapters.telegram.tgstack import TelegramStack, message_update, start_telegram


@pytest.fixture
async def tg(db_url: str, clock: ManualClock):  # type: ignore[no-untyped-def]
    stack = await start_telegram(db_url, clock)
    yield stack
    await stack.close()


async def inbox_rows(tg: TelegramStack) -> int:
    return sum((await tg.app.inbox.inbox.counts()).values())


async def requests_of(tg: TelegramStack) -> list[Any]:
    async with tg.app.uow_factory() as uow:
        ion = await uow.people.by_account("telegram", "555")
        return [] if ion is None else await uow.requests.list_for_initiator(ion.id)


async def thrice(tg: TelegramStack, update: dict[str, Any]) -> None:
    """Telegram delivering one update three times at once."""
    assert await asyncio.gather(*(tg.post(update) for _ in range(3))) == [200, 200, 200]


async def test_every_update_three_times_at_once_is_applied_and_answered_once(
        tg: TelegramStack) -> None:
    await thrice(tg, message_update(555, "/new", "Ion"))
    await thrice(tg, tg.press_update("Ion", "Peripherals"))
    await thrice(tg, tg.press_update("Ion", "Anyone"))
    await thrice(tg, message_update(555, "Scanner is offline", "Ion"))
    await thrice(tg, tg.press_update("Ion", "Place"))
    await tg.deliver()
    await thrice(tg, tg.press_update("Bogdan", "Claim"))
    await tg.deliver()
    reqs = await requests_of(tg)
    assert len(reqs) == 1 and reqs[0].status is Status.IN_PROGRESS
    texts = tg.texts("Ion")
    assert sum("What is it about" in t for t in texts) == 1, texts
    assert sum("is placed" in t for t in texts) == 1, texts
    assert sum("has taken your request" in t for t in texts) == 1, texts
    assert len(tg.fake.calls_of("answerCallbackQuery")) == 4  # one per distinct press
    assert await tg.app.inbox.inbox.counts() == {"done": 6}


async def test_a_lost_dialog_asks_to_repeat_the_step(tg: TelegramStack) -> None:
    await tg.say("Ion", "/new")
    await tg.press("Ion", "Peripherals")
    await tg.press("Ion", "Anyone")
    await tg.say("Ion", "Scanner is offline")
    await tg.press("Ion", "Place")
    await tg.deliver()
    await tg.press("Bogdan", "Claim")
    await tg.press("Bogdan", "Finish")
    await tg.app.dialogs.redis.flushall()  # Redis restarted empty
    await tg.say("Bogdan", "1h30")
    last = tg.texts("Bogdan")[-1]
    assert last == "I lost track of that; press Finish again.", last
    assert "didn't understand" not in " ".join(tg.texts("Bogdan"))
    await tg.press("Bogdan", "Finish")
    await tg.say("Bogdan", "1h30")
    await tg.say("Bogdan", "Restarted the scanner")
    assert (await requests_of(tg))[0].status is Status.RESOLVED


def nested(depth: int) -> str:
    return '{"a":[' * depth + '"x"' + "]}" * depth


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_hostile_payloads_are_refused_with_400_and_store_nothing(
        tg: TelegramStack) -> None:
    ok = message_update(555, "/new", "Ion")
    deep = json.dumps(ok).replace('"text"', f'"x": {nested(5000)}, "text"').encode()
    assert await tg.post({}, raw=deep) == 400  # no RecursionError, no 500
    huge = json.dumps({**ok, "message": {**ok["message"], "text": "a" * 1_100_000}})
    assert await tg.post({}, raw=huge.encode()) == 400  # over 1 MB
    lone = json.dumps(message_update(555, "x", "Ion")).replace('"x"', '"\\ud800"')
    assert await tg.post({}, raw=lone.encode()) == 400
    assert await tg.post(message_update(555, "b" * 20_000, "Ion")) == 400
    assert await tg.post({"update_id": 2**70, "message": ok["message"]}) == 400
    assert await tg.post({"update_id": 5, "message": {"text": "no chat"}}) == 400
    assert await tg.post({"update_id": 6, "callback_query": None}) == 200  # nothing in it
    assert await tg.post({"update_id": 7, "message": []}) == 400
    long_name = message_update(555, "/new", "N" * 5000)
    assert await tg.post(long_name) == 200  # accepted; the name is cut to fit
    assert await inbox_rows(tg) == 1
    async with tg.app.uow_factory() as uow:
        ion = await uow.people.by_account("telegram", "555")
    assert ion is not None and len(ion.name) <= 200
    assert not tg.fake.calls_of("sendMessage")[1:]  # only the answer to /new


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_an_event_failing_past_its_budget_is_kept_and_told_once(
        tg: TelegramStack) -> None:
    inbox = tg.app.inbox
    channel = inbox.channels["telegram"]
    calls = 0

    async def broken(data: dict[str, Any]) -> Any:
        nonlocal calls
        calls += 1
        raise ValueError("a bug")

    inbox.channels["telegram"] = type(channel)("telegram", broken, channel.respond)
    assert await tg.post(message_update(555, "/new", "Ion")) == 200
    for _ in range(10):
        tg.stack.clock.advance(seconds=60)
        await inbox.drain()
    assert calls == inbox.budget
    failed = await inbox.inbox.failed()
    assert len(failed) == 1 and "a bug" in (failed[0].last_error or "")
    told = [t for t in tg.texts("Ion") if "was not applied" in t]
    assert len(told) == 1, tg.texts("Ion")
    inbox.channels["telegram"] = channel  # fixed: retried by hand
    assert await inbox.inbox.retry() == 1
    await inbox.drain()
    assert await inbox.inbox.counts() == {"done": 1}
    assert "What is it about?" in tg.texts("Ion")[-1]
    assert InboxRow.__tablename__ == "inbox"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_fuzzed_updates_never_get_a_5xx(tg: TelegramStack) -> None:
    import os

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    examples = int(os.environ.get("HELPDESK_FUZZ_EXAMPLES", "300"))
    leaf = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
    keys = st.sampled_from(["update_id", "message", "callback_query", "from", "chat", "id",
                            "text", "data", "type", "message_id", "date", "first_name"])
    json_values = st.recursive(leaf, lambda c: st.lists(c, max_size=3)
                               | st.dictionaries(keys, c, max_size=5), max_leaves=20)
    bodies: list[dict[str, Any]] = []

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.dictionaries(keys, json_values, max_size=5), st.integers(1, 10**6))
    def collect(body: dict[str, Any], update_id: int) -> None:
        bodies.append({"update_id": update_id, **body} if update_id % 2 else body)

    collect()
    statuses = [await tg.post(body) for body in bodies]
    assert max(statuses) < 500, sorted(set(statuses))
    assert not tg.fake.calls_of("sendMessage")  # nothing a person could have sent
