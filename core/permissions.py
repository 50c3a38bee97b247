"""Who may do what (SPEC §1, §3). The only place where permissions are decided.

``check`` raises ``Refused`` with a message for the person; it never changes anything.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from core.errors import NotFound, Refused
from core.i18n import N_, Text
from core.kinds import STATUS_LABELS, Act, Resolution, Role, Status

if TYPE_CHECKING:
    from core.model import Person, Request, RequestType


# Actions only the person who placed the request may do, and those only staff may do.
OWNER_ACTS = {"cancel", "confirm", "dispute", "ask_release", "reopen", "rate"}
STAFF_ACTS = {"claim", "release", "finish", "correct_time", "wait", "resume", "priority",
              "staff_reopen", "merge", "split"}
# Actions only the assignee (or a supervisor) may do.
HOLDER_ACTS = {"release", "finish", "wait", "resume", "staff_reopen", "merge", "split"}


class Policy:
    """Settings that change who sees what (set once at start from the settings)."""

    # STAFF_SEE_ALL (seed 004, default on): every assistant may view any request's card and
    # history; acting on it still follows ``check`` (someone else's claim stays theirs).
    staff_see_all: bool = True


policy = Policy()


def configure(*, staff_see_all: bool) -> None:
    """Apply the settings that decide visibility (``STAFF_SEE_ALL``)."""
    policy.staff_see_all = staff_see_all

ROLE_REFUSALS = {
    "claim": N_("Only assistants can claim requests."),
    "release": N_("Only the assistant holding {ref} can release it."),
    "finish": N_("Only the assistant holding {ref} can finish it."),
    "correct_time": N_("Only the assistant who resolved {ref} can correct its time."),
    "cancel": N_("Only the person who placed {ref} can cancel it."),
    "confirm": N_("Only the person who placed {ref} can confirm it."),
    "dispute": N_("Only the person who placed {ref} can dispute it."),
    "ask_release": N_("Only the person who placed {ref} can ask for its release."),
    "wait": N_("Only the assistant holding {ref} can put it on hold."),
    "resume": N_("Only the assistant holding {ref} can resume it."),
    "reopen": N_("Only the person who placed {ref} can reopen it."),
    "rate": N_("Only the person who placed {ref} can rate it."),
    "priority": N_("Only assistants can change the priority of {ref}."),
    "reassign": N_("Only supervisors can reassign {ref}."),
    "staff_reopen": N_("Only the assistant who resolved {ref} can reopen it."),
    "merge": N_("Only the assistant holding {ref} can merge it."),
    "split": N_("Only the assistant holding {ref} can split it."),
}

# From which statuses each action is allowed.
ALLOWED_FROM: dict[str, set[str]] = {
    "claim": {"open"},
    "release": {"in_progress", "waiting"},
    "cancel": {"open"},
    "finish": {"open", "in_progress", "waiting"},
    "correct_time": {"resolved", "in_progress"},
    "confirm": {"resolved"},
    "dispute": {"resolved"},
    "comment": {"open", "in_progress", "waiting", "resolved"},
    "ask_release": {"in_progress", "waiting"},
    "wait": {"in_progress"},
    "resume": {"waiting"},
    "reopen": {"resolved"},
    "rate": {"resolved", "closed"},
    "priority": {"open", "in_progress", "waiting"},
    "reassign": {"open", "in_progress", "waiting"},
    "staff_reopen": {"resolved"},
    "merge": {"open", "in_progress", "waiting"},
    "split": {"open", "in_progress", "waiting"},
}
# Actions only supervisors may do on a request.
SUPERVISOR_ACTS = {"reassign"}

# Actions that are not about one request (chat commands, the admin CLI): who may do them.
# "queue": every live request (staff; assistants read-only for others' claimed requests).
ROLE_ACTIONS: dict[str, frozenset[Role]] = {
    "queue": frozenset({Role.ASSISTANT, Role.SUPERVISOR}),
    "stats": frozenset({Role.SUPERVISOR}),
    "report": frozenset({Role.SUPERVISOR}),
    "organization_requests": frozenset({Role.SUPERVISOR}),
    "link": frozenset({Role.INITIATOR, Role.ASSISTANT, Role.SUPERVISOR}),
    # issue 18: a troubleshooting script's notes for the assistant (intake, card)
    "script_notes": frozenset({Role.ASSISTANT, Role.SUPERVISOR}),
    "agenda": frozenset({Role.ASSISTANT, Role.SUPERVISOR}),  # /agenda: one's own visits
    "agenda_others": frozenset({Role.SUPERVISOR}),  # /agenda NAME: an assistant's visits
}
ROLE_ACTION_REFUSALS = {
    "queue": N_("Only assistants and supervisors can see the queue."),
    "stats": N_("Only supervisors can see the statistics."),
    "report": N_("Only supervisors can get reports."),
    "organization_requests": N_("Only supervisors can see an organization's requests."),
    "link": N_("Your access to this helpdesk has been turned off."),
    "script_notes": N_("Only assistants and supervisors can read the notes for assistants."),
    "agenda": N_("Only assistants and supervisors have an agenda."),
    "agenda_others": N_("Only supervisors can see another assistant's agenda."),
}


def can_see(person: Person, req: Request) -> bool:
    """Initiators see their own; with ``STAFF_SEE_ALL`` (default) staff see every request,
    otherwise assistants see the open ones meant for them and those they hold."""
    if person.role is Role.SUPERVISOR or req.initiator_id == person.id:
        return True
    if person.role is Role.INITIATOR:
        return False
    if policy.staff_see_all:
        return True
    return can_work_on(person, req)


def can_work_on(person: Person, req: Request) -> bool:
    """An assistant's own work: the open requests meant for them and those they hold
    (what ``/my`` lists, whatever ``STAFF_SEE_ALL`` says)."""
    if person.role is Role.SUPERVISOR or req.initiator_id == person.id:
        return True
    if person.role is Role.INITIATOR:
        return False
    if req.assignee_id == person.id:
        return not req.status.is_final
    return req.status is Status.OPEN and meant_for(person, req)


def meant_for(person: Person, req: Request) -> bool:
    """Targeted at them, or untargeted and routed to them (or to every assistant)."""
    if req.target_id is not None:
        return req.target_id == person.id
    return not req.pool or person.id in req.pool


def sees_internal(person: Person) -> bool:
    """Internal notes and the staff's own events: assistants and supervisors only."""
    return person.role.is_staff


