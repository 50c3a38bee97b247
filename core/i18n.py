"""Translation: marking text in the domain, and translating it for each reader.

The domain never knows the reader's language: it returns message ids (English source
strings) with parameters (``Text``); whoever renders a message for a person translates it
inside ``use_language(person.language)``.
"""

from __future__ import annotations

import contextvars
import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any


def N_(msgid: str) -> str:  # noqa: N802 - gettext convention
    """Mark ``msgid`` for extraction; it is translated later, for the reader."""
    return msgid


@dataclass(frozen=True)
class Text:
    """A message id with its parameters, translated when someone reads it."""

    msgid: str
    params: dict[str, Any] = field(default_factory=dict)


# -- runtime translation ---------------------------------------------------------------
# Catalogs are .po files under core/locale; they are compiled in memory when first used,
# so no build step is needed. The reader's language is a context variable, set by whoever
# renders a message for a person (see ``use_language``).

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "helpdesk"
LANGUAGES = ("en", "ro", "pt", "pl", "ru")
DEFAULT_LANGUAGE = "en"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("language", default=DEFAULT_LANGUAGE)


def normalise_language(code: str | None) -> str | None:
    """``pt-BR`` → ``pt``; None when we do not speak it."""
    if not code:
        return None
    base = code.replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else None


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog for ``language`` (English source strings when there is none)."""
    po = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.exists():
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as fh:
        catalog = read_po(fh, locale=language)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


# Native names, shown on the /language buttons.
LANGUAGE_NAMES = {"en": "English", "ro": "Română", "pt": "Português", "pl": "Polski",
                  "ru": "Русский"}

# Country calling codes whose people most likely read one of our languages (SMS has no
# language hint of its own).
_PHONE_LANGUAGES = {"40": "ro", "373": "ro", "351": "pt", "55": "pt", "244": "pt", "258": "pt",
                    "48": "pl", "7": "ru", "375": "ru", "1": "en", "44": "en", "353": "en",
                    "61": "en"}


def language_for_phone(e164: str) -> str | None:
    """A language guessed from an E.164 number's country code (``+40…`` → ``ro``)."""
    digits = e164.lstrip("+")
    for length in (3, 2, 1):
        language = _PHONE_LANGUAGES.get(digits[:length])
        if language:
            return language
    return None


def current_language() -> str:
    return _current.get()


@contextmanager
def use_language(language: str | None) -> Iterator[str]:
    """Translate for a reader of ``language`` inside this block."""
    lang = normalise_language(language) or _current.get()
    token = _current.set(lang)
    try:
        yield lang
    finally:
        _current.reset(token)


def _(msgid: str, **params: Any) -> str:
    """Translate ``msgid`` for the current reader and fill in ``params``."""
    text = translations(_current.get()).gettext(msgid)
    return text.format(**params) if params else text


def ngettext(singular: str, plural: str, n: int, **params: Any) -> str:
    text = translations(_current.get()).ngettext(singular, plural, n)
    return text.format(n=n, **params)


def format_datetime(moment: datetime, timezone: str | None = None) -> str:
    """A date and time for the current reader, in their time zone (Babel, CLDR patterns):
    "5 ian. 2026, 11:00" (ro), "Jan 5, 2026, 11:00 AM" (en)."""
    from zoneinfo import ZoneInfo

    from babel.dates import format_date, format_time

    local = moment.astimezone(ZoneInfo(timezone or "UTC"))
    language = current_language()
    return (f"{format_date(local, 'medium', locale=language)}, "
            f"{format_time(local, 'short', locale=language)}")


def valid_timezone(name: str) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def translate(text: Text) -> str:
    """Translate a ``Text`` (its parameters may be ``Text`` too)."""
    params = {k: translate(v) if isinstance(v, Text) else v for k, v in text.params.items()}
    return _(text.msgid, **params)
