"""Web portal plugin: mounts ``/p`` (adapters.web.portal) and wires it to the core.

Served when ``PUBLIC_BASE_URL`` is set and a channel that can carry a sign-in link is
configured (e-mail or SMS). It is set up after the e-mail and SMS plugins, so their senders
carry the links. See docs/portal.md.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from aiohttp import web

from adapters.web.portal import Portal, PortalTokens, link_message
from bots.web_inbox import web_inbox
from conversations import flows, history
from conversations.portal import request_sections
from core.i18n import use_language
from core.messages import Inbound, Reply
from core.ports import DialogKey

if TYPE_CHECKING:
    from bots.bootstrap import App
    from bots.settings import Settings


def address_of(typed: str) -> tuple[str, str] | None:
    """An e-mail address (lower case) or a phone number in E.164, with its channel."""
    from adapters.sms.phones import InvalidPhone, to_e164

    typed = typed.strip()
    if "@" in typed:
        local, _at, domain = typed.rpartition("@")
        if local and "." in domain and " " not in typed and len(typed) <= 320:
            return "email", typed.lower()
        return None
    try:
        return "sms", to_e164(typed)
    except InvalidPhone:
        return None


class Plugin:
    name = "portal"

    def __init__(self) -> None:
        self.portal: Portal | None = None

    def configured(self, settings: Settings) -> bool:
        return bool(settings.public_base_url and (settings.smtp_url
                                                  or settings.twilio_account_sid))

    async def setup(self, app: App, web_app: web.Application) -> None:
        from bots.bootstrap import resolve_secret

        uows, conv = app.uow_factory, app.conversations

        async def person_info(person_id: int) -> tuple[bool, str | None]:
            async with uows(read_only=True) as uow:
                person = await uow.people.get(person_id)
            if person is None or not person.active:
                return False, None
            return True, person.language

        async def card(person_id: int, request_id: int) -> Reply:
            shown = await conv.card(person_id, request_id)
            past = await history.for_person(conv, person_id, request_id)
            return Reply(f"{shown.text}\n\n{past}", shown.buttons)

        async def expects_text(person_id: int) -> bool:
            state = await app.dialogs.get(DialogKey("web", str(person_id)))
            return state.state in flows.TEXT_STEPS

        async def sections(person_id: int) -> list[tuple[str, list[tuple[int, str, str]], str]]:
            return [(s.title, [(r.id, r.reference, r.text) for r in s.rows], s.empty)
                    for s in await request_sections(conv, person_id)]

        async def latest_request(person_id: int) -> int | None:
            async with uows(read_only=True) as uow:
                mine = await uow.requests.list_for_initiator(person_id, limit=1)
            return mine[0].id if mine else None

        async def identify(channel: str, address: str) -> int | None:
            async with conv.turn(Inbound(channel, address)) as turn:
                return turn.person.id if turn is not None else None

        async def send_link(channel: str, address: str, url: str, language: str) -> bool:
            sender = app.senders.get(channel)
            if sender is None:
                return False
            async with uows(read_only=True) as uow:
                person = await uow.people.by_account(channel, address)
            with use_language((person.language if person else None) or language):
                text = link_message(url)
            await sender.send(address, Reply(text))
            return True

        receive, outcome = web_inbox(app)
        self.portal = Portal(
            tokens=PortalTokens(resolve_secret(app.settings), app.clock),
            clock=app.clock,
            handle=conv.handle,
            card=card,
            sections=sections,
            latest_request=latest_request,
            open_form=conv.open_form,
            submit_form=conv.submit_form,
            pack=lambda name, request_id: conv.pack(name, request_id),
            expects_text=expects_text,
            person_info=person_info,
            identify=identify,
            address_of=address_of,
            send_link=send_link,
            remember_once=app.dialogs.remember_once,
            public_base_url=app.settings.public_base_url,
            default_language=app.settings.default_language,
            max_upload=int(app.settings.attachment_max_mb * 1024 * 1024) + 1024,
            receive=receive,
            outcome=outcome,
        )
        self.portal.mount(web_app)

    async def start(self, app: App, stop: asyncio.Event) -> list[asyncio.Task[None]]:
        return []

    async def close(self) -> None:
        return None
