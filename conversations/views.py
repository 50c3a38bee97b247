"""How requests and notifications read, in the reader's language (call inside use_language)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from core.actions import Action, ActionCodec
from core.attachment_ports import format_size
from core.durations import format_duration
from core.i18n import Text, _, format_datetime, translate
from core.kinds import RESOLUTION_LABELS, STATUS_LABELS, WAIT_LABELS, Resolution, Status, WaitReason
from core.messages import Attachment, Button, Reply
from core.notifications import Notification
from core.sla import priority_label

REFERENCE_PREFIX = "HD-"  # every request reference starts with it: HD-2026-000042


def stale() -> Reply:
    """The answer to a button that no longer applies (a toast where the channel has them)."""
    message = _("This button is no longer valid.")
    return Reply(message, toast=message)


def status_label(status: Status) -> str:
    return translate(Text(STATUS_LABELS[status]))


def button(codec: ActionCodec, label: str, name: str, request_id: int = 0, arg: str = "") -> Button:
    return Button(label, codec.pack(Action(name, request_id, 0, arg)))


def claim_buttons(codec: ActionCodec, request_id: int) -> tuple[Button, ...]:
    return (button(codec, _("Claim"), "claim", request_id),)


def work_buttons(codec: ActionCodec, request_id: int) -> tuple[Button, ...]:
    """The assignee's buttons after claiming (Finish = resolved as solved)."""
    return (
        button(codec, _("Finish"), "finish", request_id),
        button(codec, _("Release"), "release", request_id),
    )


def more_work_buttons(codec: ActionCodec, request_id: int) -> tuple[Button, ...]:
    """Finish and Release, then Wait and Resolve as… (the card and workflow notices)."""
    return work_buttons(codec, request_id) + (
        button(codec, _("Wait"), "wait", request_id),
        button(codec, _("Resolve as…"), "resolveas", request_id),
    )


def waiting_buttons(codec: ActionCodec, request_id: int) -> tuple[Button, ...]:
    """The assignee's buttons on a waiting request."""
    return (
        button(codec, _("Resume"), "resume", request_id),
        button(codec, _("Finish"), "finish", request_id),
        button(codec, _("Release"), "release", request_id),
        button(codec, _("Resolve as…"), "resolveas", request_id),
    )


def rating_buttons(codec: ActionCodec, request_id: int) -> tuple[Button, ...]:
    return tuple(button(codec, str(n), "rate", request_id, str(n)) for n in range(1, 6))


def wait_label(reason: str | WaitReason | None) -> str:
    if reason is None:
        return ""
    try:
        return translate(Text(WAIT_LABELS[WaitReason(reason)]))
    except (ValueError, KeyError):
        return ""


def resolution_label(method: str | Resolution | None) -> str:
    if method is None:
        return ""
    try:
        return translate(Text(RESOLUTION_LABELS[Resolution(method)]))
    except (ValueError, KeyError):
        return ""


def moment(value: object, timezone: str | None) -> str:
    """An ISO date and time from a notification, in the reader's time zone."""
    try:
        return format_datetime(datetime.fromisoformat(str(value)), timezone)
    except ValueError:
        return str(value)


def left_text(minutes: int) -> str:
    """"2 h 30 min left", or "overdue by 10 min"."""
    if minutes > 0:
        return _("{time} left", time=format_duration(minutes))
    if minutes == 0:
        return _("due now")
    return _("overdue by {time}", time=format_duration(-minutes))


def confirm_buttons(codec: ActionCodec, request_id: int, minutes: int) -> tuple[Button, ...]:
    return (
        button(codec, _("Confirm"), "confirm", request_id, str(minutes)),
        button(codec, _("Dispute"), "dispute", request_id),
    )


def render_notification(codec: ActionCodec, n: Notification,
                        timezone: str | None = None) -> Reply:
    """The message a notification becomes for its recipient (dates in ``timezone``); the
    request's subject rides along as the reply's ``topic`` (e-mail subjects)."""
    reply = _render(codec, n, timezone)
    subject = n.data.get("subject")
    if subject and reply.topic is None:
        reply = replace(reply, topic=str(subject))
    return reply


