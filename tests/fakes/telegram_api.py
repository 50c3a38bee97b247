"""A local fake of the Telegram Bot API (aiohttp) for tests and benchmarks.

It implements the methods the project calls, records every call, keeps the current text and
keyboard of every message (so a test can check that a message "ended edited"), enforces
Telegram's flood limits with real 429 answers, and injects 5xx, 429 and timeouts on demand.
Point aiogram at it with ``AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url))``.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

SENDING = {"sendMessage", "editMessageText", "editMessageReplyMarkup", "sendDocument",
           "sendPhoto"}
JSON_FIELDS = {"reply_markup", "allowed_updates", "commands", "entities"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float
    ok: bool = True


@dataclass
class Message:
    chat_id: int
    message_id: int
    text: str
    reply_markup: dict[str, Any] | None = None
    edits: int = 0


@dataclass
class Limits:
    """Telegram's documented limits; ``window`` scales them down for fast tests."""

    overall_per_second: int = 30
    per_chat_per_second: int = 1
    per_group_per_minute: int = 20
    window: float = 1.0
    enabled: bool = True


@dataclass
class FakeTelegramAPI:
    token: str | None = None
    limits: Limits = field(default_factory=Limits)

    def __post_init__(self) -> None:
        self.calls: list[Call] = []
        self.messages: dict[tuple[int, int], Message] = {}
        self.limit_violations = 0
        self.injected_failures = 0
        self._next_id: dict[int, int] = defaultdict(int)
        self._overall: deque[float] = deque()
        self._per_chat: dict[int, deque[float]] = defaultdict(deque)
        self._updates: list[dict[str, Any]] = []
        self._update_event = asyncio.Event()
        self._fail_next: list[tuple[int, int]] = []  # (status, retry_after)
        self._inject_rate = 0.0
        self._random = random.Random(0)
        self._timeouts = 0
        self._timeout_delay = 5.0
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # -- lifecycle -----------------------------------------------------------------------
    async def start(self) -> FakeTelegramAPI:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._dispatch)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeTelegramAPI:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- test controls -------------------------------------------------------------------
    def fail_next(self, n: int = 1, status: int = 500, retry_after: int = 1) -> None:
        self._fail_next.extend([(status, retry_after)] * n)

    def inject(self, rate: float, seed: int = 0) -> None:
        """Answer 429 (retry_after 1) or 500 for ``rate`` of the sending calls."""
        self._inject_rate, self._random = rate, random.Random(seed)

    def inject_timeout(self, n: int = 1, delay: float = 5.0) -> None:
        self._timeouts, self._timeout_delay = n, delay

    def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates (long polling)."""
        self._updates.append(update)
        self._update_event.set()

    def reset(self) -> None:
        self.__post_init__()

    # -- queries -------------------------------------------------------------------------
    def calls_of(self, method: str, ok_only: bool = True) -> list[Call]:
        return [c for c in self.calls if c.method == method and (c.ok or not ok_only)]

    def sent_messages(self, chat_id: int | None = None) -> list[Call]:
        return [c for c in self.calls_of("sendMessage")
                if chat_id is None or int(c.params["chat_id"]) == chat_id]

    def messages_in_chat(self, chat_id: int) -> list[Message]:
        return [m for (chat, _), m in sorted(self.messages.items()) if chat == chat_id]

    # -- the API -------------------------------------------------------------------------
    async def _dispatch(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if self.token is not None and request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        params = await _params(request)
        now = time.monotonic()
        if self._timeouts and method != "getUpdates":
            self._timeouts -= 1
            await asyncio.sleep(self._timeout_delay)
        injected = self._injected(method)
        if injected is not None:
            self.injected_failures += 1
            self.calls.append(Call(method, params, now, ok=False))
            return injected
        if method in SENDING and self.limits.enabled:
            refusal = self._over_limit(int(params.get("chat_id", 0)), now)
            if refusal is not None:
                self.limit_violations += 1
                self.calls.append(Call(method, params, now, ok=False))
                return refusal
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            self.calls.append(Call(method, params, now, ok=False))
            return _error(404, "Not Found: method not found")
        self.calls.append(Call(method, params, now))
        result = handler(params) if method != "getUpdates" else await self._m_getUpdates(params)
        if isinstance(result, web.Response):
            self.calls[-1].ok = False
            return result
        return web.json_response({"ok": True, "result": result})

    def _injected(self, method: str) -> web.Response | None:
        if method == "getUpdates":
            return None
        if self._fail_next:
            status, retry_after = self._fail_next.pop(0)
        elif self._inject_rate and method in SENDING and self._random.random() < self._inject_rate:
            status, retry_after = self._random.choice([(429, 1), (500, 0)])
        else:
            return None
        if status == 429:
            return _error(429, f"Too Many Requests: retry after {retry_after}",
                          {"retry_after": retry_after})
        return _error(status, "Internal Server Error")

    def _over_limit(self, chat_id: int, now: float) -> web.Response | None:
        lim = self.limits
        _trim(self._overall, now - lim.window)
        group = chat_id < 0
        span = lim.window * (60 if group else 1)
        per_chat = self._per_chat[chat_id]
        _trim(per_chat, now - span)
        allowed = lim.per_group_per_minute if group else lim.per_chat_per_second
        if len(self._overall) >= lim.overall_per_second or len(per_chat) >= allowed:
            retry = max(1, round(span if len(per_chat) >= allowed else lim.window))
            return _error(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
        self._overall.append(now)
        per_chat.append(now)
        return None

    def _m_getMe(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return {"id": 1, "is_bot": True, "first_name": "Helpdesk", "username": "helpdesk_bot"}

    def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        chat_id = int(params["chat_id"])
        self._next_id[chat_id] += 1
        message = Message(chat_id, self._next_id[chat_id], str(params.get("text", "")),
                          params.get("reply_markup"))
        self.messages[(chat_id, message.message_id)] = message
        return _message_json(message)

    def _m_editMessageText(self, params: dict[str, Any]) -> Any:  # noqa: N802
        message = self.messages.get((int(params["chat_id"]), int(params["message_id"])))
        if message is None:
            return _error(400, "Bad Request: message to edit not found")
        message.text = str(params.get("text", ""))
        message.reply_markup = params.get("reply_markup")
        message.edits += 1
        return _message_json(message)

    def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:  # noqa: N802
        message = self.messages.get((int(params["chat_id"]), int(params["message_id"])))
        if message is None:
            return _error(400, "Bad Request: message to edit not found")
        message.reply_markup = params.get("reply_markup")
        message.edits += 1
        return _message_json(message)

    def _m_answerCallbackQuery(self, params: dict[str, Any]) -> bool:  # noqa: N802
        return True

    def _m_setMyCommands(self, params: dict[str, Any]) -> bool:  # noqa: N802
        return True

    def _m_setWebhook(self, params: dict[str, Any]) -> bool:  # noqa: N802
        return True

    def _m_deleteWebhook(self, params: dict[str, Any]) -> bool:  # noqa: N802
        return True

    async def _m_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:  # noqa: N802
        offset = int(params.get("offset", 0) or 0)
        limit = int(params.get("limit", 100) or 100)
        deadline = time.monotonic() + float(params.get("timeout", 0) or 0)
        while True:
            pending = [u for u in self._updates if u["update_id"] >= offset]
            if offset:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if pending or time.monotonic() >= deadline:
                return pending[:limit]
            self._update_event.clear()
            try:
                await asyncio.wait_for(self._update_event.wait(), deadline - time.monotonic())
            except TimeoutError:
                pass


def _trim(times: deque[float], before: float) -> None:
    while times and times[0] <= before:
        times.popleft()


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        params = dict(await request.json())
    else:
        params = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        params.update(request.query)
    for key in JSON_FIELDS & params.keys():
        if isinstance(params[key], str):
            params[key] = json.loads(params[key])
    return params


def _message_json(message: Message) -> dict[str, Any]:
    data: dict[str, Any] = {
        "message_id": message.message_id, "date": int(time.time()), "text": message.text,
        "chat": {"id": message.chat_id, "type": "private" if message.chat_id > 0 else "group"},
    }
    if message.reply_markup:
        data["reply_markup"] = message.reply_markup
    return data


def _error(status: int, description: str, parameters: dict[str, Any] | None = None
           ) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)
