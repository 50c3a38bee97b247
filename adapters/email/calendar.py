"""Calendar invitations as ``.ics`` files (RFC 5545 / iTIP RFC 5546) with the icalendar package.

A visit's invitation names the reader's time zone (``TZID`` with its ``VTIMEZONE``), so the
mail program shows the time the person was told in chat. Updates keep the ``UID`` and raise
``SEQUENCE``; a cancellation is ``METHOD:CANCEL`` with ``STATUS:CANCELLED``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from zoneinfo import ZoneInfo

import icalendar

from core.messages import Invitation

PRODID = "-//helpdesk-bot//visits//EN"


def ics(invitation: Invitation, organizer: str, attendee: str, now: datetime) -> bytes:
    """The invitation as an iCalendar file for ``attendee`` from ``organizer``
    (e-mail addresses; ``organizer`` may be "Name <address>")."""
    zone = ZoneInfo(invitation.timezone or "UTC")
    start = invitation.start.astimezone(zone)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", invitation.method)
    event = icalendar.Event()
    event.add("uid", invitation.uid)
    event.add("sequence", invitation.sequence)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=invitation.minutes))
    event.add("summary", invitation.summary)
    if invitation.description:
        event.add("description", invitation.description)
    name, address = parseaddr(organizer)
    organizer_value = icalendar.vCalAddress(f"mailto:{address or organizer}")
    if name:
        organizer_value.params["cn"] = icalendar.vText(name)
    event.add("organizer", organizer_value)
    attendee_value = icalendar.vCalAddress(f"mailto:{attendee}")
    attendee_value.params["role"] = icalendar.vText("REQ-PARTICIPANT")
    event.add("attendee", attendee_value)
    cancelled = invitation.method == "CANCEL"
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
