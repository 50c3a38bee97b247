"""Keep the translation catalogs in step with the code.

    python scripts/i18n.py update   # extract messages into core/locale/helpdesk.pot and
                                    # merge them into every language's .po file
    python scripts/i18n.py check    # report untranslated or fuzzy entries

Catalogs are compiled in memory when the bot starts (core.i18n.translations); there is no
build step.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.i18n import DOMAIN, LANGUAGES, LOCALE_DIR  # noqa: E402

POT = LOCALE_DIR / f"{DOMAIN}.pot"
KEYWORDS = ["-k", "_", "-k", "N_", "-k", "ngettext:1,2"]


def pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True,
                   cwd=ROOT)


def update() -> None:
    pybabel("extract", "-F", "babel.cfg", *KEYWORDS, "--no-location", "--sort-output",
            "--omit-header", "-o", str(POT), ".")
    for language in LANGUAGES:
        po = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        if po.exists():
            pybabel("update", "-i", str(POT), "-d", str(LOCALE_DIR), "-D", DOMAIN, "-l",
                    language, "--no-fuzzy-matching", "--ignore-obsolete")
        else:
            pybabel("init", "-i", str(POT), "-d", str(LOCALE_DIR), "-D", DOMAIN, "-l", language)


def check() -> int:
    from babel.messages.pofile import read_po

    problems = 0
    for language in LANGUAGES:
        if language == "en":
            continue
        po = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        with po.open("rb") as fh:
            catalog = read_po(fh)
        missing = [m.id for m in catalog if m.id and (not m.string or m.fuzzy
                   or (isinstance(m.string, tuple) and not all(m.string)))]
        problems += len(missing)
        print(f"{language}: {len(catalog)} messages, {len(missing)} untranslated or fuzzy")
        for msgid in missing[:20]:
            print(f"   {msgid!r}")
    return 1 if problems else 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "update"
    if command == "update":
        update()
    elif command == "check":
        sys.exit(check())
    else:
        sys.exit(__doc__)
