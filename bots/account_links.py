"""What the channels without buttons (SMS, e-mail) share: who an address is, the signed link
page a button becomes for them, and the language they read."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from adapters.web import KIND_FOR_ACTION, LinkSigner
from core.actions import BadPayload
from core.messages import Button

if TYPE_CHECKING:
    from bots.bootstrap import App

LinkFor = Callable[[str, Button], Awaitable[str | None]]


def person_id_of(app: App, channel: str) -> Callable[[str], Awaitable[int | None]]:
    """address → the id of the person with that account on ``channel`` (None: nobody)."""

    async def find(address: str) -> int | None:
        async with app.uow_factory(read_only=True) as uow:
            person = await uow.people.by_account(channel, address)
        return person.id if person else None

    return find


def button_links(app: App, channel: str, signer: LinkSigner) -> LinkFor:
    """(address, button) → the signed ``/l/`` link that presses it, or None when the button
    has no link page (it becomes a numbered choice) or there is no PUBLIC_BASE_URL."""
    base = app.settings.public_base_url
    person_of = person_id_of(app, channel)

    async def link_for(address: str, button: Button) -> str | None:
        if not base:
            return None
        try:
            action = app.codec.unpack(button.payload)
        except BadPayload:
            return None
        kind = KIND_FOR_ACTION.get(action.name)
        if kind is None or not action.request_id:
            return None
        person_id = await person_of(address)
        if person_id is None:
            return None
        return f"{base}/l/{signer.make(person_id, action.request_id, kind)}"

    return link_for


def reader_language(app: App, channel: str) -> Callable[[str], Awaitable[str | None]]:
    """address → the language its person reads (the helpdesk's default when unknown)."""

    async def language_of(address: str) -> str | None:
        async with app.uow_factory(read_only=True) as uow:
            person = await uow.people.by_account(channel, address)
        return (person.language if person else None) or app.settings.default_language

    return language_of
