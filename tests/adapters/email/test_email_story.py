"""E-mail end to end against a local SMTP server: offers with Claim links, the initiator's
notices, the unsubscribe link (GET asks, POST unsubscribes), mandatory notices afterwards."""

from __future__ import annotations

import re

from adapters.web import UnsubscribeSigner
from core import services
from core.clock import ManualClock
from core.kinds import Role, Status
from core.messages import Inbound, Reply
from tests.adapters.email.emailstack import ADDRESSES, FROM, email_helpdesk
from tests.conftest import SECRET

SUBJECT = "The printer does not print"  # the request's subject rides in every e-mail subject


def flat(header: str) -> str:
    """A header without the line folding long ones get."""
    return " ".join(header.split())


async def test_email_story_with_unsubscribe(db_url: str, clock: ManualClock) -> None:
    async with email_helpdesk(db_url, clock) as hd:
        stack, uows = hd.stack, hd.stack.app.uow_factory
        preferences = stack.app.preferences
        assert preferences is not None
        ion = await stack.add_person("Ion", Role.INITIATOR, email=ADDRESSES["Ion"])
        ana = await stack.add_person("Ana", Role.ASSISTANT, email=ADDRESSES["Ana"])
        rid = await stack.place("Ion", "The printer does not print")
        ref = (await stack.status(rid)).reference

        # The assistant (e-mail only) gets the offer with a Claim link, and claims on its page.
        await hd.deliver()
        [offer] = hd.inbox("Ana")
        assert offer.mail_from == "help@hd.example.com" and offer.message["From"] == FROM
        # The request's subject is in the e-mail subject (issue 16).
        assert flat(offer.subject) == \
            f"New request {ref} (Peripherals) from Ion: The printer does not print"
        assert "The printer does not print" in offer.text and "Claim: http" in offer.text
        assert 'href="http' in offer.html
        status, page = await hd.press(hd.last_link("Ana"), "Claim")
        assert status == 200 and "You claimed" in page
        assert "by text message" not in page  # e-mail only: no SMS hint

        # The initiator is told, with an unsubscribe link in the e-mail and its headers.
        await hd.deliver()
        [claimed] = hd.inbox("Ion")
        assert flat(claimed.subject) == \
            f"Ana has taken your request {ref} and will contact you. — {SUBJECT}"
        unsubscribe = hd.unsubscribe_link("Ion")
        assert claimed.message["List-Unsubscribe"] == f"<{unsubscribe}>"
        # An http:// link (this test server) is no one-click link (RFC 8058 §3.1).
        assert claimed.message["List-Unsubscribe-Post"] is None

        # Opening the link (a preview, a mail scanner, the person) only asks.
        for _ in range(2):
            status, page = await hd.open(unsubscribe)
            assert status == 200 and "Stop these notices" in page
        assert not await preferences.notices_off(ion)

        # A form post without the page's token changes nothing; the button does.
        async with hd.http.post(unsubscribe, data={"payload": "off", "csrf": "forged"}) as resp:
            assert resp.status == 400
        assert not await preferences.notices_off(ion)
        status, page = await hd.press(unsubscribe, "Stop these notices")
        assert status == 200 and "you will no longer get notices about status changes" in page
        assert "Turn them back on" in page
        assert await preferences.notices_off(ion)

        # Status changes no longer reach Ion (done, not failed); offers still reach Ana.
        await services.release(uows, clock, actor_id=ana, request_id=rid)
        await hd.deliver()
        assert len(hd.inbox("Ion")) == 1
        assert len(hd.inbox("Ana")) == 2
        async with uows() as uow:
            assert await uow.outbox.pending_count() == 0

        # A question (comment) and the resolution still arrive.
        await services.claim(uows, clock, actor_id=ana, request_id=rid)
        await services.comment(uows, clock, actor_id=ana, request_id=rid,
                               body="Which printer model is it?")
        await services.finish(uows, clock, actor_id=ana, request_id=rid, minutes=45,
                              note="Replaced the toner")
        await hd.deliver()
        subjects = [flat(m.subject) for m in hd.inbox("Ion")]
        assert subjects[1:] == [f"Ana on {ref}: Which printer model is it? — {SUBJECT}",
                                f"{ref} was resolved by Ana. — {SUBJECT}"]
        resolved = hd.inbox("Ion")[-1]
        assert "Confirm / Dispute: http" in resolved.text and "Note: Replaced the toner" in \
            resolved.text
        status, page = await hd.press(hd.last_link("Ion"), "Confirm")
        assert status == 200 and "closed" in page
        assert (await stack.status(rid)).status is Status.CLOSED

        # The "confirmed" notice to Ana is a status change: she still has notices on.
        await hd.deliver()
        assert flat(hd.inbox("Ana")[-1].subject) == \
            f"Ion confirmed {ref} (45 minutes). It is closed. — {SUBJECT}"

        # Turning notices back on works from the same page.
        status, page = await hd.press(unsubscribe, "Turn them back on")
        assert status == 200 and "again" in page and not await preferences.notices_off(ion)


