"""File retention: files of requests closed or cancelled more than ATTACHMENT_RETENTION_DAYS
ago are deleted, the requests and their history stay; files still used elsewhere stay."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bots.bootstrap import App, bootstrap
from bots.cli import app as cli
from core import services
from core.clock import ManualClock
from core.kinds import Role
from persistence.redis_store import embedded_redis
from tests.conftest import settings_for
from tests.conversations.test_attachments import PHOTO, file, send_file
from tests.conversations.test_story import place
from tests.harness import Chat


@pytest.fixture
async def app(db_url: str, tmp_path: Path, clock: ManualClock) -> AsyncIterator[App]:
    settings = settings_for(db_url, attachments_dir=str(tmp_path / "files"),
                            attachment_retention_days=30)
    application = await bootstrap(settings, clock=clock, redis=embedded_redis())
    yield application
    await application.close()


def files_on_disk(app: App) -> int:
    return len(list(Path(app.settings.attachments_dir).rglob("*.bin")))


async def request_id(app: App, ref: str) -> int:
    async with app.uow_factory() as uow:
        req = await uow.requests.by_reference(ref)
    assert req is not None and req.id is not None
    return req.id


async def test_files_of_final_requests_go_after_the_retention(app: App,
                                                              clock: ManualClock) -> None:
    chat = Chat(app)
    await chat.add_type("Peripherals")
    ion = await chat.add_person("Ion", Role.INITIATOR)
    await chat.add_person("Ana", Role.ASSISTANT)
    first = await place(chat)
    await send_file(chat, "Ion", file(PHOTO, "screen.jpg"))
    await services.cancel(app.uow_factory, clock, actor_id=ion,
                          request_id=await request_id(app, first))
    second = await place(chat)
    await send_file(chat, "Ion", file(PHOTO, "same-screen.jpg"), caption=second)
    await send_file(chat, "Ion", file(b"%PDF report", "report.pdf", "application/pdf"),
                    caption=second)
    assert files_on_disk(app) == 2  # the photo is stored once for both requests
    assert app.retention is not None and app.attachments is not None

    clock.advance(days=29)
    assert await app.retention.run_once() == 0
    clock.advance(days=2)
    assert await app.retention.run_once() == 1  # the cancelled request's photo
    assert files_on_disk(app) == 2  # still used by the open request
    assert await app.attachments.index.for_request(await request_id(app, first)) == []
    await chat.send("Ion", first)
    chat.expect("Ion", "Status: cancelled")
    await chat.send("Ion", f"/history {first}")
    chat.expect("Ion", "attached a file")  # the history keeps the event

    await services.cancel(app.uow_factory, clock, actor_id=ion,
                          request_id=await request_id(app, second))
    clock.advance(days=31)
    assert await app.retention.run_once() == 2
    assert files_on_disk(app) == 0


def test_cli_purge_files_needs_a_number_of_days(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/hd.db")
    monkeypatch.delenv("ATTACHMENT_RETENTION_DAYS", raising=False)
    runner = CliRunner()
    result = runner.invoke(cli, ["admin", "purge-files"])
    assert result.exit_code == 2 and "give --days N" in result.output
    result = runner.invoke(cli, ["admin", "purge-files", "--days", "0"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    result = runner.invoke(cli, ["admin", "purge-files", "--days", "30"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("deleted 0 stored files of requests closed or cancelled")
