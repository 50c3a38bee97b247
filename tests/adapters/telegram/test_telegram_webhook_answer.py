"""A button press handled inside its webhook request is answered in the webhook's response
(Telegram runs the method given there): one Bot API call less per press."""

from __future__ import annotations

from typing import Any

from adapters.telegram.updates import SECRET_HEADER
from tests.adapters.telegram.tgstack import (
    SECRET,
    TelegramStack,
    callback_update,
    message_update,
)


async def post_raw(tg: TelegramStack, update: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """POST as Telegram does, returning the status and the answer's JSON (not run)."""
    assert tg.http is not None
    async with tg.http.post(f"{tg.stack.base_url}/telegram/webhook", json=update,
                            headers={SECRET_HEADER: SECRET}) as response:
        return response.status, await response.json()


async def test_a_press_is_answered_in_the_webhook_response(tg: TelegramStack) -> None:
    await tg.say("Ion", "/new")
    press = tg.press_update("Ion", "Peripherals")
    calls_before = len(tg.fake.calls)
    status, body = await post_raw(tg, press)
    assert status == 200
    assert body == {"method": "answerCallbackQuery",
                    "callback_query_id": press["callback_query"]["id"]}
    # The bot itself made no answerCallbackQuery call; its next question was sent.
    assert [c.method for c in tg.fake.calls[calls_before:]] == ["sendMessage"]
    call = await tg.fake.webhook_answer(body)  # what Telegram does with the answer
    assert call is not None and call.status == 200  # valid by the Bot API's rules


async def test_a_refusal_toast_travels_in_the_webhook_response(tg: TelegramStack) -> None:
    await tg.say("Ion", "/new")
    data, message_id = tg.button("Ion", "Peripherals")
    forged = data[:-2] + ("AA" if not data.endswith("AA") else "BB")
    update = callback_update(tg.users["Ion"], forged, message_id, "Ion")
    status, body = await post_raw(tg, update)
    assert status == 200
    assert body["method"] == "answerCallbackQuery"
    assert body["text"] == "This button is no longer valid."
    call = await tg.fake.webhook_answer(body)
    assert call is not None and call.status == 200


async def test_a_text_message_gets_a_plain_acknowledgement(tg: TelegramStack) -> None:
    status, body = await post_raw(tg, message_update(tg.users["Ion"], "/start", "Ion"))
    assert (status, body) == (200, {"ok": True})
    assert tg.fake.sent_messages(tg.users["Ion"])


async def test_a_reply_that_failed_inline_is_sent_once_by_the_worker(
        tg: TelegramStack) -> None:
    """Telegram refused the reply during the webhook request: the webhook still answers 200
    with the press answered; the worker sends the owed reply once (answering the press
    through the Bot API, as it has no webhook response)."""
    await tg.say("Ion", "/new")
    press = tg.press_update("Ion", "Peripherals")
    tg.fake.fail_next(1, 502, methods="sendMessage")
    status, body = await post_raw(tg, press)
    assert status == 200 and body.get("method") == "answerCallbackQuery"
    await tg.flush_inbox()
    texts = tg.texts("Ion")
    assert len(texts) == 2  # the welcome of /new, then the next question once
