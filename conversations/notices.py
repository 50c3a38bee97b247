"""``/notices``: a person turns status-change notices off or back on from any chat.

``/notices`` shows the current setting with a button to change it; ``/notices off`` and
``/notices on`` change it at once. The same setting is behind the e-mail unsubscribe link;
which notices are optional is decided in ``core.notifications``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from conversations.views import button
from core.actions import Action
from core.i18n import _
from core.messages import Reply

if TYPE_CHECKING:
    from conversations.engine import Turn

OFF, ON = "off", "on"


def _always() -> str:
    return _("Questions addressed to you and the resolution of your requests are always sent.")


def _usage() -> str:
    return _("Send /notices off to stop them, or /notices on to get them again.")


async def notices_command(turn: Turn, arg: str) -> list[Reply]:
    """``/notices [off|on]``."""
    word = arg.strip().lower()
    if word in (OFF, ON):
        return await _set(turn, word == ON)
    if word:
        return [Reply(_usage()), await _status(turn)]
    return [await _status(turn)]


async def on_notices(turn: Turn, action: Action) -> list[Reply]:
    """The button under ``/notices``: ``off`` or ``on``."""
    if action.arg not in (OFF, ON):
        message = _("This button is no longer valid.")
        return [Reply(message, toast=message)]
    return [replace(r, edit=True) for r in await _set(turn, action.arg == ON)]


async def _status(turn: Turn) -> Reply:
    e = turn.engine
    if e.preferences is None:
        return Reply(_("Notices about status changes are on for you.") + "\n" + _always())
    if await e.preferences.notices_off(turn.person.id):
        return Reply(_("Notices about status changes are off for you.") + "\n" + _always(),
                     (button(e.codec, _("Turn them back on"), "notices", 0, ON),))
    return Reply(_("Notices about status changes are on for you.") + "\n" + _always(),
                 (button(e.codec, _("Stop these notices"), "notices", 0, OFF),))


async def _set(turn: Turn, enabled: bool) -> list[Reply]:
    e = turn.engine
    if e.preferences is None:
        return [Reply(_("Sorry, something went wrong on our side. Please try again."))]
    await e.preferences.set_notices(turn.person.id, enabled, turn.channel, e.clock.now())
    if enabled:
        return [Reply(_("Done: you will get notices about status changes again."))]
    return [Reply(_("Done: you will no longer get notices about status changes.") + "\n"
                  + _always())]
