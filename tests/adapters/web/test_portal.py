"""The web portal over HTTP: magic-link sign-in (single use, 15 minutes, rate limited),
the session cookie, CSRF on every form, my requests, a request page, comment, new request,
another person's request is 404."""

from __future__ import annotations

import html
import re

from core import services
from core.clock import ManualClock
from core.kinds import Role, Status
from tests.adapters.web.portalstack import client, csrf_of, portal_helpdesk

ION = "ion@example.com"


async def test_magic_link_sign_in_and_session(db_url: str, clock: ManualClock) -> None:
    async with portal_helpdesk(db_url, clock) as p, client() as http:
        stack = p.hd.stack
        await stack.add_person("Ion", Role.INITIATOR, email=ION)
        async with http.get(f"{p.base}/p", allow_redirects=False) as resp:
            assert resp.status == 303 and resp.headers["Location"] == "/p/sign-in"

        status, page = await p.ask_link(http, "Ion@Example.com")
        assert status == 200 and "a sign-in link is on its way" in page
        link = p.magic_link(ION)
        assert "works once, for 15 minutes" in p.hd.smtp.to(ION)[-1].text

        # Opening the link only shows a button (a mail scanner signs nobody in).
        async with http.get(link) as resp:
            page = magic_page = await resp.text()
            assert resp.status == 200 and "hd_session" not in resp.cookies
        async with http.post(link, data={}, allow_redirects=False) as resp:
            assert resp.status == 403  # no form token
        async with http.post(link, data={"csrf": csrf_of(page)}, allow_redirects=False) as resp:
            assert resp.status == 303 and resp.headers["Location"] == "/p"
            cookie = resp.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
        assert "Max-Age=2592000" in cookie  # 30 days, renewed on every page

        async with http.get(f"{p.base}/p") as resp:
            page = await resp.text()
            assert resp.status == 200 and "You have no requests yet." in page
            assert "Max-Age=2592000" in resp.headers["Set-Cookie"]  # sliding

        # Used once: a second use is refused; so is a link older than 15 minutes.
        async with client() as other:
            async with other.post(link, data={"csrf": csrf_of(magic_page)},
                                  allow_redirects=False) as resp:
                assert resp.status == 410
            await p.ask_link(other, ION)
            late = p.magic_link(ION)
            assert late != link
            clock.advance(minutes=16)
            async with other.get(late) as resp:
                assert resp.status == 410 and "expired or was already used" in await resp.text()

        # Signing out needs the form token too.
        async with http.post(f"{p.base}/p/sign-out", data={}, allow_redirects=False) as resp:
            assert resp.status == 403


async def test_sign_in_requests_are_rate_limited(sqlite_url: str, clock: ManualClock) -> None:
    async with portal_helpdesk(sqlite_url, clock) as p, client() as http:
        await p.hd.stack.add_person("Ion", Role.INITIATOR, email=ION)
        statuses = [(await p.ask_link(http, ION))[0] for _ in range(6)]
        assert statuses == [200] * 5 + [429]
        assert len(p.hd.smtp.to(ION)) == 5
        status, page = await p.ask_link(http, "not an address")
        assert status == 400 and "international form" in page
        # Unknown addresses get the same answer (no probing who is registered).
        status, page = await p.ask_link(http, "nobody@example.com")
        assert status == 200 and "a sign-in link is on its way" in page


