"""A local fake of the Telegram Bot API, for tests and benchmarks.

``FakeTelegramAPI`` is an aiohttp server on 127.0.0.1 (ephemeral port) answering
``GET|POST /bot{token}/{method}`` and ``GET /file/bot{token}/{path}`` the way
api.telegram.org does, so aiogram's real client works unchanged::

    async with FakeTelegramAPI(token="123456:TEST") as fake:
        session = AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url))
        async with Bot("123456:TEST", session=session) as bot:
            await bot.send_message(42, "hi")
        assert fake.messages_in_chat(42)[0].text == "hi"

What aiogram sends (``aiogram/client/session/aiohttp.py`` and ``base.py``): a POST with a form
body (urlencoded, or multipart when a file is uploaded) where every value is a string and
anything that is not a string is JSON-encoded (``chat_id`` "42", ``reply_markup``
'{"inline_keyboard": ...}'); an upload is a separate part referenced as ``attach://<part>``.
The fake also takes JSON bodies and query strings, and decodes all of them into one typed
``params`` dict. aiogram picks its exception from the HTTP status of an ``ok: false`` answer:
``parameters.retry_after`` -> ``TelegramRetryAfter``; 400 ``TelegramBadRequest``; 401
``TelegramUnauthorizedError``; 403 ``TelegramForbiddenError``; 404 ``TelegramNotFound``; 409
``TelegramConflictError``; >= 500 ``TelegramServerError``; a client timeout raises
``TelegramNetworkError``.

Flood limits follow https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this:
at most 30 sending calls per second overall, 1 per second to one private chat and 20 per
minute to one group (negative ``chat_id``); edits count like sends. Windows slide, allow 2 %
of their length for timing jitter, and can be shortened for fast tests (``window``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import inspect
import itertools
import json
import math
import mimetypes
import random
import re
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import PurePosixPath
from types import TracebackType
from typing import Any

from aiohttp import web

Payload = dict[str, Any]

SENDING_METHODS = frozenset(
    {"sendMessage", "sendDocument", "sendPhoto", "editMessageText", "editMessageReplyMarkup"}
)
# Update types Telegram only delivers when allowed_updates asks for them.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
MAX_TEXT_LENGTH = 4096  # UTF-16 code units
MAX_CAPTION_LENGTH = 1024
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_RATE_TOLERANCE = 0.02  # of a window: absorbs scheduling jitter of a client pacing exactly
_MAX_BODY = 50 * 1024 * 1024  # Telegram's upload limit for bots
MAX_DOWNLOAD = 20 * 1024 * 1024  # getFile refuses larger files ("file is too big")
# Form values that stay strings; every other form value is JSON-decoded when it parses.
_TEXT_PARAMS = frozenset(
    {
        "text", "caption", "parse_mode", "callback_query_id", "inline_message_id", "url",
        "secret_token", "ip_address", "file_id", "language_code", "action", "document",
        "photo", "thumbnail", "business_connection_id", "message_effect_id", "emoji",
        "title", "description", "short_description", "name", "query", "certificate",
    }
)  # fmt: skip
# JSON-body values that may still arrive JSON-encoded, as in a form.
_JSON_PARAMS = frozenset(
    {
        "reply_markup", "entities", "caption_entities", "allowed_updates", "commands",
        "scope", "link_preview_options", "reply_parameters",
    }
)  # fmt: skip
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")


@dataclass
class Call:
    """One request to ``/bot{token}/{method}``, whatever its answer (``FakeTelegramAPI.calls``).

    ``params`` merges query, form and JSON body with JSON-encoded values decoded
    (``chat_id`` is an int, ``reply_markup`` a dict); uploaded file parts are left out.
    ``at`` is ``time.monotonic()`` on arrival; ``status`` the HTTP status of the answer
    (``None`` while it is still pending).
    """

    method: str
    token: str
    params: Payload
    at: float
    status: int | None = None

    @property
    def ok(self) -> bool:
        """Whether the call was answered ``{"ok": true, ...}``."""
        return self.status == 200


@dataclass
class Message:
    """A message the bot sent: as delivered (``sent_messages``) or as it is now (edits).

    ``kind`` is ``"text"``, ``"document"`` or ``"photo"``; ``text`` is the text as sent
    (``parse_mode`` markup is not parsed); ``reply_markup`` whatever markup was given
    (inline, reply keyboard...); ``at`` the ``time.monotonic()`` of delivery.
    """

    chat_id: int
    message_id: int
    kind: str = "text"
    text: str | None = None
    caption: str | None = None
    reply_markup: Payload | None = None
    parse_mode: str | None = None
    entities: list[Any] | None = None
    file_id: str | None = None
    at: float = 0.0
    date: int = 0
    edits: int = 0


@dataclass
class StoredFile:
    """A file ``getFile`` knows and ``/file/bot{token}/{file_path}`` serves."""

    file_id: str
    data: bytes
    file_path: str
    file_unique_id: str
    file_name: str | None = None
    mime_type: str | None = None


@dataclass(frozen=True)
class _Fault:
    kind: str  # "error": answer ``status`` at once; "timeout": answer ``delay`` s late
    status: int = 500
    retry_after: int = 1
    delay: float = 0.0
    deliver: bool = False  # timeout only: still carry the call out after the delay
    methods: frozenset[str] | None = None  # None: every method but getUpdates

    def applies_to(self, method: str) -> bool:
        return _targeted(method, self.methods)


@dataclass(frozen=True)
class _Upload:
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass(frozen=True)
class _Request:
    token: str
    params: Payload
    uploads: dict[str, _Upload]


class _ApiError(Exception):
    """Raised while handling a call: answered ``{"ok": false, "error_code": status, ...}``."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def response(self) -> web.Response:
        body: Payload = {"ok": False, "error_code": self.status, "description": self.description}
        headers = None
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
            headers = {"Retry-After": str(self.retry_after)}
        return web.json_response(body, status=self.status, headers=headers)


