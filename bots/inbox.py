"""Processing the durable inbox (``persistence.inbox``, ``docs/inbox.md``).

A webhook verifies an event, ``receive``s it (stored; a redelivered copy is a no-op) and only
then acknowledges it. Processing leases the conversation's oldest pending event, runs the
conversation engine inside the event's own transaction (``TurnScope``: the change and the
"processed" mark commit together), then sends the replies recorded with it and marks them
sent — a crash after the commit re-sends them, never re-applies the event. The web process
processes inline right after storing when the conversation is free (button presses stay
instant); the ``InboxWorker`` takes whatever is left: events of crashed processes, retries
after a failure (exponential backoff), replies that could not be sent. An event that keeps
failing is kept as ``failed`` after its budget and the person is told once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bots.polling import PollingWorker
from conversations.engine import Conversations
from core.clock import Clock, SystemClock
from core.i18n import _, use_language
from core.inbox_ports import TurnScope, decode_replies
from core.messages import Inbound, Reply
from persistence.inbox import Behind, Duplicate, InboxItem, SqlInbox, StaleItem

log = logging.getLogger(__name__)

ToInbound = Callable[[dict[str, Any]], Awaitable[Inbound | None]]
Respond = Callable[[dict[str, Any], list[Reply]], Awaitable[None]]
# Applies a stored event in its scope instead of ``Conversations.handle`` (e-mail: the mail
# flow); it must begin and finish the scope as the engine does.
Apply = Callable[[dict[str, Any], Inbound, TurnScope], Awaitable[list[Reply]]]


@dataclass(frozen=True)
class InboxChannel:
    """How one channel's stored events are turned into messages and answered."""

    name: str
    to_inbound: ToInbound  # None: nothing in it for the helpdesk (marked done)
    respond: Respond  # sends the replies (after the commit); raising means "try again later"
    apply: Apply | None = None  # None: the conversation engine (``Conversations.handle``)


