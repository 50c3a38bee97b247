"""Files on Slack: a file shared in the DM is stored on the request and shared into the
other side's DM; one over the limit is refused before downloading."""

from __future__ import annotations

import pytest

from core import services
from core.clock import ManualClock
from core.kinds import Role
from tests.adapters.slack.slackstack import USERS, SlackHelpdesk, slack_helpdesk

PDF = b"%PDF-1.4 " + b"0123456789" * 300


@pytest.fixture
async def hd(sqlite_url: str, clock: ManualClock):  # type: ignore[no-untyped-def]
    async with slack_helpdesk(sqlite_url, clock, triage=False, attachment_max_mb=0.01) as hd:
        yield hd


async def claimed_request(hd: SlackHelpdesk) -> int:
    stack = hd.stack
    await stack.add_person("Ion", Role.INITIATOR, slack=USERS["Ion"])
    await stack.add_person("Ana", Role.ASSISTANT, slack=USERS["Ana"])
    request_id = await stack.place("Ion")
    await services.claim(stack.app.uow_factory, stack.clock, actor_id=stack.people["Ana"],
                         request_id=request_id)
    await hd.settle()
    return request_id


async def test_a_shared_file_reaches_the_assignee(hd: SlackHelpdesk) -> None:
    request_id = await claimed_request(hd)
    status, _body = await hd.share_file("Ion", PDF, "invoice.pdf", "application/pdf",
                                        text="the invoice")
    assert status == 200
    await hd.settle()
    assert "invoice.pdf (3 KB) is attached to HD-" in (hd.inbox("Ion")[-1].text or "")
    texts = [m.text or "" for m in hd.inbox("Ana")]
    assert texts[-1].startswith("Ion on HD-") and "sent a file: invoice.pdf (3 KB)" in texts[-1]
    assert texts[-1].endswith("\nthe invoice")
    assert len(hd.fake.downloads) == 1
    (shared,) = hd.fake.shared_files("D" + USERS["Ana"])
    assert (shared.name, shared.data, shared.title) == ("invoice.pdf", PDF, "invoice.pdf")
    stored = await hd.stack.app.attachments.index.for_request(request_id)
    assert [(a.name, a.size) for a in stored] == [("invoice.pdf", len(PDF))]


async def test_a_file_over_the_limit_is_refused_before_downloading(hd: SlackHelpdesk) -> None:
    request_id = await claimed_request(hd)
    await hd.share_file("Ion", b"x" * 20_000, "scan.tiff", "image/tiff")
    await hd.settle()
    assert hd.inbox("Ion")[-1].text == ("The file scan.tiff is too large (20 KB); the limit is "
                                        "10 KB. Nothing was stored.")
    assert hd.fake.shared_files("D" + USERS["Ana"]) == [] and hd.fake.downloads == []
    assert await hd.stack.app.attachments.index.for_request(request_id) == []
