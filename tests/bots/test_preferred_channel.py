"""A person may choose where notifications go (e.g. e-mail rather than a chat account)."""

from __future__ import annotations

from pathlib import Path

from bots.bootstrap import App
from core import services
from core.clock import ManualClock
from core.kinds import Role
from tests.bots.test_cli import helpdesk
from tests.harness import Chat, RecordingSender


class EmailRecorder(RecordingSender):
    channel = "email"


async def test_notifications_go_to_the_preferred_channel(app: App, clock: ManualClock) -> None:
    chat = Chat(app)
    email = EmailRecorder()
    app.add_sender(chat.sender, clock=clock)
    app.add_sender(email, clock=clock)
    type_id = await chat.add_type("Peripherals")
    ion = await chat.add_person("Ion", Role.INITIATOR)
    ana = await chat.add_person("Ana", Role.ASSISTANT)
    bogdan = await chat.add_person("Bogdan", Role.ASSISTANT)
    async with app.uow_factory() as uow:
        for person, address in ((ana, "ana@example.com"), (bogdan, "bogdan@example.com")):
            await uow.people.add_account(person, "email", address)
        await uow.people.set_preferred_channel(ana, "email")
        await uow.commit()
    await services.place(app.uow_factory, clock, actor_id=ion, type_id=type_id,
                         description="Broken mouse")
    await chat.deliver()
    assert [d.to for d in email.log] == ["ana@example.com"]  # Ana chose e-mail
    assert [d.to for d in chat.sender.log] == ["bogdan"]  # Bogdan did not choose
    async with app.uow_factory() as uow:
        await uow.people.set_preferred_channel(ana, None)
        assert await uow.people.preferred_channel(ana) is None
        await uow.commit()


def test_cli_prefer(tmp_path: Path) -> None:
    ok = helpdesk(tmp_path, "admin", "add-person", "Eve", "--role", "initiator",
                  "--telegram", "4242", "--email", "eve@example.com", "--prefer", "email")
    assert ok.returncode == 0, ok.stderr
    refused = helpdesk(tmp_path, "admin", "add-person", "Dan", "--role", "initiator",
                       "--telegram", "4343", "--prefer", "sms")
    assert refused.returncode == 2 and "cannot prefer 'sms'" in refused.stderr
    no_account = helpdesk(tmp_path, "admin", "prefer", "Eve", "sms")
    assert no_account.returncode == 2 and "Eve has no sms account" in no_account.stderr
    unknown = helpdesk(tmp_path, "admin", "prefer", "Eve", "pigeon")
    assert unknown.returncode == 2 and "unknown channel 'pigeon'" in unknown.stderr
    back = helpdesk(tmp_path, "admin", "prefer", "Eve", "auto")
    assert back.returncode == 0 and "the channel used last" in back.stdout
    for result in (refused, no_account, unknown):
        assert "Traceback" not in result.stderr
