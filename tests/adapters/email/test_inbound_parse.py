"""Incoming e-mail parsing: threading, automatic mail, bounces, files, and the quote corpus."""

from __future__ import annotations

import pathlib

from adapters.email.inbound import clean_subject, html_to_text, parse, to_inbound
from adapters.email.quotes import cut_reply
from tests.adapters.email.mails import bounce, mail

CORPUS = pathlib.Path(__file__).parent / "corpus"


def test_quote_corpus_is_cut_exactly_in_at_least_90_percent() -> None:
    cases = sorted(CORPUS.glob("*.eml"))
    assert len(cases) == 30
    languages = {c.stem.rsplit("-", 1)[1] for c in cases}
    assert languages == {"en", "ro", "pt", "pl", "ru"}
    exact = [c.name for c in cases
             if parse(c.read_bytes()).text == (CORPUS / f"{c.stem}.expected.txt").read_text()
             .strip()]
    print(f"quote corpus: {len(exact)}/{len(cases)} exact")
    assert len(exact) / len(cases) >= 0.9


def test_a_new_message() -> None:
    raw = mail('"Maria Pop" <Maria@Example.com>', "Printer on floor 2 jams",
               "It jams on every page.\n\nMaria\n\n-- \nMaria Pop, Finance",
               files=(("jam.jpg", "image/jpeg", b"\xff\xd8jpeg"),),
               headers={"Content-Language": "ro"})
    parsed = parse(raw)
    assert parsed.sender == "maria@example.com" and parsed.display_name == "Maria Pop"
    assert parsed.subject == "Printer on floor 2 jams"
    assert parsed.text == "It jams on every page.\n\nMaria"
    assert parsed.reference is None and not parsed.automatic and not parsed.bounced
    assert [(f.name, f.mime, f.data) for f in parsed.files] == [
        ("jam.jpg", "image/jpeg", b"\xff\xd8jpeg")]
    inbound = to_inbound(parsed)
    assert inbound.channel == "email" and inbound.address == "maria@example.com"
    assert inbound.language == "ro" and inbound.attachments[0].size == 6


def test_threading_by_headers_then_subject() -> None:
    by_header = parse(mail("a@x.com", "Re: your request", "ok",
                           in_reply_to="<177.1.2.HD-2026-000042@hd.example.com>"))
    assert by_header.reference == "HD-2026-000042"
    by_subject = parse(mail("a@x.com", "RE: Fwd: Răsp: hd-2026-000007 was resolved", "ok"))
    assert by_subject.reference == "HD-2026-000007"
    assert by_subject.subject == "hd-2026-000007 was resolved"
    assert clean_subject("Odp: Ответ: AW: Printer") == "Printer"


def test_automatic_mail_is_flagged() -> None:
    for headers in ({"Auto-Submitted": "auto-replied"}, {"Precedence": "bulk"},
                    {"X-Autoreply": "yes"}, {"List-Id": "<news.example.com>"}):
        assert parse(mail("a@x.com", "Out of office", "Back on Monday", headers=headers)
                     ).automatic, headers
    assert parse(mail("postmaster@x.com", "Hi", "text")).automatic
    assert not parse(mail("a@x.com", "Hi", "text", headers={"Auto-Submitted": "no"})).automatic


def test_a_bounce_names_the_failed_address() -> None:
    parsed = parse(bounce("Gone@Example.com"))
    assert parsed.automatic and parsed.bounced == ("gone@example.com",)


def test_html_only_mail_loses_the_quote() -> None:
    html = ('<html><head><style>p{}</style></head><body><div dir="ltr">Still broken.<br>'
            'Ion</div><br><div class="gmail_quote"><div>On Mon … wrote:</div><blockquote>old'
            '</blockquote></div></body></html>')
    assert html_to_text(html) == "Still broken.\nIon"


def test_malformed_input_does_not_raise() -> None:
    parsed = parse(b"\x00\xff garbage without headers")
    assert parsed.sender == "" and parsed.automatic
    assert parse(b"From: a@x.com\r\nContent-Type: text/plain; charset=bogus-8\r\n\r\nhi").text \
        == "hi"
    assert cut_reply("") == ""


def test_a_sender_we_could_not_answer_is_unreadable() -> None:
    # found by the 10,000-payload fuzz run: control and private-use characters in From
    raw = "Message-ID: <f@x>\r\nFrom: \x9b@\x7f\U00107ba2m\xa0q\r\n\r\nhello".encode()
    parsed = parse(raw)
    assert parsed.sender == "" and parsed.automatic  # ignored, never answered
    assert parse(b"From: a b@x.com\r\n\r\nhi").sender == ""
    assert parse(mail("Ion <ion@exemplu.ro>", "Printer", "It is jammed")).sender \
        == "ion@exemplu.ro"
