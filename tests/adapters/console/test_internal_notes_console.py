"""Internal notes in the console demo, typed line by line into the real console channel: no
message printed for the initiator (his replies, nor "→ Ion: …") carries one, while a public
comment reaches him; /history shows him the public lines only and the assistant everything."""

from __future__ import annotations

import io
import re

from adapters.console import ConsoleChannel, ConsoleSender
from bots.bootstrap import App
from bots.seed import seed_demo

NOTES = ("NOTE-ALPHA printer out of warranty", "NOTE-BETA ordered a new fuser")
PUBLIC = "I will come at 3 pm"
PROMPT = re.compile(r"^(\w+)> (.*)$")
NOTICE = re.compile(r"^→ (\w+)(?: \(message \d+ updated\))?: ")


def by_reader(transcript: str) -> dict[str, str]:
    """What each person was shown: replies after their prompt and "→ Name:" messages
    (continuation lines are indented)."""
    shown: dict[str, list[str]] = {}
    current = reader = ""
    for line in transcript.splitlines():
        prompt, notice = PROMPT.match(line), NOTICE.match(line)
        if prompt:
            current = reader = prompt.group(1)
            continue
        if notice:
            reader = notice.group(1)
        elif line.startswith("  bot: "):
            reader = current
        elif not line.startswith(" "):
            reader = ""
        if reader:
            shown.setdefault(reader, []).append(line)
    return {name: "\n".join(lines) for name, lines in shown.items()}


async def run_console(app: App, script: str) -> str:
    out = io.StringIO()
    app.add_sender(ConsoleSender(out), base_delay=0.0)
    assert app.worker is not None
    channel = ConsoleChannel(app.conversations.handle, app.worker.drain, intro="demo",
                             start_as="Ion", stdin=io.StringIO(script), out=out)
    await channel.run()
    return out.getvalue()


async def test_an_internal_note_never_reaches_the_initiator_in_the_console(app: App) -> None:
    await seed_demo(app.uow_factory)
    ref = f"HD-{app.clock.now().year}-000001"
    script = "\n".join([
        "/new", "3", "1", "The printer does not print", "1",  # Ion places it
        "/as Bogdan", "1",  # Bogdan claims it from his notification
        f"/note {ref} {NOTES[0]}",
        # the card: 1 Finish, 2 Release, 3 Wait, 4 Resolve as…, 5 Comment, 6 Internal note
        ref, "6", NOTES[1],
        ref, "5", PUBLIC,
        f"/history {ref}",
        "/as Ion", f"/history {ref}", ref, "3",  # Ion's card: 1 Cancel, 2 Comment, 3 History
        "/quit", "",
    ])
    transcript = await run_console(app, script)
    assert "Traceback" not in transcript
    shown = by_reader(transcript)
    ion, bogdan = shown["Ion"], shown["Bogdan"]
    assert f"→ Ion: Bogdan on {ref}: {PUBLIC}" in ion
    assert ion.count(f"History of {ref}:") == 2 and f"comment: “{PUBLIC}”" in ion
    for note in NOTES:
        assert note.split()[0] not in ion
        assert f"internal note: “{note}”" in bogdan
    assert "nternal" not in ion
