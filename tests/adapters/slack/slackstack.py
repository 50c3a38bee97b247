"""A Slack helpdesk for tests: the real app with the Slack plugin on a local aiohttp server,
talking to the local fake Slack Web API. People act through requests signed exactly as Slack
signs them (v0 HMAC-SHA256 over ``v0:timestamp:body``)."""

from __future__ import annotations

import hashlib
import hmac
import io
import itertools
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp

from bots.channel_slack import Plugin
from core.clock import ManualClock
from tests.adapters.stack import Stack, start_stack
from tests.fakes.slack_api import FakeSlackAPI, Message

BOT_TOKEN = "xoxb-0000000000-made-up-bot-token"
APP_TOKEN = "xapp-1-A0FAKEAPP-made-up-app-token"
SIGNING_SECRET = "made-up-signing-secret-0123456789abcdef"
TRIAGE = "C0TRIAGE"
USERS = {"Ion": "U0ION", "Ana": "U0ANA", "Bogdan": "U0BOGDAN", "Cora": "U0CORA",
         "Maria": "U0MARIA"}
RATE_WINDOW = 0.05  # the fake's per-channel window; the plugin paces itself to match
_ids = itertools.count(1)


def signed_headers(body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None,
                   content_type: str = "application/x-www-form-urlencoded",
                   ) -> dict[str, str]:
    """The headers Slack sends: ``X-Slack-Signature: v0=hex(HMAC-SHA256(secret,
    "v0:{timestamp}:{body}"))`` and ``X-Slack-Request-Timestamp``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    base = f"v0:{ts}:{body}".encode()
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}",
            "Content-Type": content_type}


def trigger() -> str:
    return f"{next(_ids)}.1111.{hashlib.sha1(str(time.time_ns()).encode()).hexdigest()[:16]}"


@dataclass
class SlackHelpdesk:
    stack: Stack
    fake: FakeSlackAPI
    plugin: Plugin
    http: aiohttp.ClientSession
    team: str = "T0FAKETEAM"
    views: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"{self.stack.base_url}/slack/events"

    # -- raw deliveries --------------------------------------------------------------------
    async def post(self, body: str, *, content_type: str = "application/x-www-form-urlencoded",
                   headers: dict[str, str] | None = None, secret: str = SIGNING_SECRET,
                   timestamp: int | None = None) -> tuple[int, str]:
        all_headers = signed_headers(body, secret=secret, timestamp=timestamp,
                                     content_type=content_type)
        all_headers.update(headers or {})
        raw = body.encode()
        # aiohttp warns (ResourceWarning) about raw bytes over 1 MB: stream those instead.
        data: Any = io.BytesIO(raw) if len(raw) > 1024 * 1024 else raw
        async with self.http.post(self.url, data=data, headers=all_headers) as resp:
            return resp.status, await resp.text()

    async def interact(self, payload: dict[str, Any], **kwargs: Any) -> tuple[int, str]:
        return await self.post(urlencode({"payload": json.dumps(payload)}), **kwargs)

    async def settle(self) -> None:
        """Let the work after each ack finish, then deliver the outbox (twice: a delivery
        may be answered by more work)."""
        assert self.plugin.bot is not None and self.stack.app.worker is not None
        for _ in range(2):
            await self.plugin.bot.settle()
            await self.stack.app.inbox.drain()
            await self.stack.app.worker.drain()

    # -- what people do ------------------------------------------------------------------------
    def command_body(self, who: str, text: str = "", channel: str = "C0GENERAL",
                     trigger_id: str | None = None) -> str:
        return urlencode({
            "token": "unused-verification-token", "team_id": self.team, "team_domain": "fake",
            "channel_id": channel, "channel_name": "general", "user_id": USERS[who],
            "user_name": who.lower(), "command": "/helpdesk", "text": text,
            "api_app_id": "A0FAKEAPP", "response_url": "https://hooks.invalid/commands/1",
            "trigger_id": trigger_id or trigger(),
        })

    async def command(self, who: str, text: str = "", channel: str = "C0GENERAL",
                      **kwargs: Any) -> tuple[int, str]:
        return await self.post(self.command_body(who, text, channel), **kwargs)

    def button_payload(self, who: str, message: Message, label: str,
                       trigger_id: str | None = None) -> dict[str, Any]:
        """The block_actions payload Slack sends when ``who`` presses ``label`` on ``message``."""
        element = self.button(message, label)
        return {
            "type": "block_actions", "team": {"id": self.team},
            "user": {"id": USERS[who], "username": who.lower(), "team_id": self.team},
            "api_app_id": "A0FAKEAPP", "token": "unused", "trigger_id": trigger_id or trigger(),
            "container": {"type": "message", "message_ts": message.ts,
                          "channel_id": message.channel, "is_ephemeral": False},
            "channel": {"id": message.channel},
            "message": {"ts": message.ts, "text": message.text, "blocks": message.blocks},
            "actions": [{"type": "button", "action_id": element["action_id"],
                         "block_id": "hd", "value": element.get("value"),
                         "text": element["text"], "action_ts": f"{time.time():.6f}"}],
        }

    async def press(self, who: str, message: Message, label: str) -> tuple[int, str]:
        return await self.interact(self.button_payload(who, message, label))

    @staticmethod
    def button(message: Message, label: str) -> dict[str, Any]:
        for element in buttons_of(message.blocks):
            if element["text"]["text"] == label:
                return element
        raise AssertionError(f"no button {label!r} on {message.text!r}: "
                             f"{[b['text']['text'] for b in buttons_of(message.blocks)]}")

    def submission(self, who: str, view: dict[str, Any], values: dict[str, str]
                   ) -> dict[str, Any]:
        """The view_submission payload for ``view`` (as opened) filled in with ``values``."""
        state: dict[str, Any] = {}
        for block in view["blocks"]:
            if block.get("type") != "input":
                continue
            element, name = block["element"], block["block_id"]
            if name not in values:
                continue
            if element["type"] == "static_select":
                state[name] = {element["action_id"]: {
                    "type": "static_select",
                    "selected_option": {"text": {"type": "plain_text", "text": "?"},
                                        "value": values[name]}}}
            else:
                state[name] = {element["action_id"]: {"type": "plain_text_input",
                                                      "value": values[name]}}
        return {
            "type": "view_submission", "team": {"id": self.team},
            "user": {"id": USERS[who], "username": who.lower(), "team_id": self.team},
            "api_app_id": "A0FAKEAPP", "token": "unused", "trigger_id": trigger(),
            "view": {**view, "state": {"values": state}},
        }

    async def submit(self, who: str, view: dict[str, Any], values: dict[str, str]
                     ) -> tuple[int, dict[str, Any]]:
        status, text = await self.interact(self.submission(who, view, values))
        return status, (json.loads(text) if text.strip().startswith("{") else {})

    def event_body(self, event: dict[str, Any], event_id: str | None = None) -> str:
        return json.dumps({
            "token": "unused", "team_id": self.team, "api_app_id": "A0FAKEAPP",
            "type": "event_callback", "event_id": event_id or f"Ev{next(_ids):08d}",
            "event_time": int(time.time()), "event": event,
            "authorizations": [{"team_id": self.team, "user_id": "U0FAKEBOT", "is_bot": True}],
        })

    async def event(self, event: dict[str, Any], event_id: str | None = None,
                    **kwargs: Any) -> tuple[int, str]:
        return await self.post(self.event_body(event, event_id),
                               content_type="application/json", **kwargs)

    async def dm(self, who: str, text: str) -> tuple[int, str]:
        user = USERS[who]
        return await self.event({"type": "message", "channel_type": "im", "channel": "D" + user,
                                 "user": user, "text": text, "ts": f"{time.time():.6f}"})

    async def share_file(self, who: str, data: bytes, name: str, mimetype: str,
                         text: str = "") -> tuple[int, str]:
        """``who`` shares a file in their DM with the bot (a ``file_share`` message)."""
        user = USERS[who]
        file = self.fake.add_file(user, data, name, mimetype)
        return await self.event({"type": "message", "subtype": "file_share",
                                 "channel_type": "im", "channel": "D" + user, "user": user,
                                 "text": text, "files": [file], "ts": f"{time.time():.6f}"})

    # -- what people see ---------------------------------------------------------------------------
    def inbox(self, who: str) -> list[Message]:
        return self.fake.messages_in("D" + USERS[who])

    def last_with(self, who: str, label: str) -> Message:
        for message in reversed(self.inbox(who)):
            if any(b["text"]["text"] == label for b in buttons_of(message.blocks)):
                return message
        raise AssertionError(f"{who} has no message with a {label!r} button: "
                             f"{[m.text for m in self.inbox(who)]}")

    def ephemerals_to(self, who: str) -> list[str]:
        return [m.text or "" for m in self.fake.ephemerals if m.user == USERS[who]]

    def last_modal(self) -> dict[str, Any]:
        assert self.fake.opened_views, "no modal was opened"
        return self.fake.opened_views[-1]


def buttons_of(blocks: list[Any] | None) -> list[dict[str, Any]]:
    return [element for block in blocks or [] if block.get("type") == "actions"
            for element in block.get("elements", []) if element.get("type") == "button"]


@asynccontextmanager
async def slack_helpdesk(db_url: str, clock: ManualClock, *, triage: bool = True,
                         submit_timeout: float = 2.5, **settings: Any,
                         ) -> AsyncIterator[SlackHelpdesk]:
    """The helpdesk with the Slack plugin, talking to a fresh fake Slack."""
    fake = FakeSlackAPI(token=BOT_TOKEN, rate_window=RATE_WINDOW)
    for name, user in USERS.items():
        fake.add_user(user, name.lower(), real_name=name)
    await fake.start()
    # A wider gap than the fake's window: at this time scale scheduling jitter matters.
    plugin = Plugin(min_interval=RATE_WINDOW * 1.5, submit_timeout=submit_timeout)
    options: dict[str, Any] = {
        "slack_bot_token": BOT_TOKEN, "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": fake.base_url, **settings,
    }
    if triage:
        options["slack_triage_channel"] = TRIAGE
    stack = await start_stack(db_url, clock, [plugin], **options)
    assert plugin.bot is not None
    await plugin.bot.identity()  # what Plugin.start does (the worker is drained by hand here)
    fake.reset()  # tests see only the calls they cause (users are kept)
    http = aiohttp.ClientSession()
    try:
        yield SlackHelpdesk(stack, fake, plugin, http)
    finally:
        await http.close()
        await stack.close()
        await fake.close()
