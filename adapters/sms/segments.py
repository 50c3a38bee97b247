"""How many SMS segments a text takes: GSM-7 (160 / 153 per part) or UCS-2 (70 / 67)."""

from __future__ import annotations

from dataclasses import dataclass

# GSM 03.38 basic character set (one septet each) and its extension table (two septets).
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = frozenset("^{}\\[~]|€\f")

GSM7 = "GSM-7"
UCS2 = "UCS-2"
SINGLE = {GSM7: 160, UCS2: 70}
PART = {GSM7: 153, UCS2: 67}


def is_gsm(text: str) -> bool:
    """True when every character of ``text`` has a GSM-7 encoding."""
    return all(c in GSM_BASIC or c in GSM_EXTENDED for c in text)


def encoding(text: str) -> str:
    return GSM7 if is_gsm(text) else UCS2


def units(text: str, enc: str | None = None) -> int:
    """Length in the encoding's units: septets for GSM-7, UTF-16 code units for UCS-2."""
    enc = enc or encoding(text)
    if enc == GSM7:
        return sum(2 if c in GSM_EXTENDED else 1 for c in text)
    return len(text.encode("utf-16-le")) // 2


def capacity(enc: str, segments: int) -> int:
    """Units that fit in ``segments`` segments."""
    return SINGLE[enc] if segments <= 1 else PART[enc] * segments


@dataclass(frozen=True)
class Count:
    encoding: str
    units: int
    segments: int


def count(text: str) -> Count:
    """Encoding, length and number of segments of ``text``."""
    enc = encoding(text)
    n = units(text, enc)
    if n <= SINGLE[enc]:
        return Count(enc, n, 1 if n else 0)
    return Count(enc, n, -(-n // PART[enc]))
