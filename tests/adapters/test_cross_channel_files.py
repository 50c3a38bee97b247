"""Attachments across channels: a photo sent on Telegram reaches an assignee on Slack as a
file, and a file shared on Slack reaches the initiator on Telegram."""

from __future__ import annotations

from core import services
from core.clock import ManualClock
from core.kinds import Role
from tests.adapters.slack.slackstack import USERS
from tests.adapters.telegram.tgstack import next_update_id
from tests.adapters.test_cross_channel import three_channels

PHOTO = b"\xff\xd8\xff\xe0" + b"telegram-photo" * 50


async def test_telegram_photo_to_slack_and_slack_file_to_telegram(db_url: str,
                                                                  clock: ManualClock) -> None:
    async with three_channels(db_url, clock) as hd:
        stack = hd.stack
        await stack.add_type("Peripherals")
        await stack.add_person("Ion", Role.INITIATOR, telegram="555")
        hd.telegram.users["Ion"] = 555
        await stack.add_person("Ana", Role.ASSISTANT, slack=USERS["Ana"])
        request_id = await stack.place("Ion")
        await services.claim(stack.app.uow_factory, clock, actor_id=stack.people["Ana"],
                             request_id=request_id)
        await hd.deliver()

        # Ion sends a photo on Telegram; Ana gets the text and the file in her Slack DM.
        message = hd.telegram.fake.file_message(555, PHOTO, kind="photo", caption="see this")
        assert await hd.telegram.post({"update_id": next_update_id(), "message": message}) == 200
        await hd.deliver()
        assert "is attached to HD-" in hd.telegram.texts("Ion")[-1]
        ana_dm = "D" + USERS["Ana"]
        assert "sent a file: photo_" in (hd.slack.inbox("Ana")[-1].text or "")
        (shared,) = hd.slack.fake.shared_files(ana_dm)
        assert shared.data == PHOTO and shared.name.endswith(".jpg")

        # Ana answers with a file on Slack; Ion receives it on Telegram as a document.
        status, _body = await hd.slack.share_file("Ana", b"%PDF-1.4 steps", "steps.pdf",
                                                  "application/pdf")
        assert status == 200
        await hd.deliver()
        sent = [m for m in hd.telegram.fake.sent_messages(555) if m.kind == "document"]
        assert len(sent) == 1
        stored = hd.telegram.fake.files[sent[0].file_id or ""]
        assert (stored.data, stored.file_name) == (b"%PDF-1.4 steps", "steps.pdf")
        names = [a.name for a in await stack.app.attachments.index.for_request(request_id)]
        assert names[1] == "steps.pdf" and names[0].startswith("photo_")
