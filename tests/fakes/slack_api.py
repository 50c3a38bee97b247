"""A local fake of the Slack Web API, for tests and benchmarks.

``FakeSlackAPI`` is an aiohttp server on 127.0.0.1 (ephemeral port) answering
``GET|POST /api/{method}`` the way slack.com does, so the real client works unchanged::

    async with FakeSlackAPI(token="xoxb-test") as fake:
        client = AsyncWebClient(token="xoxb-test", base_url=fake.base_url)
        await client.chat_postMessage(channel="C1", text="hi")
        assert fake.messages_in("C1")[0].text == "hi"

What slack_sdk sends (``slack_sdk/web/async_base_client.py``, ``internal_utils.py``): a POST
(``users.info``: GET) to ``{base_url}{method}``; the token as ``Authorization: Bearer ...``
(or a ``token`` parameter); arguments as a JSON body (``chat.*``, ``views.*``), query
parameters (``auth.test``, ``conversations.open``, ``users.info``; booleans as "1"/"0") or
a form body, where ``blocks`` / ``view`` arrive as JSON strings. The fake merges query and
body into one ``params`` dict and decodes those JSON strings.

Answers are ``{"ok": true, ...}`` (HTTP 200) or ``{"ok": false, "error": ...}``: HTTP 200
for API errors (``invalid_auth``, ``message_not_found``...), 429 + ``Retry-After`` for rate
limits, and whatever status a fault injection asks for. slack_sdk turns every one of those
into ``SlackApiError``; ``AsyncRateLimitErrorRetryHandler`` retries a 429 after
``int(Retry-After) + random()`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import mimetypes
import random
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web

Payload = dict[str, Any]

RATE_LIMITED_METHODS = frozenset({"chat.postMessage", "chat.update", "chat.postEphemeral"})
FAULT_KINDS = frozenset({"429", "500", "503", "timeout"})
_JSON_PARAMS = ("blocks", "attachments", "view", "metadata")
_RATE_TOLERANCE = 0.02  # of the window: absorbs scheduling jitter of a client pacing exactly


@dataclass(frozen=True)
class Call:
    """One request the fake received, whatever its answer (``FakeSlackAPI.calls``).

    ``params`` merges query and body parameters (the token left out); ``at`` is
    ``time.monotonic()`` on arrival.
    """

    method: str
    params: Payload
    at: float


@dataclass
class Message:
    """A message as it stands now: ``chat.update`` edits it in place."""

    channel: str
    ts: str
    text: str | None
    blocks: list[Any] | None = None
    attachments: list[Any] | None = None
    thread_ts: str | None = None
    user: str | None = None  # the recipient, for ephemeral messages only
    updates: int = 0  # chat.update calls applied to it


@dataclass
class SlackFile:
    """A file the fake knows: uploaded by a user (``add_file``) or by the bot (the
    ``files.getUploadURLExternal`` → upload → ``files.completeUploadExternal`` flow)."""

    id: str
    name: str
    title: str
    mimetype: str
    data: bytes
    user: str
    channels: list[str]
    initial_comment: str | None = None
    completed: bool = False


@dataclass(frozen=True)
class _Fault:
    kind: str  # "error" (answer status/error) or "timeout" (answer late)
    status: int = 500
    error: str = "internal_error"
    retry_after: int = 1
    seconds: float = 0.0
    method: str | None = None  # only calls to this method; None: any


class _ApiError(Exception):
    """Raised by a method handler: answered as ``{"ok": false, "error": ...}``."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class FakeSlackAPI:
    """The Slack Web API on 127.0.0.1, with per-channel rate limits and fault injection.

    Use ``async with FakeSlackAPI() as fake`` (or ``start()`` / ``close()``) and give
    ``fake.base_url`` to ``AsyncWebClient(base_url=...)``. Every request lands in
    ``fake.calls``; ``messages_in``, ``updates_of``, ``home_view`` and ``opened_views`` show
    the resulting state.

    :param token: the only token accepted (else ``invalid_auth``); ``None`` accepts any
        token, but a request without one still gets ``not_authed``.
    :param rate_limit: chat.postMessage / chat.update / chat.postEphemeral calls a channel
        may take per ``rate_window`` seconds (sliding window, 2 % slack for timing jitter);
        one more gets HTTP 429, ``Retry-After`` (whole seconds until a slot frees, at
        least 1) and ``ratelimited``. ``None`` disables the limit.
    :param rate_window: the window of ``rate_limit``, in seconds (shorten it in fast tests).
    :param latency: seconds every answer is delayed by.
    :param team_id, bot_user_id, bot_id, app_id: the identity ``auth.test`` reports.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        rate_limit: int | None = 1,
        rate_window: float = 1.0,
        latency: float = 0.0,
        team_id: str = "T0FAKETEAM",
        bot_user_id: str = "U0FAKEBOT",
        bot_id: str = "B0FAKEBOT",
        app_id: str = "A0FAKEAPP",
    ) -> None:
        self.token = token
        self.rate_limit = rate_limit
        self.rate_window = rate_window
        self.latency = latency
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self._users: dict[str, Payload] = {}
        self.add_user(bot_user_id, "helpdesk", is_bot=True)
        self._handlers: dict[str, Callable[[Payload], Payload]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "views.open": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "conversations.open": self._conversations_open,
            "users.info": self._users_info,
            "files.info": self._files_info,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
        }
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._closing = asyncio.Event()
        self.reset()

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> FakeSlackAPI:
        """Listen on 127.0.0.1 on a free port; returns ``self``."""
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle)
        app.router.add_get("/files-pri/{file_id}/{name}", self._download)
        app.router.add_post("/upload/v1/{file_id}", self._upload)
        self._closing = asyncio.Event()
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        """Stop the server; answers still being delayed are sent at once."""
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            self._port = None

    async def __aenter__(self) -> FakeSlackAPI:
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
        """``http://127.0.0.1:PORT/api/``: what replaces ``https://slack.com/api/``."""
        if self._port is None:
            raise RuntimeError("FakeSlackAPI is not started")
        return f"http://127.0.0.1:{self._port}/api/"

    def reset(self) -> None:
        """Forget calls, messages, views, counters, faults and rate windows (keeps users)."""
        self.calls: list[Call] = []
        self.ephemerals: list[Message] = []
        self.limit_violations = 0
        self.injected_failures = 0
        self.slowed = 0
        self._messages: defaultdict[str, dict[str, Message]] = defaultdict(dict)
        self._last_ts: dict[str, int] = {}
        self._sent_at: defaultdict[str, deque[float]] = defaultdict(deque)
        self._modals: dict[str, Payload] = {}
        self._homes: dict[str, Payload] = {}
        self._dms: set[str] = set()
        self._faults: deque[_Fault] = deque()
        self._fault_rate = 0.0
        self._fault_kinds: tuple[str, ...] = ()
        self._fault_rng = random.Random()
        self._slow_seconds = 0.0
        self._ids = itertools.count(1)
        self.files: dict[str, SlackFile] = {}
        self.downloads: list[str] = []  # ids of files fetched from url_private

    # -- setup -------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str,
        locale: str = "en-US",
        tz: str = "America/Los_Angeles",
        *,
        real_name: str | None = None,
        is_bot: bool = False,
    ) -> None:
        """Register a user for ``users.info`` (replaces one with the same id)."""
        offset, label = _tz_info(tz)
        self._users[user_id] = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "deleted": False,
            "real_name": real_name or name,
            "tz": tz,
            "tz_label": label,
            "tz_offset": offset,
            "locale": locale,
            "is_bot": is_bot,
            "is_app_user": False,
            "profile": {"real_name": real_name or name, "display_name": name},
        }

    def add_file(self, user_id: str, data: bytes, name: str,
                 mimetype: str = "application/octet-stream") -> Payload:
        """A file ``user_id`` uploaded; returns its file object (as in a ``message`` event's
        ``files``), whose ``url_private`` serves ``data`` to a request with the bot token."""
        file = SlackFile(f"F{next(self._ids):09d}", name, name, mimetype, data, user_id, [],
                         completed=True)
        self.files[file.id] = file
        return self._file_json(file)

    def shared_files(self, channel: str) -> list[SlackFile]:
        """Files the bot shared in ``channel`` (``files.completeUploadExternal``), oldest first."""
        return [f for f in self.files.values() if channel in f.channels]

    # -- what happened -----------------------------------------------------------------

    def calls_of(self, method: str) -> list[Call]:
        """Calls to ``method`` (e.g. ``"chat.update"``), oldest first, whatever their answer."""
        return [call for call in self.calls if call.method == method]

    def messages_in(self, channel: str) -> list[Message]:
        """Messages delivered to ``channel`` (not ephemeral ones), oldest first, as updated."""
        return list(self._messages.get(channel, {}).values())

    def updates_of(self, channel: str, ts: str) -> int:
        """How many ``chat.update`` calls were applied to message ``ts`` of ``channel``."""
        message = self._messages.get(channel, {}).get(ts)
        return message.updates if message else 0

    def home_view(self, user_id: str) -> Payload | None:
        """The App Home view last published for ``user_id``, or ``None``."""
        return self._homes.get(user_id)

    @property
    def opened_views(self) -> list[Payload]:
        """Modals opened with ``views.open``, oldest first, as last updated."""
        return list(self._modals.values())

    # -- fault injection ---------------------------------------------------------------

    def fail_next(
        self,
        n: int = 1,
        status: int = 500,
        retry_after: int = 1,
        error: str | None = None,
        *,
        method: str | None = None,
    ) -> None:
        """Answer the next ``n`` valid calls (to ``method`` only, if given) with a failure.

        ``status`` 429 carries ``Retry-After: retry_after``; ``error`` defaults to
        ``ratelimited`` for 429 and ``internal_error`` otherwise. A failed call delivers
        nothing and counts in ``injected_failures``.
        """
        error = error or ("ratelimited" if status == 429 else "internal_error")
        self._faults.extend([_Fault("error", status, error, retry_after, method=method)] * n)

    def slow_next(self, n: int = 1, seconds: float = 2.0, *, method: str | None = None) -> None:
        """Answer the next ``n`` valid calls ``seconds`` late, to make clients time out.

        The call is still carried out after the delay, like a Slack answer lost on the way:
        a client that gave up may find its message posted. Counts in ``slowed``.
        """
        self._faults.extend([_Fault("timeout", seconds=seconds, method=method)] * n)

    def inject(
        self,
        rate: float,
        kinds: tuple[str, ...] = ("429", "500"),
        seed: int | None = None,
        *,
        slow_seconds: float = 2.0,
    ) -> None:
        """Fail each valid call with probability ``rate`` (0 disables), reproducibly by seed.

        Each failure is one of ``kinds``, picked at random: ``"429"`` (``Retry-After: 1``),
        ``"500"``, ``"503"``, or ``"timeout"`` (a ``slow_next`` answer of ``slow_seconds``).
        """
        unknown = set(kinds) - FAULT_KINDS
        if unknown or not kinds:
            raise ValueError(f"kinds must be a non-empty subset of {sorted(FAULT_KINDS)}")
        self._fault_rate = rate
        self._fault_kinds = tuple(kinds)
        self._fault_rng = random.Random(seed)
        self._slow_seconds = slow_seconds

    def _take_fault(self, method: str) -> _Fault | None:
        for fault in self._faults:
            if fault.method in (None, method):
                self._faults.remove(fault)
                return fault
        if self._fault_rate <= 0 or self._fault_rng.random() >= self._fault_rate:
            return None
        kind = self._fault_rng.choice(self._fault_kinds)
        if kind == "timeout":
            return _Fault("timeout", seconds=self._slow_seconds)
        status = int(kind)
        return _Fault("error", status, "ratelimited" if status == 429 else "internal_error")

    # -- HTTP --------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            params = await _read_params(request)
        except ValueError:
            self.calls.append(Call(method, {}, time.monotonic()))
            return _answer({"ok": False, "error": "invalid_json"})
        token = _bearer(request) or str(params.pop("token", "") or "") or None
        self.calls.append(Call(method, params, time.monotonic()))
        await self._pause(self.latency)
        if token is None:
            return _answer({"ok": False, "error": "not_authed"})
        if self.token is not None and token != self.token:
            return _answer({"ok": False, "error": "invalid_auth"})
        handler = self._handlers.get(method)
        if handler is None:
            return _answer({"ok": False, "error": "unknown_method", "req_method": method})
        fault = self._take_fault(method)
        if fault is not None and fault.kind == "error":
            self.injected_failures += 1
            return _answer({"ok": False, "error": fault.error}, fault.status, fault.retry_after)
        if fault is not None:
            self.slowed += 1
            await self._pause(fault.seconds)
        return self._dispatch(method, handler, params)

    def _dispatch(
        self, method: str, handler: Callable[[Payload], Payload], params: Payload
    ) -> web.Response:
        """Run ``handler`` under the channel rate limit; no awaits, so calls never interleave."""
        channel = self._channel(params) if method in RATE_LIMITED_METHODS else None
        if channel is not None:
            wait = self._rate_wait(channel)
            if wait is not None:
                self.limit_violations += 1
                return _answer({"ok": False, "error": "ratelimited"}, 429, wait)
        try:
            payload = handler(params)
        except _ApiError as exc:
            return _answer({"ok": False, "error": exc.error})
        if channel is not None:
            self._sent_at[channel].append(time.monotonic())
        return _answer({"ok": True, **payload})

    async def _pause(self, seconds: float) -> None:
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), seconds)

    def _rate_wait(self, channel: str) -> int | None:
        """``None`` if ``channel`` may take a message now, else the Retry-After seconds."""
        if self.rate_limit is None:
            return None
        now = time.monotonic()
        recent = self._sent_at[channel]
        horizon = now - self.rate_window * (1 - _RATE_TOLERANCE)
        while recent and recent[0] <= horizon:
            recent.popleft()
        if len(recent) < self.rate_limit:
            return None
        return max(1, math.ceil(recent[0] - horizon))

    # -- methods -----------------------------------------------------------------------

    def _auth_test(self, params: Payload) -> Payload:
        return {
            "url": "https://fake-helpdesk.slack.com/",
            "team": "Fake Helpdesk",
            "user": "helpdesk",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, params: Payload) -> Payload:
        channel = self._channel(params)
        if channel is None:
            raise _ApiError("channel_not_found")
        _require_content(params)
        message = Message(
            channel,
            self._next_ts(channel),
            params.get("text"),
            params.get("blocks"),
            params.get("attachments"),
            params.get("thread_ts"),
        )
        self._messages[channel][message.ts] = message
        return {"channel": channel, "ts": message.ts, "message": self._shape(message)}

    def _chat_update(self, params: Payload) -> Payload:
        channel, ts = str(params.get("channel", "")), str(params.get("ts", ""))
        message = self._messages.get(channel, {}).get(ts)
        if message is None:
            raise _ApiError("message_not_found")
        fields = {k: params.get(k) for k in ("text", "blocks", "attachments")}
        if all(value is None for value in fields.values()):
            raise _ApiError("no_text")
        # Like Slack: a field left out keeps its old value; blocks=[] removes the blocks.
        for name, value in fields.items():
            if value is not None:
                setattr(message, name, value)
        message.updates += 1
        return {"channel": channel, "ts": ts, "text": message.text, "message": self._shape(message)}

    def _chat_post_ephemeral(self, params: Payload) -> Payload:
        channel, user = self._channel(params), params.get("user")
        if channel is None:
            raise _ApiError("channel_not_found")
        if not user:
            raise _ApiError("user_not_in_channel")
        _require_content(params)
        ts = self._next_ts(channel)
        self.ephemerals.append(
            Message(channel, ts, params.get("text"), params.get("blocks"), user=str(user))
        )
        return {"message_ts": ts}

    def _views_open(self, params: Payload) -> Payload:
        view = params.get("view")
        if not params.get("trigger_id") and not params.get("interactivity_pointer"):
            raise _ApiError("invalid_arguments")
        if not isinstance(view, dict):
            raise _ApiError("invalid_arguments")
        stored = self._view(view, f"V{next(self._ids):09d}")
        self._modals[stored["id"]] = stored
        return {"view": stored}

    def _views_update(self, params: Payload) -> Payload:
        view, view_id, external_id = params.get("view"), params.get("view_id"), None
        if not isinstance(view, dict) or not (view_id or params.get("external_id")):
            raise _ApiError("invalid_arguments")
        if not view_id:
            external_id = params["external_id"]
            found = [v for v in self._modals.values() if v.get("external_id") == external_id]
            view_id = found[0]["id"] if found else None
        current = self._modals.get(str(view_id))
        if current is None:
            raise _ApiError("not_found")
        if params.get("hash") and params["hash"] != current["hash"]:
            raise _ApiError("hash_conflict")
        stored = self._view(view, current["id"])
        self._modals[current["id"]] = stored
        return {"view": stored}

    def _views_publish(self, params: Payload) -> Payload:
        view, user_id = params.get("view"), params.get("user_id")
        if not user_id or not isinstance(view, dict) or view.get("type") != "home":
            raise _ApiError("invalid_arguments")
        current = self._homes.get(str(user_id))
        if current and params.get("hash") and params["hash"] != current["hash"]:
            raise _ApiError("hash_conflict")
        view_id = current["id"] if current else f"V{next(self._ids):09d}"
        stored = self._homes[str(user_id)] = self._view(view, view_id)
        return {"view": stored}

    def _conversations_open(self, params: Payload) -> Payload:
        if params.get("channel"):
            return {"channel": {"id": params["channel"]}}
        users = sorted(u.strip() for u in str(params.get("users", "")).split(",") if u.strip())
        if not users:
            raise _ApiError("users_list_not_supplied")
        if len(users) == 1:
            channel_id = _dm_id(users[0])
        else:
            channel_id = "G" + "".join(u.lstrip("UW") for u in users)[:20]
        if channel_id in self._dms:
            return {"no_op": True, "already_open": True, "channel": {"id": channel_id}}
        self._dms.add(channel_id)
        return {"channel": {"id": channel_id}}

    def _users_info(self, params: Payload) -> Payload:
        user = self._users.get(str(params.get("user", "")))
        if user is None:
            raise _ApiError("user_not_found")
        shown = dict(user)
        if str(params.get("include_locale", "")).lower() not in ("1", "true"):
            del shown["locale"]  # Slack includes it only when asked to
        return {"user": shown}

    def _files_info(self, params: Payload) -> Payload:
        file = self.files.get(str(params.get("file", "")))
        if file is None or not file.completed:
            raise _ApiError("file_not_found")
        return {"file": self._file_json(file)}

    def _files_get_upload_url(self, params: Payload) -> Payload:
        name = str(params.get("filename") or "")
        length = str(params.get("length") or "")
        if not name or not length.isdigit():
            raise _ApiError("invalid_arguments")
        file = SlackFile(f"F{next(self._ids):09d}", name, name, "application/octet-stream",
                         b"", self.bot_user_id, [])
        self.files[file.id] = file
        return {"upload_url": f"{self.base_url.removesuffix('/api/')}/upload/v1/{file.id}",
                "file_id": file.id}

    def _files_complete_upload(self, params: Payload) -> Payload:
        try:
            items = json.loads(str(params.get("files") or "[]"))
        except ValueError:
            raise _ApiError("invalid_arguments") from None
        channel = self._channel({"channel": params.get("channel_id")})
        done = []
        for item in items if isinstance(items, list) else []:
            file = self.files.get(str(item.get("id", "")))
            if file is None or file.completed:
                raise _ApiError("file_not_found")
            file.completed = True
            file.title = str(item.get("title") or file.name)
            if channel is not None:
                file.channels.append(channel)
                file.initial_comment = params.get("initial_comment") or None
            done.append(self._file_json(file))
        if not done:
            raise _ApiError("invalid_arguments")
        return {"files": done}

    async def _upload(self, request: web.Request) -> web.Response:
        file = self.files.get(request.match_info["file_id"])
        if file is None or file.completed:
            return web.Response(status=404, text="no such upload")
        file.data = await request.read()
        mime = mimetypes.guess_type(file.name)[0]
        file.mimetype = mime or "application/octet-stream"
        return web.Response(text=f"OK - {len(file.data)}")

    async def _download(self, request: web.Request) -> web.Response:
        """``url_private``: the content for a request carrying a valid token (Slack answers
        an unauthenticated request with its login page; here a 403)."""
        token = _bearer(request)
        if token is None or (self.token is not None and token != self.token):
            return web.Response(status=403, text="not authorised")
        file = self.files.get(request.match_info["file_id"])
        if file is None or not file.completed:
            return web.Response(status=404, text="file not found")
        self.downloads.append(file.id)
        return web.Response(body=file.data, content_type=file.mimetype)

    def _file_json(self, file: SlackFile) -> Payload:
        root = self.base_url.removesuffix("/api/")
        url = f"{root}/files-pri/{file.id}/{file.name}"
        return {
            "id": file.id, "name": file.name, "title": file.title, "mimetype": file.mimetype,
            "filetype": file.name.rsplit(".", 1)[-1] if "." in file.name else "binary",
            "size": len(file.data), "user": file.user, "url_private": url,
            "url_private_download": url + "?download=1", "channels": list(file.channels),
        }

    # -- helpers -----------------------------------------------------------------------

    def _channel(self, params: Payload) -> str | None:
        """The channel id a call targets; a user id (U/W...) means the bot's DM with them."""
        channel = str(params.get("channel") or "").strip()
        if channel[:1] in ("U", "W"):
            return _dm_id(channel)
        return channel or None

    def _next_ts(self, channel: str) -> str:
        """A Slack-style ``"seconds.micros"`` timestamp, strictly increasing per channel."""
        micros = max(time.time_ns() // 1000, self._last_ts.get(channel, 0) + 1)
        self._last_ts[channel] = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _shape(self, message: Message) -> Payload:
        """``message`` as Slack returns it in ``chat.postMessage`` / ``chat.update``."""
        shaped: Payload = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "ts": message.ts,
            "text": message.text or "",
        }
        optional = {
            "blocks": message.blocks,
            "attachments": message.attachments,
            "thread_ts": message.thread_ts,
        }
        shaped.update({key: value for key, value in optional.items() if value})
        if message.updates:
            shaped["edited"] = {"user": self.bot_user_id, "ts": str(time.time())}
        return shaped

    def _view(self, view: Payload, view_id: str) -> Payload:
        """``view`` as Slack stores and returns it, under ``view_id`` with a fresh hash."""
        return {
            "id": view_id,
            "team_id": self.team_id,
            "type": view.get("type", "modal"),
            "title": view.get("title"),
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": view.get("external_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{next(self._ids):08d}",
            "root_view_id": view_id,
            "app_id": self.app_id,
            "bot_id": self.bot_id,
            **{k: v for k, v in view.items() if k in ("submit", "close", "notify_on_close")},
        }