class FakeTelegramAPI:
    """The Telegram Bot API on 127.0.0.1, with flood limits, fault injection and a call log.

    Use ``async with FakeTelegramAPI() as fake`` (or ``start()`` / ``close()``) and point
    aiogram at ``fake.base_url``. Every request lands in ``fake.calls``; ``sent_messages``
    and ``messages_in_chat`` show what was delivered and how it looks after edits;
    ``push_update`` (or ``push_message`` / ``push_callback_query``) feeds ``getUpdates``.

    :param token: the only bot token accepted (others get 401 Unauthorized); ``None``
        accepts any token.
    :param limits: enforce the flood limits (also settable later as ``fake.limits``).
    :param global_limit: sending calls allowed per ``window`` overall (``None``: no limit).
    :param chat_limit: sending calls allowed per ``window`` to one private chat.
    :param group_limit: sending calls allowed per ``group_window`` to one group.
    :param window: length of Telegram's one-second windows, in seconds.
    :param group_window: length of the one-minute group window; default ``60 * window``.
    :param latency: seconds every answer is delayed by.
    :param bot_name, bot_username: the bot ``getMe`` reports (its id is the token's prefix).
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        limits: bool = True,
        global_limit: int | None = 30,
        chat_limit: int | None = 1,
        group_limit: int | None = 20,
        window: float = 1.0,
        group_window: float | None = None,
        latency: float = 0.0,
        bot_name: str = "Helpdesk",
        bot_username: str = "helpdesk_test_bot",
    ) -> None:
        if window <= 0 or (group_window is not None and group_window <= 0):
            raise ValueError("windows must be positive")
        self.token = token
        self.limits = limits
        self.global_limit = global_limit
        self.chat_limit = chat_limit
        self.group_limit = group_limit
        self.window = window
        self.group_window = 60 * window if group_window is None else group_window
        self.latency = latency
        self.bot_name = bot_name
        self.bot_username = bot_username
        self.files: dict[str, StoredFile] = {}
        self.blocked: set[int] = set()
        self._file_numbers = itertools.count(1)
        self._handlers: dict[str, Callable[[_Request], Any]] = {
            "getMe": self._get_me,
            "sendMessage": self._send_message,
            "sendDocument": lambda req: self._send_file(req, "document"),
            "sendPhoto": lambda req: self._send_file(req, "photo"),
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "sendChatAction": self._send_chat_action,
            "answerCallbackQuery": self._answer_callback_query,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "getUpdates": self._get_updates,
            "getFile": self._get_file,
        }
        self._canonical = {name.lower(): name for name in self._handlers}  # case-insensitive
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._closing = asyncio.Event()
        self._update_arrived = asyncio.Event()
        self.reset()

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self, port: int = 0) -> FakeTelegramAPI:
        """Listen on 127.0.0.1 on ``port`` (0: a free one); returns ``self``."""
        app = web.Application(client_max_size=_MAX_BODY)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._closing = asyncio.Event()
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self._port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        """Stop the server; delayed answers and waiting long polls are released at once."""
        self._closing.set()
        self._wake_pollers()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            self._port = None

    async def __aenter__(self) -> FakeTelegramAPI:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``, for ``TelegramAPIServer.from_base``."""
        if self._port is None:
            raise RuntimeError("FakeTelegramAPI is not started")
        return f"http://127.0.0.1:{self._port}"

    def reset(self) -> None:
        """Forget calls, messages, updates, commands, webhook, counters, faults and windows.

        Keeps the configuration, the stored files and the blocked chats.
        """
        self.calls: list[Call] = []
        self.limit_violations = 0
        self.injected_failures = 0
        self.commands: dict[tuple[str, str], list[Payload]] = {}
        self.webhook: Payload = {}
        self._messages: defaultdict[int, dict[int, Message]] = defaultdict(dict)
        self._sent: list[Message] = []
        self._last_message_id: defaultdict[int, int] = defaultdict(int)
        self._wake_pollers()
        self._updates: list[Payload] = []
        self._last_update_id = 0
        self._allowed_updates: list[str] = []
        self._sent_all: deque[float] = deque()
        self._sent_to: defaultdict[int, deque[float]] = defaultdict(deque)
        self._faults: deque[_Fault] = deque()
        self._fault_rate = 0.0
        self._fault_kinds: tuple[str, ...] = ()
        self._fault_methods: frozenset[str] | None = None
        self._fault_delay = 0.0
        self._fault_rng = random.Random()
        self._ids = itertools.count(1)

    # -- setup -------------------------------------------------------------------------

    def add_file(
        self,
        file_id: str,
        data: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> StoredFile:
        """Register a file for ``getFile`` and download (replaces one with the same id)."""
        number = next(self._file_numbers)
        suffix = PurePosixPath(file_name).suffix if file_name else ""
        stored = StoredFile(
            file_id=file_id,
            data=data,
            file_path=f"documents/file_{number}{suffix}",
            file_unique_id=f"AQAD{number:08d}",
            file_name=file_name,
            mime_type=mime_type,
        )
        self.files[file_id] = stored
        return stored

    def block_chat(self, chat_id: int) -> None:
        """Make sends to ``chat_id`` fail with 403, as when the user blocked the bot."""
        self.blocked.add(chat_id)

    def push_update(self, update: Payload) -> Payload:
        """Queue an update for ``getUpdates``; gives it the next ``update_id`` if it has none.

        Returns the queued update. Long polls waiting in ``getUpdates`` answer at once.
        """
        update = dict(update)
        update.setdefault("update_id", self._last_update_id + 1)
        self._last_update_id = max(self._last_update_id, int(update["update_id"]))
        self._updates.append(update)
        self._wake_pollers()
        return update

    def push_message(
        self, chat_id: int, text: str, *, user_id: int | None = None, **user: Any
    ) -> Payload:
        """Queue a ``message`` update: a user writing ``text`` in ``chat_id``.

        The sender is ``user_id`` (default: the chat id of a private chat, else 1000);
        keyword arguments (``first_name``, ``language_code``...) override its fields.
        """
        sender = self._user(chat_id, user_id, user)
        self._last_message_id[chat_id] += 1
        message: Payload = {
            "message_id": self._last_message_id[chat_id],
            "date": int(time.time()),
            "chat": _chat_json(chat_id),
            "from": sender,
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self.push_update({"message": message})

    def file_message(
        self,
        chat_id: int,
        data: bytes,
        *,
        kind: str = "document",
        file_name: str | None = None,
        mime_type: str | None = None,
        caption: str | None = None,
        user_id: int | None = None,
        **user: Any,
    ) -> Payload:
        """A ``message`` (not queued) carrying a file a user sends (``kind``: one of
        ``FILE_KINDS``); the file is registered for ``getFile`` and download.
        ``push_update({"message": ...})`` queues it."""
        if kind not in FILE_KINDS:
            raise ValueError(f"kind must be one of {FILE_KINDS}")
        stored = self._store(kind, data, file_name, mime_type)
        self._last_message_id[chat_id] += 1
        message: Payload = {
            "message_id": self._last_message_id[chat_id],
            "date": int(time.time()),
            "chat": _chat_json(chat_id),
            "from": self._user(chat_id, user_id, user),
            kind: _file_json(stored, kind),
        }
        if caption is not None:
            message["caption"] = caption
        return message

    def push_file(self, chat_id: int, data: bytes, **options: Any) -> Payload:
        """Queue a ``message`` update with a photo or document (see ``file_message``)."""
        return self.push_update({"message": self.file_message(chat_id, data, **options)})

    def push_callback_query(
        self, chat_id: int, message_id: int, data: str, *, user_id: int | None = None, **user: Any
    ) -> Payload:
        """Queue a ``callback_query`` update: a user pressing a button of a bot message."""
        query: Payload = {
            "id": str(next(self._ids)),
            "from": self._user(chat_id, user_id, user),
            "chat_instance": str(chat_id),
            "data": data,
        }
        message = self._messages.get(chat_id, {}).get(message_id)
        if message is not None:
            query["message"] = self._message_json(message, self.token or "")
        return self.push_update({"callback_query": query})

    # -- what happened -----------------------------------------------------------------

    def calls_of(self, method: str) -> list[Call]:
        """Calls to ``method`` (e.g. ``"sendMessage"``), oldest first, whatever their answer."""
        return [call for call in self.calls if call.method == method]

    def sent_messages(self, chat_id: int | None = None) -> list[Message]:
        """Messages delivered (to ``chat_id``, if given), oldest first, as they were sent.

        Covers ``sendMessage``, ``sendDocument`` and ``sendPhoto`` calls that succeeded;
        a call refused (429, injected failure, bad request) delivered nothing.
        """
        return [m for m in self._sent if chat_id is None or m.chat_id == chat_id]

    def messages_in_chat(self, chat_id: int) -> list[Message]:
        """The bot's messages in ``chat_id`` as they stand now (edits applied, deletions gone)."""
        return sorted(self._messages.get(chat_id, {}).values(), key=lambda m: m.message_id)

    def commands_for(self, scope: Payload | None = None, language_code: str = "") -> list[Payload]:
        """The command list ``setMyCommands`` set for ``scope`` (default scope if ``None``)."""
        return self.commands.get((_scope_key(scope), language_code), [])

    @property
    def pending_updates(self) -> list[Payload]:
        """Updates queued and not yet confirmed by a ``getUpdates`` offset."""
        return list(self._updates)

    # -- fault injection ---------------------------------------------------------------

    def fail_next(
        self,
        n: int = 1,
        status: int = 500,
        retry_after: int = 1,
        *,
        methods: Iterable[str] | str | None = None,
    ) -> None:
        """Answer the next ``n`` valid calls with HTTP ``status`` (429 carries ``retry_after``).

        ``methods`` limits the calls concerned; by default every method but ``getUpdates``
        (so a background long poll does not swallow the failure). Counts in
        ``injected_failures``; a failed call delivers nothing.
        """
        _check_status(status)
        fault = _Fault("error", status, retry_after, methods=_method_set(methods))
        self._faults.extend([fault] * n)

    def inject(
        self,
        rate: float,
        kinds: Iterable[str] = ("429", "500"),
        seed: int | None = None,
        methods: Iterable[str] | str | None = None,
        *,
        timeout_delay: float = 5.0,
    ) -> None:
        """Fail each valid call with probability ``rate`` (0 stops), reproducibly by ``seed``.

        Each failure is one of ``kinds``, picked at random: an HTTP status such as ``"429"``
        (``retry_after`` 1), ``"500"`` or ``"502"``, or ``"timeout"`` (answered
        ``timeout_delay`` seconds late, nothing delivered). ``methods`` as in ``fail_next``.
        """
        kinds = tuple(kinds)
        if not 0 <= rate <= 1 or not kinds:
            raise ValueError("rate must be within [0, 1] and kinds non-empty")
        for kind in kinds:
            if kind != "timeout":
                _check_status(int(kind))
        self._fault_rate = rate
        self._fault_kinds = kinds
        self._fault_methods = _method_set(methods)
        self._fault_delay = timeout_delay
        self._fault_rng = random.Random(seed)

    def inject_timeout(
        self,
        n: int = 1,
        delay: float = 5.0,
        *,
        deliver: bool = False,
        methods: Iterable[str] | str | None = None,
    ) -> None:
        """Answer the next ``n`` valid calls ``delay`` seconds late (set it above the timeout).

        By default the call then fails (502) and delivers nothing. ``deliver=True`` carries
        it out after the delay instead, like an answer lost on the way: a client that gave
        up finds its message sent. ``methods`` as in ``fail_next``.
        """
        fault = _Fault("timeout", delay=delay, deliver=deliver, methods=_method_set(methods))
        self._faults.extend([fault] * n)

    def _take_fault(self, method: str) -> _Fault | None:
        for fault in self._faults:
            if fault.applies_to(method):
                self._faults.remove(fault)
                return fault
        if self._fault_rate <= 0 or not _targeted(method, self._fault_methods):
            return None
        if self._fault_rng.random() >= self._fault_rate:
            return None
        kind = self._fault_rng.choice(self._fault_kinds)
        if kind == "timeout":
            return _Fault("timeout", delay=self._fault_delay)
        return _Fault("error", int(kind))

    async def _apply_fault(self, method: str) -> None:
        """Raise the failure injected for this call, if any (after the delay of a timeout)."""
        fault = self._take_fault(method)
        if fault is None:
            return
        self.injected_failures += 1
        if fault.kind == "timeout":
            await self._pause(fault.delay)
            if fault.deliver:
                return
            raise _ApiError(502, "Bad Gateway")
        if fault.status == 429:
            raise _too_many_requests(fault.retry_after)
        raise _ApiError(fault.status, _phrase(fault.status))

    # -- HTTP --------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        method = self._canonical.get(name.lower(), name)
        call = Call(method, request.match_info["token"], {}, time.monotonic())
        self.calls.append(call)
        try:
            call.params, uploads = await _read_params(request)
            result = await self._process(call, uploads)
            response = web.json_response({"ok": True, "result": result})
        except _ApiError as error:
            response = error.response()
        call.status = response.status
        return response

    async def webhook_answer(self, body: Payload) -> Call | None:
        """Run the method a bot put in its answer to a webhook request, as Telegram does
        ("Making requests when getting updates"): ``body`` is the answer's JSON; without a
        ``method`` there is nothing to run. The call is checked and recorded like any other
        (its result is not reported back to the bot)."""
        name = body.get("method")
        if not isinstance(name, str):
            return None
        method = self._canonical.get(name.lower(), name)
        params = {k: _decode(k, v) if k in _JSON_PARAMS else v
                  for k, v in body.items() if k != "method"}
        call = Call(method, self.token or "", params, time.monotonic())
        self.calls.append(call)
        try:
            await self._process(call, {})
            call.status = 200
        except _ApiError as error:
            call.status = error.status
        return call

    async def _process(self, call: Call, uploads: dict[str, _Upload]) -> Any:
        await self._pause(self.latency)
        if self.token is not None and call.token != self.token:
            raise _ApiError(401, "Unauthorized")
        handler = self._handlers.get(call.method)
        if handler is None:
            raise _ApiError(404, "Not Found: method not found")
        await self._apply_fault(call.method)
        # From here on no awaits for sending methods: limit check and delivery are atomic.
        sending = call.method in SENDING_METHODS
        chat = _chat_key(call.params) if sending else None
        if sending:
            wait = self._flood_wait(chat)
            if wait is not None:
                self.limit_violations += 1
                raise _too_many_requests(wait)
        try:
            result = handler(_Request(call.token, call.params, uploads))
            if inspect.isawaitable(result):
                result = await result
        except (TypeError, ValueError, KeyError) as error:
            raise _ApiError(400, f"Bad Request: {error}") from error
        if sending:
            self._count_send(chat)
        return result

    async def _download(self, request: web.Request) -> web.Response:
        if self.token is not None and request.match_info["token"] != self.token:
            return _ApiError(401, "Unauthorized").response()
        path = request.match_info["path"]
        stored = next((f for f in self.files.values() if f.file_path == path), None)
        if stored is None:
            return _ApiError(404, "Not Found").response()
        content_type = stored.mime_type or "application/octet-stream"
        return web.Response(body=stored.data, content_type=content_type)

    async def _pause(self, seconds: float) -> None:
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), seconds)

    # -- flood limits ------------------------------------------------------------------

    def _flood_wait(self, chat: int | None) -> int | None:
        """``None`` if a sending call to ``chat`` may go now, else its ``retry_after``."""
        if not self.limits:
            return None
        now = time.monotonic()
        waits = []
        if self.global_limit is not None:
            waits.append(_window_wait(self._sent_all, self.global_limit, self.window, now))
        if chat is not None:
            group = chat < 0
            limit = self.group_limit if group else self.chat_limit
            span = self.group_window if group else self.window
            if limit is not None:
                waits.append(_window_wait(self._sent_to[chat], limit, span, now))
        return max((w for w in waits if w is not None), default=None)

    def _count_send(self, chat: int | None) -> None:
        if not self.limits:
            return
        now = time.monotonic()
        self._sent_all.append(now)
        if chat is not None:
            self._sent_to[chat].append(now)

    # -- methods -----------------------------------------------------------------------

    def _get_me(self, req: _Request) -> Payload:
        return {
            **self._bot_user(req.token),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _send_message(self, req: _Request) -> Payload:
        chat_id = self._target_chat(req.params)
        text = _checked_text(req.params.get("text"))
        message = self._deliver(chat_id, req.params, text=text, entities=req.params.get("entities"))
        return self._message_json(message, req.token)

    def _send_file(self, req: _Request, kind: str) -> Payload:
        chat_id = self._target_chat(req.params)
        stored = self._input_file(req, kind)
        caption = req.params.get("caption")
        if caption is not None and _utf16_len(str(caption)) > MAX_CAPTION_LENGTH:
            raise _ApiError(400, "Bad Request: message caption is too long")
        message = self._deliver(
            chat_id,
            req.params,
            kind=kind,
            caption=None if caption is None else str(caption),
            entities=req.params.get("caption_entities"),
            file_id=stored.file_id,
        )
        return self._message_json(message, req.token)

    def _edit_message_text(self, req: _Request) -> Payload | bool:
        message = self._message_to_edit(req.params)
        if message is None:
            return True  # an inline message: Telegram answers True
        if message.kind != "text":
            raise _ApiError(400, "Bad Request: there is no text in the message to edit")
        text = _checked_text(req.params.get("text"))
        markup = _inline(req.params.get("reply_markup"))  # left out: the keyboard goes
        if text == message.text and markup == _inline(message.reply_markup):
            raise _ApiError(400, NOT_MODIFIED)
        message.text, message.reply_markup = text, markup
        message.entities = req.params.get("entities")
        message.parse_mode = req.params.get("parse_mode")
        message.edits += 1
        return self._message_json(message, req.token)

    def _edit_message_reply_markup(self, req: _Request) -> Payload | bool:
        message = self._message_to_edit(req.params)
        if message is None:
            return True
        markup = _inline(req.params.get("reply_markup"))
        if markup == _inline(message.reply_markup):
            raise _ApiError(400, NOT_MODIFIED)
        message.reply_markup = markup
        message.edits += 1
        return self._message_json(message, req.token)

    def _delete_message(self, req: _Request) -> bool:
        chat_id = _chat_id(req.params)
        if self._messages[chat_id].pop(_int(req.params, "message_id"), None) is None:
            raise _ApiError(400, "Bad Request: message to delete not found")
        return True

    def _send_chat_action(self, req: _Request) -> bool:
        self._target_chat(req.params)
        return True

    def _answer_callback_query(self, req: _Request) -> bool:
        if not req.params.get("callback_query_id"):
            raise _ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        return True

    def _set_my_commands(self, req: _Request) -> bool:
        commands = req.params.get("commands")
        if not isinstance(commands, list):
            raise _ApiError(400, 'Bad Request: parameter "commands" is required')
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND.fullmatch(
                str(command.get("command", ""))
            ):
                raise _ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        self.commands[self._commands_key(req.params)] = commands
        return True

    def _get_my_commands(self, req: _Request) -> list[Payload]:
        return self.commands.get(self._commands_key(req.params), [])

    def _delete_my_commands(self, req: _Request) -> bool:
        self.commands.pop(self._commands_key(req.params), None)
        return True

    def _set_webhook(self, req: _Request) -> bool:
        url = str(req.params.get("url") or "")
        if url and not url.startswith("https://"):
            raise _ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        secret = req.params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            # https://core.telegram.org/bots/api#setwebhook: 1-256 characters, A-Z a-z 0-9 _ -
            raise _ApiError(400, "Bad Request: secret token contains unallowed characters")
        if _flag(req.params.get("drop_pending_updates")):
            self._updates.clear()
        self.webhook = {k: v for k, v in req.params.items() if k != "certificate"} if url else {}
        return True

    def _delete_webhook(self, req: _Request) -> bool:
        if _flag(req.params.get("drop_pending_updates")):
            self._updates.clear()
        self.webhook = {}
        return True

    def _get_webhook_info(self, req: _Request) -> Payload:
        info: Payload = {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if info["url"]:
            info["max_connections"] = int(self.webhook.get("max_connections", 40))
            if self.webhook.get("allowed_updates"):
                info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    async def _get_updates(self, req: _Request) -> list[Payload]:
        """Long polling: wait up to ``timeout`` s for updates with ``update_id >= offset``."""
        if self.webhook.get("url"):
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(req.params.get("offset") or 0)
        limit = min(max(int(req.params.get("limit") or 100), 1), 100)
        deadline = time.monotonic() + max(float(req.params.get("timeout") or 0), 0.0)
        allowed = req.params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(kind) for kind in allowed]  # kept for later calls
        while True:
            ready = self._take_updates(offset, limit)
            remaining = deadline - time.monotonic()
            if ready or remaining <= 0 or self._closing.is_set():
                return ready
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._update_arrived.wait(), remaining)

    def _get_file(self, req: _Request) -> Payload:
        stored = self.files.get(str(req.params.get("file_id", "")))
        if stored is None:
            raise _ApiError(400, "Bad Request: invalid file_id")
        if len(stored.data) > MAX_DOWNLOAD:
            raise _ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }

    # -- helpers -----------------------------------------------------------------------

    def _bot_user(self, token: str) -> Payload:
        bot_id = token.partition(":")[0]
        return {
            "id": int(bot_id) if bot_id.isdigit() else 1,
            "is_bot": True,
            "first_name": self.bot_name,
            "username": self.bot_username,
        }

    def _user(self, chat_id: int, user_id: int | None, fields: Payload) -> Payload:
        default_id = chat_id if chat_id > 0 else 1000
        user = {"id": user_id or default_id, "is_bot": False, "first_name": "Test"}
        return {**user, "language_code": "en", **fields}

    def _target_chat(self, params: Payload) -> int:
        """The ``chat_id`` of a send; 403 if that chat blocked the bot."""
        chat_id = _chat_id(params)
        if chat_id in self.blocked:
            who = "blocked by the user" if chat_id > 0 else "kicked from the group chat"
            raise _ApiError(403, f"Forbidden: bot was {who}")
        return chat_id

    def _deliver(self, chat_id: int, params: Payload, **fields: Any) -> Message:
        self._last_message_id[chat_id] += 1
        markup = params.get("reply_markup")
        message = Message(
            chat_id=chat_id,
            message_id=self._last_message_id[chat_id],
            reply_markup=markup if isinstance(markup, dict) else None,
            parse_mode=params.get("parse_mode"),
            at=time.monotonic(),
            date=int(time.time()),
            **fields,
        )
        self._messages[chat_id][message.message_id] = message
        self._sent.append(dataclasses.replace(message))
        return message

    def _message_to_edit(self, params: Payload) -> Message | None:
        if params.get("inline_message_id") and params.get("chat_id") is None:
            return None
        chat_id = _chat_id(params)
        if params.get("message_id") is None:
            raise _ApiError(400, "Bad Request: message identifier is not specified")
        message = self._messages.get(chat_id, {}).get(_int(params, "message_id"))
        if message is None:
            raise _ApiError(400, "Bad Request: message to edit not found")
        return message

    def _message_json(self, message: Message, token: str) -> Payload:
        """``message`` shaped as Telegram returns it (only inline keyboards are echoed)."""
        data: Payload = {
            "message_id": message.message_id,
            "from": self._bot_user(token),
            "chat": _chat_json(message.chat_id),
            "date": message.date,
        }
        if message.edits:
            data["edit_date"] = int(time.time())
        if message.kind == "text":
            data["text"] = message.text
        elif (stored := self.files.get(message.file_id or "")) is not None:
            data[message.kind] = _file_json(stored, message.kind)
        if message.entities:
            data["entities" if message.kind == "text" else "caption_entities"] = message.entities
        if message.caption is not None:
            data["caption"] = message.caption
        if (markup := _inline(message.reply_markup)) is not None:
            data["reply_markup"] = markup
        return data

    def _input_file(self, req: _Request, kind: str) -> StoredFile:
        """The file of a sendDocument/sendPhoto: an upload, a known file_id or a URL."""
        value = req.params.get(kind)
        part = value.removeprefix("attach://") if isinstance(value, str) else kind
        upload = req.uploads.get(part)
        if upload is not None:
            mime = mimetypes.guess_type(upload.filename or "")[0] or upload.content_type
            return self._store(kind, upload.data, upload.filename, mime)
        if isinstance(value, str) and value in self.files:
            return self.files[value]
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return self._store(kind, b"", value.rsplit("/", 1)[-1] or None, None)
        if not value:
            raise _ApiError(400, f"Bad Request: there is no {kind} in the request")
        raise _ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    def _store(self, kind: str, data: bytes, name: str | None, mime: str | None) -> StoredFile:
        number = next(self._file_numbers)
        photo = kind == "photo"
        suffix = ".jpg" if photo else PurePosixPath(name or "").suffix
        stored = StoredFile(
            file_id=f"{'AgAC' if photo else 'BQAC'}{number:08d}fake",
            data=data,
            file_path=f"{'photos' if photo else 'documents'}/file_{number}{suffix}",
            file_unique_id=f"AQAD{number:08d}",
            file_name=None if photo else name,
            mime_type="image/jpeg" if photo else (mime or "application/octet-stream"),
        )
        self.files[stored.file_id] = stored
        return stored

    def _take_updates(self, offset: int, limit: int) -> list[Payload]:
        """Confirm updates before ``offset``, drop unwanted types, return the first ``limit``."""
        if offset < 0:
            self._updates = self._updates[offset:]  # the last -offset updates
        elif offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        allowed = set(self._allowed_updates)
        self._updates = [u for u in self._updates if _wanted(u, allowed)]
        return self._updates[:limit]

    def _wake_pollers(self) -> None:
        self._update_arrived.set()
        self._update_arrived = asyncio.Event()

    @staticmethod
    def _commands_key(params: Payload) -> tuple[str, str]:
        return _scope_key(params.get("scope")), str(params.get("language_code") or "")