def _render(codec: ActionCodec, n: Notification, timezone: str | None) -> Reply:
    d: dict[str, Any] = dict(n.data)
    if "minutes" in d:
        d["time"] = format_duration(int(d["minutes"]))
    if "before" in d:
        d["before"] = format_duration(int(d["before"]))
    rid = n.request_id
    match n.kind:
        case "new_request":
            if d.get("subject"):  # the subject on the first line (e-mail subject, triage post)
                text = _("New request {ref} ({type}) from {initiator}: {subject}", **d)
                if d["description"] != d["subject"]:
                    text += "\n" + str(d["description"])
            else:
                text = _("New request {ref} ({type}) from {initiator}:\n{description}", **d)
            if d.get("priority"):
                text += "\n" + _("Priority: {priority}", priority=priority_label(d["priority"]))
            return Reply(text, claim_buttons(codec, rid))
        case "placed_for_you":
            # Short (an SMS segment or two): the client knows what they phoned about.
            return Reply(_("{by} registered your request {ref} ({type}). You will be told "
                           "when someone takes it.", **d))
        case "client_unreachable":
            return Reply(_("{client} cannot be reached: they have no account on a channel "
                           "this helpdesk runs, so they were not told about {ref} ({type}). "
                           "Please let them know yourself.", **d))
        case "priority_changed":
            return Reply(_("{by} changed the priority of {ref} ({type}) to {priority}.",
                           **{**d, "priority": priority_label(d.get("priority"))}))
        case "offer_taken":
            return Reply(_("{ref} ({type}) was claimed by {assignee}.", **d))
        case "offer_cancelled":
            return Reply(_("{ref} ({type}) was cancelled by {actor}.", **d))
        case "claimed":
            return Reply(_("{assignee} has taken your request {ref} and will contact you.", **d))
        case "released":
            return Reply(_("{ref} is back in the queue; another assistant will take it.", **d))
        case "resolved":
            text = _("{ref} was resolved by {assignee}.\nTime logged: {time}\nNote: {note}\n"
                     "Please confirm the time, or dispute it.", **d)
            if d.get("method"):
                text += "\n" + _("Resolution: {method}", method=resolution_label(d["method"]))
            return Reply(text, confirm_buttons(codec, rid, int(d["minutes"])))
        case "time_corrected":
            return Reply(
                _("{assignee} corrected the time logged on {ref}: {before} → {time}.\n"
                  "Please confirm again, or dispute it.", **d),
                confirm_buttons(codec, rid, int(d["minutes"])),
            )
        case "confirmed":
            return Reply(_("{initiator} confirmed {ref} ({time}). It is closed.", **d))
        case "disputed":
            return Reply(
                _("{initiator} disputes {ref}: “{reason}”\nTime logged: {time}.", **d),
                (
                    button(codec, _("Correct time"), "correct", rid),
                    button(codec, _("Finish"), "finish", rid),
                ),
            )
        case "release_asked":
            return Reply(
                _("{initiator} would like to cancel {ref} and asks you to release it.", **d),
                (button(codec, _("Release"), "release", rid),),
            )
        case "comment":
            return Reply(_("{author} on {ref}: {body}", **d))
        case "internal_note":
            return Reply(_("Internal note from {author} on {ref}: {body}", **d))
        case "attachment":
            return attachment_reply(d)
        case "question":  # always sent (001): a question addressed to the initiator
            return Reply(_("{assignee} has a question about {ref}:\n{question}\n"
                           "Just reply here with your answer.", **d),
                         (button(codec, _("Answer"), "comment", rid),))
        case "waiting":
            if d.get("until"):
                return Reply(_("{ref} is on hold until {until}.", ref=d["ref"],
                               until=moment(d["until"], timezone)))
            return Reply(_("{ref} is waiting for a third party; {assignee} will come back "
                           "to you.", **d))
        case "resumed":
            return Reply(_("{ref} is in progress again.", **d))
        case "replied":
            return Reply(_("{author} answered on {ref}: {body}\nIt is in progress again.", **d),
                         more_work_buttons(codec, rid))
        case "wait_over":
            return Reply(_("{ref} was on hold until {until}; it is back in progress.",
                           ref=d["ref"], until=moment(d.get("until"), timezone)),
                         more_work_buttons(codec, rid))
        case "reopened":
            return Reply(_("{initiator} reopened {ref}: {body}", **d),
                         more_work_buttons(codec, rid))
        case "merged":
            return Reply(_("{ref} was merged into {target}: please follow {target} from now "
                           "on.", **d))
        case "requeued":
            return Reply(_("{ref}: no answer from the customer within {days} days; it is back "
                           "in the queue.", **d))
        case "staff_reopened":
            return Reply(_("{actor} reopened {ref}; it is in progress again: {reason}", **d))
        case "closed_no_response":
            return Reply(_("{ref} was closed: no answer from the customer within {days} days.",
                           **d))
        case "auto_closed":
            return Reply(_("{ref} is closed: the time to confirm or reopen it has ended.", **d),
                         rating_buttons(codec, rid) if d.get("rate") else ())
        case "rated":
            if d.get("comment"):
                return Reply(_("{initiator} rated {ref}: {stars}/5 — “{comment}”", **d))
            return Reply(_("{initiator} rated {ref}: {stars}/5", **d))
        case "sla_warning":
            if d.get("clock") == "claim":
                return Reply(_("SLA: {ref} ({type}) must be claimed soon — {left}.",
                               ref=d["ref"], type=d["type"], left=left_text(int(d["left"]))),
                             claim_buttons(codec, rid))
            return Reply(_("SLA: {ref} ({type}) must be resolved soon — {left}.",
                           ref=d["ref"], type=d["type"], left=left_text(int(d["left"]))))
        case "sla_breach":
            limit = format_duration(int(d.get("limit") or 0))
            if d.get("clock") == "claim":
                return Reply(_("SLA breached: {ref} ({type}) was not claimed within {limit}.",
                               ref=d["ref"], type=d["type"], limit=limit))
            return Reply(_("SLA breached: {ref} ({type}) was not resolved within {limit} "
                           "(assistant: {name}).", ref=d["ref"], type=d["type"], limit=limit,
                           name=d.get("assignee") or "—"))
        case "reassigned_to":
            return Reply(_("{by} gave you {ref} ({type}):\n{description}", **d),
                         more_work_buttons(codec, rid))
        case "reassigned_away":
            return Reply(_("{by} gave {ref} ({type}) to {assignee}; you no longer hold it.",
                           **d))
        case "reassigned":
            return Reply(_("{assignee} is now handling your request {ref}.", **d))
        case "dispute_escalated":
            return Reply(_("{initiator} disputes the time logged on {ref} ({time}, assistant "
                           "{assignee}): “{reason}”", **d))
        case "dispute_reminder":
            return Reply(_("The dispute on {ref} (assistant {assignee}) is not settled after 2 "
                           "working days.", **d))
        case kind if kind.startswith("visit_"):  # on-site visits (issue 18)
            from conversations import visits

            return visits.render(codec, n, timezone)
        case "sms_failed":  # SMS channel: a text could not be delivered (to supervisors)
            return Reply(_("A text message to {name} ({phone}) could not be delivered "
                           "(error {code}): {text}", **d))
    return Reply(_("{ref} was updated.", **d))


