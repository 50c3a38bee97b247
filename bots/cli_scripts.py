"""``helpdesk admin load-scripts DIR`` and ``helpdesk report deflections`` (issue 18).

Registered on ``bots.cli.admin`` and the ``report`` group (imported at the end of
``bots.cli``). The YAML format and the validation rules are in docs/scripts.md.
"""

from __future__ import annotations

from pathlib import Path

import typer

from bots.bootstrap import App
from bots.cli import admin, fail, run
from bots.cli_reports import (
    CSV_HELP,
    FROM_HELP,
    TO_HELP,
    TZ_HELP,
    period_of,
    report_app,
    show_rows,
)
from bots.script_files import load_dir
from core.scripts import Problem
from persistence.selfservice import SqlDeflectionLog, SqlScriptStore

DEFLECTION_HEADER = ["source", "script", "type", "deflected", "not helpful", "deflection rate"]


@admin.command("load-scripts")
def load_scripts(
    directory: Path = typer.Argument(..., help="Folder of *.yaml troubleshooting scripts"),
    check: bool = typer.Option(False, "--check", help="Only validate; store nothing"),
    prune: bool = typer.Option(False, "--prune", help="Also remove the scripts of types "
                               "that have no file in DIR"),
) -> None:
    """Validate every script of DIR and, when all are valid, store them (each replaces the
    script its type had). Any problem: each is printed as FILE:LINE: node 'ID': reason and
    nothing is stored."""
    if not directory.is_dir():
        raise fail(f"{directory} is not a folder")
    scripts, problems = load_dir(directory)

    async def main(application: App) -> None:
        from persistence.db import make_sessionmaker

        store = SqlScriptStore(make_sessionmaker(application.engine))
        type_ids: dict[str, int] = {}
        async with application.uow_factory(read_only=True) as uow:
            for script in scripts:
                rtype = await uow.types.by_name(script.type_name)
                if rtype is None:
                    problems.append(Problem(script.file, script.type_line, None,
                                            f"unknown request type {script.type_name!r} "
                                            "(see helpdesk admin list types)"))
                else:
                    type_ids[script.name] = rtype.id
        if problems:
            for problem in sorted(problems, key=lambda p: (p.file, p.line)):
                typer.echo(str(problem), err=True)
            raise fail(f"{len(problems)} problem(s); nothing was loaded", code=1)
        if not scripts:
            raise fail(f"no *.yaml scripts in {directory}", code=1)
        for script in scripts:
            typer.echo(f"{'valid' if check else 'loaded'}: {script.name} for "
                       f"{script.type_name!r} ({len(script.nodes)} nodes, "
                       f"languages {', '.join(script.languages)})")
            if not check:
                await store.replace(type_ids[script.name], script, application.clock.now())
        if prune and not check:
            kept = set(type_ids.values())
            for type_id, name, _nodes in await store.list():
                if type_id not in kept:
                    await store.remove(type_id)
                    typer.echo(f"removed: {name}")
        if not check:
            await application.dialogs.bump_types()  # running processes reload types and scripts

    run(main)


@report_app.command("deflections")
def report_deflections(
    start: str | None = typer.Option(None, "--from", help=FROM_HELP),
    end: str | None = typer.Option(None, "--to", help=TO_HELP),
    tz: str | None = typer.Option(None, "--tz", help=TZ_HELP),
    csv_path: Path | None = typer.Option(None, "--csv", help=CSV_HELP),
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of a table"),
) -> None:
    """Self-service outcomes per script: solved without a request (deflected) and not
    (a request was placed after it)."""

    async def main(application: App) -> None:
        from persistence.db import make_sessionmaker

        period = period_of(start, end, tz, application.settings.default_timezone)
        log = SqlDeflectionLog(make_sessionmaker(application.engine))
        counts = await log.counts(period.start, period.end)
        rows = [[c.source, c.ref, c.request_type, str(c.deflected), str(c.not_helpful),
                 f"{c.rate:.0%}"] for c in counts]
        show_rows(f"Deflections, {period.first} to {period.last}", DEFLECTION_HEADER, rows,
                  as_json=as_json, csv_path=csv_path)

    run(main)
