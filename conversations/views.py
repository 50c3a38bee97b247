"""How requests and notifications read, in the reader's language (call inside use_language)."""

from __future__ import annotations

from typing import Any

from core.actions import Action, ActionCodec
from core.attachment_ports import format_size
from core.durations import format_duration
from core.i18n import Text, _, translate
from core.kinds import STATUS_LABELS, Status
from core.messages import Attachment, Button, Reply
from core.notifications import Notification


def status_label(status: Status) -> str:
    return translate(Text(STATUS_LABELS[status]))


def button(codec: ActionCodec, label: str, name: str, request_id: int = 0, arg: str = "") -> Button:
    return Button(label, codec.pack(Action(name, request_id, 0, arg)))


def claim_buttons(codec: ActionCodec, request_id: int) -> tuple[Button, ...]:
    return (button(codec, _("Claim"), "claim", request_id),)


def work_buttons(codec: ActionCodec, request_id: int) -> tuple[Button, ...]:
    return (
        button(codec, _("Finish"), "finish", request_id),
        button(codec, _("Release"), "release", request_id),
    )


def confirm_buttons(codec: ActionCodec, request_id: int, minutes: int) -> tuple[Button, ...]:
    return (
        button(codec, _("Confirm"), "confirm", request_id, str(minutes)),
        button(codec, _("Dispute"), "dispute", request_id),
    )


def render_notification(codec: ActionCodec, n: Notification) -> Reply:
    """The message a notification becomes for its recipient."""
    d: dict[str, Any] = dict(n.data)
    if "minutes" in d:
        d["time"] = format_duration(int(d["minutes"]))
    if "before" in d:
        d["before"] = format_duration(int(d["before"]))
    rid = n.request_id
    match n.kind:
        case "new_request":
            return Reply(
                _("New request {ref} ({type}) from {initiator}:\n{description}", **d),
                claim_buttons(codec, rid),
            )
        case "offer_taken":
            return Reply(_("{ref} ({type}) was claimed by {assignee}.", **d))
        case "offer_cancelled":
            return Reply(_("{ref} ({type}) was cancelled by {actor}.", **d))
        case "claimed":
            return Reply(_("{assignee} has taken your request {ref} and will contact you.", **d))
        case "released":
            return Reply(_("{ref} is back in the queue; another assistant will take it.", **d))
        case "resolved":
            return Reply(
                _("{ref} was resolved by {assignee}.\nTime logged: {time}\nNote: {note}\n"
                  "Please confirm the time, or dispute it.", **d),
                confirm_buttons(codec, rid, int(d["minutes"])),
            )
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


def help_text(is_staff: bool) -> str:
    lines = [
        _("/new – place a new request"),
        _("/my – your queue") if is_staff else _("/my – your requests and their status"),
        _("/history HD-… – everything that happened on a request"),
        _("/cancel – stop what you are doing (nothing is placed)"),
        _("/language – choose your language"),
        _("/notices – notices about status changes (on or off)"),
        *([_("/note HD-… text – an internal note (staff only)")] if is_staff else []),
        _("/help – this help"),
    ]
    return "\n".join(lines)