def check_feedback_window(req: Request, at: datetime) -> None:
    """Reopening is possible only inside the feedback window (SPEC §3)."""
    if not req.in_feedback_window(at):
        raise Refused(N_("The time to reopen {ref} has ended; please place a new request."),
                      ref=req.reference)


def check_place(
    actor: Person, initiator: Person, rtype: RequestType, target: Person | None
) -> None:
    if not rtype.active:
        raise Refused(N_("The type “{type}” is no longer offered."), type=rtype.name)
    if rtype.internal and not actor.role.is_staff:
        raise Refused(N_("The type “{type}” is for staff only."), type=rtype.name)
    if actor.id != initiator.id and not actor.role.is_staff:
        raise Refused(N_("Only staff can place a request on behalf of someone else."))
    if target is not None and (target.role is Role.INITIATOR or not target.active):
        raise Refused(N_("{name} is not an assistant."), name=target.name)
    if target is not None and rtype.assistant_ids and target.id not in rtype.assistant_ids \
            and target.role is not Role.SUPERVISOR:
        raise Refused(N_("{name} does not handle “{type}” requests."), name=target.name,
                      type=rtype.name)


def allows_place(actor: Person, rtype: RequestType) -> bool:
    """Whether ``actor`` may place a request of ``rtype`` for themselves now."""
    try:
        check_place(actor, actor, rtype, None)
    except Refused:
        return False
    return True


def check_internal_note(actor: Person) -> None:
    """Internal notes are for assistants and supervisors; initiators never see them."""
    if not actor.role.is_staff:
        raise Refused(N_("Only assistants can write internal notes."))


def check_role_action(action: str, actor: Person) -> None:
    """Raise ``Refused`` unless ``actor`` may do ``action`` (see ``ROLE_ACTIONS``)."""
    if not actor.active:
        raise Refused(N_("Your access to this helpdesk has been turned off."))
    if actor.role not in ROLE_ACTIONS[action]:
        raise Refused(ROLE_ACTION_REFUSALS[action])


def allows_role_action(action: str, actor: Person) -> bool:
    try:
        check_role_action(action, actor)
    except Refused:
        return False
    return True


