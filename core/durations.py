"""Reading and writing time spent: ``1h30``, ``90m``, ``1:30``, ``45`` (minutes)."""

from __future__ import annotations

import re

from core.errors import Invalid
from core.i18n import N_, current_language
from core.model import validate_minutes

_PATTERNS = [
    re.compile(r"^(?P<h>\d{1,4})\s*(?:h|hr|hrs|hours?)\s*(?:(?P<m>\d{1,4})\s*(?:m|min|mins|minutes?)?)?$"),
    re.compile(r"^(?P<m>\d{1,5})\s*(?:m|min|mins|minutes?)?$"),
    re.compile(r"^(?P<h>\d{1,4}):(?P<m>[0-5]\d)$"),
    re.compile(r"^(?P<hd>\d{1,3}[.,]\d{1,2})\s*(?:h|hr|hrs|hours?)$"),
]


def parse_duration(text: str) -> int:
    """Minutes in ``text``; raises ``Invalid`` with an example when it cannot be read."""
    value = (text or "").strip().lower()
    for pattern in _PATTERNS:
        match = pattern.match(value)
        if not match:
            continue
        parts = match.groupdict()
        if parts.get("hd"):
            minutes = round(float(parts["hd"].replace(",", ".")) * 60)
        else:
            minutes = int(parts.get("h") or 0) * 60 + int(parts.get("m") or 0)
        return validate_minutes(minutes)
    raise Invalid(N_("I couldn't read that time. Write it like 1h30, 90m, 1:30 or 45."))


def format_duration(minutes: int, language: str | None = None) -> str:
    """Time spent in the reader's language with its plural forms (CLDR, via Babel):
    ``90`` → "1 hour, 30 minutes" / "1 godzina i 30 minut" / "1 час 30 минут"."""
    from babel.lists import format_list
    from babel.units import format_unit

    locale = language or current_language()
    hours, rest = divmod(abs(minutes), 60)
    parts = []
    if hours:
        parts.append(format_unit(hours, "duration-hour", length="long", locale=locale))
    if rest or not hours:
        parts.append(format_unit(rest, "duration-minute", length="long", locale=locale))
    text = format_list(parts, style="unit", locale=locale)
    return f"-{text}" if minutes < 0 else text


def format_compact(minutes: int) -> str:
    """``90`` → ``1h30``; ``45`` → ``45m``; ``120`` → ``2h`` (the form people type)."""
    hours, rest = divmod(abs(minutes), 60)
    sign = "-" if minutes < 0 else ""
    if hours and rest:
        return f"{sign}{hours}h{rest:02d}"
    if hours:
        return f"{sign}{hours}h"
    return f"{sign}{rest}m"
