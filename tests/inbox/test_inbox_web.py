"""Link-page and portal form POSTs on the inbox: the same form posted three times (one after
another, and at once) is applied once, and every copy is shown the result of the first."""

from __future__ import annotations

import asyncio
import html
import re

from core import services
from core.clock import ManualClock
from core.kinds import Role, Status
from tests.adapters.email.emailstack import ADDRESSES, EmailHelpdesk, email_helpdesk
from tests.adapters.web.portalstack import client, csrf_of, portal_helpdesk

NONCE = re.compile(r'name="nonce" value="([^"]+)"')
BUTTON = re.compile(r'name="payload" value="([^"]+)">\s*<input type="hidden" name="csrf" '
                    r'value="([^"]+)">\s*<button[^>]*>([^<]+)</button>')


def form_of(page: str, label: str) -> dict[str, str]:
    """What a browser posts for the button ``label`` of a link page."""
    nonce = NONCE.search(page)
    assert nonce, page
    for payload, csrf, button in BUTTON.findall(page):
        if html.unescape(button) == label:
            return {"nonce": nonce.group(1), "payload": html.unescape(payload),
                    "csrf": csrf}
    raise AssertionError(f"no button {label!r}: {page}")


async def post(hd: EmailHelpdesk, url: str, form: dict[str, str]) -> tuple[int, str]:
    origin = hd.stack.app.settings.public_base_url or ""
    async with hd.http.post(url, data=form, headers={"Origin": origin}) as response:
        return response.status, await response.text()


def count(texts: list[str], needle: str) -> int:
    return sum(needle in t for t in texts)


async def test_a_link_page_post_three_times_is_applied_once(
        db_url: str, clock: ManualClock) -> None:
    async with email_helpdesk(db_url, clock) as hd:
        stack, uows = hd.stack, hd.stack.app.uow_factory
        await stack.add_person("Ion", Role.INITIATOR, email=ADDRESSES["Ion"])
        ana = await stack.add_person("Ana", Role.ASSISTANT, email=ADDRESSES["Ana"])
        rid = await stack.place("Ion", "The printer does not print")
        await hd.deliver()

        # Claim, posted three times one after another: claimed once, the same page thrice.
        link = hd.last_link("Ana")
        _status, page = await hd.open(link)
        claim = form_of(page, "Claim")
        answers = [await post(hd, link, claim) for _ in range(3)]
        assert [s for s, _p in answers] == [200] * 3, answers
        assert all("You claimed" in p for _s, p in answers)
        await hd.deliver()
        assert count([m.subject for m in hd.inbox("Ion")], "has taken your request") == 1
        assert (await stack.status(rid)).status is Status.IN_PROGRESS

        # Confirm, posted three times at once: closed once, each copy shown the result.
        await services.finish(uows, clock, actor_id=ana, request_id=rid, minutes=45,
                              note="Replaced the toner")
        await hd.deliver()
        link = hd.last_link("Ion")
        _status, page = await hd.open(link)
        confirm = form_of(page, "Confirm")
        answers = await asyncio.gather(*(post(hd, link, confirm) for _ in range(3)))
        assert [s for s, _p in answers] == [200] * 3, answers
        assert all("closed" in p for _s, p in answers)
        await hd.deliver()
        assert count([m.subject for m in hd.inbox("Ana")], "confirmed") == 1
        assert (await stack.status(rid)).status is Status.CLOSED
        events = (await stack.status(rid)).events
        assert sum(e.action == "confirm" for e in events) == 1, events

        # Another post of the used link (a new page, a new nonce) is refused as before.
        status, _page = await post(hd, link, {**confirm, "nonce": "f" * 24})
        assert status == 409
        counts = await stack.app.inbox.inbox.counts()
        assert counts == {"done": 2}, counts


async def test_a_portal_comment_three_times_is_stored_once(
        db_url: str, clock: ManualClock) -> None:
    async with portal_helpdesk(db_url, clock) as p, client() as http:
        stack = p.hd.stack
        await stack.add_person("Ion", Role.INITIATOR, email=ADDRESSES["Ion"])
        rid = await stack.place("Ion", "The printer does not print")
        await p.sign_in(http, ADDRESSES["Ion"])
        async with http.get(f"{p.base}/p/r/{rid}") as resp:
            page = await resp.text()
        nonce = NONCE.search(page)
        assert nonce, page
        form = {"csrf": csrf_of(page), "nonce": nonce.group(1), "comment": "Still broken"}

        async def send() -> tuple[int, str]:
            async with http.post(f"{p.base}/p/r/{rid}", data=form) as resp:
                return resp.status, await resp.text()

        answers = [await send() for _ in range(2)]
        answers += await asyncio.gather(*(send() for _ in range(3)))
        assert [s for s, _p in answers] == [200] * 5, answers
        bodies = [c.body for c in (await stack.status(rid)).comments]
        assert bodies.count("Still broken") == 1, bodies
        # The Comment press and the text: two events, each applied once.
        assert await stack.app.inbox.inbox.counts() == {"done": 2}

        # The same text from a freshly rendered page is a new comment.
        async with http.get(f"{p.base}/p/r/{rid}") as resp:
            page = await resp.text()
        fresh = NONCE.search(page)
        assert fresh and fresh.group(1) != nonce.group(1)
        form["nonce"] = fresh.group(1)
        assert (await send())[0] == 200
        bodies = [c.body for c in (await stack.status(rid)).comments]
        assert bodies.count("Still broken") == 2, bodies


async def test_the_portal_request_form_posted_twice_places_one_request(
        db_url: str, clock: ManualClock) -> None:
    async with portal_helpdesk(db_url, clock) as p, client() as http:
        stack = p.hd.stack
        await stack.add_person("Ion", Role.INITIATOR, email=ADDRESSES["Ion"])
        await stack.add_type("Peripherals")
        async with stack.app.uow_factory() as uow:
            peripherals = (await uow.types.list())[0]
        await p.sign_in(http, ADDRESSES["Ion"])
        async with http.get(f"{p.base}/p/new") as resp:
            page = await resp.text()
        context = re.search(r'name="context" value="([^"]*)"', page)
        nonce = NONCE.search(page)
        assert context and nonce
        form = {"type": str(peripherals.id), "description": "The mouse is dead",
                "priority": "normal", "assistant": "0", "context": html.unescape(context[1]),
                "csrf": csrf_of(page), "nonce": nonce.group(1)}
        statuses = []
        for _ in range(3):
            async with http.post(f"{p.base}/p/new", data=form,
                                 allow_redirects=False) as resp:
                statuses.append(resp.status)
        assert statuses[0] == 200 and statuses[1:] == [303, 303], statuses
        async with stack.app.uow_factory() as uow:
            ion = await uow.people.by_account("email", ADDRESSES["Ion"])
            assert ion is not None
            assert len(await uow.requests.list_for_initiator(ion.id)) == 1