async def _read_params(request: web.Request) -> Payload:
    """Query parameters merged with a JSON or form body; JSON-string fields decoded.

    Raises ``ValueError`` when a JSON body is not valid JSON.
    """
    params: Payload = dict(request.query)
    if request.content_type == "application/json":
        body = await request.json()
        if isinstance(body, dict):
            params.update(body)
    elif request.can_read_body:
        form = await request.post()
        params.update({key: value for key, value in form.items() if isinstance(value, str)})
    for key in _JSON_PARAMS:
        if isinstance(params.get(key), str):
            with contextlib.suppress(ValueError):
                params[key] = json.loads(params[key])
    return params


def _bearer(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def _answer(payload: Payload, status: int = 200, retry_after: int | None = None) -> web.Response:
    headers = {"Retry-After": str(retry_after)} if status == 429 and retry_after else None
    return web.json_response(payload, status=status, headers=headers)


def _require_content(params: Payload) -> None:
    if not any(params.get(key) for key in ("text", "blocks", "attachments")):
        raise _ApiError("no_text")


def _dm_id(user_id: str) -> str:
    """The bot's DM channel with ``user_id``: ``D`` + the id, stable per user."""
    return "D" + user_id


def _tz_info(tz: str) -> tuple[int, str]:
    """``(tz_offset seconds, tz_label)`` of IANA zone ``tz`` now; ``(0, tz)`` if unknown."""
    try:
        now = datetime.now(ZoneInfo(tz))
    except (ZoneInfoNotFoundError, ValueError):
        return 0, tz
    offset = now.utcoffset()
    return int(offset.total_seconds()) if offset else 0, now.tzname() or tz


__all__ = ["Call", "FakeSlackAPI", "Message", "RATE_LIMITED_METHODS"]
