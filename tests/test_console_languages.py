"""The seed-000 console story in each language, with no English left in the bot's replies."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from core.i18n import DOMAIN, LOCALE_DIR
from tests.bots.test_cli import helpdesk
from tests.test_console_script import CHANNELS

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tests" / "console" / "seed_000.txt"
CONSOLE_UI = re.compile(r"^(\S+> |You are |Bye\.|Usage: )")


def english_fragments(language: str) -> set[str]:
    """Literal pieces (≥ 2 words) of every English message that the catalog translates."""
    with (LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as fh:
        catalog = read_po(fh)
    fragments: set[str] = set()
    for message in catalog:
        if not message.id or message.string == message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        for piece in re.split(r"\{\w*\}|\n", source):
            piece = piece.strip(" .,:;!?“”()–-")
            if len(piece) >= 8 and " " in piece:
                fragments.add(piece)
    return fragments


def bot_output(stdout: str) -> str:
    """What the bot said: replies and notifications, without the console's own lines."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("You are "))
    return "\n".join(line for line in lines[start:] if not CONSOLE_UI.match(line))


@pytest.mark.parametrize("language", ["en", "ro", "pt", "pl", "ru"])
def test_console_story_in_each_language(tmp_path: Path, language: str) -> None:
    year = datetime.now(UTC).year
    script = SCRIPT.read_text().replace("HD-2026-", f"HD-{year}-")
    result = helpdesk(tmp_path, stdin=script, clear=CHANNELS, DEFAULT_LANGUAGE=language)
    assert result.returncode == 0, result.stderr
    said = bot_output(result.stdout)
    # The story went all the way: four requests, the last one confirmed and closed.
    assert f"HD-{year}-000004" in said
    assert said.count(f"HD-{year}-000001") >= 5
    if language == "en":
        assert "is confirmed with 15 minutes and closed" in said
        return
    left = sorted(f for f in english_fragments(language) if f in said)
    assert not left, f"English left in the {language} story: {left[:10]}\n---\n{said}"
    assert "[1]" in said  # menus are still numbered
