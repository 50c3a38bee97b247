"""The permission matrix of on-site visits (issue 18): every visit act × every person ×
every request status × every visit state × who proposed — allowed exactly where expected,
otherwise refused with a clear, fully filled-in message; on a request staff placed for a
client, staff answer for the client."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from core import permissions
from core.errors import DomainError
from core.i18n import translate
from core.kinds import Status
from core.model import Event, Person, Request
from tests.core.test_permissions import ACTORS, HOLDER, OWNER, SUPERVISOR, request_in

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
VISIT_STATES = ("none", "proposed", "planned", "done", "cancelled")
WORKING = ("in_progress", "waiting")
ALLOWED_STATES = {"propose": {"none", "proposed"}, "answer": {"proposed"},
                  "move": {"planned"}, "cancel": {"proposed", "planned"}, "done": {"planned"}}


def expected(act: str, actor: str, status: Status, visit: str, by_technician: bool,
             for_client: bool) -> bool:
    if status.value not in WORKING or visit not in ALLOWED_STATES[act]:
        return False
    if act != "answer":
        return actor == "holder"
    if by_technician:
        return actor == "owner" or (for_client and actor in ("holder", "other_assistant",
                                                             "supervisor"))
    return actor == "holder"


def request(status: Status, for_client: bool) -> Request:
    req = request_in(status)
    placer = SUPERVISOR.id if for_client else OWNER.id
    req.events.insert(0, Event("place", placer, AT, "test", None, Status.OPEN))
    return req


CASES = list(itertools.product(permissions.VISIT_ACTS, ACTORS, list(Status), VISIT_STATES,
                               (True, False), (False, True)))


@pytest.mark.parametrize(("act", "actor_name", "status", "visit", "by_technician",
                          "for_client"), CASES,
                         ids=[f"{a}-{p}-{s.value}-{v}-{'tech' if t else 'client'}"
                              f"{'-forclient' if c else ''}" for a, p, s, v, t, c in CASES])
def test_visit_permission_matrix(act: str, actor_name: str, status: Status, visit: str,
                                 by_technician: bool, for_client: bool) -> None:
    req = request(status, for_client)
    actor = ACTORS[actor_name]
    allowed = expected(act, actor_name, status, visit, by_technician, for_client)
    assert permissions.allows_visit(act, actor, req, visit, by_technician) is allowed
    if not allowed:
        with pytest.raises(DomainError) as info:
            permissions.check_visit(act, actor, req, visit, by_technician)
        message = translate(info.value.text)
        assert message and "{" not in message and "}" not in message


def test_matrix_covers_every_combination() -> None:
    assert len(CASES) == 5 * 5 * 6 * 5 * 2 * 2


def test_types_without_visits_refuse_every_act() -> None:
    req = request(Status.IN_PROGRESS, False)
    for act in permissions.VISIT_ACTS:
        with pytest.raises(DomainError) as info:
            permissions.check_visit(act, HOLDER, req, "planned", on_site=False)
        assert translate(info.value.text) == "Requests of this type have no visits on site."


def test_refusals_name_the_problem() -> None:
    req = request(Status.IN_PROGRESS, False)
    cases = [
        ("propose", ACTORS["other_assistant"], "none", True,
         "Only the assistant holding HD-2026-000007 can plan its visit."),
        ("answer", ACTORS["other_assistant"], "proposed", True,
         "Only the person who asked for HD-2026-000007 can answer this proposal."),
        ("answer", OWNER, "proposed", False,
         "Only the assistant holding HD-2026-000007 can answer this proposal."),
        ("propose", HOLDER, "planned", True,
         "A visit is already planned for HD-2026-000007; move it instead."),
        ("move", HOLDER, "none", True, "There is no visit to change on HD-2026-000007."),
        ("propose", ACTORS["other_initiator"], "none", True,
         "You don't have access to HD-2026-000007."),
    ]
    for act, actor, visit, by_technician, message in cases:
        with pytest.raises(DomainError) as info:
            permissions.check_visit(act, actor, req, visit, by_technician)
        assert translate(info.value.text) == message
    inactive = Person(9, "Old", HOLDER.role, active=False)
    with pytest.raises(DomainError):
        permissions.check_visit("propose", inactive, req, "none")