def is_infrastructure(exc: BaseException) -> bool:
    """A failure of Redis or the database connection, not of the event: it does not count
    against the event's retry budget (the event waits for the service to return)."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeout
    from sqlalchemy.exc import DBAPIError, OperationalError

    if isinstance(exc, RedisConnectionError | RedisTimeout | OSError | TimeoutError
                  | OperationalError):
        return True
    if isinstance(exc, DBAPIError) and bool(exc.connection_invalidated):
        return True
    from persistence.failures import is_transient_database_error  # lock timeouts, deadlocks

    return is_transient_database_error(exc)


class InboxProcessor(PollingWorker):
    """Stores, processes (inline or as the worker) and answers inbox events."""

    idle_seconds = 0.2
    drain_rounds = 100
    # Replies sent are marked in batches (one UPDATE per this many seconds at most): until
    # then their rows stay leased, so nobody sends them again unless this process died.
    mark_delay = 0.1

    def __init__(self, inbox: SqlInbox, conversations: Conversations, *,
                 clock: Clock | None = None, lease_seconds: float = 60.0,
                 base_delay: float = 1.0, max_delay: float = 30.0, budget: int = 5,
                 dialog_ttl: float = 24 * 3600, concurrency: int = 16,
                 default_language: str = "en") -> None:
        self.inbox = inbox
        self.conversations = conversations
        self.clock = clock or SystemClock()
        self.lease_seconds = lease_seconds
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.budget = budget
        self.dialog_ttl = dialog_ttl
        self.default_language = default_language
        self.channels: dict[str, InboxChannel] = {}
        self._limit = asyncio.Semaphore(concurrency)
        self._replied: list[int] = []
        self._marking: asyncio.Task[None] | None = None

    def register(self, channel: InboxChannel) -> None:
        self.channels[channel.name] = channel

    async def receive(self, channel: str, event_id: str, conversation: str,
                      payload: dict[str, Any], *, inline: bool = True) -> bool:
        """Store one verified event (raises if it could not be stored: do not acknowledge
        then), and process it inline. False when it was stored before.

        Inline, the insert, the change and the "processed" mark are one transaction
        (``SqlInbox.receiving``); when that fails nothing of it stays, and the event is then
        stored on its own for the worker to retry."""
        key = f"{channel}:{conversation}"
        handler = self.channels.get(channel)
        if not inline or handler is None:
            return await self.inbox.add(channel, event_id, key, payload, self.clock.now())
        if handler.apply is not None:  # its own apply (e-mail): stored, then processed in order
            new = await self.inbox.add(channel, event_id, key, payload, self.clock.now())
            await self._drain_quietly(key)
            return new
        inbound: Inbound | None = None
        scope = None
        try:
            inbound = await handler.to_inbound(payload)
            if inbound is None:  # nothing in it for the helpdesk: stored, marked done
                new = await self.inbox.add(channel, event_id, key, payload, self.clock.now())
                await self.drain_conversation(key)
                return new
            account = None if inbound.person_id is not None \
                else (inbound.channel, inbound.address)
            async with self.inbox.receiving(channel, event_id, key, payload,
                                            self.clock.now(), self.dialog_ttl,
                                            self.lease_seconds, account) as scope:
                try:
                    replies = await self.conversations.handle(inbound, scope=scope)
                finally:
                    scope.close()
        except Duplicate:
            await self._drain_quietly(key)  # an earlier copy may still wait
            return False
        except Behind:
            await self._drain_quietly(key)
            return True
        except Exception as exc:
            if scope is not None and scope.finished and scope.item is not None:
                log.exception("after processing %s %s", channel, event_id)
                return True  # applied and marked; its replies are sent by the worker
            item = await self.inbox.add_item(channel, event_id, key, payload,
                                             self.clock.now())
            if item is None:
                return False
            log.warning("inline processing of %s %s failed (%r); the worker retries it",
                        channel, event_id, exc)
            try:
                await self._failed(item, inbound, exc)
            except Exception:  # stored: the worker will take it
                log.exception("recording the failure of %s %s failed", channel, event_id)
            return True
        assert scope.item is not None
        await self._respond(scope.item, replies)
        return True

    async def _drain_quietly(self, conversation: str) -> None:
        try:
            await self.drain_conversation(conversation)
        except Exception:  # stored: the worker will take it
            log.exception("inline processing of %s failed", conversation)

    async def outcome(self, channel: str, event_id: str) -> tuple[str, list[Reply]] | None:
        """A stored event's status (pending / done / failed) and its recorded replies; None
        when it was never stored."""
        found = await self.inbox.outcome(channel, event_id)
        return None if found is None else (found[0], decode_replies(found[1]))

    async def drain_conversation(self, conversation: str) -> int:
        """Process the conversation's due events in order while nobody else holds them, then
        send replies still owed; returns how many events were processed."""
        done = 0
        while True:
            item = await self.inbox.next_due(conversation, self.clock.now(), self.dialog_ttl)
            if item is None:
                break
            if not await self._process(item):
                break
            done += 1
        for owed in await self.inbox.lease_unreplied(conversation, self.clock.now(),
                                                     self.lease_seconds):
            await self._respond(owed, decode_replies(owed.replies))
        return done

    async def run_once(self) -> int:
        """The worker's round: every conversation with something due."""
        await self.flush_replied()
        conversations = await self.inbox.due_conversations(self.clock.now())

        async def one(conversation: str) -> int:
            async with self._limit:
                try:
                    return await self.drain_conversation(conversation)
                except Exception:
                    log.exception("inbox conversation %s failed", conversation)
                    return 0

        return sum(await asyncio.gather(*(one(c) for c in conversations)))

    async def _process(self, item: InboxItem) -> bool:
        channel = self.channels.get(item.channel)
        if channel is None:  # this process does not run that channel: leave it to one that does
            await self.inbox.record_failure(item, "channel not running here", counted=False,
                                            retry_at=self.clock.now())
            return False
        inbound: Inbound | None = None
        try:
            inbound = await channel.to_inbound(item.payload)
            if inbound is None:
                await self.inbox.mark_skipped(item, self.clock.now())
                return True
            async with self.inbox.processing(item, self.clock.now(),
                                             self.lease_seconds) as scope:
                try:
                    if channel.apply is not None:
                        replies = await channel.apply(item.payload, inbound, scope)
                    else:
                        replies = await self.conversations.handle(inbound, scope=scope)
                finally:
                    scope.close()
        except StaleItem:
            return False  # someone else holds it (and will go on with what follows)
        except Exception as exc:
            await self._failed(item, inbound, exc)
            return False
        await self._respond(item, replies)
        return True

    async def _failed(self, item: InboxItem, inbound: Inbound | None,
                      exc: Exception) -> None:
        counted = not is_infrastructure(exc)
        failures = item.failures + (1 if counted else 0)
        error = f"{type(exc).__name__}: {exc}"
        if counted and failures >= self.budget:
            log.error("inbox %s (%s %s) failed %d times; kept as failed: %s", item.id,
                      item.channel, item.event_id, failures, error, exc_info=exc)
            language = (inbound.language if inbound else None) or self.default_language
            with use_language(language):
                message = _("Sorry, something went wrong on our side and your last message "
                            "was not applied. Please try again later.")
            await self.inbox.record_failure(item, error, counted=True, retry_at=None,
                                            replies=[Reply(message, toast=message)])
            await self.drain_replies(item.conversation)
            return
        delay = min(self.max_delay, self.base_delay * 2 ** item.attempts)
        log.warning("inbox %s (%s %s) failed (attempt %d), retrying in %.0fs: %s", item.id,
                    item.channel, item.event_id, item.attempts + 1, delay, error)
        await self.inbox.record_failure(item, error, counted=counted,
                                        retry_at=self.clock.now() + timedelta(seconds=delay))

    async def drain_replies(self, conversation: str) -> None:
        for owed in await self.inbox.lease_unreplied(conversation, self.clock.now(),
                                                     self.lease_seconds):
            await self._respond(owed, decode_replies(owed.replies))

    async def _respond(self, item: InboxItem, replies: list[Reply]) -> None:
        channel = self.channels.get(item.channel)
        if channel is None:
            return
        if replies:
            try:
                await channel.respond(item.payload, replies)
            except Exception as exc:  # the worker (or a redelivery) sends them again
                log.warning("replies to inbox %s not sent (%r); will retry", item.id, exc)
                await self.inbox.replies_failed(
                    item, self.clock.now() + timedelta(seconds=self.base_delay))
                return
        self._replied.append(item.id)
        if self._marking is None or self._marking.done():
            self._marking = asyncio.get_running_loop().create_task(self._mark_soon())

    async def _mark_soon(self) -> None:
        await asyncio.sleep(self.mark_delay)
        await self.flush_replied()

    async def flush_replied(self) -> None:
        """Mark the rows whose replies were sent (one statement for all of them)."""
        ids, self._replied = self._replied, []
        if not ids:
            return
        try:
            await self.inbox.mark_replied_many(ids, self.clock.now())
        except Exception:
            self._replied.extend(ids)  # next time; meanwhile their lease keeps them
            log.exception("marking %d inbox rows replied failed", len(ids))

    async def close(self) -> None:
        """Mark what was sent before the process stops."""
        if self._marking is not None and not self._marking.done():
            self._marking.cancel()
            await asyncio.gather(self._marking, return_exceptions=True)
        await self.flush_replied()
