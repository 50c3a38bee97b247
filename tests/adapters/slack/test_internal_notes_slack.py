"""Internal notes on Slack, through signed Slack requests and the fake Web API: nothing the bot
sends the initiator (DM, ephemeral, App Home) nor the shared triage channel carries an
internal note, while a public comment reaches his DM; ``/helpdesk history`` shows him the
public lines only and the assistant everything."""

from __future__ import annotations

import json
import re

from core.clock import ManualClock
from core.kinds import Role
from tests.adapters.slack.slackstack import TRIAGE, USERS, SlackHelpdesk, slack_helpdesk

NOTES = ("NOTE-ALPHA printer out of warranty", "NOTE-BETA ordered a new fuser")
PUBLIC = "I will come at 3 pm"


def seen_by(hd: SlackHelpdesk, who: str) -> str:
    """Every call that put something in front of ``who``: DMs, updates of them, ephemeral
    messages and App Home views."""
    user, dm = USERS[who], "D" + USERS[who]
    parts = [json.dumps(c.params, ensure_ascii=False) for c in hd.fake.calls
             if dm in (c.params.get("channel"), c.params.get("users"))
             or user in (c.params.get("user"), c.params.get("user_id"))]
    return "\n".join(parts)


def dm_texts(hd: SlackHelpdesk, who: str) -> list[str]:
    return [m.text or "" for m in hd.inbox(who)]


async def test_an_internal_note_never_reaches_the_initiator_on_slack(
        db_url: str, clock: ManualClock) -> None:
    async with slack_helpdesk(db_url, clock) as hd:
        stack = hd.stack
        for name in ("Ana", "Bogdan"):
            await stack.add_person(name, Role.ASSISTANT, slack=USERS[name])
        await stack.add_person("Ion", Role.INITIATOR, slack=USERS["Ion"])
        request_id = await stack.place("Ion")
        ref = (await stack.status(request_id)).reference
        await hd.settle()
        await hd.press("Bogdan", hd.fake.messages_in(TRIAGE)[0], "Claim")
        await hd.settle()

        # An internal note with the slash command, another from the card's button.
        await hd.command("Bogdan", f"note {ref} {NOTES[0]}")
        await hd.settle()
        assert hd.ephemerals_to("Bogdan")[-1] == f"Internal note added to {ref}."
        await hd.dm("Bogdan", ref)
        await hd.settle()
        await hd.press("Bogdan", hd.last_with("Bogdan", "Internal note"), "Internal note")
        await hd.settle()
        await hd.dm("Bogdan", NOTES[1])
        await hd.settle()
        assert dm_texts(hd, "Bogdan")[-1] == f"Internal note added to {ref}."
        # A public comment from the card.
        await hd.dm("Bogdan", ref)
        await hd.settle()
        await hd.press("Bogdan", hd.last_with("Bogdan", "Comment"), "Comment")
        await hd.settle()
        await hd.dm("Bogdan", PUBLIC)
        await hd.settle()
        assert f"Bogdan on {ref}: {PUBLIC}" in dm_texts(hd, "Ion")

        # Ion asks for the history (slash command and the card's button) and opens his Home.
        await hd.command("Ion", f"history {ref}")
        await hd.settle()
        assert f"Bogdan: comment: “{PUBLIC}”" in hd.ephemerals_to("Ion")[-1]
        await hd.dm("Ion", ref)
        await hd.settle()
        await hd.press("Ion", hd.last_with("Ion", "History"), "History")
        await hd.settle()
        assert dm_texts(hd, "Ion")[-1].startswith(f"History of {ref}:")
        await hd.event({"type": "app_home_opened", "user": USERS["Ion"], "tab": "home"})
        await hd.settle()
        assert hd.fake.home_view(USERS["Ion"]) is not None

        ion = seen_by(hd, "Ion")
        assert PUBLIC in ion
        triage = json.dumps([m.text for m in hd.fake.messages_in(TRIAGE)])
        for note in NOTES:
            tag = note.split()[0]
            assert tag not in ion and tag not in triage
        assert re.search("nternal", ion) is None
        # The assistant's own history shows both notes.
        await hd.command("Bogdan", f"history {ref}")
        await hd.settle()
        history = hd.ephemerals_to("Bogdan")[-1]
        assert all(f"internal note: “{note}”" in history for note in NOTES)
        await hd.command("Bogdan", "help")
        await hd.settle()
        shown = json.dumps(hd.fake.ephemerals[-1].blocks, ensure_ascii=False)
        assert "/helpdesk history HD-…" in shown and "/helpdesk note HD-… text" in shown
        assert hd.fake.limit_violations == 0
