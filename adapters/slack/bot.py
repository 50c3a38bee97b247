"""The Slack app (slack-bolt ``AsyncApp``): Slack requests in, neutral calls out.

Listeners only translate: a slash command, a pressed button, a submitted modal, a DM or an
App Home visit becomes an ``Inbound`` handed to the conversation layer through callables
(``handle``, ``open_form``, ``submit_form``, ``overview``) that the plugin in ``bots/`` wires;
what comes back is drawn with ``blocks`` and sent with the ``SlackSender``.

DMs to the bot, ``/helpdesk`` commands and button presses that open no modal go through the
durable inbox (``docs/inbox.md``): a middleware stores them keyed by a stable Slack id
(``inbox_key``; a redelivery is a no-op), acknowledges them, and has them processed right
after the acknowledgement; ``to_inbound`` and ``respond`` are the inbox channel. What must
happen while Slack waits stays inline: opening a modal (``views.open`` needs the trigger
within 3 s) and a submitted modal, whose validation errors go back in the acknowledgement —
it waits for them at most ``submit_timeout`` seconds, then closes the modal and sends the
outcome by DM. Those inline deliveries are recognised as repeated by their ``event_id`` /
``trigger_id`` (in Redis) and applied once.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.slack import blocks, files
from adapters.slack.sender import CHANNEL, SlackSender, make_ref
from core.forms import REQUEST_FORM, Form, FormResult, Overview
from core.messages import Inbound, Reply

log = logging.getLogger(__name__)

Handle = Callable[[Inbound], Awaitable[list[Reply]]]
OpenForm = Callable[[Inbound, str | None], Awaitable[Form | list[Reply] | None]]
SubmitForm = Callable[[Inbound, str, dict[str, str], str], Awaitable[FormResult]]
OverviewOf = Callable[[Inbound], Awaitable[Overview]]
RememberOnce = Callable[[str, float], Awaitable[bool]]
# Stores a verified delivery in the durable inbox: (event id, conversation, payload) -> new?
Store = Callable[[str, str, dict[str, Any]], Awaitable[bool]]
# Processes a conversation's stored events (inline, right after the acknowledgement).
Process = Callable[[str], Awaitable[Any]]
OpensForm = Callable[[str], bool]

DEDUPE_SECONDS = 3600.0
PROFILE_CACHE = 5000
# /helpdesk <word>: the words passed on as commands; anything else is text (HD-… lookups).
SUBCOMMANDS = {"my", "help", "cancel", "language", "start", "notices", "history", "note",
               "queue", "reassign", "stats", "report", "link", "agenda", "kb"}
INVALID_PAYLOAD = "-"  # what an unknown action id is handed on as: "no longer valid"


def inbox_key(body: dict[str, Any], opens_form: OpensForm) -> tuple[str, str] | None:
    """``(event id, conversation)`` of a delivery that goes through the durable inbox
    (``docs/inbox.md``), None for those answered inline: a DM to the bot (key: the Events
    API ``event_id``), a ``/helpdesk`` command that opens no modal (its ``trigger_id``), a
    button press that opens no modal (a hash of its ``trigger_id`` and ``action_ts``). The
    conversation is the person's Slack user id, so their events are applied in order.
    Opening a modal (``views.open`` needs the trigger within 3 s), a submitted modal (its
    errors go back in the HTTP answer), App Home visits and everything else stay inline."""
    if body.get("event_id") is not None:
        event = body.get("event")
        if not isinstance(event, dict) or not _wanted_message(event):
            return None
        return f"ev:{_bounded(str(body['event_id']))}", str(event["user"])
    if "command" in body:
        first = " ".join(str(body.get("text") or "").split()).partition(" ")[0].lower()
        user, trigger = body.get("user_id"), body.get("trigger_id")
        if first in ("", "new") or not user or not trigger:
            return None
        return f"cmd:{_bounded(str(trigger))}", str(user)
    if body.get("type") == "block_actions":
        user = str((body.get("user") or {}).get("id") or "")
        action = _first_action(body)
        if not user or not body.get("trigger_id"):
            return None
        if _ours(action) and opens_form(str(action.get("value") or "")):
            return None
        digest = hashlib.sha256(
            f"{body['trigger_id']}|{action.get('action_ts')}".encode()).hexdigest()
        return f"act:{digest[:40]}", user
    return None


def _bounded(key: str) -> str:
    """A platform id as an inbox key: as it is when short, else its hash (never cut, so two
    long ids cannot collide)."""
    return key if len(key) <= 120 else hashlib.sha256(key.encode()).hexdigest()


def _first_action(body: dict[str, Any]) -> dict[str, Any]:
    actions = body.get("actions")
    first = actions[0] if isinstance(actions, list) and actions else None
    return first if isinstance(first, dict) else {}


def _ours(action: dict[str, Any]) -> bool:
    """A button the helpdesk drew (its value is one of our signed payloads)."""
    return bool(blocks.ACTION_ID.match(str(action.get("action_id") or "")))


def _wanted_message(event: dict[str, Any]) -> bool:
    """A message someone wrote (or a file they shared) in their DM with the bot."""
    return (event.get("type") == "message" and event.get("channel_type") == "im"
            and event.get("subtype") in (None, "file_share") and not event.get("bot_id")
            and isinstance(event.get("user"), str) and bool(event.get("user")))


def dedupe_token(body: dict[str, Any], raw_body: str) -> str | None:
    """What makes a delivery unique: the Events API ``event_id``, else the interaction's
    ``trigger_id`` (with the action's ``action_ts``), else the body itself."""
    if body.get("event_id"):
        return f"event:{body['event_id']}"
    if body.get("type") == "url_verification" or body.get("ssl_check"):
        return None
    trigger = body.get("trigger_id")
    if body.get("type") == "block_actions":
        actions = body.get("actions") or [{}]
        first = actions[0] if isinstance(actions[0], dict) else {}
        return f"action:{trigger}:{first.get('action_ts')}"
    if trigger:
        return f"trigger:{trigger}"
    if raw_body:
        return "body:" + hashlib.sha256(raw_body.encode()).hexdigest()
    return None


class SlackBot:
    """Owns the bolt ``AsyncApp`` and its listeners; holds, never extends, the SDK objects."""

    def __init__(
        self,
        *,
        signing_secret: str | None,
        client: AsyncWebClient,
        sender: SlackSender,
        handle: Handle,
        open_form: OpenForm,
        submit_form: SubmitForm,
        overview: OverviewOf,
        remember_once: RememberOnce,
        submit_timeout: float = 2.5,
        store: Store | None = None,
        process: Process | None = None,
        opens_form: OpensForm | None = None,
    ) -> None:
        self.sender = sender
        self.store = store  # None: every delivery is answered inline (no inbox)
        self.process = process
        self.opens_form = opens_form or (lambda payload: False)
        self.handle = handle
        self.open_form = open_form
        self.submit_form = submit_form
        self.overview = overview
        self.remember_once = remember_once
        self.submit_timeout = submit_timeout
        self._profiles: dict[str, tuple[str | None, str | None]] = {}
        self._busy: set[asyncio.Task[Any]] = set()
        self._identity: AsyncSlackResponse | None = None

        async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
            return AuthorizeResult.from_auth_test_response(
                bot_token=self.sender.client.token, auth_test_response=await self.identity())

        self.app = AsyncApp(
            # Bolt names a logger after the app and pins it at the root's level on every
            # request: kept outside our "helpdesk.*" loggers (it would be their parent).
            name="slack-bolt",
            # bolt's own client gets the bot token from ``_authorize`` on each request
            client=AsyncWebClient(base_url=client.base_url),
            authorize=authorize,
            signing_secret=signing_secret or "",
            request_verification_enabled=bool(signing_secret),
            process_before_response=False,
        )
        self._register()

    # -- bookkeeping ---------------------------------------------------------------------------
    async def identity(self) -> AsyncSlackResponse:
        """The bot's ``auth.test`` answer, asked once (``Plugin.start`` asks it at start-up,
        so no request from Slack waits for it before its ack)."""
        if self._identity is None:
            self._identity = await self.sender.client.auth_test()
        return self._identity

    def _track(self) -> None:
        """Count the running listener as busy until it ends (``settle`` waits for it)."""
        task = asyncio.current_task()
        if task is not None:
            self._busy.add(task)
            task.add_done_callback(self._busy.discard)

    async def settle(self, seconds: float = 30.0) -> None:
        """Wait until the work started by earlier requests is done (tests, shutdown)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while self._busy and loop.time() < deadline:
            await asyncio.wait(set(self._busy), timeout=deadline - loop.time())

    async def profile(self, user_id: str) -> tuple[str | None, str | None]:
        """``(display name, locale)`` from users.info, cached; ``(None, None)`` on failure."""
        if user_id in self._profiles:
            return self._profiles[user_id]
        name = locale = None
        try:
            response = await self.sender.client.users_info(user=user_id, include_locale=True)
            user = response.get("user") or {}
            profile = user.get("profile") or {}
            name = (profile.get("real_name") or user.get("real_name") or profile.get(
                "display_name") or user.get("name") or None)
            locale = user.get("locale") or None
        except SlackApiError as exc:
            log.info("users.info %s failed: %s", user_id, exc.response.get("error"))
            return None, None
        if len(self._profiles) >= PROFILE_CACHE:
            self._profiles.clear()
        self._profiles[user_id] = (name, locale)
        return name, locale

    async def inbound(self, user_id: str, **fields: Any) -> Inbound:
        name, locale = await self.profile(user_id)
        return Inbound(CHANNEL, user_id, display_name=name, language=locale, **fields)

    # -- listeners -------------------------------------------------------------------------------
    def _register(self) -> None:
        app = self.app
        if self.store is not None:
            app.middleware(self._to_inbox)
        app.middleware(self._dedupe)
        app.command(blocks.COMMAND)(self._on_command)
        app.action(blocks.ACTION_ID)(self._on_button)
        app.action(re.compile(".*"))(self._on_unknown_action)
        app.view_submission(re.compile(".*"))(self._on_submission)
        app.event("app_home_opened")(self._on_home)
        app.event("message")(self._on_message)

    async def _dedupe(self, body: dict[str, Any], request: Any,
                      next: Callable[[], Awaitable[None]]) -> BoltResponse | None:
        token = dedupe_token(body, getattr(request, "raw_body", "") or "")
        if token is not None and not await self.remember_once(f"slack:{token}", DEDUPE_SECONDS):
            retry = (request.headers.get("x-slack-retry-num") or ["-"])[0]
            log.info("ignoring a repeated Slack delivery %s (retry %s)", token, retry)
            return BoltResponse(status=200, body="")
        await next()
        return None

    async def _to_inbox(self, body: dict[str, Any], request: Any,
                        next: Callable[[], Awaitable[None]]) -> BoltResponse | None:
        """Store an inbox delivery (a redelivered one is a no-op), acknowledge it, and process
        the person's events right after the acknowledgement; 500 when it could not be stored
        (Slack delivers it again)."""
        key = inbox_key(body, self.opens_form)
        if key is None or self.store is None:
            await next()
            return None
        event_id, conversation = key
        try:
            new = await self.store(event_id, conversation, body)
        except Exception:
            log.exception("Slack delivery %s not stored; Slack will deliver it again", event_id)
            return BoltResponse(status=500, body="")
        if not new:
            retry = (request.headers.get("x-slack-retry-num") or ["-"])[0]
            log.info("repeated Slack delivery %s (retry %s): already stored", event_id, retry)
        if self.process is not None:
            task = asyncio.ensure_future(self._process_inline(conversation))
            self._busy.add(task)
            task.add_done_callback(self._busy.discard)
        return BoltResponse(status=200, body="")

    async def _process_inline(self, conversation: str) -> None:
        assert self.process is not None
        try:
            await self.process(conversation)
        except Exception:  # stored: the inbox worker takes it
            log.exception("inline processing of Slack conversation %s failed", conversation)

    # -- the inbox channel (bots/channel_slack.py registers these) -----------------------------
    async def to_inbound(self, body: dict[str, Any]) -> Inbound | None:
        """The Inbound a stored delivery stands for (see ``inbox_key``)."""
        if body.get("event_id") is not None:
            event = body.get("event") or {}
            if not _wanted_message(event):
                return None
            channel = str(event.get("channel") or "")
            return await self.inbound(
                str(event["user"]), text=str(event.get("text") or ""),
                message_ref=make_ref(channel, str(event.get("ts"))) if channel else None,
                attachments=files.incoming(event, str(self.sender.client.token or "")))
        if "command" in body:
            words = " ".join(str(body.get("text") or "").split())
            first, _sep, rest = words.partition(" ")
            text = f"/{first.lower()} {rest}".strip() if first.lower() in SUBCOMMANDS else words
            return await self.inbound(str(body["user_id"]), text=text)
        if body.get("type") == "block_actions":
            user = str((body.get("user") or {}).get("id") or "")
            action = _first_action(body)
            payload = str(action.get("value") or INVALID_PAYLOAD) \
                if _ours(action) else INVALID_PAYLOAD
            container = body.get("container") or {}
            where: str | None = container.get("channel_id") or (
                body.get("channel") or {}).get("id")
            ts = container.get("message_ts")
            return await self.inbound(user, payload=payload,
                                      message_ref=make_ref(where, ts) if where and ts
                                      else None)
        return None

    async def respond(self, body: dict[str, Any], replies: list[Reply]) -> None:
        """Send the replies of a stored delivery (after its transaction committed); raising
        means "try again later"."""
        if body.get("event_id") is not None:
            event = body.get("event") or {}
            channel, user = str(event.get("channel") or ""), str(event.get("user") or "")
            for reply in replies:
                if channel:
                    await self.sender.post(channel, reply)
                else:
                    await self.sender.dm(user, reply)
            return
        if "command" in body:
            user, channel = str(body.get("user_id") or ""), str(body.get("channel_id") or "")
            for reply in replies:
                if channel:
                    await self.sender.ephemeral(channel, user, reply)
                else:
                    await self.sender.dm(user, reply)
            return
        if body.get("type") == "block_actions":
            user = str((body.get("user") or {}).get("id") or "")
            container = body.get("container") or {}
            where: str | None = container.get("channel_id") or (
                body.get("channel") or {}).get("id")
            ts = container.get("message_ts")
            ref = make_ref(where, ts) if where and ts else None
            await self._answer_press(user, container, where, ref, replies)
            if container.get("type") == "view":
                await self.publish_home(user)

    async def _on_command(self, ack: Callable[..., Awaitable[None]],
                          body: dict[str, Any]) -> None:
        self._track()
        await ack()
        user, channel = str(body.get("user_id") or ""), str(body.get("channel_id") or "")
        if not user:
            return
        words = " ".join(str(body.get("text") or "").split())
        first, _sep, rest = words.partition(" ")
        try:
            if first.lower() in ("", "new"):
                inbound = await self.inbound(user, text="/new")
                await self._show_form(await self.open_form(inbound, REQUEST_FORM), body, user,
                                      channel)
                return
            text = f"/{first.lower()} {rest}".strip() if first.lower() in SUBCOMMANDS else words
            replies = await self.handle(await self.inbound(user, text=text))
            for reply in replies:
                if channel:
                    await self.sender.ephemeral(channel, user, reply)
                else:
                    await self.sender.dm(user, reply)
        except Exception:
            log.exception("failed to answer /helpdesk %r from %s", words, user)

    async def _show_form(self, outcome: Form | list[Reply] | None, body: dict[str, Any],
                         user: str, channel: str | None, origin: str | None = None) -> None:
        """Open the form as a modal, or show the replies that came instead. ``origin`` is
        the DM message whose button opened it: the modal carries it (private_metadata) so
        the message can be updated once the form is submitted."""
        if isinstance(outcome, Form):
            await self.sender.client.views_open(trigger_id=body.get("trigger_id"),
                                                view=blocks.modal(outcome, origin))
            return
        for reply in outcome or []:
            if channel and not channel.startswith("D"):
                await self.sender.ephemeral(channel, user, reply)
            else:
                await self.sender.dm(user, reply)

    async def _on_button(self, ack: Callable[..., Awaitable[None]], body: dict[str, Any],
                         action: dict[str, Any]) -> None:
        self._track()
        await ack()
        await self._press(body, str(action.get("value") or INVALID_PAYLOAD))

    async def _on_unknown_action(self, ack: Callable[..., Awaitable[None]],
                                 body: dict[str, Any]) -> None:
        self._track()
        await ack()
        await self._press(body, INVALID_PAYLOAD)

    async def _press(self, body: dict[str, Any], payload: str) -> None:
        user = str((body.get("user") or {}).get("id") or "")
        if not user:
            return
        container = body.get("container") or {}
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        ts = container.get("message_ts")
        ref = make_ref(channel, ts) if channel and ts else None
        try:
            inbound = await self.inbound(user, payload=payload, message_ref=ref)
            outcome = await self.open_form(inbound, None)
            if outcome is not None:
                private = bool(channel and channel.startswith("D")) \
                    and not container.get("is_ephemeral")
                await self._show_form(outcome, body, user, channel, ref if private else None)
                return
            replies = await self.handle(inbound)
            await self._answer_press(user, container, channel, ref, replies)
            if container.get("type") == "view":
                await self.publish_home(user)
        except Exception:
            log.exception("failed to handle a button from %s", user)

    async def _answer_press(self, user: str, container: dict[str, Any], channel: str | None,
                            ref: str | None, replies: list[Reply]) -> None:
        """In the DM: edit the pressed message in place; in a shared channel (triage) or an
        ephemeral message: answers only the presser sees, personal work by DM."""
        private = bool(channel and channel.startswith("D")) and not container.get("is_ephemeral")
        shared = bool(channel) and not private and container.get("type") != "view"
        for reply in replies:
            if private and reply.edit and ref:
                await self.sender.update(ref, reply)
            elif private and channel:
                await self.sender.post(channel, reply)
            elif shared and channel and not reply.edit:
                await self.sender.ephemeral(channel, user, reply)
            else:
                await self.sender.dm(user, reply)

    async def _on_submission(self, ack: Callable[..., Awaitable[None]], body: dict[str, Any],
                             view: dict[str, Any]) -> None:
        self._track()
        user = str((body.get("user") or {}).get("id") or "")
        kind = blocks.form_kind(view)
        if kind is None or not user:
            await ack()
            return
        values = blocks.submitted_values(view)
        context, origin = blocks.split_metadata(str(view.get("private_metadata") or ""))

        async def submit() -> FormResult:
            return await self.submit_form(await self.inbound(user), kind, values, context)

        work = asyncio.ensure_future(submit())
        done, _pending = await asyncio.wait({work}, timeout=self.submit_timeout)
        try:
            if not done:
                await ack()  # close the modal; the outcome follows by DM
                result = await work
                if not result.ok:
                    for message in result.errors.values():
                        await self.sender.dm(user, Reply(message))
                    return
            else:
                result = work.result()
                if not result.ok:
                    await ack(response_action="errors", errors=dict(result.errors))
                    return
                await ack()
            if origin and result.replies:
                # The message the modal was opened from ("You claimed … [Finish] [Release]")
                # becomes the outcome, without the buttons that no longer apply.
                await self.sender.update(origin, result.replies[0], buttons=False)
            for reply in result.replies:
                await self.sender.dm(user, reply)
        except Exception:
            log.exception("failed to handle a %s form from %s", kind, user)
            return
        await self.publish_home(user)

    async def _on_home(self, ack: Callable[..., Awaitable[None]], event: dict[str, Any]) -> None:
        self._track()
        await ack()
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        await self.publish_home(str(event["user"]))

    async def publish_home(self, user: str) -> None:
        """Publish the person's App Home (their open requests / their queue)."""
        try:
            overview = await self.overview(await self.inbound(user))
            await self.sender.client.views_publish(user_id=user, view=blocks.home(overview))
        except Exception:
            log.exception("failed to publish the App Home of %s", user)

    async def _on_message(self, ack: Callable[..., Awaitable[None]],
                          event: dict[str, Any]) -> None:
        self._track()
        await ack()
        if (event.get("channel_type") != "im"
                or event.get("subtype") not in (None, "file_share") or event.get("bot_id")
                or not event.get("user")):
            return
        user, channel = str(event["user"]), str(event.get("channel") or "")
        try:
            replies = await self.handle(await self.inbound(
                user, text=str(event.get("text") or ""),
                message_ref=make_ref(channel, str(event.get("ts"))) if channel else None,
                attachments=files.incoming(event, str(self.sender.client.token or ""))))
            for reply in replies:
                if channel:
                    await self.sender.post(channel, reply)
                else:
                    await self.sender.dm(user, reply)
        except Exception:
            log.exception("failed to answer a DM from %s", user)
