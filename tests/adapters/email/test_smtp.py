"""SMTP_URL parsing and the SMTP client against a local aiosmtpd server."""

from __future__ import annotations

from datetime import UTC, datetime

import aiosmtplib
import pytest

from adapters.email import Envelope, SmtpClient, compose, parse_smtp_url
from core.messages import Reply
from tests.fakes.smtp_server import FakeSmtpServer

AT = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def message(to: str = "ion@example.com", text: str = "HD-2026-000001 was updated."):
    return compose(Reply(text), Envelope("Helpdesk <help@example.com>", to, AT))


@pytest.mark.parametrize(("url", "host", "port", "user", "password", "tls", "starttls"), [
    ("smtp://mail.example.com", "mail.example.com", 25, None, None, False, None),
    ("smtp://u:p%40ss@mail.example.com:2525", "mail.example.com", 2525, "u", "p@ss", False,
     None),
    ("smtp+starttls://u:p@mail.example.com", "mail.example.com", 587, "u", "p", False, True),
    ("smtps://mail.example.com", "mail.example.com", 465, None, None, True, False),
])
def test_smtp_url(url: str, host: str, port: int, user: str | None, password: str | None,
                  tls: bool, starttls: bool | None) -> None:
    config = parse_smtp_url(url)
    assert (config.hostname, config.port, config.username, config.password) == (
        host, port, user, password)
    assert (config.use_tls, config.start_tls) == (tls, starttls)
    assert "p@ss" not in repr(parse_smtp_url("smtp://u:p%40ss@h"))


@pytest.mark.parametrize(("url", "error"), [
    ("http://mail.example.com", "must start with smtp://"),
    ("smtp://", "has no host name"),
    ("smtp://mail.example.com:99999", "invalid port"),
    ("smtp://mail.example.com?timeout=soon", "timeout"),
])
def test_bad_smtp_url(url: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        parse_smtp_url(url)


async def test_sends_over_one_connection_and_reconnects_when_dropped() -> None:
    async with FakeSmtpServer() as server:
        client = SmtpClient(parse_smtp_url(server.url))
        await client.send(message("ion@example.com"))
        await client.send(message("ana@example.com"))
        assert server.connections == 1
        server.drop_connections()
        await client.send(message("ion@example.com", "Third"))
        await client.close()
    assert [r.rcpt_tos for r in server.received] == [
        ["ion@example.com"], ["ana@example.com"], ["ion@example.com"]]
    assert server.connections == 2
    assert server.received[2].subject == "Third"


async def test_logs_in_when_the_url_has_credentials() -> None:
    async with FakeSmtpServer(credentials=("helpdesk", "s3cret")) as server:
        client = SmtpClient(parse_smtp_url(server.url))
        await client.send(message())
        await client.close()
        bad = SmtpClient(parse_smtp_url(f"smtp://helpdesk:wrong@127.0.0.1:{server.port}"))
        with pytest.raises(aiosmtplib.SMTPException):
            await bad.send(message())
        await bad.close()
    assert len(server.received) == 1


async def test_a_refused_message_raises_and_the_next_one_goes() -> None:
    async with FakeSmtpServer() as server:
        client = SmtpClient(parse_smtp_url(server.url))
        server.fail_next = 1
        with pytest.raises(aiosmtplib.SMTPResponseException):
            await client.send(message())
        await client.send(message())
        await client.close()
    assert len(server.received) == 1 and server.refused == 1


async def test_an_unreachable_server_raises() -> None:
    async with FakeSmtpServer() as server:
        port = server.port
    client = SmtpClient(parse_smtp_url(f"smtp://127.0.0.1:{port}?timeout=5"))
    with pytest.raises((aiosmtplib.SMTPException, OSError)):
        await client.send(message())
    await client.close()
