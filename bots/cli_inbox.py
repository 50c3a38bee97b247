"""``helpdesk admin inbox``: the inbox's counts, the events kept as failed, retrying them."""

from __future__ import annotations

import typer

from bots.bootstrap import App
from bots.cli import admin, run


@admin.command("inbox")
def inbox(
    failed: bool = typer.Option(False, "--failed", help="list the events kept as failed"),
    retry: bool = typer.Option(False, "--retry", help="put failed events back in the queue"),
    event: list[int] = typer.Option(  # noqa: B008 - typer's way
        [], "--id", help="with --retry: only these inbox ids (default: every failed one)"),
) -> None:
    """Inbound events: how many are pending, done, failed; list or retry the failed ones."""

    async def main(application: App) -> None:
        store = application.inbox.inbox
        if retry:
            count = await store.retry(event or None)
            typer.echo(f"{count} failed events queued again")
            return
        if failed:
            rows = await store.failed()
            for row in rows:
                error = (row.last_error or "").splitlines()[0][:120] if row.last_error else ""
                typer.echo(f"{row.id}\t{row.channel}\t{row.event_id}\t{row.conversation}\t"
                           f"{row.created_at:%Y-%m-%d %H:%M:%S}\t{row.failures} failures\t"
                           f"{error}")
            if not rows:
                typer.echo("no failed events")
            return
        counts = await store.counts()
        typer.echo(", ".join(f"{name}: {counts.get(name, 0)}"
                             for name in ("pending", "done", "failed")))

    run(main)
