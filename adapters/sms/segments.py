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
    """Units that fit in ``segments`` segments at most (a pair that would straddle a
    boundary moves to the next part: ``count`` is the exact figure)."""
    return SINGLE[enc] if segments <= 1 else PART[enc] * segments


@dataclass(frozen=True)
class Count:
    encoding: str
    units: int
    segments: int


def _costs(text: str, enc: str) -> list[int]:
    """Units of each character: an extension character's escape pair (GSM-7) and a
    surrogate pair (UCS-2) are two units that always travel in the same segment."""
    if enc == GSM7:
        return [2 if c in GSM_EXTENDED else 1 for c in text]
    return [2 if ord(c) > 0xFFFF else 1 for c in text]


def count(text: str) -> Count:
    """Encoding, length and number of segments of ``text``. A multi-part message carries
    153 septets / 67 UTF-16 units a part, and a part never ends in the middle of a GSM-7
    escape pair or a UTF-16 surrogate pair (the next part takes both units)."""
    enc = encoding(text)
    n = units(text, enc)
    if n <= SINGLE[enc]:
        return Count(enc, n, 1 if n else 0)
    segments, used = 1, 0
    for cost in _costs(text, enc):
        if used + cost > PART[enc]:
            segments, used = segments + 1, 0
        used += cost
    return Count(enc, n, segments)
