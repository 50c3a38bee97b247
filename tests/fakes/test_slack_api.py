"""The fake Slack Web API, driven by the real ``slack_sdk`` ``AsyncWebClient``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack_api import FakeSlackAPI

TOKEN = "xoxb-test"
BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Ticket #1*"}}]
MODAL = {"type": "modal", "title": {"type": "plain_text", "text": "New ticket"}, "blocks": []}
HOME = {"type": "home", "blocks": BLOCKS}


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlackAPI]:
    """A fake without rate limit, so tests can post back to back."""
    async with FakeSlackAPI(token=TOKEN, rate_limit=None) as api:
        yield api


@pytest.fixture
async def limited() -> AsyncIterator[FakeSlackAPI]:
    """A fake allowing one message per channel per 0.2 s."""
    async with FakeSlackAPI(token=TOKEN, rate_limit=1, rate_window=0.2) as api:
        yield api


def client_for(fake: FakeSlackAPI, **kwargs: Any) -> AsyncWebClient:
    kwargs.setdefault("token", TOKEN)
    return AsyncWebClient(base_url=fake.base_url, **kwargs)


async def api_error(call: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        await call
    return caught.value


async def test_base_url_and_auth_test(fake: FakeSlackAPI) -> None:
    assert fake.base_url.startswith("http://127.0.0.1:") and fake.base_url.endswith("/api/")
    answer = await client_for(fake).auth_test()
    assert (answer["user_id"], answer["bot_id"], answer["team_id"]) == (
        fake.bot_user_id,
        fake.bot_id,
        fake.team_id,
    )
    assert [call.method for call in fake.calls] == ["auth.test"]


async def test_wrong_or_missing_token(fake: FakeSlackAPI) -> None:
    wrong = await api_error(client_for(fake, token="xoxb-wrong").auth_test())
    assert wrong.response["error"] == "invalid_auth"
    missing = await api_error(client_for(fake, token=None).auth_test())
    assert missing.response["error"] == "not_authed"


async def test_post_and_update_round_trip(fake: FakeSlackAPI) -> None:
    client = client_for(fake)
    first = await client.chat_postMessage(channel="C1", text="new ticket", blocks=BLOCKS)
    second = await client.chat_postMessage(channel="C1", text="second", thread_ts=first["ts"])
    assert first["channel"] == "C1" and first["message"]["blocks"] == BLOCKS
    assert float(second["ts"]) > float(first["ts"])
    assert second["message"]["thread_ts"] == first["ts"]

    updated = await client.chat_update(channel="C1", ts=first["ts"], text="taken by Ann")
    await client.chat_update(channel="C1", ts=first["ts"], text="closed")
    assert updated["ts"] == first["ts"] and updated["message"]["text"] == "taken by Ann"

    current = fake.messages_in("C1")
    assert [m.text for m in current] == ["closed", "second"]
    assert current[0].blocks == BLOCKS  # like Slack: blocks left out are kept
    assert fake.updates_of("C1", first["ts"]) == 2
    assert fake.updates_of("C1", second["ts"]) == 0
    assert fake.calls_of("chat.update")[0].params["text"] == "taken by Ann"
    assert "token" not in fake.calls[0].params


async def test_update_unknown_message(fake: FakeSlackAPI) -> None:
    error = await api_error(client_for(fake).chat_update(channel="C1", ts="1.000001", text="x"))
    assert error.response.status_code == 200
    assert error.response["error"] == "message_not_found"


async def test_form_encoded_call(fake: FakeSlackAPI) -> None:
    data = {"channel": "C9", "text": "form", "blocks": json.dumps(BLOCKS)}
    await client_for(fake).api_call("chat.postMessage", data=data)
    assert fake.messages_in("C9")[0].blocks == BLOCKS


async def test_post_ephemeral(fake: FakeSlackAPI) -> None:
    answer = await client_for(fake).chat_postEphemeral(channel="C1", user="U1", text="psst")
    assert answer["message_ts"]
    assert [(m.user, m.text) for m in fake.ephemerals] == [("U1", "psst")]
    assert fake.messages_in("C1") == []


async def test_channel_rate_limit_without_retry_handler(limited: FakeSlackAPI) -> None:
    client = client_for(limited)
    await client.chat_postMessage(channel="C1", text="one")
    error = await api_error(client.chat_postMessage(channel="C1", text="two"))
    assert error.response.status_code == 429
    assert error.response.headers["Retry-After"] == "1"
    assert error.response["error"] == "ratelimited"
    await client.chat_postMessage(channel="C2", text="other channel is fine")
    assert limited.limit_violations == 1 and limited.injected_failures == 0
    assert [m.text for m in limited.messages_in("C1")] == ["one"]
    await asyncio.sleep(0.2)
    await client.chat_update(channel="C1", ts=limited.messages_in("C1")[0].ts, text="edited")


async def test_rate_limit_retried_by_handler(limited: FakeSlackAPI) -> None:
    handler = AsyncRateLimitErrorRetryHandler(max_retry_count=2)
    client = client_for(limited, retry_handlers=[handler])
    await client.chat_postMessage(channel="C1", text="one")
    await client.chat_postMessage(channel="C1", text="two")  # 429, waits Retry-After, retries
    assert [m.text for m in limited.messages_in("C1")] == ["one", "two"]
    assert limited.limit_violations == 1
    assert len(limited.calls_of("chat.postMessage")) == 3


async def test_injected_500_delivers_nothing(fake: FakeSlackAPI) -> None:
    client = client_for(fake)
    fake.fail_next(1)
    error = await api_error(client.chat_postMessage(channel="C1", text="lost"))
    assert error.response.status_code == 500
    assert error.response["error"] == "internal_error"
    assert fake.messages_in("C1") == []
    await client.chat_postMessage(channel="C1", text="kept")
    assert [m.text for m in fake.messages_in("C1")] == ["kept"]
    assert (fake.injected_failures, fake.limit_violations) == (1, 0)


async def test_injected_429_for_one_method(fake: FakeSlackAPI) -> None:
    client = client_for(fake)
    fake.fail_next(1, status=429, retry_after=3, method="chat.postMessage")
    await client.auth_test()  # not targeted
    error = await api_error(client.chat_postMessage(channel="C1", text="x"))
    assert error.response.status_code == 429
    assert error.response.headers["Retry-After"] == "3"
    assert error.response["error"] == "ratelimited"
    assert (fake.injected_failures, fake.limit_violations) == (1, 0)


async def test_probabilistic_injection_is_reproducible(fake: FakeSlackAPI) -> None:
    client = client_for(fake, retry_handlers=[])

    async def outcomes() -> list[int]:
        statuses = []
        for i in range(12):
            try:
                await client.chat_postMessage(channel="C1", text=str(i))
                statuses.append(200)
            except SlackApiError as exc:
                statuses.append(exc.response.status_code)
        return statuses

    fake.inject(0.5, kinds=("429", "500"), seed=7)
    first = await outcomes()
    fake.reset()
    fake.inject(0.5, kinds=("429", "500"), seed=7)
    assert await outcomes() == first
    assert {429, 500} <= set(first) and 200 in first
    assert fake.injected_failures == first.count(429) + first.count(500)
    assert len(fake.messages_in("C1")) == first.count(200)
    with pytest.raises(ValueError):
        fake.inject(0.1, kinds=("418",))


async def test_slow_answer_times_out_but_is_delivered(fake: FakeSlackAPI) -> None:
    client = client_for(fake, timeout=1, retry_handlers=[])
    fake.slow_next(1, seconds=1.3)
    with pytest.raises(TimeoutError):
        await client.chat_postMessage(channel="C1", text="late")
    assert fake.messages_in("C1") == []
    await asyncio.sleep(0.5)
    assert [m.text for m in fake.messages_in("C1")] == ["late"]
    assert (fake.slowed, fake.injected_failures) == (1, 0)


async def test_views_open_update_and_publish(fake: FakeSlackAPI) -> None:
    client = client_for(fake)
    missing = await api_error(client.api_call("views.open", json={"view": MODAL}))
    assert missing.response["error"] == "invalid_arguments"

    opened = (await client.views_open(trigger_id="123.456.abc", view=MODAL))["view"]
    assert opened["id"].startswith("V") and opened["hash"]
    changed = {**MODAL, "blocks": BLOCKS}
    await client.views_update(view_id=opened["id"], view=changed, hash=opened["hash"])
    assert [v["blocks"] for v in fake.opened_views] == [BLOCKS]
    stale = await api_error(client.views_update(view_id=opened["id"], view=MODAL, hash="old"))
    assert stale.response["error"] == "hash_conflict"

    first = (await client.views_publish(user_id="U1", view=HOME))["view"]
    second = await client.views_publish(user_id="U1", view={"type": "home", "blocks": []})
    assert second["view"]["id"] == first["id"]
    home = fake.home_view("U1")
    assert home is not None and home["blocks"] == []
    assert fake.home_view("U2") is None


async def test_conversations_open_is_stable_per_user(fake: FakeSlackAPI) -> None:
    client = client_for(fake)
    first = await client.conversations_open(users=["U1"])
    again = await client.conversations_open(users="U1")
    assert first["channel"]["id"] == again["channel"]["id"] == "DU1"
    assert again["already_open"] is True
    await client.chat_postMessage(channel="U1", text="hello")  # a user id posts to the DM
    assert [m.text for m in fake.messages_in("DU1")] == ["hello"]


async def test_users_info(fake: FakeSlackAPI) -> None:
    fake.add_user("U1", "anna", locale="de-DE", tz="Europe/Berlin", real_name="Anna Schmidt")
    client = client_for(fake)
    user = (await client.users_info(user="U1", include_locale=True))["user"]
    assert (user["id"], user["name"], user["real_name"]) == ("U1", "anna", "Anna Schmidt")
    assert (user["locale"], user["tz"]) == ("de-DE", "Europe/Berlin")
    assert user["tz_offset"] in (3600, 7200)
    assert "locale" not in (await client.users_info(user="U1"))["user"]
    unknown = await api_error(client.users_info(user="U404"))
    assert unknown.response["error"] == "user_not_found"


async def test_unknown_method(fake: FakeSlackAPI) -> None:
    error = await api_error(client_for(fake).api_call("tickets.explode"))
    assert error.response["error"] == "unknown_method"
    assert fake.calls_of("tickets.explode")


async def test_reset(fake: FakeSlackAPI) -> None:
    fake.add_user("U1", "anna")
    await client_for(fake).chat_postMessage(channel="C1", text="x")
    fake.fail_next(3)
    fake.reset()
    assert (fake.calls, fake.messages_in("C1"), fake.injected_failures) == ([], [], 0)
    await client_for(fake).users_info(user="U1")  # users survive, faults do not


async def test_files_upload_v2_and_private_downloads(fake: FakeSlackAPI) -> None:
    import aiohttp

    client = client_for(fake)
    done = await client.files_upload_v2(channel="D0ION", file=b"%PDF data", filename="a.pdf",
                                        title="a.pdf", initial_comment="here")
    assert done["file"]["name"] == "a.pdf"
    (shared,) = fake.shared_files("D0ION")
    assert (shared.data, shared.mimetype, shared.initial_comment) == (
        b"%PDF data", "application/pdf", "here")
    info = await client.files_info(file=shared.id)
    url = info["file"]["url_private"]
    uploaded = fake.add_file("U0ION", b"photo", "p.jpg", "image/jpeg")
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as response:
            assert response.status == 403  # no token
        async with http.get(uploaded["url_private"],
                            headers={"Authorization": f"Bearer {TOKEN}"}) as response:
            assert (response.status, await response.read()) == (200, b"photo")
    assert fake.downloads == [uploaded["id"]]
