"""Incoming e-mails for tests, shaped as mail programs and mail servers write them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime


def new_id() -> str:
    return f"<{uuid.uuid4().hex}@client.example.com>"


def mail(sender: str, subject: str, body: str, *, message_id: str | None = None,
         in_reply_to: str | None = None, headers: dict[str, str] | None = None,
         files: tuple[tuple[str, str, bytes], ...] = (), to: str = "help@hd.example.com"
         ) -> bytes:
    m = EmailMessage()
    m["From"] = sender
    m["To"] = to
    m["Subject"] = subject
    m["Date"] = format_datetime(datetime(2026, 11, 29, 10, 0, tzinfo=UTC))
    m["Message-ID"] = message_id or new_id()
    if in_reply_to:
        m["In-Reply-To"] = in_reply_to
        m["References"] = in_reply_to
    m.set_content(body)
    for name, mime, data in files:
        maintype, subtype = mime.split("/")
        m.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    for name, value in (headers or {}).items():  # after the body: it drops Content-* headers
        m[name] = value
    return bytes(m)


def bounce(failed: str, original_subject: str = "HD-2026-000001 was claimed") -> bytes:
    """A delivery status notification (RFC 3464) as Postfix sends it."""
    boundary = "dsn-boundary-42"
    return (
        f"From: MAILER-DAEMON@mx.example.com (Mail Delivery System)\r\n"
        f"To: help@hd.example.com\r\n"
        f"Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: {new_id()}\r\n"
        f"Auto-Submitted: auto-replied\r\n"
        f"MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"\r\n'
        f"\r\n--{boundary}\r\nContent-Type: text/plain\r\n\r\n"
        f"I'm sorry to have to inform you that your message could not be delivered.\r\n"
        f"\r\n--{boundary}\r\nContent-Type: message/delivery-status\r\n\r\n"
        f"Reporting-MTA: dns; mx.example.com\r\n\r\n"
        f"Final-Recipient: rfc822; {failed}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        f"Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
        f"\r\n--{boundary}\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: help@hd.example.com\r\nTo: {failed}\r\nSubject: {original_subject}\r\n"
        f"\r\n--{boundary}--\r\n"
    ).encode()
