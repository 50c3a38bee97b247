"""Every message id in the code is in every catalog, translated, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from core.i18n import DOMAIN, LANGUAGES, LOCALE_DIR

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def code_messages() -> set[str]:
    method_map = [
        ("core/**.py", "python"),
        ("conversations/**.py", "python"),
        ("adapters/**.py", "python"),
        ("adapters/**/templates/**.html", "jinja2"),
    ]
    options = {"adapters/**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def catalog(language: str):  # type: ignore[no-untyped-def]
    with (LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as fh:
        # abort_invalid: a malformed catalog (e.g. a bad merge) fails here
        return read_po(fh, locale=language, abort_invalid=True)


MESSAGES = sorted(code_messages())


def test_messages_were_found() -> None:
    assert len(MESSAGES) > 100
    assert "Already claimed by {name}." in MESSAGES


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_has_every_message(language: str) -> None:
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog(language) if m.id}
    missing = [m for m in MESSAGES if m not in ids]
    assert not missing, f"{language} lacks {len(missing)} messages (run scripts/i18n.py update): " \
                        f"{missing[:10]}"


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_message_is_translated_with_the_same_placeholders(language: str) -> None:
    problems = []
    for message in catalog(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated: {ids[0]!r}")
            continue
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for text in strings:
            if set(PLACEHOLDER.findall(text)) != wanted:
                problems.append(f"placeholders differ: {ids[0]!r} → {text!r}")
    assert not problems, f"{language}: {len(problems)} problems, e.g. {problems[:8]}"
