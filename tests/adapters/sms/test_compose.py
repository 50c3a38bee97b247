"""SMS texts: segment counting, links that fit one segment, numbered choices."""

from __future__ import annotations

from adapters.sms.compose import compose, gsm_friendly
from adapters.sms.segments import GSM7, UCS2, count
from core.messages import Button, Reply

LINK = "https://helpdesk.example.com/l/c1f-2a.Z2xkYQ.q0Hn2ZkQ7sVw"


def test_segment_counts() -> None:
    assert count("hello") == count("hello")
    assert count("a" * 160).segments == 1 and count("a" * 160).encoding == GSM7
    assert count("a" * 161).segments == 2
    assert count("a" * 306).segments == 2 and count("a" * 307).segments == 3
    assert count("€" * 80).units == 160 and count("€" * 81).segments == 2  # extension: 2 septets
    assert count("ж" * 70).segments == 1 and count("ж" * 70).encoding == UCS2
    assert count("ж" * 71).segments == 2 and count("ж" * 134).segments == 2


def test_typographic_characters_do_not_force_ucs2() -> None:
    text = gsm_friendly("Ion disputes HD-1: “too long” – 1 hour…")
    assert text == 'Ion disputes HD-1: "too long" - 1 hour...'
    assert count(text).encoding == GSM7


def test_a_notification_with_a_link_fits_one_segment() -> None:
    description = "The printer on the second floor prints every page twice and then jams " * 3
    reply = Reply(f"New request HD-2026-000042 (Peripherals) from Ion:\n{description}",
                  (Button("Claim", "claim:2a:0::sig"),))
    body = compose(reply, [LINK])
    assert count(body).segments == 1 and count(body).encoding == GSM7
    assert body.endswith(f"...\nClaim: {LINK}")
    assert body.startswith("New request HD-2026-000042 (Peripherals) from Ion:\nThe printer")


def test_short_text_is_not_cut_and_labels_share_a_link() -> None:
    reply = Reply("HD-1 was resolved.", (Button("Confirm", "a"), Button("Dispute", "b")))
    assert compose(reply, [LINK, LINK]) == f"HD-1 was resolved.\nConfirm / Dispute: {LINK}"


def test_ucs2_text_takes_the_segments_it_needs_for_the_link() -> None:
    reply = Reply("Новая заявка HD-2026-000042 (Периферия) от Иона:\n" + "Принтер не печатает " * 5,
                  (Button("Взять", "x"),))
    body = compose(reply, [LINK])
    counted = count(body)
    assert counted.encoding == UCS2 and counted.segments == 2
    assert "…\nВзять: " + LINK in body


def test_buttons_without_links_become_numbered_choices() -> None:
    reply = Reply("Please check your request:", (Button("Place", "p"), Button("Cancel", "c")))
    assert compose(reply) == "Please check your request:\nReply 1 for Place, 2 for Cancel"
    mixed = Reply("HD-1", (Button("Claim", "c"), Button("Release", "r")))
    assert compose(mixed, [LINK, None]) == f"HD-1\nClaim: {LINK}\nReply 2 for Release"


def test_very_long_text_is_cut_to_the_twilio_limit() -> None:
    body = compose(Reply("x " * 2000))
    assert len(body) <= 1600 and body.endswith("...")
