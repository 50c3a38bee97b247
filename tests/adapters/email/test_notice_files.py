"""E-mail notices carry the files of the comment: attached while they fit in
EMAIL_ATTACH_MAX_MB, past it as signed links (/f/…) only the request's people can open."""

from __future__ import annotations

import re

from core import attachment_service, services
from core.clock import ManualClock
from core.kinds import Role
from core.messages import Attachment
from tests.adapters.email.emailstack import email_helpdesk


def upload(name: str, mime: str, data: bytes) -> Attachment:
    async def fetch(max_bytes: int) -> bytes:
        return data

    return Attachment(name, mime, len(data), fetch)


async def test_small_files_are_attached_large_ones_linked(db_url: str,
                                                          clock: ManualClock) -> None:
    async with email_helpdesk(db_url, clock, email_attach_max_mb=0.01) as hd:  # ~10 KB
        stack, uows = hd.stack, hd.stack.app.uow_factory
        await stack.add_person("Ion", Role.INITIATOR, email="ion@example.com")
        ana = await stack.add_person("Ana", Role.ASSISTANT, email="ana@example.com")
        rid = await stack.place("Ion")
        await services.claim(uows, clock, actor_id=ana, request_id=rid)
        config = stack.app.attachments
        assert config is not None
        small, large = b"%PDF-1.4 small", bytes(range(256)) * 80  # 14 B and 20 KB
        await attachment_service.attach(uows, clock, config, actor_id=ana, request_id=rid,
                                        attachment=upload("invoice.pdf", "application/pdf",
                                                          small), caption="Your invoice")
        await attachment_service.attach(uows, clock, config, actor_id=ana, request_id=rid,
                                        attachment=upload("scan.bin",
                                                          "application/octet-stream", large))
        await hd.deliver()
        mails = [m for m in hd.inbox("Ion") if "sent a file" in m.text]
        assert len(mails) == 2
        attached = [(p.get_filename(), p.get_content()) for p in mails[0].message
                    .iter_attachments()]
        assert attached == [("invoice.pdf", small)]
        assert list(mails[1].message.iter_attachments()) == []
        link = re.search(r"scan\.bin \(20 KB\): (http\S+/f/\S+)", mails[1].text)
        assert link, mails[1].text
        assert f'href="{link.group(1)}"' in mails[1].html
        async with hd.http.get(link.group(1)) as response:
            assert response.status == 200 and await response.read() == large
        forged = link.group(1)[:-3] + "xyz"
        async with hd.http.get(forged) as response:
            assert response.status in (400, 403, 404, 410)
