"""Incoming e-mail end to end, against a local IMAP server (tests/fakes/imap_server.py, an
asyncio IMAP4rev1 subset) and ``POST /email/inbound``: a new request by e-mail, a reply that
threads in, auto-replies and bounces that create nothing, each message processed once even
when fetched twice or when the process dies between fetching and storing."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from adapters.email.imap import ImapFetcher, parse_imap_url
from bots.channel_email_inbound import Plugin as InboundPlugin
from core import services
from core.clock import ManualClock
from core.kinds import Role, Status, WaitReason
from core.model import Request
from persistence.db import make_engine
from tests.adapters.email.emailstack import EmailHelpdesk, email_helpdesk
from tests.adapters.email.mails import bounce, mail, new_id
from tests.fakes.imap_server import FakeImapServer

INBOUND_SECRET = "inbound-secret-0123456789"
MARIA = '"Maria Pop" <maria@example.com>'


@dataclass
class Inbox:
    hd: EmailHelpdesk
    imap: FakeImapServer
    plugin: InboundPlugin

    async def fetch(self) -> int:
        assert self.plugin.fetcher is not None
        return await self.plugin.fetcher.fetch_once()

    async def post(self, raw: bytes, secret: str | None = INBOUND_SECRET) -> int:
        headers = {"Content-Type": "message/rfc822"}
        if secret is not None:
            headers["Authorization"] = "Basic " + base64.b64encode(
                f"inbound:{secret}".encode()).decode()
        url = f"{self.hd.stack.base_url}/email/inbound"
        async with self.hd.http.post(url, data=raw, headers=headers) as response:
            return response.status

    async def requests_of(self, address: str) -> list[Request]:
        async with self.hd.stack.app.uow_factory() as uow:
            person = await uow.people.by_account("email", address)
            if person is None:
                return []
            return await uow.requests.list_for_initiator(person.id, limit=50)



async def clear_mail_tables(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE email_messages, email_undeliverable"))
    await engine.dispose()


@asynccontextmanager
async def inbox(db_url: str, clock: ManualClock, *, idle: bool = True,
                **settings: Any) -> AsyncIterator[Inbox]:
    await clear_mail_tables(db_url)
    async with FakeImapServer(idle=idle) as imap:
        plugin = InboundPlugin()
        async with email_helpdesk(db_url, clock, imap_url=imap.url,
                                  email_inbound_secret=INBOUND_SECRET,
                                  email_default_type="Peripherals",
                                  extra_plugins=[plugin], **settings) as hd:
            async with hd.stack.app.uow_factory() as uow:
                have = {t.name for t in await uow.types.list()}
            for name in ("Intervention on site", "Peripherals"):
                if name not in have:
                    await hd.stack.add_type(name)
            await hd.stack.add_person("Ana", Role.ASSISTANT, email="ana@example.com")
            await hd.stack.add_person("Sam", Role.SUPERVISOR, email="sam@example.com")
            try:
                yield Inbox(hd, imap, plugin)
            finally:
                if plugin.fetcher is not None:
                    await plugin.fetcher.close()


async def test_request_by_email_reply_threads_in(db_url: str, clock: ManualClock) -> None:
    async with inbox(db_url, clock) as box:
        hd, stack = box.hd, box.hd.stack
        uows = stack.app.uow_factory
        first_id = new_id()
        box.imap.deliver(mail(MARIA, "Printer on floor 2 jams",
                              "It jams on every page.\n\nMaria\n\n-- \nMaria Pop\nFinance",
                              message_id=first_id,
                              files=(("jam.jpg", "image/jpeg", b"\xff\xd8jpeg"),)))
        assert await box.fetch() == 1
        assert box.imap.unseen == []  # flagged \Seen after the request was stored

        # An unknown address (open registration) became an initiator; the e-mail's subject is
        # the request's subject and the description's first line.
        [req] = await box.requests_of("maria@example.com")
        assert req.subject == "Printer on floor 2 jams"
        assert req.description == "Printer on floor 2 jams\n\nIt jams on every page.\n\nMaria"
        assert req.status is Status.OPEN
        async with uows() as uow:
            person = await uow.people.by_account("email", "maria@example.com")
            rtype = await uow.types.get(req.type_id)
        assert person is not None and person.name == "Maria Pop"
        assert rtype is not None and rtype.name == "Peripherals"  # EMAIL_DEFAULT_TYPE
        assert stack.app.attachments is not None
        files = await stack.app.attachments.index.for_request(req.id or 0)
        assert [f.name for f in files] == ["jam.jpg"]

        # She is answered in the same thread with the reference; Ana gets the offer.
        [ack] = hd.smtp.to("maria@example.com")
        assert ack.subject.strip() == f"Request {req.reference} is placed. I will tell you when " \
                              "someone takes it."
        assert ack.message["In-Reply-To"] == first_id
        await hd.deliver()
        assert any(req.reference in m.subject for m in hd.smtp.to("ana@example.com"))

        # Ana asks a question; Maria's reply to that notice (webhook) answers it.
        ana = stack.people["Ana"]
        await services.claim(uows, clock, actor_id=ana, request_id=req.id or 0)
        await services.wait(uows, clock, actor_id=ana, request_id=req.id or 0,
                            reason=WaitReason.CUSTOMER, question="Which tray do you use?")
        await hd.deliver()
        question = hd.smtp.to("maria@example.com")[-1]
        assert "Which tray do you use?" in question.text
        assert req.reference in str(question.message["Message-ID"])
        reply = mail(MARIA, f"Re: {question.subject}",
                     "The bottom tray.\n\nOn Sun, 29 Nov 2026 at 10:15, Helpdesk "
                     "<help@hd.example.com> wrote:\n> Which tray do you use?\n",
                     in_reply_to=str(question.message["Message-ID"]))
        assert await box.post(reply) == 204
        now = await stack.status(req.id or 0)
        assert now.status is Status.IN_PROGRESS
        assert now.comments[-1].body == "The bottom tray."
        assert len(await box.requests_of("maria@example.com")) == 1

        # Inside the feedback window a reply reopens the resolved request.
        await services.finish(uows, clock, actor_id=ana, request_id=req.id or 0, minutes=30,
                              note="Cleaned the tray")
        assert await box.post(mail(MARIA, f"Re: {req.reference} was resolved by Ana.",
                                   "It jams again.")) == 204
        now = await stack.status(req.id or 0)
        assert now.status is Status.IN_PROGRESS and now.comments[-1].body == "It jams again."
        assert len(await box.requests_of("maria@example.com")) == 1


async def test_auto_replies_and_bounces_create_nothing(db_url: str, clock: ManualClock) -> None:
    async with inbox(db_url, clock) as box:
        hd, stack = box.hd, box.hd.stack
        ion = await stack.add_person("Ion", Role.INITIATOR, email="ion@example.com")
        rid = await stack.place("Ion")
        ref = (await stack.status(rid)).reference
        before = len(hd.smtp.received)
        box.imap.deliver(mail("ion@example.com", f"Automatic reply: {ref}", "Out of office",
                              headers={"Auto-Submitted": "auto-replied"}))
        box.imap.deliver(mail("news@example.com", "Our newsletter", "Buy now",
                              headers={"Precedence": "bulk"}))
        box.imap.deliver(bounce("ion@example.com", f"Ana has taken your request {ref}"))
        assert await box.fetch() == 3
        assert box.imap.unseen == []
        assert len(await box.requests_of("ion@example.com")) == 1
        assert await box.requests_of("news@example.com") == []
        assert (await stack.status(rid)).comments == []
        assert len(hd.smtp.received) == before  # nobody is answered: no loops

        # The bounced address is undeliverable: notices to it are not sent (done, not
        # failed), until mail comes from it again.
        await services.claim(stack.app.uow_factory, clock, actor_id=stack.people["Ana"],
                             request_id=rid)
        await hd.deliver()
        assert hd.smtp.to("ion@example.com") == []
        assert await box.post(mail("ion@example.com", f"Re: {ref}", "I am back.")) == 204
        await services.comment(stack.app.uow_factory, clock, actor_id=stack.people["Ana"],
                               request_id=rid, body="Welcome back")
        await hd.deliver()
        assert [m for m in hd.smtp.to("ion@example.com") if "Welcome back" in m.text]
        assert ion


async def test_each_message_is_processed_once(db_url: str, clock: ManualClock) -> None:
    async with inbox(db_url, clock) as box:
        same = mail(MARIA, "Scanner broken", "It does not scan.")
        box.imap.deliver(same)
        box.imap.deliver(same)  # the same message twice in the mailbox
        assert await box.fetch() == 2
        assert await box.post(same) == 204  # and pushed by the provider as well
        assert len(await box.requests_of("maria@example.com")) == 1

        # Stored, but flagging \Seen failed: fetched again, recognised, flagged, not repeated.
        box.imap.fail_store = 1
        box.imap.deliver(mail(MARIA, "Mouse broken", "It does not click."))
        await box.fetch()
        assert len(box.imap.unseen) == 1
        await box.fetch()
        assert box.imap.unseen == []
        assert len(await box.requests_of("maria@example.com")) == 2


async def test_killed_after_fetch_before_commit(db_url: str, clock: ManualClock) -> None:
    async with inbox(db_url, clock) as box:
        box.imap.deliver(mail(MARIA, "Keyboard broken", "Keys stick."))
        fetched = asyncio.Event()

        async def dies_before_storing(raw: bytes) -> None:
            fetched.set()
            await asyncio.Event().wait()  # the process is killed here

        doomed = ImapFetcher(parse_imap_url(box.imap.url), dies_before_storing)
        task = asyncio.create_task(doomed.fetch_once())
        await fetched.wait()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await box.imap.drop_connections()
        assert len(box.imap.unseen) == 1 and await box.requests_of("maria@example.com") == []

        # On restart the message is still unseen: processed now, once.
        assert await box.fetch() == 1
        assert await box.fetch() == 0
        assert len(await box.requests_of("maria@example.com")) == 1


async def test_webhook_refuses_a_wrong_secret(sqlite_url: str, clock: ManualClock) -> None:
    async with inbox(sqlite_url, clock) as box:
        raw = mail(MARIA, "Printer", "Broken")
        assert await box.post(raw, secret=None) == 401
        assert await box.post(raw, secret="wrong-secret-0123456789") == 401
        assert await box.requests_of("maria@example.com") == []


async def test_the_fetcher_idles_or_polls(sqlite_url: str, clock: ManualClock) -> None:
    for idle in (True, False):
        async with inbox(sqlite_url.replace(".db", f"-{idle}.db"), clock, idle=idle) as box:
            fetcher = box.plugin.fetcher
            assert fetcher is not None
            fetcher.config = parse_imap_url(box.imap.url + "?poll=1")
            processed: asyncio.Queue[bytes] = asyncio.Queue()
            original = fetcher.handle

            async def handle(raw: bytes, original: Any = original,
                             processed: asyncio.Queue[bytes] = processed) -> None:
                await original(raw)
                processed.put_nowait(raw)

            fetcher.handle = handle
            stop = asyncio.Event()
            task = asyncio.create_task(fetcher.run(stop))
            address = f"idle-{idle}@example.com".lower()
            box.imap.deliver(mail(address, "Monitor flickers", "It flickers."))
            await processed.get()  # fetched at start
            box.imap.deliver(mail(address, "Second", "Another one."))
            await processed.get()  # told by IDLE, or found by the next poll
            assert len(await box.requests_of(address)) == 2
            stop.set()
            await task
            assert ("IDLE" in box.imap.commands) is idle


async def test_closed_registration_ignores_strangers(sqlite_url: str,
                                                    clock: ManualClock) -> None:
    async with inbox(sqlite_url, clock, open_registration=False) as box:
        assert await box.post(mail("stranger@example.com", "Buy cheap", "Spam.")) == 204
        assert await box.requests_of("stranger@example.com") == []
        assert box.hd.smtp.to("stranger@example.com") == []  # no backscatter
