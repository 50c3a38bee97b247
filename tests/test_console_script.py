"""The seed-000 story as a newcomer runs it: ``python run_bot.py < tests/console/seed_000.txt``."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from tests.bots.test_cli import helpdesk

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tests" / "console" / "seed_000.txt"


CHANNELS = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "TELEGRAM_", "SLACK_", "TWILIO_")


def run_console(cwd: Path, script: str, *, process: bool = False) -> str:
    """The console demo fed ``script``: in its own process (``python run_bot.py``, the entry
    a newcomer runs) or, quicker, the same command in this process."""
    if process:
        env = {k: v for k, v in os.environ.items() if not k.startswith(CHANNELS)}
        result = subprocess.run(
            [sys.executable, str(ROOT / "run_bot.py")], input=script, capture_output=True,
            text=True, cwd=cwd, env=env, timeout=120,
        )
    else:
        result = helpdesk(cwd, stdin=script, clear=CHANNELS)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return result.stdout


def test_seed_000_story_from_stdin(tmp_path: Path) -> None:
    year = datetime.now(UTC).year
    script = SCRIPT.read_text().replace("HD-2026-", f"HD-{year}-")
    out = run_console(tmp_path, script, process=True)
    ref = f"HD-{year}-000001"
    expected = [
        # Ion places; both assistants are notified with a Claim button.
        f"Request {ref} is placed",
        f"→ Ana: New request {ref} (Peripherals) from Ion:",
        f"→ Bogdan: New request {ref} (Peripherals) from Ion:",
        # Bogdan wins; Ana is told and her offer is edited.
        f"You claimed {ref}",
        "was claimed by Bogdan",
        "Already claimed by Bogdan.",
        # Bogdan finishes with 1h30 (shown as "1 hour, 30 minutes"); Ion confirms.
        f"{ref} is resolved with 1 hour, 30 minutes logged",
        "Time logged: 1 hour, 30 minutes",
        f"Thank you! {ref} is confirmed with 1 hour, 30 minutes and closed.",
        f"→ Bogdan: Ion confirmed {ref} (1 hour, 30 minutes). It is closed.",
        # Bogdan can still read it (STAFF_SEE_ALL, default on) but no longer act on it.
        "Status: closed",
        # Cancel while open.
        f"HD-{year}-000002 is cancelled.",
        # Cancel refused while claimed, ask to release, release, then cancel.
        f"HD-{year}-000003 is already claimed by Ana, so it can't be cancelled now.",
        "[1] Ask Ana to release it",
        f"→ Ana: Ion would like to cancel HD-{year}-000003 and asks you to release it.",
        f"You released HD-{year}-000003; it is back in the queue.",
        f"HD-{year}-000003 is cancelled.",
        # Dispute, correct, confirm.
        f"Ion disputes HD-{year}-000004: “It took 10 minutes, not 2 hours”",
        f"Bogdan corrected the time logged on HD-{year}-000004: 2 hours → 15 minutes.",
        f"Thank you! HD-{year}-000004 is confirmed with 15 minutes and closed.",
    ]
    position = 0
    for line in expected:
        found = out.find(line, position)
        assert found >= 0, f"missing (in order): {line!r}\n---\n{out}"
        position = found
    assert (tmp_path / "helpdesk.db").exists()


def test_second_start_does_not_seed_again(tmp_path: Path) -> None:
    run_console(tmp_path, "/quit\n")
    out = run_console(tmp_path, "/new\n/quit\n")
    assert out.count("Ion          initiator") == 1
    assert "[1] Integrat.STS  [2] Intervention on site  [3] Peripherals\n" in out
