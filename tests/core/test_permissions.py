"""Every action × every role × every status: allowed (with the right result) or refused
with a clear, fully filled-in message — and a refused action changes nothing."""

from __future__ import annotations

import copy
import itertools
from datetime import UTC, datetime

import pytest

from core import permissions
from core.errors import DomainError
from core.i18n import translate
from core.kinds import Act, Role, Status, WaitReason
from core.model import Person, Request, TimeEntry
from core.sla import SlaPolicy

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
OWNER = Person(1, "Ion", Role.INITIATOR)
OTHER_INITIATOR = Person(2, "Maria", Role.INITIATOR)
HOLDER = Person(3, "Bogdan", Role.ASSISTANT)
OTHER_ASSISTANT = Person(4, "Ana", Role.ASSISTANT)
SUPERVISOR = Person(5, "Sofia", Role.SUPERVISOR)
ACTORS = {
    "owner": OWNER,
    "other_initiator": OTHER_INITIATOR,
    "holder": HOLDER,
    "other_assistant": OTHER_ASSISTANT,
    "supervisor": SUPERVISOR,
}

WITH_ASSIGNEE = {Status.IN_PROGRESS, Status.WAITING, Status.RESOLVED, Status.CLOSED}
RESOLVED_BEFORE = {Status.RESOLVED, Status.CLOSED}


def request_in(status: Status) -> Request:
    req = Request(
        id=7, reference="HD-2026-000007", type_id=1, description="Printer jam",
        initiator_id=OWNER.id, status=status, created_at=AT, updated_at=AT, version=3,
        loaded_version=3,
    )
    if status in WITH_ASSIGNEE:
        req.assignee_id, req.assignee_name = HOLDER.id, HOLDER.name
    if status in RESOLVED_BEFORE:
        req.resolved_by_id = HOLDER.id
        req.resolution_note = "Fixed"
        req.time_entries.append(TimeEntry(90, HOLDER.id, AT))
    return req


def do(act: Act, actor: Person, req: Request) -> None:
    match act:
        case Act.CLAIM:
            req.claim(actor, AT)
        case Act.RELEASE:
            req.release(actor, AT)
        case Act.CANCEL:
            req.cancel(actor, AT)
        case Act.FINISH:
            req.finish(actor, 60, "Replaced the toner", AT)
        case Act.CORRECT_TIME:
            req.correct_time(actor, 45, AT)
        case Act.CONFIRM:
            req.confirm(actor, AT)
        case Act.DISPUTE:
            req.dispute(actor, "Too much time", AT)
        case Act.COMMENT:
            req.comment(actor, "Any news?", AT)
        case Act.ASK_RELEASE:
            req.ask_release(actor, AT)
        case Act.WAIT:
            req.wait(actor, WaitReason.THIRD_PARTY, AT)
        case Act.RESUME:
            req.resume(actor, AT)
        case Act.REOPEN:
            req.reopen(actor, "Still broken", AT)
        case Act.RATE:
            req.rate(actor, 5, AT)
        case Act.PRIORITY:
            req.set_priority(actor, "urgent", SlaPolicy(10, 120), AT)
        case Act.REASSIGN:
            req.reassign(actor, OTHER_ASSISTANT, AT)
        case Act.MERGE:
            target = request_in(Status.OPEN)
            target.id, target.reference = 8, "HD-2026-000008"
            req.merge_into(actor, target, AT)
        case Act.SPLIT:
            new = request_in(Status.OPEN)
            new.id, new.reference = 8, "HD-2026-000008"
            req.split_off(actor, new, AT)
        case Act.STAFF_REOPEN:
            req.staff_reopen(actor, "The printer jams again", AT)


