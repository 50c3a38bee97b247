"""'For a client' in the console demo: the client (registered by phone, and SMS does not run
there) cannot be reached; their notices are held, not retried for ever, the staff member who
placed the request is told once, and ``helpdesk admin outbox --undeliverable`` lists them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.bots.test_cli import helpdesk
from tests.test_console_script import run_console

SCRIPT = """\
/as Ana
/new
3
1
Printer at the front desk is jammed
5
Maria Popescu +40 721 234 567
1
/as Bogdan
1
"""


def test_for_a_client_in_the_console_demo(tmp_path: Path) -> None:
    ref = f"HD-{datetime.now(UTC).year}-000001"
    out = run_console(tmp_path, SCRIPT)
    assert f"Request {ref} is placed for Maria Popescu +40721234567" in out
    assert f"You claimed {ref}" in out  # Bogdan claims: Maria's "claimed" notice is held too
    told = [line for line in out.splitlines() if "Maria Popescu cannot be reached" in line]
    assert told == [f"→ Ana: Maria Popescu cannot be reached: they have no account on a "
                    f"channel this helpdesk runs, so they were not told about {ref} "
                    f"(Peripherals). Please let them know yourself."]
    listed = helpdesk(tmp_path, "admin", "outbox", "--undeliverable")
    assert listed.returncode == 0, listed.stderr
    assert "Maria Popescu  (sms:+40721234567)  2 held since" in listed.stdout
    summary = helpdesk(tmp_path, "admin", "outbox").stdout
    assert "waiting: 0, failed: 0" in summary and "held for unreachable people: 2" in summary
