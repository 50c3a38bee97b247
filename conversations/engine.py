"""The conversation engine: one entry point, ``handle(Inbound) -> [Reply]``, for every channel.

Per person and channel it takes a lock (messages never interleave), loads the dialog state
from the store, dispatches commands, button presses and text, and translates every answer
into the person's language. Domain refusals become clear replies; nothing escapes.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from conversations import attachments, flows, forms, lists
from conversations.keywords import keyword_command
from conversations.views import render_notification
from core import services
from core.actions import Action, ActionCodec, BadPayload
from core.attachment_service import AttachmentConfig
from core.clock import Clock
from core.errors import DomainError, NotFound
from core.forms import Form, FormResult, Overview
from core.i18n import N_, _, normalise_language, translate, use_language
from core.inbox_ports import TurnScope
from core.kb_ports import ArticleLink, KnowledgeBase
from core.kinds import Role
from core.link_ports import LinkCodes
from core.messages import Inbound, Reply
from core.model import MAX_DESCRIPTION, Person
from core.notifications import Notification
from core.ports import DialogKey, DialogState, DialogStore, Held, UnitOfWorkFactory
from core.preference_ports import NoticePreferences
from core.report_ports import ReportFiles, Reports
from core.selfservice_ports import DeflectionLog, ScriptStore
from core.telemetry import telemetry

log = logging.getLogger(__name__)

MAX_INBOUND = 10 * MAX_DESCRIPTION  # longer messages are refused before any parsing
# Control characters (NUL breaks PostgreSQL text) are dropped; newlines and tabs are kept.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
REFERENCE = re.compile(r"\bHD-\d{4}-\d{6}\b")


def update_kind(inbound: Inbound) -> str:
    """What an update is, for metrics and the log line: button, file, command or text."""
    if inbound.payload is not None:
        return "button"
    if inbound.attachments:
        return "file"
    return "command" if (inbound.text or "").lstrip().startswith("/") else "text"


def mentioned_reference(inbound: Inbound, replies: list[Reply]) -> str | None:
    """The request reference an update was about: the first one in the answer, else in
    what the person wrote (None when there is none, e.g. a menu)."""
    for text in [r.text for r in replies] + [inbound.text or ""]:
        found = REFERENCE.search(text)
        if found:
            return found.group(0)
    return None


@dataclass
class Turn:
    """One inbound message being handled: who sent it, where, and the dialog state."""

    engine: Conversations
    person: Person
    key: DialogKey
    inbound: Inbound
    state: DialogState
    held: Held | None = None  # the conversation lock: state changes are stored on release
    scope: TurnScope | None = None  # the inbox event's transaction (None: not from the inbox)

    @property
    def channel(self) -> str:
        return self.inbound.channel

    @property
    def is_staff(self) -> bool:
        return self.person.role.is_staff

    async def set_state(self, name: str | None, **data: Any) -> None:
        """The next step of this conversation (None: no step pending). Under the lock it is
        stored as the lock is released (no extra round trip; nothing when unchanged)."""
        new = DialogState(name, data if name is not None else {})
        if self.held is not None:
            if new != self.state or self.held.final is not None:
                self.held.keep(new, self.engine.dialog_ttl)
        elif name is None:
            await self.engine.dialogs.clear(self.key)
        else:
            await self.engine.dialogs.set(self.key, new, self.engine.dialog_ttl)
        self.state = new


class Conversations:
    """Channel-neutral dialogs over the core services."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        dialogs: DialogStore,
        codec: ActionCodec,
        clock: Clock,
        *,
        default_language: str = "en",
        default_timezone: str = "UTC",
        dialog_ttl: float = 24 * 3600,
        open_registration: bool = True,
        button_channels: frozenset[str] = frozenset(),
        attachments: AttachmentConfig | None = None,
        preferences: NoticePreferences | None = None,
        reports: Reports | None = None,
        report_files: ReportFiles | None = None,
        link_codes: LinkCodes | None = None,
        scripts: ScriptStore | None = None,
        deflections: DeflectionLog | None = None,
    ) -> None:
        self.uow_factory = uow_factory
        # Channels that show buttons natively: no need to remember menus for typed digits.
        self.button_channels = button_channels
        self.dialogs = dialogs
        self.codec = codec
        self.clock = clock
        self.default_language = default_language
        self.default_timezone = default_timezone
        self.dialog_ttl = dialog_ttl
        self.open_registration = open_registration
        self.attachments = attachments  # None: files are refused politely
        self.preferences = preferences  # /notices off|on (None: the command only informs)
        self.reports = reports  # /stats, /report (supervisors)
        self.report_files = report_files  # /report sends a CSV where the channel takes files
        self.link_codes = link_codes  # /link (None: linking is unavailable)
        self.scripts = scripts  # troubleshooting scripts in the intake (None: none)
        self.deflections = deflections  # self-service outcomes (scripts, knowledge base)
        # Knowledge base (issue 18): set by bootstrap; the SMS plugin sets article_link.
        self.knowledge: KnowledgeBase | None = None
        self.article_link: ArticleLink | None = None

    # -- inbound ---------------------------------------------------------------------------
    async def handle(self, inbound: Inbound, scope: TurnScope | None = None) -> list[Reply]:
        """Answer one message or button press. Never raises for bad input.

        With an inbox ``scope`` (``core.inbox_ports``) the whole turn is one transaction that
        also marks the event processed; an unexpected failure then rolls it all back and is
        raised (the inbox retries it) instead of being answered, and the dialog state is only
        stored once that transaction committed."""
        started = time.perf_counter()
        outcome: str = "error"
        person_id: int | None = None
        replies: list[Reply] = []
        try:
            async with self.turn(inbound, scope) as turn:
                if turn is None:
                    outcome = "unregistered"
                    replies = [Reply(_("Sorry, this helpdesk only serves registered people."))]
                    if scope is not None:
                        await scope.finish(replies, None)
                    return replies
                person_id = turn.person.id
                if not turn.person.active:  # deactivated: can do nothing
                    outcome = "refused"
                    replies = [Reply(_("Your access to this helpdesk has been turned off."))]
                    if scope is not None:
                        await scope.finish(replies, turn.state.state)
                    return replies
                try:
                    replies = await self._dispatch(turn)
                    outcome = "ok"
                except DomainError as exc:
                    outcome = "refused"
                    message = translate(exc.text)
                    replies = [Reply(message, toast=message)]
                except Exception:
                    if scope is not None:
                        _forget(turn)
                        raise
                    log.exception("failed to handle an update on %s", inbound.channel)
                    message = _("Sorry, something went wrong on our side. Please try again.")
                    replies = [Reply(message, toast=message)]
                await self._remember_menu(turn.key, replies)
                if scope is not None:
                    try:
                        await scope.finish(replies, turn.state.state)
                    except BaseException:
                        _forget(turn)
                        raise
                return replies
        finally:
            telemetry().update_handled(
                channel=inbound.channel, kind=update_kind(inbound), outcome=outcome,
                seconds=time.perf_counter() - started, person_id=person_id,
                reference=mentioned_reference(inbound, replies))

    async def _identify(self, inbound: Inbound) -> Person | None:
        async with self.uow_factory(read_only=True) as reader:
            if inbound.person_id is not None:
                return await reader.people.get(inbound.person_id)
            known = await reader.people.by_account_with_last_channel(
                inbound.channel, inbound.address)
        hint = normalise_language(inbound.language)
        if known is not None:
            owner, last_channel = known
            if last_channel == inbound.channel and (owner.language is not None or not hint):
                return owner  # nothing to record: the common case costs one lookup
        async with self.uow_factory() as uow:
            person = await uow.people.by_account(inbound.channel, inbound.address)
            if person is None and inbound.channel == "console":
                person = await uow.people.by_name(inbound.address)
                if person is not None:
                    await uow.people.add_account(person.id, "console", inbound.address)
            if person is None:
                if not self.open_registration:
                    return None
                name = (inbound.display_name or inbound.address).strip()[:200] or "?"
                person = await uow.people.add(
                    name, Role.INITIATOR, normalise_language(inbound.language)
                )
                await uow.people.add_account(person.id, inbound.channel, inbound.address)
            if person.language is None and hint:
                # The platform's language (Telegram language_code, Slack locale, the phone's
                # country) until the person chooses one with /language.
                await uow.people.set_language(person.id, hint)
                person.language = hint
            await uow.people.touch_channel(person.id, inbound.channel)
            await uow.commit()
            return person

    async def _dispatch(self, turn: Turn) -> list[Reply]:
        inbound = turn.inbound
        if inbound.payload is not None:
            return await self._press(turn, inbound.payload)
        text = CONTROL_CHARS.sub("", inbound.text or "").strip()
        if len(text) > MAX_INBOUND:
            return [Reply(_("That message is too long ({length} characters); please keep it "
                            "under {limit}.", length=len(text), limit=MAX_DESCRIPTION))]
        if inbound.attachments:
            return await attachments.on_files(turn, text)
        if text.startswith("/"):
            return await flows.command(turn, text)
        step = flows.TEXT_STEPS.get(turn.state.state or "")
        if step is not None:
            return await step(turn, text)
        lost = turn.scope.expected_state if turn.scope is not None else None
        if turn.state.state is None and lost in flows.TEXT_STEPS:
            # The dialog store lost this conversation's step (Redis restarted empty).
            await turn.set_state(None)
            return [lost_track(lost or "")]
        keyword = keyword_command(text)
        if keyword is not None:
            return await flows.command(turn, keyword)
        if text.isdigit():
            menu = await self.dialogs.get_menu(turn.key)
            index = int(text) - 1
            if 0 <= index < len(menu):
                return await self._press(turn, menu[index])
            if menu:
                return [Reply(_("Please answer with a number from 1 to {n}.", n=len(menu)))]
        return await flows.unexpected_text(turn, text)

    async def _press(self, turn: Turn, payload: str) -> list[Reply]:
        try:
            action = self.codec.unpack(payload)
        except BadPayload:
            return [no_longer_valid()]
        handler = flows.BUTTONS.get(action.name)
        if handler is None:
            return [no_longer_valid()]
        telemetry().action(action.name)
        return await handler(turn, action)

    async def _remember_menu(self, key: DialogKey, replies: list[Reply]) -> None:
        if key.channel in self.button_channels:
            return
        with_buttons = [r for r in replies if r.buttons]
        if with_buttons:
            payloads = [b.payload for b in with_buttons[-1].buttons]
            await self.dialogs.set_menu(key, payloads, self.dialog_ttl)

    # -- outbound --------------------------------------------------------------------------
    async def render(self, notification: Notification, person: Person, channel: str,
                     address: str) -> Reply:
        """The notification as ``person`` reads it; remembers its buttons for typed digits."""
        with use_language(person.language or self.default_language):
            reply = render_notification(self.codec, notification,
                                        person.timezone or self.default_timezone)
        if reply.buttons and not notification.edit_only:
            await self._remember_menu(DialogKey(channel, address), [reply])
        return reply

    async def card(self, person_id: int, request_id: int, channel: str = "web") -> Reply:
        """The request as ``person_id`` sees it, with the buttons they may press now
        (link pages render this). Raises ``DomainError`` when they may not see it."""
        async with self.uow_factory() as uow:
            person = await uow.people.get(person_id)
        if person is None:
            raise NotFound(N_("Unknown person."))
        key = DialogKey(channel, str(person_id))
        with use_language(person.language or self.default_language):
            turn = Turn(self, person, key, Inbound(channel, str(person_id)), DialogState())
            return (await lists.card(turn, request_id))[0]

    def pack(self, name: str, request_id: int = 0, arg: str = "") -> str:
        return self.codec.pack(Action(name, request_id, 0, arg))

    # -- forms and overview (channels with modals and a home page: Slack) ------------------
    @asynccontextmanager
    async def turn(self, inbound: Inbound,
                   scope: TurnScope | None = None) -> AsyncIterator[Turn | None]:
        """The sender's turn (identified, registered if new) under the conversation lock and
        in their language; None when registration is closed and they are unknown. An inbox
        ``scope`` is begun once the lock is held."""
        key = DialogKey(inbound.channel, inbound.address)
        async with self.dialogs.locked(key) as held:
            if scope is not None:
                await scope.begin()
            person = await self._identify(inbound)
            if person is None:
                with use_language(inbound.language or self.default_language):
                    yield None
                return
            with use_language(person.language or inbound.language or self.default_language):
                yield Turn(self, person, key, inbound, held.state, held, scope)

    async def open_form(self, inbound: Inbound,
                        kind: str | None = None) -> Form | list[Reply] | None:
        """The form ``kind`` (or the one the pressed button opens); replies when it can't be
        filled in now; None when the button opens no form. See ``conversations.forms``."""
        return await forms.open_form(self, inbound, kind)

    def opens_form(self, payload: str) -> bool:
        """Whether a button with ``payload`` opens a form (pure: no store is touched)."""
        return forms.opens_form(self, payload)

    async def submit_form(self, inbound: Inbound, kind: str, values: dict[str, str],
                          context: str = "") -> FormResult:
        """Validate and apply a submitted form: per-field errors, or replies. Never raises."""
        return await forms.submit_form(self, inbound, kind, values, context)

    async def overview(self, inbound: Inbound) -> Overview:
        """The sender's open requests / queue, with the buttons they may press now."""
        return await forms.overview(self, inbound)


def _forget(turn: Turn) -> None:
    """Nothing of the turn was applied: keep the dialog state as it was."""
    if turn.held is not None:
        turn.held.final = None


# The button to press again when a dialog step was lost, by step.
LOST_STEPS = {
    "finish.time": N_("Finish"), "finish.note": N_("Finish"),
    "correct.time": N_("Correct time"), "dispute.reason": N_("Dispute"),
    "comment.body": N_("Comment"), "wait.question": N_("Wait"), "wait.until": N_("Wait"),
    "intake.describe": N_("New request"), "intake.field": N_("New request"),
    "intake.client": N_("New request"),
}


def lost_track(step: str) -> Reply:
    """The dialog state was lost: ask, in plain words, to repeat the step."""
    label = LOST_STEPS.get(step)
    if label is None:
        return Reply(_("I lost track of what we were doing; please start that step again."))
    return Reply(_("I lost track of that; press {button} again.", button=_(label)))


def no_longer_valid() -> Reply:
    message = _("This button is no longer valid.")
    return Reply(message, toast=message)


__all__ = ["Conversations", "Turn", "services", "no_longer_valid"]