LIVE = ("open", "in_progress", "waiting", "resolved")
ALLOWED: dict[Act, set[tuple[str, str]]] = {
    Act.CLAIM: {("holder", "open"), ("other_assistant", "open"), ("supervisor", "open")},
    Act.RELEASE: {(a, s) for a in ("holder", "supervisor") for s in ("in_progress", "waiting")},
    Act.CANCEL: {("owner", "open")},
    Act.FINISH: {(a, s) for a in ("holder", "supervisor") for s in ("in_progress", "waiting")}
    | {(a, "open") for a in ("holder", "other_assistant", "supervisor")},  # claimed for them
    Act.CORRECT_TIME: {("holder", "resolved"), ("supervisor", "resolved")},
    Act.CONFIRM: {("owner", "resolved")},
    Act.DISPUTE: {("owner", "resolved")},
    Act.COMMENT: {(a, s) for a in ("owner", "holder", "supervisor") for s in LIVE}
    | {("other_assistant", "open")},
    Act.ASK_RELEASE: {("owner", "in_progress"), ("owner", "waiting")},
    Act.WAIT: {("holder", "in_progress"), ("supervisor", "in_progress")},
    Act.RESUME: {("holder", "waiting"), ("supervisor", "waiting")},
    Act.REOPEN: {("owner", "resolved")},
    Act.RATE: {("owner", "resolved"), ("owner", "closed")},
    Act.PRIORITY: {("holder", "open"), ("other_assistant", "open"), ("supervisor", "open")}
    | {(a, s) for a in ("holder", "supervisor") for s in ("in_progress", "waiting")},
    Act.REASSIGN: {("supervisor", s) for s in ("open", "in_progress", "waiting")},
    Act.STAFF_REOPEN: {("holder", "resolved"), ("supervisor", "resolved")},
    Act.MERGE: {(a, "open") for a in ("holder", "other_assistant", "supervisor")}
    | {(a, s) for a in ("holder", "supervisor") for s in ("in_progress", "waiting")},
    Act.SPLIT: {(a, "open") for a in ("holder", "other_assistant", "supervisor")}
    | {(a, s) for a in ("holder", "supervisor") for s in ("in_progress", "waiting")},
}
RESULT = {
    Act.CLAIM: Status.IN_PROGRESS,
    Act.RELEASE: Status.OPEN,
    Act.CANCEL: Status.CANCELLED,
    Act.FINISH: Status.RESOLVED,
    Act.CORRECT_TIME: Status.RESOLVED,
    Act.CONFIRM: Status.CLOSED,
    Act.DISPUTE: Status.IN_PROGRESS,
    Act.WAIT: Status.WAITING,
    Act.RESUME: Status.IN_PROGRESS,
    Act.REOPEN: Status.IN_PROGRESS,
    Act.STAFF_REOPEN: Status.IN_PROGRESS,
    Act.MERGE: Status.CLOSED,
}

CASES = list(itertools.product(list(Act), list(ACTORS), list(Status)))


@pytest.mark.parametrize(("act", "actor_name", "status"), CASES,
                         ids=[f"{a.value}-{p}-{s.value}" for a, p, s in CASES])
def test_permission_matrix(act: Act, actor_name: str, status: Status) -> None:
    req = request_in(status)
    before = copy.deepcopy(req)
    actor = ACTORS[actor_name]
    allowed = (actor_name, status.value) in ALLOWED[act]
    if allowed:
        do(act, actor, req)
        expected = RESULT.get(act, status)
        if act is Act.REASSIGN and status is Status.OPEN:
            expected = Status.IN_PROGRESS  # an open request becomes the new assistant's
        assert req.status is expected
        # Finish on an open request claims it first: two events (claim, finish).
        steps = 2 if act is Act.FINISH and status is Status.OPEN else 1
        assert req.version == before.version + steps
        if steps == 2:
            assert [e.action for e in req.events[-2:]] == ["claim", "finish"]
            assert req.assignee_id == actor.id
        assert req.events[-1].action == act.value
        assert req.events[-1].actor_id == actor.id
    else:
        with pytest.raises(DomainError) as info:
            do(act, actor, req)
        message = translate(info.value.text)
        assert message and "{" not in message and "}" not in message
        assert req == before, "a refused action changed the request"


def test_matrix_covers_every_combination() -> None:
    assert len(CASES) == len(Act) * 5 * len(Status) == 540


def test_refusal_messages_are_specific() -> None:
    req = request_in(Status.IN_PROGRESS)
    with pytest.raises(DomainError) as info:
        req.claim(OTHER_ASSISTANT, AT)
    assert translate(info.value.text) == "Already claimed by Bogdan."
    with pytest.raises(DomainError) as info:
        req.cancel(OWNER, AT)
    assert info.value.code == "claimed"
    closed = request_in(Status.CLOSED)
    with pytest.raises(DomainError) as info:
        closed.finish(HOLDER, 10, "x", AT)
    assert "assistants no longer have access" in translate(info.value.text)


# -- actions that are not about one request (issue 17) ----------------------------------------