def queue_read_only(person: Person, req: Request) -> bool:
    """In ``/queue`` an assistant sees every live request but only opens (and acts on)
    the ones they may work on; someone else's claimed request is a line without a button
    (whatever ``STAFF_SEE_ALL`` lets them view from elsewhere)."""
    return not can_work_on(person, req)


def check_reassign_target(req: Request, to: Person) -> None:
    """Only to an active assistant or supervisor who does not hold it already."""
    if not to.active or not to.role.is_staff:
        raise Refused(N_("{name} is not an assistant."), name=to.name)
    if req.assignee_id == to.id:
        raise Refused(N_("{name} already holds {ref}."), name=to.name, ref=req.reference)
    if req.initiator_id == to.id:
        raise Refused(N_("{name} placed {ref}, so cannot work on it."), name=to.name,
                      ref=req.reference)


def check(act: Act | str, actor: Person, req: Request) -> None:
    """Raise ``Refused`` (or ``NotFound``) unless ``actor`` may do ``act`` on ``req`` now."""
    act = str(act)
    ref = req.reference
    status_label = Text(STATUS_LABELS[req.status])
    is_owner = req.initiator_id == actor.id

    if not actor.role.is_staff and not is_owner:
        raise NotFound(N_("You don't have access to {ref}."), ref=ref)
    if act in OWNER_ACTS and not is_owner:
        raise Refused(ROLE_REFUSALS[act], ref=ref)
    if act in STAFF_ACTS and not actor.role.is_staff:
        raise Refused(ROLE_REFUSALS[act], ref=ref)
    if act in SUPERVISOR_ACTS and actor.role is not Role.SUPERVISOR:
        raise Refused(ROLE_REFUSALS[act], ref=ref)
    if actor.role is Role.ASSISTANT and not is_owner:
        _check_assistant_access(act, actor, req, status_label)
    if act in HOLDER_ACTS and actor.role is not Role.SUPERVISOR:
        if req.assignee_id is not None and req.assignee_id != actor.id:
            raise Refused(ROLE_REFUSALS[act], ref=ref)

    if req.status.value not in ALLOWED_FROM[act]:
        raise _status_refusal(act, actor, req, status_label)
    if act == "correct_time" and not req.was_resolved:
        raise Refused(N_("{ref} has no logged time yet; use Finish."), ref=ref)
    if act == "rate" and (req.resolved_by_id is None or req.resolution_method is Resolution.SPAM):
        raise Refused(N_("{ref} was not resolved by an assistant, so there is nobody to rate."),
                      ref=ref)


def allows(act: Act | str, actor: Person, req: Request) -> bool:
    """Whether ``check`` would let ``actor`` do ``act`` now (to decide which buttons show)."""
    try:
        check(act, actor, req)
    except (Refused, NotFound):
        return False
    return True


def _check_assistant_access(act: str, actor: Person, req: Request, status_label: Text) -> None:
    """An assistant works on the open requests meant for them and on those they hold."""
    ref = req.reference
    if req.status.is_final:
        raise Refused(
            N_("{ref} is {status}; assistants no longer have access to it."),
            ref=ref, status=status_label,
        )
    if req.assignee_id is not None and req.assignee_id != actor.id:
        raise Refused(
            N_("Already claimed by {name}."), code="taken", ref=ref, name=req.assignee_name or "?"
        )
    if req.assignee_id is None and not meant_for(actor, req):
        raise NotFound(N_("{ref} is meant for another assistant."), ref=ref)
    if act == "correct_time" and req.resolved_by_id not in (None, actor.id):
        raise Refused(ROLE_REFUSALS[act], ref=ref)


def _status_refusal(act: str, actor: Person, req: Request, status_label: Text) -> Refused:
    ref, holder = req.reference, req.assignee_name or "?"
    if act == "claim" and req.assignee_id == actor.id and not req.status.is_final:
        return Refused(N_("You already hold {ref}."), ref=ref)
    if act == "claim" and req.assignee_id is not None and not req.status.is_final:
        return Refused(N_("Already claimed by {name}."), code="taken", ref=ref, name=holder)
    if act == "cancel" and req.status in (Status.IN_PROGRESS, Status.WAITING):
        return Refused(
            N_("{ref} is already claimed by {name}, so it can't be cancelled now."),
            code="claimed", ref=ref, name=holder,
        )
    return Refused(
        N_("{ref} is {status}: that can't be done now."), ref=ref, status=status_label
    )