async def _read_params(request: web.Request) -> tuple[Payload, dict[str, _Upload]]:
    """Query merged with a JSON, urlencoded or multipart body; returns (params, uploads)."""
    params: Payload = {key: _decode(key, value) for key, value in request.query.items()}
    uploads: dict[str, _Upload] = {}
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError as error:
            raise _ApiError(400, "Bad Request: can't parse JSON object") from error
        if not isinstance(body, dict):
            raise _ApiError(400, "Bad Request: can't parse JSON object")
        for key, value in body.items():
            params[key] = _decode(key, value) if key in _JSON_PARAMS else value
    elif request.can_read_body:
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                uploads[key] = _Upload(value.filename, value.content_type, value.file.read())
            else:
                params[key] = _decode(key, value)
    return params, uploads


def _decode(key: str, value: Any) -> Any:
    """A form value as the type it was encoded from (text parameters stay strings)."""
    if isinstance(value, bytes):
        value = value.decode()
    if not isinstance(value, str) or key in _TEXT_PARAMS or value.startswith("attach://"):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _int(params: Payload, key: str) -> int:
    try:
        return int(params[key])
    except (KeyError, TypeError, ValueError):
        raise _ApiError(400, f"Bad Request: invalid {key} specified") from None


def _chat_id(params: Payload) -> int:
    value = params.get("chat_id")
    if value is None or value == "":
        raise _ApiError(400, "Bad Request: chat_id is empty")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _ApiError(400, "Bad Request: chat not found") from None  # e.g. "@unknown"


