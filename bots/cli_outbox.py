"""``helpdesk admin outbox``: dead letters — notifications that will not go out by themselves.

- ``--failed``: notifications that failed past their retry budget (20 attempts).
- ``--retry ID`` (repeatable) or ``--all``: queue them again, due now, with a fresh budget;
  a running worker sends them within a second.
- ``--undeliverable``: people with notifications held because they have no account on any
  running channel (e.g. a client registered by phone while SMS is not configured). Held
  notifications go out by themselves once the person has an account on a running channel
  (``admin add-person``… or they write in); ``--retry ID`` also queues one again.
- no option: how many are waiting, failed and held.
"""

from __future__ import annotations

from collections import defaultdict

import typer

from bots.bootstrap import App
from bots.cli import admin, configured_channels, fail, run
from core.ports import DeadLetter


def _when(letter: DeadLetter) -> str:
    return f"{letter.gave_up_at:%Y-%m-%d %H:%M}"


@admin.command("outbox")
def outbox(
    failed: bool = typer.Option(False, "--failed", help="List notifications that failed "
                                "past their retry budget."),
    retry: list[int] = typer.Option(None, "--retry", metavar="ID",
                                    help="Queue this failed or held notification again "
                                    "(repeatable)."),
    retry_all: bool = typer.Option(False, "--all", help="With --retry (or alone): queue "
                                   "every failed notification again."),
    undeliverable: bool = typer.Option(False, "--undeliverable", help="List people who "
                                       "cannot be reached on any running channel."),
) -> None:
    """Dead letters: list failed notifications and retry them; list unreachable people."""

    async def main(application: App) -> None:
        if retry or retry_all:
            await _retry(application, list(retry or []), retry_all)
        if failed:
            await _list_failed(application)
        if undeliverable:
            await _list_undeliverable(application)
        if not (retry or retry_all or failed or undeliverable):
            await _summary(application)

    run(main)


async def _retry(application: App, ids: list[int], every: bool) -> None:
    async with application.uow_factory() as uow:
        letters = {d.id: d for d in await uow.outbox.dead_letters()}
        letters.update({d.id: d for d in await uow.outbox.dead_letters(held=True)})
        unknown = [i for i in ids if i not in letters]
        if unknown:
            raise fail(f"no failed or held notification with id {', '.join(map(str, unknown))} "
                       "(see helpdesk admin outbox --failed)")
        chosen = [d.id for d in letters.values() if not d.held] if every else ids
        count = await uow.outbox.retry(chosen) if chosen else 0
        await uow.commit()
    typer.echo(f"queued again: {count} notification{'s' if count != 1 else ''}")


async def _list_failed(application: App) -> None:
    async with application.uow_factory() as uow:
        letters = await uow.outbox.dead_letters()
        names = {p.id: p.name for p in await uow.people.list()}
        refs = {}
        for d in letters:
            if d.request_id and d.request_id not in refs:
                req = await uow.requests.get(d.request_id)
                refs[d.request_id] = req.reference if req else "?"
    if not letters:
        typer.echo("no failed notifications")
        return
    typer.echo(f"{len(letters)} failed notification{'s' if len(letters) != 1 else ''}:")
    for d in letters:
        error = " ".join(d.last_error.split())[:100]
        typer.echo(f"  {d.id}  {d.kind}  {refs.get(d.request_id, '-')}  to "
                   f"{names.get(d.recipient_id, d.recipient_id)}  {d.attempts} attempts, "
                   f"gave up {_when(d)} UTC: {error}")
    typer.echo("retry with: helpdesk admin outbox --retry ID (or --all)")


async def _list_undeliverable(application: App) -> None:
    running = set(configured_channels(application.settings)) or {"console"}
    async with application.uow_factory() as uow:
        held = await uow.outbox.dead_letters(held=True)
        by_person: dict[int, list[DeadLetter]] = defaultdict(list)
        for d in held:
            by_person[d.recipient_id].append(d)
        rows = []
        for person_id, letters in by_person.items():
            person = await uow.people.get(person_id)
            accounts = await uow.people.accounts(person_id)
            shown = ", ".join(f"{a.channel}:{a.address}" for a in accounts
                              if a.channel != "console") or "no accounts"
            rows.append((person_id, person.name if person else "?", shown, letters))
    if not rows:
        typer.echo("everyone is reachable")
        return
    typer.echo(f"{len(rows)} {'person' if len(rows) == 1 else 'people'} unreachable on every "
               f"running channel; their notifications are held:")
    for person_id, name, shown, letters in rows:
        typer.echo(f"  {person_id}  {name}  ({shown})  {len(letters)} held since "
                   f"{min(d.created_at for d in letters):%Y-%m-%d %H:%M} UTC")
    typer.echo("they get them once they have an account on a running channel "
               f"(configured: {', '.join(sorted(running))})")


async def _summary(application: App) -> None:
    async with application.uow_factory() as uow:
        waiting = await uow.outbox.pending_count()
        failed = len(await uow.outbox.dead_letters())
        held = len(await uow.outbox.dead_letters(held=True))
    typer.echo(f"waiting: {waiting}, failed: {failed} (--failed), held for unreachable "
               f"people: {held} (--undeliverable)")