def can_see_internal(person: Person, req: Request) -> bool:
    """Internal notes (and other staff-only lines of a history) are for assistants and
    supervisors, and never for the request's initiator — even when that is a member of staff
    who placed it for themselves (internal notes are never sent to the initiator either)."""
    return person.role.is_staff and req.initiator_id != person.id


# -- on-site visits (issue 18, core.visits) ----------------------------------------------------
# "propose", "move", "cancel", "done": the assistant holding the request (the technician);
# "answer" (accept, or ask for another time): the other side of the proposal — the person
# who asked (or, on a request staff placed for a client, staff for the client) when the
# technician proposed; the technician when the client's side proposed.
VISIT_ACTS = ("propose", "answer", "move", "cancel", "done")
VISIT_REFUSALS = {
    "holder": N_("Only the assistant holding {ref} can plan its visit."),
    "client": N_("Only the person who asked for {ref} can answer this proposal."),
    "technician": N_("Only the assistant holding {ref} can answer this proposal."),
    "status": N_("{ref} is {status}: that can't be done now."),
    "no_visit": N_("There is no visit to change on {ref}."),
    "planned": N_("A visit is already planned for {ref}; move it instead."),
    "not_on_site": N_("Requests of this type have no visits on site."),
}
VISIT_STATUSES = {"propose": {"none", "proposed"}, "answer": {"proposed"},
                  "move": {"planned"}, "cancel": {"proposed", "planned"}, "done": {"planned"}}


def placed_for_client(req: Request) -> bool:
    """Placed by staff on behalf of someone (a client who phoned or e-mailed)."""
    placer = next((ev.actor_id for ev in req.events if ev.action == "place"), req.initiator_id)
    return placer is not None and placer != req.initiator_id


def check_visit(act: str, actor: Person, req: Request, visit_status: str,
                proposed_by_technician: bool = True, on_site: bool = True) -> None:
    """Raise ``Refused`` (or ``NotFound``) unless ``actor`` may do the visit ``act`` on
    ``req`` whose live visit is in ``visit_status`` (``none``, ``proposed``, ``planned``,
    ``done``, ``cancelled``); see ``VISIT_ACTS``."""
    ref = req.reference
    is_owner = req.initiator_id == actor.id
    if not actor.active:
        raise Refused(N_("Your access to this helpdesk has been turned off."))
    if not actor.role.is_staff and not is_owner:
        raise NotFound(N_("You don't have access to {ref}."), ref=ref)
    if not on_site:
        raise Refused(VISIT_REFUSALS["not_on_site"])
    holder = req.assignee_id == actor.id
    if act == "answer":
        if proposed_by_technician:
            if not (is_owner or (actor.role.is_staff and placed_for_client(req))):
                raise Refused(VISIT_REFUSALS["client"], ref=ref)
        elif not holder:
            raise Refused(VISIT_REFUSALS["technician"], ref=ref)
    elif not holder:
        raise Refused(VISIT_REFUSALS["holder"], ref=ref)
    if req.status not in (Status.IN_PROGRESS, Status.WAITING):
        raise Refused(VISIT_REFUSALS["status"], ref=ref, status=Text(STATUS_LABELS[req.status]))
    if visit_status not in VISIT_STATUSES[act]:
        if act == "propose":
            raise Refused(VISIT_REFUSALS["planned"], ref=ref)
        raise Refused(VISIT_REFUSALS["no_visit"], ref=ref)


def allows_visit(act: str, actor: Person, req: Request, visit_status: str,
                 proposed_by_technician: bool = True, on_site: bool = True) -> bool:
    """Whether ``check_visit`` lets ``actor`` do ``act`` now (which buttons show)."""
    try:
        check_visit(act, actor, req, visit_status, proposed_by_technician, on_site)
    except (Refused, NotFound):
        return False
    return True
# -- knowledge base (issue 18) ----------------------------------------------------------------
def can_read_article(person: Person, visibility: str) -> bool:
    """Staff read every article; initiators only public ones; a deactivated person none."""
    return person.active and (person.role.is_staff or visibility == "public")