def attachment_reply(d: dict[str, Any]) -> Reply:
    """The "attachment" notification: who sent which file on which request, with the file."""
    text = _("{author} on {ref} sent a file: {name} ({size})", author=d["author"], ref=d["ref"],
             name=d["name"], size=format_size(int(d["size"])))
    if d.get("caption"):
        text += "\n" + str(d["caption"])
    attachment = Attachment(str(d["name"]), str(d.get("mime") or "application/octet-stream"),
                            int(d["size"]), key=str(d["key"]),
                            id=int(d["attachment_id"]) if d.get("attachment_id") else None)
    return Reply(text, attachments=(attachment,))


def help_text(is_staff: bool, is_supervisor: bool = False) -> str:
    lines = [
        _("/new – place a new request"),
        _("/my – your queue") if is_staff else _("/my – your requests and their status"),
        _("/history HD-… – everything that happened on a request"),
        _("/cancel – stop what you are doing (nothing is placed)"),
        _("/language – choose your language"),
        _("/notices – notices about status changes (on or off)"),
        _("/kb words – search the knowledge base"),
        *([_("/note HD-… text – an internal note (staff only)")] if is_staff else []),
        *([_("/queue – every live request, overdue first")] if is_staff else []),
        *([_("/reassign HD-… NAME – give a request to another assistant"),
           _("/stats – today and this week at a glance"),
           _("/report – confirmed hours this month, as a file")] if is_supervisor else []),
        _("/link – join your account on another chat app to this one"),
        *([_("/drafts – your saved drafts (staff only)")] if is_staff else []),
        *([_("/agenda – your visits on site (today, this week)")] if is_staff else []),
        *([_("/agenda NAME – an assistant's visits; /agenda all – everyone's")]
          if is_supervisor else []),
        _("/help – this help"),
    ]
    return "\n".join(lines)
