"""Phone numbers in E.164 (``+40721234567``), the SMS channel's addresses."""

from __future__ import annotations

import phonenumbers


class InvalidPhone(ValueError):
    """Not a valid phone number in the international form."""


def to_e164(raw: str, region: str | None = None) -> str:
    """``raw`` in E.164; raises ``InvalidPhone`` with a clear message otherwise."""
    try:
        number = phonenumbers.parse((raw or "").strip(), region)
    except phonenumbers.NumberParseException:
        raise InvalidPhone(f"invalid phone number {raw!r}: use the international form, "
                           "e.g. +40721234567") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(f"invalid phone number {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
