"""Scale-out (issue 14): ``serve --web-only`` runs no workers, ``helpdesk worker`` runs only
the workers."""

from __future__ import annotations

from typer.testing import CliRunner

from bots.bootstrap import App
from bots.cli import app as cli
from bots.server import build
from tests.harness import RecordingSender


async def test_web_only_starts_no_worker_and_worker_starts_no_channel(app: App) -> None:
    app.add_sender(RecordingSender())
    web = await build(app, plugins=[])
    await web.start_background(workers=False)
    assert web.tasks == []
    await web.shutdown()
    workers = await build(app, plugins=[])
    await workers.start_background(channels=False)
    assert len(workers.tasks) == 3  # delivery, timers, inbox retries (no retention configured)
    await workers.shutdown()
    assert all(task.done() for task in workers.tasks)


def test_the_commands_exist() -> None:
    runner = CliRunner()
    serve = runner.invoke(cli, ["serve", "--help"])
    assert serve.exit_code == 0 and "--web-only" in serve.output
    worker = runner.invoke(cli, ["worker", "--help"])
    assert worker.exit_code == 0 and "delivery and timer" in worker.output
