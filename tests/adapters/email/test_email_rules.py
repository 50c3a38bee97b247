"""E-mail headers receivers accept: RFC 8058 one-click unsubscription and DKIM (RFC 6376),
verified with dkimpy's own ``verify`` against a key generated for the test."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from pathlib import Path

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import ValidationError

from adapters.email import Envelope, SmtpClient, compose, parse_smtp_url
from adapters.email.dkim_signing import DkimSigner, domain_of, load_private_key
from bots.settings import Settings, describe_error
from core.messages import Reply
from tests.fakes.smtp_server import FakeSmtpServer

AT = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
SENDER = "Helpdesk Ăsistență <help@example.com>"
SELECTOR = "hd2026"


@pytest.fixture(scope="module")
def key() -> tuple[bytes, bytes]:
    """A fresh 2048-bit RSA key: (private PEM, the DNS TXT record publishing it)."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
    der = private.public_key().public_bytes(serialization.Encoding.DER,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem, b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)


def dns_for(record: bytes):  # type: ignore[no-untyped-def]
    def dnsfunc(name: bytes, timeout: int = 5) -> bytes | None:
        return record if name == f"{SELECTOR}._domainkey.example.com.".encode() else None
    return dnsfunc


def mail(unsubscribe: str | None, text: str = "HD-2026-000001 — rezolvată ✓") -> object:
    return compose(Reply(text), Envelope(SENDER, "ion@example.org", AT, language="ro",
                                         unsubscribe=unsubscribe))


# -- RFC 8058 §3.1: List-Unsubscribe-Post needs an HTTPS URI ---------------------------------


@pytest.mark.parametrize("url", ["https://hd.example.com/u/abc", "http://hd.example.com/u/abc",
                                 "http://127.0.0.1:8080/u/abc", None])
def test_one_click_only_with_an_https_unsubscribe_uri(url: str | None) -> None:
    message = mail(url)
    uris = re.findall(r"<([^>]+)>", str(message.get("List-Unsubscribe", "")))  # type: ignore[attr-defined]
    if message.get("List-Unsubscribe-Post") is not None:  # type: ignore[attr-defined]
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"  # type: ignore[index]
        assert any(u.startswith("https://") for u in uris), uris
    assert (message.get("List-Unsubscribe-Post") is not None) == (  # type: ignore[attr-defined]
        bool(url) and str(url).startswith("https://"))
    if url:
        assert uris == [url]  # the link is still offered, just not as one-click


# -- DKIM -------------------------------------------------------------------------------------


def test_signature_verifies_and_covers_both_unsubscribe_headers(key: tuple[bytes, bytes]) -> None:
    pem, record = key
    signer = DkimSigner(SELECTOR, domain_of(SENDER), load_private_key(pem.decode()))
    raw = signer.sign(mail("https://hd.example.com/u/abc"))  # type: ignore[arg-type]
    assert dkim.verify(raw, dnsfunc=dns_for(record))
    signature = raw.split(b"\r\n\r\n", 1)[0].decode()
    signed = re.search(r"\bh=([^;]+)", signature.replace("\r\n", "").replace(" ", ""))
    assert signed is not None
    names = [n.lower() for n in signed.group(1).split(":")]
    assert {"from", "list-unsubscribe", "list-unsubscribe-post"} <= set(names)
    # Changing either header afterwards breaks the signature.
    for header, value in ((b"List-Unsubscribe: <https://hd.example.com/u/abc>",
                           b"List-Unsubscribe: <https://evil.example/u/abc>"),
                          (b"List-Unsubscribe-Post: List-Unsubscribe=One-Click",
                           b"List-Unsubscribe-Post: List-Unsubscribe=Two-Click")):
        assert header in raw
        assert not dkim.verify(raw.replace(header, value), dnsfunc=dns_for(record))


async def test_mail_sent_over_smtp_arrives_with_a_valid_signature(
        key: tuple[bytes, bytes], tmp_path: Path) -> None:
    pem, record = key
    path = tmp_path / "dkim.pem"
    path.write_bytes(pem)  # DKIM_PRIVATE_KEY may name a file
    signer = DkimSigner(SELECTOR, "example.com", load_private_key(str(path)))
    async with FakeSmtpServer() as server:
        client = SmtpClient(parse_smtp_url(server.url), signer)
        try:
            await client.send(mail("https://hd.example.com/u/abc", "Gata. " * 400))  # type: ignore[arg-type]
        finally:
            await client.close()
    [received] = server.received
    assert received.rcpt_tos == ["ion@example.org"]
    assert dkim.verify(received.raw, dnsfunc=dns_for(record))
    assert "Gata." in received.text


def test_dkim_settings_are_checked_at_start(key: tuple[bytes, bytes], tmp_path: Path) -> None:
    pem, _record = key
    ok = Settings(dkim_private_key=pem.decode(), dkim_selector=SELECTOR)
    assert ok.dkim_selector == SELECTOR
    cases = [
        ({"dkim_private_key": pem.decode()}, "set both or neither"),
        ({"dkim_selector": SELECTOR}, "set both or neither"),
        ({"dkim_private_key": "not a key", "dkim_selector": SELECTOR},
         "DKIM_PRIVATE_KEY: cannot read the key file"),
        ({"dkim_private_key": "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE "
          "KEY-----", "dkim_selector": SELECTOR}, "DKIM_PRIVATE_KEY: is not an RSA private"),
        ({"dkim_private_key": pem.decode(), "dkim_selector": "bad selector!"},
         "DKIM_SELECTOR: is not a DNS name"),
    ]
    for values, fragment in cases:
        with pytest.raises(ValidationError) as caught:
            Settings(**values)  # type: ignore[arg-type]
        line = describe_error(caught.value)
        assert fragment in line and "\n" not in line, line