def _chat_key(params: Payload) -> int | None:
    """The chat a sending call counts against, if any (not for inline messages)."""
    try:
        return int(params["chat_id"])
    except (KeyError, TypeError, ValueError):
        return None


def _chat_json(chat_id: int) -> Payload:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "Test"}
    kind = "supergroup" if str(chat_id).startswith("-100") else "group"
    return {"id": chat_id, "type": kind, "title": f"Group {chat_id}"}


FILE_KINDS = ("photo", "document", "video", "audio", "voice", "video_note")


def _file_json(stored: StoredFile, kind: str) -> Payload | list[Payload]:
    ids = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
    }
    if kind == "photo":
        return [{**ids, "width": 320, "height": 320}]  # one size; dimensions are made up
    if kind == "video_note":  # no name, no MIME type
        return {**ids, "length": 240, "duration": 3}
    # Made-up media metadata: what Bot API objects of that kind require.
    extra = {"voice": {"duration": 3}, "audio": {"duration": 3},
             "video": {"width": 320, "height": 240, "duration": 3}}.get(kind, {})
    document = {**ids, **extra, "mime_type": stored.mime_type}
    if kind == "voice":
        return document
    if stored.file_name:
        document["file_name"] = stored.file_name
    return document


def _checked_text(value: Any) -> str:
    text = "" if value is None else str(value)
    if not text.strip():
        raise _ApiError(400, "Bad Request: message text is empty")
    if _utf16_len(text) > MAX_TEXT_LENGTH:
        raise _ApiError(400, "Bad Request: message is too long")
    return text


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _inline(markup: Any) -> Payload | None:
    """``markup`` if it is a non-empty inline keyboard (what Telegram keeps on a message)."""
    if isinstance(markup, dict) and markup.get("inline_keyboard"):
        return markup
    return None


