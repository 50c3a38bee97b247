"""Link tokens: short, bound to person + request + kind, expiring, tamper-evident."""

from __future__ import annotations

import pytest

from adapters.web.tokens import LinkExpired, LinkInvalid, LinkSigner
from core.clock import ManualClock

SECRET = "test-secret-key-0123456789"


@pytest.fixture
def signer(clock: ManualClock) -> LinkSigner:
    return LinkSigner(SECRET, clock)


def test_round_trip_and_length(signer: LinkSigner) -> None:
    token = signer.make(31, 42, "claim")
    assert len(token) <= 32
    link = signer.read(token)
    assert (link.person_id, link.request_id, link.kind) == (31, 42, "claim")
    assert link.actions == {"claim"}
    assert signer.read(signer.make(1, 2, "confirm")).actions == {"confirm", "dispute"}


def test_tampered_or_foreign_tokens_are_invalid(signer: LinkSigner, clock: ManualClock) -> None:
    token = signer.make(31, 42, "claim")
    value, stamp, sig = token.split(".")
    for bad in (f"c1f-2b.{stamp}.{sig}", f"{value}.{stamp}.{sig[:-1]}A", f"k1f-2a.{stamp}.{sig}",
                "", "x" * 500, "not-a-token", f"{value}.{sig}"):
        with pytest.raises(LinkInvalid):
            signer.read(bad)
    with pytest.raises(LinkInvalid):
        LinkSigner("another-secret-key-0123456789", clock).read(token)


def test_claim_links_expire_after_a_day_confirm_links_after_a_week(
    signer: LinkSigner, clock: ManualClock
) -> None:
    claim, confirm = signer.make(1, 2, "claim"), signer.make(1, 2, "confirm")
    clock.advance(hours=23, minutes=59)
    signer.read(claim)
    clock.advance(minutes=2)
    with pytest.raises(LinkExpired):
        signer.read(claim)
    clock.advance(days=5, hours=23)
    signer.read(confirm)
    clock.advance(hours=1)
    with pytest.raises(LinkExpired):
        signer.read(confirm)


def test_form_tokens_are_bound_to_the_link_and_the_button(signer: LinkSigner) -> None:
    a, b = signer.make(1, 2, "confirm"), signer.make(1, 3, "confirm")
    form = signer.form_token(a, "confirm:2:0:90:sig")
    assert signer.check_form(a, "confirm:2:0:90:sig", form)
    assert not signer.check_form(b, "confirm:2:0:90:sig", form)
    assert not signer.check_form(a, "dispute:2:0::sig", form)
    assert not signer.check_form(a, "text", "")
