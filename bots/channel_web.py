"""Link pages plugin: mounts ``/l/{token}`` (adapters.web) and wires it to the core."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from aiohttp import web

from adapters.web import LinkPages, LinkSigner
from bots.web_inbox import web_inbox
from conversations import flows, history
from core.messages import Reply
from core.ports import DialogKey
from persistence.db import make_sessionmaker
from persistence.sms_store import SqlLinkUses

if TYPE_CHECKING:
    from bots.bootstrap import App
    from bots.settings import Settings


class Plugin:
    name = "web"

    def configured(self, settings: Settings) -> bool:
        """Link pages are served when there is a public URL and a channel that sends links."""
        return bool(settings.public_base_url and (settings.twilio_account_sid or settings.smtp_url))

    async def setup(self, app: App, web_app: web.Application) -> None:
        from bots.bootstrap import resolve_secret

        uows = app.uow_factory

        async def version_of(request_id: int) -> int | None:
            async with uows() as uow:
                req = await uow.requests.get(request_id)
                return req.version if req else None

        async def language_of(person_id: int) -> str | None:
            async with uows() as uow:
                person = await uow.people.get(person_id)
                return person.language if person else None

        async def expects_text(person_id: int, request_id: int) -> bool:
            state = await app.dialogs.get(DialogKey("web", str(person_id)))
            return (state.state in flows.TEXT_STEPS
                    and state.data.get("request_id") == request_id)

        async def texts_by_sms(person_id: int) -> bool:
            async with uows() as uow:
                accounts = await uow.people.accounts(person_id)
            return any(a.channel == "sms" for a in accounts)

        async def card(person_id: int, request_id: int) -> Reply:
            """The card, and under it the request's history as that person may read it
            (never an internal note for the initiator)."""
            shown = await app.conversations.card(person_id, request_id)
            past = await history.for_person(app.conversations, person_id, request_id)
            return Reply(f"{shown.text}\n\n{past}", shown.buttons)

        receive, outcome = web_inbox(app)
        pages = LinkPages(
            signer=LinkSigner(resolve_secret(app.settings), app.clock),
            uses=SqlLinkUses(make_sessionmaker(app.engine)),
            codec=app.codec,
            clock=app.clock,
            handle=app.conversations.handle,
            card=card,
            version_of=version_of,
            expects_text=expects_text,
            language_of=language_of,
            public_base_url=app.settings.public_base_url,
            default_language=app.settings.default_language,
            texts_by_sms=texts_by_sms,
            receive=receive,
            outcome=outcome,
        )
        pages.mount(web_app)

    async def start(self, app: App, stop: asyncio.Event) -> list[asyncio.Task[None]]:
        return []

    async def close(self) -> None:
        return None
