"""Lists for the web portal: a person's requests (or queue) with status, time logged and the
SLA time left, one line each, as the chat list and the card word them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from conversations.lists import line as request_line
from conversations.lists import workflow_lines
from core.i18n import _
from core.messages import Inbound
from core.ports import DialogKey, DialogState

if TYPE_CHECKING:
    from conversations.engine import Conversations

LIMIT = 50


@dataclass(frozen=True)
class RequestRow:
    """One request in a list: its id (for the page's address), reference and what to show."""

    id: int
    reference: str
    text: str


@dataclass(frozen=True)
class RequestSection:
    title: str
    rows: tuple[RequestRow, ...]
    empty: str


async def request_sections(engine: Conversations, person_id: int) -> list[RequestSection]:
    """Staff: their queue, then requests they placed; initiators: their requests (closed and
    cancelled ones last). Call inside the reader's ``use_language``."""
    from conversations.engine import Turn

    async with engine.uow_factory(read_only=True) as uow:
        person = await uow.people.get(person_id)
        if person is None:
            return []
        mine = await uow.requests.list_for_initiator(person_id, limit=LIMIT)
        queue = (await uow.requests.list_for_staff(person, limit=LIMIT)
                 if person.role.is_staff else [])
        names = {t.id: t.name for t in await uow.types.list()}
    turn = Turn(engine, person, DialogKey("web", str(person_id)),
                Inbound("web", str(person_id), person_id=person_id), DialogState())

    def rows(reqs: list) -> tuple[RequestRow, ...]:  # type: ignore[type-arg]
        out = []
        for req in sorted(reqs, key=lambda r: r.status.is_final):
            line = request_line(req, names.get(req.type_id, "?")).removeprefix("• ")
            details = workflow_lines(turn, req)
            text = line.removeprefix(req.reference).strip(" —")
            out.append(RequestRow(req.id or 0, req.reference,
                                  "\n".join([text, *details])))
        return tuple(out)

    sections = []
    if person.role.is_staff:
        sections.append(RequestSection(_("Your queue:").rstrip(":"), rows(queue),
                                       _("Your queue is empty.")))
        if mine:
            sections.append(RequestSection(_("Your requests:").rstrip(":"), rows(mine), ""))
    else:
        sections.append(RequestSection(_("Your requests:").rstrip(":"), rows(mine),
                                       _("You have no requests yet.")))
    return sections