async def test_new_request_comment_and_privacy(db_url: str, clock: ManualClock) -> None:
    async with portal_helpdesk(db_url, clock) as p, client() as http:
        stack = p.hd.stack
        await stack.add_person("Ion", Role.INITIATOR, email=ION)
        await stack.add_person("Maria", Role.INITIATOR, email="maria@example.com")
        ana = await stack.add_person("Ana", Role.ASSISTANT, email="ana@example.com")
        other = await stack.place("Maria", "Maria's private problem")
        await p.sign_in(http, ION)

        async with http.get(f"{p.base}/p/new") as resp:
            page = await resp.text()
        assert resp.status == 200 and "Describe the problem in a few words." in page
        type_value = re.search(r'<option value="(\d+)"', page)
        assert type_value
        context = re.search(r'name="context" value="([^"]*)"', page)
        assert context
        form = {"type": type_value.group(1), "description": "The scanner is broken",
                "priority": "normal", "assistant": "0", "context": html.unescape(context[1])}
        async with http.post(f"{p.base}/p/new", data=form) as resp:
            assert resp.status == 403  # no CSRF token: nothing placed
        async with http.post(f"{p.base}/p/new", data={**form, "csrf": csrf_of(page)}) as resp:
            placed = await resp.text()
        assert resp.status == 200 and "is placed" in placed
        async with stack.app.uow_factory() as uow:
            ion = await uow.people.by_account("email", ION)
            assert ion is not None
            [req] = await uow.requests.list_for_initiator(ion.id)
        assert req.description == "The scanner is broken"

        async with http.get(f"{p.base}/p") as resp:
            home = await resp.text()
        assert req.reference in home and f'href="/p/r/{req.id}"' in home
        assert "Time to claim" in home or "Time to resolve" in home  # SLA left

        # A comment through the Comment button's dialog.
        async with http.post(f"{p.base}/p/r/{req.id}",
                             data={"comment": "It is model X-200", "csrf": csrf_of(home)}
                             ) as resp:
            page = await resp.text()
        assert resp.status == 200 and "Comment added to" in page
        # A file on the request.
        data = aiohttp_form(csrf_of(home))
        async with http.post(f"{p.base}/p/r/{req.id}", data=data) as resp:
            page = await resp.text()
        assert resp.status == 200 and "scan.txt" in page
        assert (await stack.status(req.id or 0)).comments[-1].body == "It is model X-200"

        # Someone else's request, or one that does not exist: 404, nothing changes.
        for rid in (other, 999999):
            async with http.get(f"{p.base}/p/r/{rid}") as resp:
                assert resp.status == 404
            async with http.post(f"{p.base}/p/r/{rid}",
                                 data={"comment": "hi", "csrf": csrf_of(home)}) as resp:
                assert resp.status == 404
        assert (await stack.status(other)).comments == []

        # Cancel while unclaimed is one of the card's buttons.
        await services.claim(stack.app.uow_factory, clock, actor_id=ana, request_id=req.id or 0)
        assert (await stack.status(req.id or 0)).status is Status.IN_PROGRESS


def aiohttp_form(csrf: str):  # type: ignore[no-untyped-def]
    import aiohttp

    data = aiohttp.FormData()
    data.add_field("csrf", csrf)
    data.add_field("file", b"scanner log", filename="scan.txt", content_type="text/plain")
    return data


async def test_notice_link_opens_the_request_signed_in(db_url: str, clock: ManualClock) -> None:
    async with portal_helpdesk(db_url, clock) as p, client() as http:
        stack = p.hd.stack
        await stack.add_person("Ion", Role.INITIATOR, email=ION)
        ana = await stack.add_person("Ana", Role.ASSISTANT, email="ana@example.com")
        rid = await stack.place("Ion")
        ref = (await stack.status(rid)).reference
        await services.claim(stack.app.uow_factory, clock, actor_id=ana, request_id=rid)
        await p.hd.deliver()
        [claimed] = p.hd.smtp.to(ION)
        view = re.search(r"View the request: (http\S+/p/v/\S+)", claimed.text)
        assert view, claimed.text
        assert f'href="{view.group(1)}"' in claimed.html
        async with http.get(view.group(1)) as resp:
            page = await resp.text()
            assert resp.status == 200 and str(resp.url).endswith(f"/p/r/{rid}")
        assert ref in page and "Sign out" in page
        # A tampered link signs nobody in.
        async with client() as other, other.get(view.group(1)[:-2] + "xx") as resp:
            assert str(resp.url).endswith("/p/sign-in")


