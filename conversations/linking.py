"""``/link``: join a second chat account to oneself with a one-time code (SPEC §1).

``/link`` gives a 6-digit code valid 10 minutes; ``/link CODE`` sent from the other account
joins the two: requests, history and language are kept (``core.services.link_accounts``).
The rules for wrong and locked codes are in ``core.link_ports``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core import permissions, services
from core.i18n import _
from core.link_ports import CODE_DIGITS, CODE_TTL, LinkStatus
from core.messages import Reply

if TYPE_CHECKING:
    from conversations.engine import Turn


async def link_command(turn: Turn, arg: str) -> list[Reply]:
    permissions.check_role_action("link", turn.person)
    e = turn.engine
    if e.link_codes is None:
        return [Reply(_("Sorry, something went wrong on our side. Please try again."))]
    code = "".join(arg.split())
    if not code:
        issued = await e.link_codes.issue(turn.person.id)
        return [Reply(_("Your code is {code}. Within {minutes} minutes, send /link {code} "
                        "from your other chat account (Telegram, Slack, SMS…) to join it to "
                        "this one.", code=issued, minutes=CODE_TTL // 60))]
    if not (code.isdigit() and len(code) == CODE_DIGITS):
        return [Reply(_("A code has {digits} digits. Send /link to get one.",
                        digits=CODE_DIGITS))]
    result = await e.link_codes.redeem(code, str(turn.key))
    if result.status is LinkStatus.BLOCKED:
        return [Reply(_("Too many wrong codes. Please wait 10 minutes and send /link again "
                        "from your other account."))]
    if result.status is LinkStatus.LOCKED:
        return [Reply(_("That code was locked after too many wrong tries. Send /link from "
                        "your other account for a new one."))]
    if result.status is not LinkStatus.OK or result.person_id is None:
        return [Reply(_("That code is wrong or has expired. Send /link from your other "
                        "account for a new one."))]
    if result.person_id == turn.person.id:
        return [Reply(_("That code is for this account already. Send it from your other "
                        "chat account."))]
    survivor = await services.link_accounts(e.uow_factory, first_id=result.person_id,
                                            second_id=turn.person.id)
    turn.person = survivor
    return [Reply(_("Done: this account is now joined to {name}'s. Requests and history "
                    "are kept.", name=survivor.name))]
