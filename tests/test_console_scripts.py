"""Issue 18 acceptance in the console demo: ``helpdesk admin load-scripts`` refuses a script
with a cycle and an unreachable node (naming both) and loads the example; a 3-level script is
walked forward and back in English and in Romanian (numbers for buttons); the answers reach
the assistant's card with the notes; "solved" places nothing and is counted by
``helpdesk report deflections``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.bots.test_cli import helpdesk
from tests.core.test_scripts import CYCLE_AND_UNREACHABLE
from tests.test_console_script import run_console

ROOT = Path(__file__).resolve().parents[1]

WALK = """\
/new
3
1
2
3
2
2
1
The printer does not start
1
/as Ana
{ref}
/as Ion
/language ro
/new
3
2
3
2
1
/quit
"""


def test_scripts_in_the_console(tmp_path: Path) -> None:
    run_console(tmp_path, "/quit\n")  # the demo's people and types
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "printers.yaml").write_text(CYCLE_AND_UNREACHABLE.replace("Printers", "Peripherals"))
    refused = helpdesk(tmp_path, "admin", "load-scripts", str(bad))
    assert refused.returncode == 1
    assert refused.stderr.splitlines() == [
        f"{bad / 'printers.yaml'}:11: node 'loop_a': a cycle with no exit: from loop_a, loop_b "
        "neither solved nor place can be reached",
        f"{bad / 'printers.yaml'}:21: node 'orphan': unreachable node: no answer leads to it "
        "from the start node 'start'",
        "helpdesk: 2 problem(s); nothing was loaded"]
    loaded = helpdesk(tmp_path, "admin", "load-scripts", str(ROOT / "examples" / "scripts"))
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout == "loaded: peripherals for 'Peripherals' (5 nodes, languages en, " \
                            "ro)\n"

    ref = f"HD-{datetime.now(UTC).year}-000001"
    out = run_console(tmp_path, WALK.format(ref=ref))
    expected = [
        # English: forward to the third level, Back, then "No" twice: place the request.
        "bot: Which device is it?",
        "[1] Printer  [2] Mouse or keyboard  [3] Something else  [4] Back",
        "bot: Is the printer switched on, with a green light?",
        "The power button is on the front",
        "bot: Please check that the power cable is plugged in at both ends.",
        "[1] Yes, it works now  [2] No  [3] Back",
        "bot: Is the printer switched on, with a green light?",  # Back
        "bot: Please check that the power cable is plugged in at both ends.",
        "Who should handle it?",
        "Troubleshooting answers:",
        f"Request {ref} is placed.",
        # Ana's card: the answers with the notes for assistants.
        f"{ref} — Peripherals",
        "• Which device is it? → Printer",
        "Note for the assistant: Ask for the inventory label",
        "• Is the printer switched on, with a green light? → No",
        "• Please check that the power cable is plugged in at both ends. Does it start now? "
        "→ No",
        "Note for the assistant: If the cable was fine, the power supply is probably broken",
        # Romanian: forward, Back, forward again, solved.
        "bot: Despre ce dispozitiv este vorba?",
        "[1] Imprimantă  [2] Mouse sau tastatură  [3] Altceva  [4] Înapoi",
        "bot: Scoateți dispozitivul și conectați-l în alt port USB. Merge acum?",
        "bot: Despre ce dispozitiv este vorba?",
        "bot: Scoateți dispozitivul și conectați-l în alt port USB. Merge acum?",
        "bot: Ne bucurăm că s-a rezolvat! Nu a fost plasată nicio cerere.",
    ]
    position = 0
    for line in expected:
        found = out.find(line, position)
        assert found >= 0, f"missing (in order): {line!r}\n---\n{out[position:]}"
        position = found
    assert f"HD-{datetime.now(UTC).year}-000002" not in out  # solved: nothing placed
    initiator_part = out[:out.find("You are Ana.")]
    assert "Note for the assistant" not in initiator_part  # Ion never reads the notes

    csv_path = tmp_path / "deflections.csv"
    report = helpdesk(tmp_path, "report", "deflections", "--csv", str(csv_path))
    assert report.returncode == 0, report.stderr
    assert "peripherals" in report.stdout
    assert csv_path.read_text().splitlines() == [
        "source,script,type,deflected,not helpful,deflection rate",
        "script,peripherals,Peripherals,1,1,50%"]
