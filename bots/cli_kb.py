"""``helpdesk admin load-kb DIR`` and ``helpdesk report kb``: the knowledge base from the
command line (registered on ``bots.cli.admin`` and the ``report`` group; imported at the
end of ``bots.cli``)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path

import typer

from bots.bootstrap import App
from bots.cli import admin, fail, run
from bots.cli_admin import wide_console as Console
from bots.cli_reports import report_app
from bots.kb_files import BadArticles, read_directory
from core.kb_ports import ArticleStats


@admin.command("load-kb")
def load_kb(
    directory: Path = typer.Argument(..., help="Directory of Markdown articles (*.md)"),
) -> None:
    """Load the knowledge base from DIR: articles are keyed by their id (or path); a changed
    one is replaced (its counters kept), one no longer in DIR is removed. Any bad file
    refuses the whole load, naming the file and the field."""
    try:
        articles = read_directory(directory)
    except BadArticles as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        raise fail(f"nothing loaded: {len(exc.problems)} problem(s) in {directory}") from None
    except OSError as exc:
        raise fail(str(exc)) from None

    async def main(application: App) -> None:
        assert application.knowledge is not None
        result = await application.knowledge.load(articles)
        typer.echo(f"{len(articles)} articles: {len(result.added)} added, "
                   f"{len(result.replaced)} replaced, {len(result.unchanged)} unchanged, "
                   f"{len(result.removed)} removed")

    run(main)


CSV_FIELDS = ("id", "slug", "language", "visibility", "title", "views", "deflections",
              "not_helpful")


def stats_csv(rows: list[ArticleStats]) -> str:
    """The counters as CSV, one article a row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for r in rows:
        writer.writerow([r.id, r.slug, r.language, r.visibility, r.title, r.views,
                         r.deflections, r.not_helpful])
    return out.getvalue()


@report_app.command("kb")
def report_kb(
    csv_path: Path | None = typer.Option(None, "--csv", help="Also write the figures as CSV "
                                         "to this file"),
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of a table"),
) -> None:
    """Knowledge base: per article, how often it was opened, how often it solved the problem
    (deflection: "Yes, solved" after opening it) and how often it did not ("No, place the
    request")."""
    if csv_path is not None and csv_path.suffix.lower() != ".csv":
        raise fail(f"--csv {csv_path}: the file name must end in .csv")

    async def main(application: App) -> None:
        assert application.knowledge is not None
        rows = await application.knowledge.stats()
        if csv_path is not None:
            await asyncio.to_thread(csv_path.write_text, stats_csv(rows), encoding="utf-8")
        if as_json:
            typer.echo(json.dumps([{k: getattr(r, k) for k in CSV_FIELDS} for r in rows],
                                  ensure_ascii=False))
            return
        from rich.table import Table

        table = Table("id", "language", "visibility", "title", "views", "deflections",
                      "not helpful")
        for r in rows:
            table.add_row(str(r.id), r.language, r.visibility, r.title, str(r.views),
                          str(r.deflections), str(r.not_helpful))
        Console().print(table)
        typer.echo(f"{len(rows)} articles; {sum(r.views for r in rows)} views, "
                   f"{sum(r.deflections for r in rows)} deflections, "
                   f"{sum(r.not_helpful for r in rows)} not helpful")

    run(main)
