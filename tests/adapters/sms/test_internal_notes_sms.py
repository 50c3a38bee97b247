"""Internal notes by SMS, through Twilio's signed inbound webhook and the fake Twilio API: no
text the initiator's phone receives carries one, while a public comment does; HISTORY shows
him the public lines only and the assistant everything."""

from __future__ import annotations

import re

from core.clock import ManualClock
from core.kinds import Role
from tests.adapters.sms.smsstack import PHONES, SmsHelpdesk, sms_helpdesk

NOTES = ("NOTE-ALPHA printer out of warranty", "NOTE-BETA ordered a new fuser")
PUBLIC = "I will come at 3 pm"


def digit_for(said: str, label: str) -> str:
    """The number to text for ``label`` in "Reply 1 for Finish, 2 for Release, …"."""
    found = re.search(rf"(\d+) for {re.escape(label)}\b", said)
    assert found, f"no {label!r} in {said!r}"
    return found.group(1)


async def worked_by_sms(hd: SmsHelpdesk) -> str:
    """Ion places a request by SMS, Bogdan claims it on his link page, then writes two
    internal notes (the /note command and the card's menu) and a public comment by SMS."""
    stack = hd.stack
    await stack.add_type("Peripherals")
    for name in ("Ana", "Bogdan"):
        await stack.add_person(name, Role.ASSISTANT, sms=PHONES[name])
    await hd.text("Ion", "NEW")
    await hd.text("Ion", "1")  # Peripherals
    await hd.text("Ion", "1")  # anyone
    await hd.text("Ion", "The printer does not print")
    said = await hd.text("Ion", "1")  # Place
    ref = re.search(r"HD-\d{4}-\d{6}", said).group(0)  # type: ignore[union-attr]
    await hd.deliver()
    status, page = await hd.press(hd.last_link("Bogdan"), "Claim")
    assert status == 200 and "You claimed" in page

    assert f"Internal note added to {ref}." in await hd.text("Bogdan", f"/note {ref} {NOTES[0]}")
    card = await hd.text("Bogdan", ref)
    assert "will not see it" in await hd.text("Bogdan", digit_for(card, "Internal note"))
    assert f"Internal note added to {ref}." in await hd.text("Bogdan", NOTES[1])
    card = await hd.text("Bogdan", ref)
    await hd.text("Bogdan", digit_for(card, "Comment"))
    assert f"Comment added to {ref}." in await hd.text("Bogdan", PUBLIC)
    await hd.deliver()
    return ref


async def test_an_internal_note_never_reaches_the_initiator_by_sms(
        db_url: str, clock: ManualClock) -> None:
    async with sms_helpdesk(db_url, clock) as hd:
        ref = await worked_by_sms(hd)
        assert any(f"Bogdan on {ref}: {PUBLIC}" in m.body for m in hd.inbox("Ion"))
        # His history, by keyword and from his card's menu.
        said = await hd.text("Ion", "HISTORY")
        assert said.startswith(f"History of {ref}:") and f'comment: "{PUBLIC}"' in said
        card = await hd.text("Ion", ref)
        assert f"History of {ref}:" in await hd.text("Ion", digit_for(card, "History"))
        await hd.deliver()

        ion = "\n".join(m.body for m in hd.inbox("Ion"))
        assert PUBLIC in ion
        for note in NOTES:
            assert note.split()[0] not in ion
        assert "nternal" not in ion
        # Bogdan's history has both notes (GSM-7 quotes on SMS).
        said = await hd.text("Bogdan", f"/history {ref}")
        assert all(f'internal note: "{note}"' in said for note in NOTES)
