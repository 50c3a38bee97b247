"""Internal notes on Telegram, over the real webhook and the fake Bot API: the initiator's chat
never receives one (no sendMessage, no edit, no toast carries it), while a public comment
reaches it; /history and the History button show him the public lines only."""

from __future__ import annotations

import json
import re

from tests.adapters.telegram.test_telegram_story import place_request
from tests.adapters.telegram.tgstack import TelegramStack

NOTES = ("NOTE-ALPHA printer out of warranty", "NOTE-BETA ordered a new fuser")
PUBLIC = "I will come at 3 pm"



def seen_by(tg: TelegramStack, who: str) -> str:
    """Everything the bot ever sent or edited into ``who``'s chat, and every toast."""
    chat = tg.users[who]
    parts = [json.dumps(c.params, ensure_ascii=False) for c in tg.fake.calls
             if c.params.get("chat_id") == chat]
    parts += tg.toasts()
    return "\n".join(parts)


async def test_an_internal_note_never_reaches_the_initiator_on_telegram(
        tg: TelegramStack) -> None:
    await place_request(tg)
    ref = re.search(r"HD-\d{4}-\d{6}", tg.texts("Ana")[-1]).group(0)  # type: ignore[union-attr]
    await tg.press("Bogdan", "Claim")
    # Two internal notes: the /note command, and the card's Internal note button.
    await tg.say("Bogdan", f"/note {ref} {NOTES[0]}")
    assert tg.texts("Bogdan")[-1] == f"Internal note added to {ref}."
    await tg.say("Bogdan", ref)
    await tg.press("Bogdan", "Internal note")
    await tg.say("Bogdan", NOTES[1])
    # A public comment, the same way.
    await tg.say("Bogdan", ref)
    await tg.press("Bogdan", "Comment")
    await tg.say("Bogdan", PUBLIC)
    await tg.deliver()
    assert f"Bogdan on {ref}: {PUBLIC}" in tg.texts("Ion")
    # Ion looks at the history both ways.
    await tg.say("Ion", f"/history {ref}")
    assert f"Bogdan: comment: “{PUBLIC}”" in tg.texts("Ion")[-1]
    await tg.say("Ion", ref)
    await tg.press("Ion", "History")
    assert tg.texts("Ion")[-1].startswith(f"History of {ref}:")
    await tg.deliver()

    ion = seen_by(tg, "Ion")
    assert PUBLIC in ion
    for note in NOTES:
        assert note.split()[0] not in ion
    assert "nternal" not in ion
    # The assistant who holds it reads them in his history.
    await tg.say("Bogdan", f"/history {ref}")
    history = tg.texts("Bogdan")[-1]
    assert all(f"internal note: “{note}”" in history for note in NOTES)
    assert tg.fake.limit_violations == 0
