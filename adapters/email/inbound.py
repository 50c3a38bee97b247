"""Incoming e-mail: a raw RFC 822 message → what the helpdesk needs to know about it.

Pure translation, no I/O: ``parse(raw)`` gives a ``ParsedMail`` (sender, subject, the new
text with quotes and signature cut, files, the requests it refers to, whether it is
automatic or a bounce) and ``to_inbound`` the channel-neutral ``Inbound`` the conversations
read. What to do with it (place a request, comment, reopen) is decided elsewhere.

- **Threading**: notices carry the request reference in their Message-ID
  (``<…HD-2026-000042@host>``, see ``compose``), so ``In-Reply-To`` / ``References`` name the
  request; a reference ``HD-…`` in the subject works too (a reply to a forwarded notice).
- **Automatic mail** (RFC 3834 ``Auto-Submitted``, ``Precedence: bulk/junk/list``,
  ``X-Autoreply``, mailing lists, mailer-daemon/postmaster senders, delivery reports) is
  flagged: it never places a request nor gets an answer, so two robots cannot loop.
- **Bounces** (``multipart/report; report-type=delivery-status``, or a mailer-daemon message
  quoting ours): the failed recipients are listed in ``bounced``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from adapters.email.quotes import cut_reply
from core.attachment_ports import FileTooLarge
from core.messages import Attachment, Inbound

CHANNEL = "email"
REFERENCE = re.compile(r"\bHD-\d{4}-\d{6}\b", re.IGNORECASE)
MAX_SUBJECT = 200
# Re:, Fwd:, and their translations (Outlook/Gmail in ro, pt, pl, ru; German AW/WG too).
SUBJECT_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|wg|tr|răsp|rasp|raspuns|răspuns|enc|res|odp|pd|ответ|отв|"
    r"пересл)\s*(?:\[\d+\])?\s*:\s*)+",
    re.IGNORECASE,
)
ROBOT_SENDERS = ("mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon")
BULK_PRECEDENCE = ("bulk", "junk", "list", "auto_reply", "auto-reply")


@dataclass(frozen=True)
class MailFile:
    """A file attached to the message."""

    name: str
    mime: str
    data: bytes


@dataclass(frozen=True)
class ParsedMail:
    """What the helpdesk reads from one incoming message."""

    message_id: str  # the Message-ID, or "<sha256:…>" of the bytes when there is none
    sender: str  # the From address, lower case ("" when unreadable)
    display_name: str | None
    subject: str  # without Re:/Fwd: prefixes
    text: str  # the new text: quoted reply and signature cut
    files: tuple[MailFile, ...] = ()
    references: tuple[str, ...] = ()  # HD-… references it replies to (headers first)
    automatic: bool = False  # auto-reply, list, bounce: never answered, never a request
    bounced: tuple[str, ...] = ()  # recipients a delivery report says failed
    language: str | None = None  # Content-Language, as a hint

    @property
    def reference(self) -> str | None:
        """The request this message replies to, if any."""
        return self.references[0] if self.references else None


def _readable_address(address: str) -> bool:
    """An address we could answer: one ``@`` between a non-empty local part and domain,
    printable characters only (no controls, spaces or unassigned code points), at most 254."""
    local, at, domain = address.partition("@")
    return (bool(at and local and domain) and "@" not in domain and len(address) <= 254
            and address.isprintable() and not any(c.isspace() for c in address))


def parse(raw: bytes) -> ParsedMail:
    """Read one RFC 822 message. Never raises for a malformed message: what cannot be read
    is left empty (an unreadable sender makes the message ignorable, see ``sender``)."""
    msg = message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    name, address = parseaddr(_header(msg, "From"))
    address = address.strip().lower()
    if not _readable_address(address):
        address = ""
    message_id = _header(msg, "Message-ID").strip()
    if not message_id:
        message_id = f"<sha256:{hashlib.sha256(raw).hexdigest()}>"
    subject = clean_subject(_header(msg, "Subject"))
    bounced = _bounced(msg, address)
    automatic = bool(bounced) or _automatic(msg, address)
    return ParsedMail(
        message_id=message_id[:250],
        sender=address,
        display_name=name.strip() or None,
        subject=subject,
        text=cut_reply(_body_text(msg)),
        files=tuple(_files(msg)),
        references=_references(msg, subject),
        automatic=automatic,
        bounced=bounced,
        language=(_header(msg, "Content-Language").split(",")[0].strip()[:10] or None),
    )


def clean_subject(subject: str) -> str:
    """The subject without reply/forward prefixes, on one line, at most 200 characters."""
    one_line = " ".join(subject.split())
    return SUBJECT_PREFIX.sub("", one_line).strip()[:MAX_SUBJECT]


def to_inbound(mail: ParsedMail, text: str | None = None) -> Inbound:
    """The message as the conversations read it (files downloadable through ``fetch``)."""
    return Inbound(
        channel=CHANNEL,
        address=mail.sender,
        text=mail.text if text is None else text,
        display_name=mail.display_name,
        language=mail.language,
        message_ref=mail.message_id,
        attachments=tuple(_attachment(f) for f in mail.files),
    )


def _attachment(file: MailFile) -> Attachment:
    async def fetch(max_bytes: int) -> bytes:
        if len(file.data) > max_bytes:
            raise FileTooLarge(len(file.data))
        return file.data

    return Attachment(file.name, file.mime, len(file.data), fetch)


# -- headers ---------------------------------------------------------------------------------


def _header(msg: Message, name: str) -> str:
    try:
        value = msg.get(name)
    except Exception:  # a malformed header the parser cannot fold: treat as absent
        return ""
    return str(value) if value is not None else ""


def _references(msg: Message, subject: str) -> tuple[str, ...]:
    found: list[str] = []
    for header in ("In-Reply-To", "References"):
        found += REFERENCE.findall(_header(msg, header))
    found += REFERENCE.findall(subject)
    unique: list[str] = []
    for ref in found:
        if ref.upper() not in unique:
            unique.append(ref.upper())
    return tuple(unique)


def _automatic(msg: Message, sender: str) -> bool:
    auto = _header(msg, "Auto-Submitted").strip().lower()
    if auto and auto != "no":
        return True
    if _header(msg, "Precedence").strip().lower() in BULK_PRECEDENCE:
        return True
    for header in ("X-Autoreply", "X-Autorespond", "X-Auto-Reply", "List-Id"):
        if _header(msg, header):
            return True
    if sender.split("@")[0] in ROBOT_SENDERS or not sender:
        return True
    return _header(msg, "Return-Path").strip() == "<>"


def _bounced(msg: EmailMessage, sender: str) -> tuple[str, ...]:
    """Recipients a delivery report (RFC 3464) or a mailer-daemon message says failed."""
    failed: list[str] = []
    is_report = (msg.get_content_type() == "multipart/report"
                 and msg.get_param("report-type", "", header="Content-Type") == "delivery-status")
    if is_report:
        for part in msg.walk():
            if part.get_content_type() != "message/delivery-status":
                continue
            payload = part.get_payload()
            blocks = payload if isinstance(payload, list) else []
            for block in blocks:
                if not isinstance(block, Message):
                    continue
                action = str(block.get("Action", "")).strip().lower()
                recipient = str(block.get("Final-Recipient") or block.get("Original-Recipient")
                                or "")
                if recipient and action in ("failed", ""):
                    failed.append(recipient.split(";")[-1].strip().strip("<>").lower())
    if not failed and (is_report or sender.split("@")[0] in ROBOT_SENDERS):
        for part in msg.walk():
            if part.get_content_type() in ("message/rfc822", "text/rfc822-headers"):
                inner = part.get_payload()
                original = inner[0] if isinstance(inner, list) and inner else None
                if original is None and isinstance(inner, str):
                    original = message_from_bytes(inner.encode(), policy=policy.default)
                if isinstance(original, Message):
                    failed += [a.lower() for _n, a in getaddresses([str(original.get("To", ""))])
                               if "@" in a]
    return tuple(dict.fromkeys(a for a in failed if "@" in a))


# -- body and files --------------------------------------------------------------------------


def _content(part: EmailMessage) -> str:
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, AssertionError):
        data = part.get_payload(decode=True)
        content = data.decode("utf-8", "replace") if isinstance(data, bytes) else ""
    return content if isinstance(content, str) else ""


def _body_text(msg: EmailMessage) -> str:
    body = msg.get_body(preferencelist=("plain", "html"))
    if not isinstance(body, EmailMessage):
        return ""
    content = _content(body)
    if body.get_content_type() == "text/html":
        return html_to_text(content)
    return content


def _files(msg: EmailMessage) -> list[MailFile]:
    if not msg.is_multipart():
        return []
    files = []
    for part in msg.iter_attachments():
        if not isinstance(part, EmailMessage):
            continue
        disposition = part.get_content_disposition()
        if disposition == "inline" and part.get("Content-ID") and \
                part.get_content_maintype() == "image":
            continue  # a picture inside the HTML (signature logos): not a file sent
        if part.get_content_maintype() == "multipart":
            continue
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            continue
        if part.get_content_type() == "message/rfc822":
            name = part.get_filename() or "message.eml"
        else:
            name = part.get_filename() or "file"
        files.append(MailFile(name[:255], part.get_content_type(), data))
    return files


class _HtmlText(HTMLParser):
    """HTML → text: paragraphs and line breaks kept; quotes (blockquote, Gmail/Outlook/
    Thunderbird reply blocks), scripts and styles dropped."""

    QUOTE_MARKERS = ("gmail_quote", "moz-cite-prefix", "divrplyfwdmsg", "appendonsend",
                     "yahoo_quoted", "outlookmessageheader")
    BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.stopped = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.stopped:
            return
        marker = " ".join(f"{v or ''}" for k, v in attrs if k in ("class", "id")).lower()
        if tag == "blockquote" or any(m in marker for m in self.QUOTE_MARKERS):
            self.stopped = True
            return
        if tag in ("script", "style", "head", "title"):
            self.skip += 1
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head", "title") and self.skip:
            self.skip -= 1
        if tag in ("p", "div") and not self.stopped:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.stopped and not self.skip:
            self.parts.append(" ".join(data.split()) if data.strip() else "")


def html_to_text(markup: str) -> str:
    """The visible new text of an HTML e-mail (see ``_HtmlText``)."""
    parser = _HtmlText()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.strip() for line in text.split("\n"))).strip()
