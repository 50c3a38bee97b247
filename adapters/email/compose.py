"""A ``Reply`` as an e-mail: plain text and simple HTML, buttons as signed links.

Buttons that have a link page (Claim, Confirm / Dispute) become links; any other button is
listed as numbered text. Every e-mail ends with the unsubscribe link (status-change notices
only: questions and resolutions still come), also given in ``List-Unsubscribe`` so mail
programs offer it (RFC 8058 one-click).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from core.i18n import _, use_language
from core.messages import Reply, numbered

MAX_SUBJECT = 100
TITLE = "Helpdesk"
# The request a notice is about: kept in its Message-ID, so a reply's In-Reply-To names it.
REFERENCE = re.compile(r"\bHD-\d{4}-\d{6}\b")


@dataclass(frozen=True)
class Envelope:
    """Who sends to whom, when, and what the channel adds to the reply."""

    sender: str  # EMAIL_FROM: "help@example.com" or "Helpdesk <help@example.com>"
    to: str
    at: datetime
    language: str | None = None
    links: Sequence[str | None] = ()  # links[i]: the signed link for button i (or None)
    unsubscribe: str | None = None
    in_reply_to: str | None = None  # the Message-ID this one follows up (an "edit")
    files: Sequence[tuple[str, str, bytes]] = ()  # (name, mime, content) attached
    file_links: Sequence[tuple[str, str]] = ()  # (label, signed link) of files too large
    view: str | None = None  # the portal link that opens the request signed in
    calendar: tuple[str, bytes] | None = None  # (iTIP method, .ics content): an invitation


def subject_of(reply: Reply) -> str:
    """The reply's first line (with the request's subject when it does not say it), already
    in the reader's language, cut to fit a subject."""
    first = " ".join(reply.text.strip().split("\n", 1)[0].split())
    if not first:
        return TITLE
    topic = " ".join((reply.topic or "").split())
    if topic and topic not in first:  # the request's subject (issue 16)
        first = f"{first.rstrip(' :')} — {topic}"
    if len(first) > MAX_SUBJECT:
        first = first[: MAX_SUBJECT - 1].rstrip(" :,.;") + "…"
    return first


def _grouped(reply: Reply, links: Sequence[str | None]) -> tuple[dict[str, list[str]], Reply]:
    """Linked buttons grouped by link ("Confirm / Dispute"), and the others still as buttons."""
    linked: dict[str, list[str]] = {}
    others = []
    for index, button in enumerate(reply.buttons):
        url = links[index] if index < len(links) else None
        if url:
            linked.setdefault(url, []).append(button.label)
        else:
            others.append(button)
    return linked, Reply("", tuple(others))


def _domain(sender: str) -> str | None:
    address = parseaddr(sender)[1]
    domain = address.rpartition("@")[2] if "@" in address else ""
    return domain if 0 < len(domain) <= 100 else None  # Message-IDs are stored (200 chars)


def compose(reply: Reply, envelope: Envelope) -> EmailMessage:
    """The e-mail ``reply`` becomes for ``envelope.to``."""
    linked, others = _grouped(reply, envelope.links)
    text = reply.text.strip()
    with use_language(envelope.language):
        footer_intro = _("You get this e-mail from the helpdesk.")
        stop = _("Stop notices about status changes (questions for you and resolutions "
                 "still come)")
        view_label = _("View the request")
    menu = numbered(others).strip() if others.buttons else ""

    plain = [text, ""]
    for url, labels in linked.items():
        plain.append(f"{' / '.join(labels)}: {url}")
    if menu:
        plain.append(menu)
    for label, url in envelope.file_links:
        plain.append(f"📎 {label}: {url}")
    if envelope.view:
        plain.append(f"{view_label}: {envelope.view}")
    plain += ["", "-- ", footer_intro]
    if envelope.unsubscribe:
        plain.append(f"{stop}: {envelope.unsubscribe}")

    e = html.escape
    buttons = "".join(
        f'<p><a href="{e(url)}" style="display:inline-block;padding:10px 18px;'
        f'background:#2563eb;color:#ffffff;border-radius:6px;text-decoration:none;'
        f'font-weight:600">{e(" / ".join(labels))}</a></p>'
        for url, labels in linked.items()
    )
    menu_html = f'<p style="white-space:pre-line">{e(menu)}</p>' if menu else ""
    menu_html += "".join(f'<p>📎 <a href="{e(url)}">{e(label)}</a></p>'
                         for label, url in envelope.file_links)
    if envelope.view:
        menu_html += f'<p><a href="{e(envelope.view)}">{e(view_label)}</a></p>'

    unsubscribe = (f'<br><a href="{e(envelope.unsubscribe)}" style="color:#6b7280">{e(stop)}</a>'
                   if envelope.unsubscribe else "")
    body_html = (
        f'<!doctype html><html lang="{e(envelope.language or "en")}"><head>'
        f'<meta charset="utf-8"><title>{e(TITLE)}</title></head>'
        f'<body style="font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;'
        f'font-size:16px;line-height:1.45;color:#111827">'
        f'<p style="white-space:pre-line">{e(text)}</p>{buttons}{menu_html}'
        f'<hr style="border:0;border-top:1px solid #e5e7eb">'
        f'<p style="font-size:13px;color:#6b7280">{e(footer_intro)}{unsubscribe}</p>'
        f'</body></html>'
    )

    message = EmailMessage()
    message["From"] = envelope.sender
    message["To"] = Address(addr_spec=envelope.to)
    message["Subject"] = subject_of(reply)
    message["Date"] = format_datetime(envelope.at)
    reference = REFERENCE.search(reply.text)
    message["Message-ID"] = make_msgid(idstring=reference.group(0) if reference else None,
                                       domain=_domain(envelope.sender))
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies
    if envelope.in_reply_to:
        message["In-Reply-To"] = envelope.in_reply_to
        message["References"] = envelope.in_reply_to
    if envelope.unsubscribe:
        message["List-Unsubscribe"] = f"<{envelope.unsubscribe}>"
        if envelope.unsubscribe.startswith("https://"):
            # RFC 8058 §3.1: one-click only with an HTTPS URI in List-Unsubscribe.
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content("\n".join(plain).rstrip() + "\n")
    message.add_alternative(body_html, subtype="html")
    if envelope.calendar is not None:  # mail programs show it as an invitation (RFC 6047)
        method, data = envelope.calendar
        message.add_alternative(data, maintype="text", subtype="calendar",
                                params={"method": method, "charset": "utf-8"})
    for name, mime, data in envelope.files:
        maintype, _slash, subtype = mime.partition("/")
        if not maintype or not subtype:
            maintype, subtype = "application", "octet-stream"
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    if envelope.calendar is not None:
        message.add_attachment(envelope.calendar[1], maintype="application", subtype="ics",
                               filename="invite.ics")
    if envelope.language:  # after the body: setting content drops Content-* headers
        message["Content-Language"] = envelope.language
    return message
