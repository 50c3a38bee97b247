"""The Slack ``ChannelSender`` and the paced Web API calls every Slack message goes through.

* A person's address is their Slack user id; messages go to the bot's DM with them
  (``conversations.open`` once, cached) and the message reference is ``"channel:ts"``.
* ``edit`` is ``chat.update``; ``clear_buttons`` is ``chat.update`` with the text alone.
* At most one message per ``min_interval`` seconds per channel (Slack allows about one per
  second), and a 429 is waited out for its ``Retry-After`` seconds before trying again.
* Triage mode (``triage_channel``): a new-request offer — recognised by ``triage_key`` — is
  posted once to the triage channel and the same reference is returned for every assistant,
  so the outbox records one shared message; that message is changed at most once (the first
  "claimed by …" / "cancelled by …" edit wins, later ones are the same news).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict, defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.slack import blocks
from core.attachment_ports import FileStore, stored_content
from core.messages import Attachment, Reply
from core.ports import ChannelSender, DialogKey, DialogState, DialogStore, RateGate
from core.telemetry import telemetry

log = logging.getLogger(__name__)

CHANNEL = "slack"
# A reply → the key of the triage offer it is (e.g. the request id), or None.
TriageKey = Callable[[Reply], Awaitable[str | None]]
TRIAGE_TTL = 30 * 24 * 3600
TEXT_TTL = 30 * 24 * 3600
_MEMORY = 10_000  # message texts kept in memory (for clear_buttons)


def make_ref(channel: str, ts: str) -> str:
    return f"{channel}:{ts}"


def split_ref(ref: str) -> tuple[str, str]:
    """``"D123:1700000000.000100"`` → ``("D123", "1700000000.000100")``."""
    channel, _sep, ts = ref.partition(":")
    if not channel or not ts:
        raise ValueError(f"not a Slack message reference: {ref!r}")
    return channel, ts


class SlackSender(ChannelSender):
    """Sends replies as Block Kit messages through the Slack Web API."""

    channel = CHANNEL

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        min_interval: float = 1.0,
        max_retries: int = 5,
        max_retry_after: float = 120.0,
        triage_channel: str | None = None,
        triage_key: TriageKey | None = None,
        store: DialogStore | None = None,
        files: FileStore | None = None,
        shared: RateGate | None = None,
    ) -> None:
        self.client = client
        self.shared = shared  # one Slack channel's pace across every process (Redis)
        self.files = files  # where forwarded attachments are read from
        self.min_interval = min_interval
        self.max_retries = max_retries
        self.max_retry_after = max_retry_after
        self.triage_channel = triage_channel
        self.triage_key = triage_key
        self.store = store
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._next_at: dict[str, float] = {}
        self._dms: dict[str, str] = {}
        self._texts: OrderedDict[str, str] = OrderedDict()
        self._once: set[str] = set()
        self._triage_memory: dict[str, str] = {}

    # -- paced calls -----------------------------------------------------------------------
    async def call(self, method: str, channel: str, **kwargs: Any) -> AsyncSlackResponse:
        """``client.<method>(channel=channel, ...)`` at most once per ``min_interval`` per
        channel; a 429 waits ``Retry-After`` seconds (and holds the channel) and tries again."""
        async with self._locks[channel]:
            for attempt in range(self.max_retries + 1):
                wait = self._next_at.get(channel, 0.0) - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                if self.shared is not None:
                    await self.shared.wait(f"slack:{channel}")
                try:
                    response = await getattr(self.client, method)(channel=channel, **kwargs)
                except SlackApiError as exc:
                    status = getattr(exc.response, "status_code", None)
                    if status != 429 or attempt == self.max_retries:
                        raise
                    telemetry().rate_limited("slack")
                    retry_after = min(_retry_after(exc.response), self.max_retry_after)
                    log.info("Slack rate-limited %s in %s; waiting %.1fs", method, channel,
                             retry_after)
                    self._next_at[channel] = time.monotonic() + retry_after
                    continue
                self._next_at[channel] = time.monotonic() + self.min_interval
                return response
        raise AssertionError("unreachable")

    async def dm_channel(self, user_id: str) -> str:
        """The bot's DM channel with ``user_id`` (opened once, then cached)."""
        channel = self._dms.get(user_id)
        if channel is None:
            response = await self.client.conversations_open(users=user_id)
            channel = str(response["channel"]["id"])
            self._dms[user_id] = channel
        return channel

    async def post(self, channel: str, reply: Reply) -> str:
        """Post ``reply`` in ``channel``; returns its reference ``channel:ts``."""
        response = await self.call("chat_postMessage", channel, **blocks.message(reply))
        ref = make_ref(str(response.get("channel") or channel), str(response["ts"]))
        await self._remember_text(ref, reply.text)
        for attachment in reply.attachments:
            await self._share_file(str(response.get("channel") or channel), attachment)
        return ref

    async def _share_file(self, channel: str, attachment: Attachment) -> None:
        """Upload a stored file into ``channel`` after the text that announces it (the text
        names it, so a file that is gone is only logged)."""
        data = await stored_content(self.files, attachment.key, attachment.name)
        if data is None:
            return
        await self.client.files_upload_v2(channel=channel, file=data,
                                          filename=attachment.name, title=attachment.name)

    async def update(self, ref: str, reply: Reply, *, buttons: bool = True) -> None:
        """Replace the message ``ref`` with ``reply`` (without buttons if ``buttons`` is off)."""
        channel, ts = split_ref(ref)
        await self.call("chat_update", channel, ts=ts, **blocks.message(reply, buttons=buttons))
        await self._remember_text(ref, reply.text)

    async def ephemeral(self, channel: str, user_id: str, reply: Reply) -> None:
        """Show ``reply`` to ``user_id`` only, in ``channel``; by DM when that fails (the bot
        is not in the channel, ...)."""
        try:
            await self.call("chat_postEphemeral", channel, user=user_id, **blocks.message(reply))
        except SlackApiError as exc:
            log.info("ephemeral message in %s failed (%s); sending a DM", channel,
                     exc.response.get("error") if exc.response else exc)
            await self.dm(user_id, reply)

    async def dm(self, user_id: str, reply: Reply) -> str:
        """Send ``reply`` to ``user_id`` by direct message."""
        return await self.post(await self.dm_channel(user_id), reply)

    # -- ChannelSender (the outbox worker) -------------------------------------------------
    async def send(self, address: str, reply: Reply) -> str | None:
        key = None
        if self.triage_channel and self.triage_key is not None:
            key = await self.triage_key(reply)
        if key is None:
            return await self.dm(address, reply)
        return await self._post_offer(key, reply)

    async def edit(self, address: str, message_ref: str, reply: Reply) -> None:
        if self._is_triage(message_ref) and not await self._first_change(message_ref):
            return  # the shared triage message already shows this news
        await self.update(message_ref, reply)

    async def clear_buttons(self, address: str, message_ref: str) -> None:
        if self._is_triage(message_ref):
            await self._forget_offer(message_ref)
            if not await self._first_change(message_ref):
                return
        text = await self._text_of(message_ref)
        if text is None:
            log.info("no text known for %s; its buttons stay", message_ref)
            return
        await self.update(message_ref, Reply(text), buttons=False)

    # -- triage ------------------------------------------------------------------------------
    def _is_triage(self, ref: str) -> bool:
        return bool(self.triage_channel) and ref.startswith(f"{self.triage_channel}:")

    async def _post_offer(self, key: str, reply: Reply) -> str:
        """One triage message per offer: the first assistant's delivery posts it, the others
        get the same reference."""
        assert self.triage_channel
        if self.store is None:
            async with self._locks[f"triage:{key}"]:
                ref = self._triage_memory.get(key)
                if ref is None:
                    ref = await self.post(self.triage_channel, reply)
                    self._triage_memory[key] = ref
                return ref
        dkey = DialogKey("slack.triage", key)
        async with self.store.lock(dkey):
            state = await self.store.get(dkey)
            ref = state.data.get("ref")
            if not ref:
                ref = await self.post(self.triage_channel, reply)
                await self.store.set(dkey, DialogState("posted", {"ref": ref}), TRIAGE_TTL)
                await self.store.set(DialogKey("slack.offer", ref),
                                     DialogState("posted", {"key": key}), TRIAGE_TTL)
            return str(ref)

    async def _forget_offer(self, ref: str) -> None:
        """The offer in ``ref`` is stale (the request was offered again): the next delivery
        posts a new triage message."""
        if self.store is None:
            for key, current in list(self._triage_memory.items()):
                if current == ref:
                    del self._triage_memory[key]
            return
        offer = await self.store.get(DialogKey("slack.offer", ref))
        offer_key = offer.data.get("key")
        if not offer_key:
            return
        dkey = DialogKey("slack.triage", str(offer_key))
        async with self.store.lock(dkey):
            state = await self.store.get(dkey)
            if state.data.get("ref") == ref:
                await self.store.clear(dkey)

    async def _first_change(self, ref: str) -> bool:
        token = f"slack:changed:{ref}"
        if self.store is not None:
            return await self.store.remember_once(token, TRIAGE_TTL)
        if token in self._once:
            return False
        self._once.add(token)
        return True

    # -- texts of sent messages (clear_buttons needs them) --------------------------------
    async def _remember_text(self, ref: str, text: str) -> None:
        self._texts[ref] = text
        self._texts.move_to_end(ref)
        while len(self._texts) > _MEMORY:
            self._texts.popitem(last=False)
        if self.store is not None:
            await self.store.set(DialogKey("slack.text", ref), DialogState("sent", {"text": text}),
                                 TEXT_TTL)

    async def _text_of(self, ref: str) -> str | None:
        text = self._texts.get(ref)
        if text is None and self.store is not None:
            text = (await self.store.get(DialogKey("slack.text", ref))).data.get("text")
        return text


def _retry_after(response: Any) -> float:
    try:
        headers = response.headers or {}
        value = headers.get("Retry-After") or headers.get("retry-after") or 1
        return max(0.0, float(value))
    except (AttributeError, TypeError, ValueError):
        return 1.0