INACTIVE = Person(6, "Old", Role.ASSISTANT, active=False)
ROLE_ACTORS = {"initiator": OWNER, "assistant": HOLDER, "supervisor": SUPERVISOR,
               "inactive": INACTIVE}
ROLE_ALLOWED = {
    "queue": {"assistant", "supervisor"},
    "stats": {"supervisor"},
    "report": {"supervisor"},
    "organization_requests": {"supervisor"},
    "link": {"initiator", "assistant", "supervisor"},
    "script_notes": {"assistant", "supervisor"},  # issue 18
    "agenda": {"assistant", "supervisor"},  # visits on site (issue 18)
    "agenda_others": {"supervisor"},
}
ROLE_CASES = list(itertools.product(ROLE_ALLOWED, ROLE_ACTORS))


def test_role_actions_are_all_in_the_matrix() -> None:
    assert set(ROLE_ALLOWED) == set(permissions.ROLE_ACTIONS)


@pytest.mark.parametrize(("action", "actor_name"), ROLE_CASES,
                         ids=[f"{a}-{p}" for a, p in ROLE_CASES])
def test_role_action_matrix(action: str, actor_name: str) -> None:
    actor = ROLE_ACTORS[actor_name]
    if actor_name in ROLE_ALLOWED[action]:
        permissions.check_role_action(action, actor)
        assert permissions.allows_role_action(action, actor)
    else:
        with pytest.raises(DomainError) as info:
            permissions.check_role_action(action, actor)
        message = translate(info.value.text)
        assert message and "{" not in message
        assert not permissions.allows_role_action(action, actor)


@pytest.mark.parametrize("status", [Status.OPEN, Status.IN_PROGRESS, Status.WAITING])
def test_queue_is_read_only_for_others_claimed_requests(status: Status) -> None:
    req = request_in(status)
    assert not permissions.queue_read_only(SUPERVISOR, req)
    assert permissions.queue_read_only(OTHER_ASSISTANT, req) is (status is not Status.OPEN)
    assert not permissions.queue_read_only(HOLDER, req)


def test_reassign_refusals_name_the_problem() -> None:
    req = request_in(Status.IN_PROGRESS)
    with pytest.raises(DomainError) as info:
        req.reassign(OTHER_ASSISTANT, OTHER_ASSISTANT, AT)
    assert translate(info.value.text) == "Only supervisors can reassign HD-2026-000007."
    with pytest.raises(DomainError) as info:
        req.reassign(SUPERVISOR, HOLDER, AT)
    assert translate(info.value.text) == "Bogdan already holds HD-2026-000007."
    with pytest.raises(DomainError) as info:
        req.reassign(SUPERVISOR, OTHER_INITIATOR, AT)
    assert translate(info.value.text) == "Maria is not an assistant."
    with pytest.raises(DomainError) as info:
        req.reassign(SUPERVISOR, INACTIVE, AT)
    assert translate(info.value.text) == "Old is not an assistant."
def test_staff_see_all_lets_assistants_view_but_not_act() -> None:
    from core import permissions

    claimed = request_in(Status.IN_PROGRESS)
    closed = request_in(Status.CLOSED)
    assert permissions.policy.staff_see_all  # the default (STAFF_SEE_ALL on)
    assert permissions.can_see(OTHER_ASSISTANT, claimed)
    assert permissions.can_see(OTHER_ASSISTANT, closed)
    assert not permissions.can_see(OTHER_INITIATOR, claimed)
    assert not permissions.allows(Act.FINISH, OTHER_ASSISTANT, claimed)
    assert not permissions.can_work_on(OTHER_ASSISTANT, claimed)  # /my shows only their own
    permissions.configure(staff_see_all=False)
    try:
        assert not permissions.can_see(OTHER_ASSISTANT, claimed)
        assert not permissions.can_see(OTHER_ASSISTANT, closed)
        assert permissions.can_see(HOLDER, claimed)
    finally:
        permissions.configure(staff_see_all=True)


# -- knowledge base (issue 18): who may read which article -----------------------------------
@pytest.mark.parametrize("actor_name", list(ACTORS))
@pytest.mark.parametrize("visibility", ["public", "staff"])
@pytest.mark.parametrize("active", [True, False])
def test_who_reads_which_article(actor_name: str, visibility: str, active: bool) -> None:
    actor = copy.copy(ACTORS[actor_name])
    actor.active = active
    expected = active and (visibility == "public" or actor.role.is_staff)
    assert permissions.can_read_article(actor, visibility) is expected
