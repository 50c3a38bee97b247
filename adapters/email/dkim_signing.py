"""DKIM signatures (RFC 6376) for outgoing e-mail, with dkimpy.

The signature covers the headers a receiver shows or acts on, among them both
``List-Unsubscribe`` and ``List-Unsubscribe-Post``: RFC 8058 §4 asks for a valid DKIM
signature covering them before a mail program offers one-click unsubscription.
"""

from __future__ import annotations

import re
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import parseaddr
from pathlib import Path

import dkim

# CRLF and 7-bit throughout (8-bit parts re-encoded): the bytes signed are the bytes any
# SMTP server relays unchanged, with or without 8BITMIME.
SEVEN_BIT = SMTP.clone(cte_type="7bit")
# Signed when present. Naming a header the message does not have signs its absence, so
# nobody can add it later (e.g. a List-Unsubscribe pointing elsewhere).
SIGNED_HEADERS = (
    "From", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
    "List-Unsubscribe", "List-Unsubscribe-Post", "Auto-Submitted", "MIME-Version",
    "Content-Type", "Content-Language",
)
# DKIM_SELECTOR: one or more DNS labels (the key is published at <selector>._domainkey.<domain>).
SELECTOR = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,62}(\.[A-Za-z0-9_][A-Za-z0-9_-]{0,62})*")


class DkimKeyError(ValueError):
    """The DKIM private key cannot be read or is not an RSA key in PEM form."""


def load_private_key(value: str) -> bytes:
    """DKIM_PRIVATE_KEY: the PEM text itself, or the path of a file holding it."""
    text = value.strip()
    if not text.startswith("-----BEGIN"):
        path = Path(text).expanduser()
        try:
            text = path.read_text().strip()
        except OSError as exc:
            raise DkimKeyError(f"cannot read the key file {text!r} ({exc.strerror})") from None
    pem = text.replace("\\n", "\n").encode()
    try:
        dkim.crypto.parse_pem_private_key(pem)
    except Exception as exc:  # noqa: BLE001 - dkimpy raises several kinds
        reason = " ".join(str(exc).split())
        raise DkimKeyError(f"is not an RSA private key in PEM form ({reason})") from None
    return pem


def domain_of(sender: str) -> str:
    """The signing domain: the domain of the From address (DMARC alignment)."""
    return parseaddr(sender)[1].rpartition("@")[2].lower()


class DkimSigner:
    """Turns a message into the exact bytes to send, with a DKIM-Signature on top."""

    def __init__(self, selector: str, domain: str, private_key: bytes) -> None:
        self.selector = selector
        self.domain = domain
        self.private_key = private_key

    def sign(self, message: EmailMessage) -> bytes:
        """``message`` as sent (CRLF, 7-bit headers) with its DKIM-Signature header."""
        raw = message.as_bytes(policy=SEVEN_BIT)
        signature = dkim.sign(
            raw, self.selector.encode(), self.domain.encode(), self.private_key,
            canonicalize=(b"relaxed", b"relaxed"),
            include_headers=[h.encode() for h in SIGNED_HEADERS],
        )
        return signature + raw
