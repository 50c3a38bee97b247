"""MMS media are downloaded (through the fake Twilio media URLs) and stored on the request;
SMS recipients get a short text with a signed link to the file instead of the file."""

from __future__ import annotations

import re

import pytest

from adapters.web import FileLinks
from core import services
from core.clock import ManualClock
from core.kinds import Role
from tests.adapters.sms.smsstack import PHONES, SmsHelpdesk, sms_helpdesk
from tests.conftest import SECRET

PHOTO = b"\xff\xd8\xff\xe0" + b"mms-photo" * 200
FILE_LINK = re.compile(r"(https?://\S+/f/[A-Za-z0-9._-]+)")


@pytest.fixture
async def hd(sqlite_url: str, clock: ManualClock):  # type: ignore[no-untyped-def]
    async with sms_helpdesk(sqlite_url, clock, attachment_max_mb=0.01) as hd:
        yield hd


async def claimed_request(hd: SmsHelpdesk) -> int:
    stack = hd.stack
    await stack.add_person("Ion", Role.INITIATOR, sms=PHONES["Ion"])
    await stack.add_person("Ana", Role.ASSISTANT, sms=PHONES["Ana"])
    await stack.add_person("Cora", Role.INITIATOR, sms=PHONES["Cora"])
    request_id = await stack.place("Ion")
    await services.claim(stack.app.uow_factory, stack.clock, actor_id=stack.people["Ana"],
                         request_id=request_id)
    await hd.deliver()
    return request_id


async def test_mms_media_are_stored_and_sms_readers_get_a_link(hd: SmsHelpdesk,
                                                             clock: ManualClock) -> None:
    request_id = await claimed_request(hd)
    answer = await hd.send_mms("Ion", "the screen", [(PHOTO, "image/jpeg")])
    assert re.search(r"mms_\w+_1\.jpg \(2 KB\) is attached to HD-", answer), answer
    assert len(hd.fake.media_downloads) == 1
    await hd.deliver()
    text = hd.inbox("Ana")[-1].body
    assert text.startswith("Ion on HD-") and "sent a file: mms_" in text
    link = FILE_LINK.search(text)
    assert link is not None, text
    async with hd.http.get(link.group(1)) as response:
        assert response.status == 200
        assert response.content_type == "image/jpeg"
        assert await response.read() == PHOTO
    # A forged token is refused; so is an expired one.
    async with hd.http.get(link.group(1)[:-2] + "xx") as response:
        assert response.status == 400
    clock.advance(days=8)
    async with hd.http.get(link.group(1)) as response:
        assert response.status == 410
        assert "expired" in await response.text()
    stored = await hd.stack.app.attachments.index.for_request(request_id)
    assert [a.mime for a in stored] == ["image/jpeg"]


async def test_a_link_works_only_for_someone_who_may_see_the_request(hd: SmsHelpdesk) -> None:
    request_id = await claimed_request(hd)
    await hd.send_mms("Ion", "", [(PHOTO, "image/jpeg")])
    (stored,) = await hd.stack.app.attachments.index.for_request(request_id)
    # Cora (another initiator) holds a genuine token for it: she still may not have it.
    links = FileLinks(SECRET, hd.stack.clock)
    url = f"{hd.stack.base_url}/f/{links.make(hd.stack.people['Cora'], stored.id)}"
    async with hd.http.get(url) as response:
        assert response.status == 404
    url = f"{hd.stack.base_url}/f/{links.make(hd.stack.people['Ana'], stored.id)}"
    async with hd.http.get(url) as response:
        assert response.status == 200


async def test_mms_over_the_limit_is_refused_while_downloading(hd: SmsHelpdesk) -> None:
    request_id = await claimed_request(hd)
    answer = await hd.send_mms("Ion", "", [(b"x" * 20_000, "application/pdf")])
    assert "is larger than 10 KB" in answer and "Nothing was stored" in answer
    assert await hd.stack.app.attachments.index.for_request(request_id) == []
    await hd.deliver()
    assert not any("/f/" in m.body for m in hd.inbox("Ana"))