async def test_romanian_reader_and_one_click(sqlite_url: str, clock: ManualClock) -> None:
    async with email_helpdesk(sqlite_url, clock) as hd:
        stack, uows = hd.stack, hd.stack.app.uow_factory
        async with uows() as uow:
            person = await uow.people.add("Ion", Role.INITIATOR, "ro")
            await uow.people.add_account(person.id, "email", ADDRESSES["Ion"])
            await uow.commit()
        stack.people["Ion"] = ion = person.id
        ana = await stack.add_person("Ana", Role.ASSISTANT, email=ADDRESSES["Ana"])
        rid = await stack.place("Ion")
        await services.claim(uows, clock, actor_id=ana, request_id=rid)
        await hd.deliver()
        [claimed] = hd.inbox("Ion")
        assert claimed.subject.startswith("Ana a preluat cererea dvs. HD-")
        assert claimed.message["Content-Language"] == "ro"
        assert "Opriți notificările" in claimed.text and "Opriți notificările" in claimed.html
        unsubscribe = hd.unsubscribe_link("Ion")
        status, page = await hd.open(unsubscribe)
        assert status == 200 and 'lang="ro"' in page and "Opriți aceste notificări" in page

        # Another site cannot post the form; a mail program's one-click POST works.
        _s, page = await hd.open(unsubscribe)
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        assert csrf
        async with hd.http.post(unsubscribe, data={"payload": "off", "csrf": csrf.group(1)},
                                headers={"Origin": "https://evil.example"}) as resp:
            assert resp.status == 403
        assert stack.app.preferences is not None
        assert not await stack.app.preferences.notices_off(ion)
        async with hd.http.post(unsubscribe, data={"List-Unsubscribe": "One-Click"}) as resp:
            assert resp.status == 200
        assert await stack.app.preferences.notices_off(ion)


async def test_bad_and_expired_unsubscribe_links(sqlite_url: str, clock: ManualClock) -> None:
    async with email_helpdesk(sqlite_url, clock) as hd:
        ion = await hd.stack.add_person("Ion", Role.INITIATOR, email=ADDRESSES["Ion"])
        base = hd.stack.base_url
        token = UnsubscribeSigner(SECRET, clock).make(ion)
        for url, code, words in [
            (f"{base}/u/{token}x", 400, "This link is not valid"),
            (f"{base}/u/{hd.stack.signer.make(ion, 1, 'confirm')}", 400, "not valid"),
            (f"{base}/u/{UnsubscribeSigner('another-secret-0123456', clock).make(ion)}", 400,
             "not valid"),
        ]:
            status, page = await hd.open(url)
            assert (status, words in page) == (code, True), (url, page)
            async with hd.http.post(url, data={"List-Unsubscribe": "One-Click"}) as resp:
                assert resp.status == code
        clock.advance(days=401)
        status, page = await hd.open(f"{base}/u/{token}")
        assert status == 410 and "This link has expired." in page
        assert hd.stack.app.preferences is not None
        assert not await hd.stack.app.preferences.notices_off(ion)


async def test_smtp_failure_is_retried_through_the_outbox(sqlite_url: str,
                                                          clock: ManualClock) -> None:
    async with email_helpdesk(sqlite_url, clock) as hd:
        app = hd.stack.app
        sender = app.senders["email"]
        app.add_sender(sender, clock=clock, base_delay=2.0)
        await hd.stack.add_person("Ion", Role.INITIATOR, email=ADDRESSES["Ion"])
        await hd.stack.add_person("Ana", Role.ASSISTANT, email=ADDRESSES["Ana"])
        await hd.stack.place("Ion")
        hd.smtp.fail_next = 1
        await hd.deliver()
        assert hd.inbox("Ana") == [] and hd.smtp.refused == 1
        async with app.uow_factory() as uow:
            assert await uow.outbox.pending_count() == 1
        clock.advance(seconds=2.5)
        await hd.deliver()
        assert len(hd.inbox("Ana")) == 1
        async with app.uow_factory() as uow:
            assert await uow.outbox.pending_count() == 0


async def test_a_client_registered_by_e_mail_is_told_by_e_mail(sqlite_url: str,
                                                               clock: ManualClock) -> None:
    """Ana places a request for a client who phoned; the client, new to the helpdesk, is
    registered with their e-mail address and told there (the later notices follow)."""
    async with email_helpdesk(sqlite_url, clock) as hd:
        await hd.stack.add_type("Peripherals")
        await hd.stack.add_person("Ana", Role.ASSISTANT, email=ADDRESSES["Ana"])
        await hd.stack.add_person("Bogdan", Role.ASSISTANT, email=ADDRESSES["Bogdan"])
        replies: list[Reply] = []

        async def ana(text: str | None = None, press: str | None = None) -> None:
            payload = None
            if press is not None:
                payload = next(b.payload for r in replies for b in r.buttons if b.label == press)
            replies[:] = await hd.stack.app.conversations.handle(
                Inbound("email", ADDRESSES["Ana"], text=text, payload=payload))

        await ana("/new")
        await ana(press="Peripherals")
        await ana(press="Anyone")
        await ana("Laptop does not boot")
        await ana(press="For a client")
        await ana("Joana Silva <Joana@Example.PT>")
        await ana(press="Place")
        assert "is placed for Joana Silva joana@example.pt" in replies[0].text
        await hd.deliver()
        [told] = hd.smtp.to("joana@example.pt")
        assert told.subject.startswith("Ana registered your request HD-")
        status, page = await hd.press(hd.last_link("Bogdan"), "Claim")
        assert status == 200
        await hd.deliver()
        assert "Bogdan has taken your request" in hd.smtp.to("joana@example.pt")[-1].subject