def _wanted(update: Payload, allowed: set[str]) -> bool:
    kind = next((key for key in update if key != "update_id"), "")
    return kind in allowed if allowed else kind not in OPT_IN_UPDATES


def _scope_key(scope: Any) -> str:
    return json.dumps(scope or {"type": "default"}, sort_keys=True)


def _flag(value: Any) -> bool:
    return value in (True, 1, "true", "True", "1")


def _window_wait(times: deque[float], limit: int, span: float, now: float) -> int | None:
    """``None`` if ``times`` has room for one more within ``span``, else whole seconds to wait."""
    horizon = now - span * (1 - _RATE_TOLERANCE)
    while times and times[0] <= horizon:
        times.popleft()
    if len(times) < limit:
        return None
    return max(1, math.ceil(times[0] - horizon))


def _too_many_requests(retry_after: int) -> _ApiError:
    return _ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _check_status(status: int) -> None:
    if not 400 <= status <= 599:
        raise ValueError(f"an injected failure needs a 4xx/5xx status, not {status}")


def _method_set(methods: Iterable[str] | str | None) -> frozenset[str] | None:
    if methods is None:
        return None
    return frozenset([methods] if isinstance(methods, str) else methods)


def _targeted(method: str, methods: frozenset[str] | None) -> bool:
    return method != "getUpdates" if methods is None else method in methods


__all__ = [
    "Call",
    "FakeTelegramAPI",
    "Message",
    "NOT_MODIFIED",
    "SENDING_METHODS",
    "StoredFile",
]
