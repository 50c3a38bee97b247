"""Twilio's rules, checked with Twilio's own code or an independent implementation:
signatures over every value of a repeated parameter and ``bodySHA256`` for JSON bodies
(``twilio.request_validator.RequestValidator`` signs the test requests), INFO as a HELP
keyword, and segment counts against the ``gsm0338`` codec (an independent GSM 03.38)."""

from __future__ import annotations

import hashlib
import json
import secrets

import gsm0338  # noqa: F401 - registers the "gsm03.38" codec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from multidict import MultiDict
from twilio.request_validator import RequestValidator

from adapters.sms.compose import fit
from adapters.sms.segments import GSM7, UCS2, count
from conversations.keywords import keyword_command
from core.clock import ManualClock
from tests.adapters.sms.smsstack import OUR_NUMBER, SID, TOKEN, SmsHelpdesk, sms_helpdesk
from tests.fakes.twilio_api import HELP_KEYWORDS

ALICE = "+14155550177"


def inbound_params(phone: str, body: str) -> list[tuple[str, str]]:
    sid = "SM" + secrets.token_hex(16)
    return [("AccountSid", SID), ("MessageSid", sid), ("SmsSid", sid), ("From", phone),
            ("To", OUR_NUMBER), ("Body", body), ("NumMedia", "0")]


async def post(hd: SmsHelpdesk, url: str, data: bytes, signature: str,
               content_type: str) -> int:
    headers = {"X-Twilio-Signature": signature, "Content-Type": content_type}
    async with hd.http.post(url, data=data, headers=headers) as response:
        return response.status


@pytest.fixture
async def hd(sqlite_url: str):  # type: ignore[no-untyped-def]
    async with sms_helpdesk(sqlite_url, ManualClock()) as helpdesk:
        yield helpdesk


# -- signatures -----------------------------------------------------------------------------


async def test_a_repeated_parameter_is_signed_over_all_its_values(hd: SmsHelpdesk) -> None:
    from urllib.parse import urlencode

    pairs = inbound_params(ALICE, "HELP") + [("Tag", "b"), ("Tag", "a")]
    body = urlencode(pairs).encode()
    validator = RequestValidator(TOKEN)
    right = validator.compute_signature(hd.webhook, MultiDict(pairs))
    first_values_only = validator.compute_signature(hd.webhook, dict(reversed(pairs)))
    assert right != first_values_only
    form = "application/x-www-form-urlencoded"
    assert await post(hd, hd.webhook, body, first_values_only, form) == 403
    assert await post(hd, hd.webhook, body, right, form) == 200
    assert len(hd.fake.messages_to(ALICE)) == 1  # answered once, after the valid request


async def test_a_json_body_is_covered_by_body_sha256(hd: SmsHelpdesk) -> None:
    body = json.dumps(dict(inbound_params(ALICE, "HELP")))
    url = f"{hd.webhook}?bodySHA256={hashlib.sha256(body.encode()).hexdigest()}"
    validator = RequestValidator(TOKEN)
    signature = validator.compute_signature(url, {})
    assert validator.validate(url, body, signature)  # Twilio's rule, as Twilio checks it
    tampered = body.replace("HELP", "NEW!")
    assert not validator.validate(url, tampered, signature)
    kind = "application/json"
    assert await post(hd, url, tampered.encode(), signature, kind) == 403
    assert await post(hd, hd.webhook, body.encode(), validator.compute_signature(
        hd.webhook, {}), kind) == 403  # no bodySHA256: the body is not covered
    assert hd.fake.messages_to(ALICE) == []
    assert await post(hd, url, body.encode(), signature, kind) == 200
    assert len(hd.fake.messages_to(ALICE)) == 1


# -- keywords -------------------------------------------------------------------------------


@pytest.mark.parametrize("phone", ["+40712345678", "+48501234567", "+79161234567",
                                   "+351912345678", ALICE])
async def test_every_twilio_help_keyword_gets_the_help(hd: SmsHelpdesk, phone: str) -> None:
    help_text = await hd.text_from(phone, "HELP")
    assert help_text
    for word in HELP_KEYWORDS:  # Twilio's (and carriers') HELP keywords: HELP, INFO
        for spelled in (word, word.lower(), f" {word.title()} "):
            assert keyword_command(spelled) == "/help"
            assert await hd.text_from(phone, spelled) == help_text


# -- segments -------------------------------------------------------------------------------

GSM_PART, UCS2_PART = 153, 67


def reference_segments(text: str) -> tuple[str, int]:
    """GSM 03.38 as the ``gsm0338`` codec encodes it (an extension character is ESC + code),
    else UCS-2 (UTF-16); parts of 153 septets / 67 units that never end on an ESC or a high
    surrogate, as handsets reassemble them."""
    try:
        codes = list(text.encode("gsm03.38"))
        encoding, single, part = GSM7, 160, GSM_PART
        joined = {0x1B}  # ESC: the next septet belongs to it
    except UnicodeEncodeError:
        raw = text.encode("utf-16-be")
        codes = [int.from_bytes(raw[i:i + 2], "big") for i in range(0, len(raw), 2)]
        encoding, single, part = UCS2, 70, UCS2_PART
        joined = set(range(0xD800, 0xDC00))  # a high surrogate: the low one follows
    if len(codes) <= single:
        return encoding, 1 if codes else 0
    parts, used, index = 1, 0, 0
    while index < len(codes):
        size = 2 if codes[index] in joined and index + 1 < len(codes) else 1
        if used + size > part:
            parts, used = parts + 1, 0
        used += size
        index += size
    return encoding, parts


EXTENSION = "^{}\\[~]|€"
GSM_TEXT = st.text(st.sampled_from("ab 1@é\n" + EXTENSION), max_size=700)
UCS2_TEXT = st.text(st.sampled_from("ab щă€{" + "😀🎉👍"), min_size=1, max_size=400)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(GSM_TEXT, UCS2_TEXT))
def test_segment_count_matches_an_independent_gsm_0338(text: str) -> None:
    counted = count(text)
    assert (counted.encoding, counted.segments) == reference_segments(text) or (
        not text and counted.segments == 0)


def test_escape_and_surrogate_pairs_at_a_segment_boundary() -> None:
    # 152 septets, then "€" (ESC + e): it cannot be split, so it starts part two.
    gsm = "a" * 152 + "€" + "b" * 10
    assert count(gsm).segments == reference_segments(gsm)[1] == 2
    gsm = "a" * 152 + "€" * 77  # naive 306 / 153 = 2 parts; ESC pairs need 3
    assert count(gsm).units == 306
    assert count(gsm).segments == reference_segments(gsm)[1] == 3
    emoji = "a" * 66 + "😀" * 34  # 134 units: naive 2 parts, really 3
    assert count(emoji).segments == reference_segments(emoji)[1] == 3


@settings(max_examples=100, deadline=None)
@given(text=st.text(st.sampled_from("ab €[" + "😀щ"), min_size=1, max_size=600))
def test_a_fitted_sms_with_a_link_fits_by_the_reference_count(text: str) -> None:
    link = "https://hd.example.com/l/abcdefgh"
    body = fit(text, link)
    assert body.endswith(link)
    # As few parts as ``fit`` promised: never more than the text's own count allows.
    assert reference_segments(body)[1] <= max(reference_segments(f"{text}\n{link}")[1], 1)
    assert reference_segments(body)[1] == count(body).segments
