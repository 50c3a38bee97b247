"""A reply as an e-mail: subject, plain text and HTML, links, unsubscribe, threading."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy

from adapters.email import Envelope, compose, subject_of
from core.messages import Button, Reply

AT = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
RESOLVED = Reply("HD-2026-000001 was resolved by Ana.\nTime logged: 1 hour\nNote: <fixed>",
                 (Button("Confirm", "p1"), Button("Dispute", "p2")))
CONFIRM = "https://hd.example.com/l/k1-1.abc.def"
UNSUBSCRIBE = "https://hd.example.com/u/u1.abc.def"


def parsed(reply: Reply, **envelope: object):
    options = {"links": (), "unsubscribe": None, **envelope}
    message = compose(reply, Envelope("Helpdesk <help@hd.example.com>", "ion@example.com", AT,
                                      **options))  # type: ignore[arg-type]
    return message_from_bytes(bytes(message), policy=policy.default)


def test_plain_text_and_html_with_links_and_unsubscribe() -> None:
    mail = parsed(RESOLVED, links=(CONFIRM, CONFIRM), unsubscribe=UNSUBSCRIBE, language="en")
    assert mail["Subject"] == "HD-2026-000001 was resolved by Ana."
    assert mail["From"] == "Helpdesk <help@hd.example.com>"
    assert mail["To"] == "ion@example.com"
    assert mail["Message-ID"].endswith("@hd.example.com>")
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["List-Unsubscribe"] == f"<{UNSUBSCRIBE}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = mail.get_body(("plain",)).get_content()
    assert "Note: <fixed>" in text
    assert f"Confirm / Dispute: {CONFIRM}" in text
    assert UNSUBSCRIBE in text and "[1]" not in text
    html = mail.get_body(("html",)).get_content()
    assert "Note: &lt;fixed&gt;" in html and "<fixed>" not in html
    assert f'href="{CONFIRM}"' in html and f'href="{UNSUBSCRIBE}"' in html


def test_buttons_without_a_link_are_numbered_text() -> None:
    reply = Reply("Ion disputes HD-2026-000001", (Button("Correct time", "a"),
                                                   Button("Finish", "b")))
    mail = parsed(reply)
    text = mail.get_body(("plain",)).get_content()
    assert "[1] Correct time  [2] Finish" in text
    assert "List-Unsubscribe" not in mail


def test_an_edit_follows_up_in_the_same_thread() -> None:
    mail = parsed(Reply("HD-2026-000001 was claimed by Bogdan."), in_reply_to="<1@hd>")
    assert mail["In-Reply-To"] == "<1@hd>" and mail["References"] == "<1@hd>"


def test_the_words_the_email_adds_are_in_the_readers_language() -> None:
    mail = parsed(Reply("Ana a preluat solicitarea HD-2026-000001."), unsubscribe=UNSUBSCRIBE,
                  language="ro")
    assert mail["Content-Language"] == "ro"
    text = mail.get_body(("plain",)).get_content()
    assert "helpdesk" in text.lower()
    assert "You get this e-mail" not in text


def test_subject_is_the_first_line_cut_to_fit() -> None:
    assert subject_of(Reply("  first line \nsecond")) == "first line"
    long = subject_of(Reply("Ion on HD-2026-000001: " + "word " * 40))
    assert len(long) <= 100 and long.endswith("…")
    assert subject_of(Reply("")) == "Helpdesk"