async def test_type_fields_cancel_and_staff_queue(sqlite_url: str, clock: ManualClock) -> None:
    import dataclasses

    async with portal_helpdesk(sqlite_url, clock) as p, client() as http:
        stack = p.hd.stack
        await stack.add_person("Ion", Role.INITIATOR, email=ION)
        await stack.add_person("Ana", Role.ASSISTANT, email="ana@example.com")
        async with stack.app.uow_factory() as uow:
            onsite = await uow.types.add("On site")
            await uow.types.save(dataclasses.replace(onsite, fields=("Room",)))
            await uow.commit()
        await p.sign_in(http, ION)
        async with http.get(f"{p.base}/p/new") as resp:
            page = await resp.text()
        context = re.search(r'name="context" value="([^"]*)"', page)
        assert context
        form = {"type": str(onsite.id), "description": "The projector is dead",
                "priority": "normal", "assistant": "0", "context": html.unescape(context[1]),
                "csrf": csrf_of(page)}
        async with http.post(f"{p.base}/p/new", data=form) as resp:
            page = await resp.text()
        assert resp.status == 200 and "Room" in page and 'name="text"' in page
        async with http.post(f"{p.base}/p/step",
                             data={"text": "B-204", "csrf": csrf_of(page)}) as resp:
            page = await resp.text()
        place = re.search(r'name="payload" value="([^"]+)">\s*<input type="hidden" '
                          r'name="csrf" value="[^"]+">\s*<button type="submit">Place<', page)
        assert place, page
        async with http.post(f"{p.base}/p/step", data={"payload": html.unescape(place[1]),
                                                        "csrf": csrf_of(page)}) as resp:
            page = await resp.text()
        assert "is placed" in page
        async with stack.app.uow_factory() as uow:
            ion = await uow.people.by_account("email", ION)
            assert ion is not None
            [req] = await uow.requests.list_for_initiator(ion.id)
        assert req.fields == {"Room": "B-204"}

        # Staff: the queue, and the card's Claim button.
        async with client() as ana:
            await p.sign_in(ana, "ana@example.com")
            async with ana.get(f"{p.base}/p") as resp:
                queue = await resp.text()
            assert "Your queue" in queue and req.reference in queue

        # Cancel while unclaimed: the card's button.
        async with http.get(f"{p.base}/p/r/{req.id}") as resp:
            page = await resp.text()
        cancel = re.search(r'name="payload" value="([^"]+)">\s*<input type="hidden" '
                           r'name="csrf" value="[^"]+">\s*<button[^>]*>Cancel request<', page)
        assert cancel, page
        async with http.post(f"{p.base}/p/r/{req.id}", data={
                "payload": html.unescape(cancel[1]), "csrf": csrf_of(page)}) as resp:
            page = await resp.text()
        confirm = re.search(r'name="payload" value="([^"]+)">\s*<input type="hidden" '
                            r'name="csrf" value="[^"]+">\s*<button[^>]*>Yes, cancel it<', page)
        if confirm:  # a confirmation step, if the card asks for one
            async with http.post(f"{p.base}/p/r/{req.id}", data={
                    "payload": html.unescape(confirm[1]), "csrf": csrf_of(page)}) as resp:
                page = await resp.text()
        assert (await stack.status(req.id or 0)).status is Status.CANCELLED, page[-3000:]


async def test_sign_in_by_sms(sqlite_url: str, clock: ManualClock) -> None:
    from bots.channel_portal import Plugin as PortalPlugin
    from bots.channel_sms import Plugin as SmsPlugin
    from tests.adapters.sms.smsstack import OUR_NUMBER, SID, TOKEN
    from tests.adapters.stack import start_stack
    from tests.fakes.twilio_api import FakeTwilioAPI

    async with FakeTwilioAPI(SID, TOKEN, rate_limit=1, rate_window=0.02) as fake:
        stack = await start_stack(sqlite_url, clock, [SmsPlugin(), PortalPlugin()],
                                  twilio_account_sid=SID, twilio_auth_token=TOKEN,
                                  twilio_from_number=OUR_NUMBER,
                                  twilio_api_url=fake.base_url, sms_rate_per_second=40.0)
        try:
            await stack.add_person("Ion", Role.INITIATOR, sms="+40721234567")
            async with client() as http:
                async with http.post(f"{stack.base_url}/p/sign-in",
                                     data={"address": "+40 721 234 567"}) as resp:
                    assert resp.status == 200
                [text] = fake.messages_to("+40721234567")
                link = re.search(r"(http\S+/p/m/\S+)", text.body)
                assert link, text.body
                async with http.get(link.group(1)) as resp:
                    page = await resp.text()
                async with http.post(link.group(1), data={"csrf": csrf_of(page)}) as resp:
                    assert resp.status == 200 and "You have no requests yet." in \
                        await resp.text()
        finally:
            await stack.close()
