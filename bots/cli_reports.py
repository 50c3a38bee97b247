"""``helpdesk report time|sla|feedback|visits``: figures from SQL, as a table, CSV, xlsx or a chart.

Registered on ``bots.cli.app`` (imported at the end of ``bots.cli``).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from bots import reports as render
from bots.bootstrap import App
from bots.cli import app, fail, run
from bots.cli_admin import wide_console as Console
from core.i18n import valid_timezone
from core.report_ports import GROUPINGS, Period, Reports

report_app = typer.Typer(help="Reports: confirmed hours, SLA, feedback, visits.",
                         no_args_is_help=True)
app.add_typer(report_app, name="report")

FROM_HELP = "First day (YYYY-MM-DD); default: the first of this month"
TO_HELP = "Last day, included (YYYY-MM-DD); default: today"
TZ_HELP = "Time zone of the days (default: DEFAULT_TIMEZONE)"
CSV_HELP = "Also write the figures as CSV to this file"
XLSX_HELP = "Also write the figures as an Excel workbook to this file"
JSON_HELP = "print JSON instead of tables"

# The options every report takes.
From = Annotated[str | None, typer.Option("--from", help=FROM_HELP)]
To = Annotated[str | None, typer.Option("--to", help=TO_HELP)]
Zone = Annotated[str | None, typer.Option("--tz", help=TZ_HELP)]
Csv = Annotated[Path | None, typer.Option("--csv", help=CSV_HELP)]
Xlsx = Annotated[Path | None, typer.Option("--xlsx", help=XLSX_HELP)]
AsJson = Annotated[bool, typer.Option("--json", help=JSON_HELP)]
# One part of a report: its key (JSON, xlsx sheet), table title, header and rows.
Section = tuple[str, str, list[str], list[list[Any]]]


def period_of(start: str | None, end: str | None, tz: str | None, default_tz: str) -> Period:
    zone = tz or default_tz
    if not valid_timezone(zone):
        raise fail(f"unknown time zone {zone!r}: use a name like Europe/Bucharest")
    try:
        last = date.fromisoformat(end) if end else date.today()
        first = date.fromisoformat(start) if start else last.replace(day=1)
    except ValueError as exc:
        raise fail(f"invalid date: {exc}; write dates like 2026-11-01") from None
    if last < first:
        raise fail("--to is before --from")
    if (last - first).days > 3660:
        raise fail("a report covers at most ten years")
    return Period(first, last, zone)


def _write(path: Path | None, text: str) -> None:
    if path is not None:
        path.write_text(text, encoding="utf-8")


def _check_path(path: Path | None, suffix: str, option: str) -> None:
    if path is not None and path.suffix.lower() != suffix:
        raise fail(f"{option} {path}: the file name must end in {suffix}")


def show_rows(title: str, header: list[str], rows: list[list[Any]], *, as_json: bool,
              csv_path: Path | None) -> None:
    """One table of a report: printed (or as JSON, a list of objects), and as CSV when
    ``--csv`` was given."""
    if as_json:
        typer.echo(json.dumps([dict(zip(header, r, strict=True)) for r in rows],
                              ensure_ascii=False, indent=2))
    else:
        Console().print(render.table(title, header, rows))
    _write(csv_path, render.to_csv(header, rows))


def _report(start: str | None, end: str | None, tz: str | None,
            sections: Callable[[Reports, Period], Awaitable[list[Section]]], *,
            as_json: bool, csv_path: Path | None, xlsx_path: Path | None) -> None:
    """Run a report over the period: print its sections as tables or JSON (one section: its
    list; more: an object by key); write the first as CSV, all as sheets of one workbook."""
    _check_path(xlsx_path, ".xlsx", "--xlsx")

    async def main(application: App) -> None:
        assert application.reports is not None
        period = period_of(start, end, tz, application.settings.default_timezone)
        parts = await sections(application.reports, period)
        if as_json:
            data = {key: [dict(zip(header, r, strict=True)) for r in rows]
                    for key, _, header, rows in parts}
            shown = data[parts[0][0]] if len(parts) == 1 else data
            typer.echo(json.dumps(shown, ensure_ascii=False, indent=2))
        else:
            out = Console()
            for _, title, header, rows in parts:
                out.print(render.table(title, header, rows))
        _, _, header, rows = parts[0]
        _write(csv_path, render.to_csv(header, rows))
        if xlsx_path is not None:
            render.write_xlsx(xlsx_path, [(key, header, rows) for key, _, header, rows in parts])

    run(main)


@report_app.command("time")
def report_time(
    start: From = None, end: To = None,
    by: str = typer.Option("organization", help="organization, assistant, type or initiator"),
    tz: Zone = None, csv_path: Csv = None, xlsx_path: Xlsx = None,
    chart_path: Path | None = typer.Option(None, "--chart", help="Also draw a bar chart to "
                                           "this PNG file"),
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of a table"),
) -> None:
    """Confirmed hours per group, with unconfirmed and disputed hours in their own columns,
    against the contract allowance (organizations)."""
    if by not in GROUPINGS:
        raise fail(f"unknown --by {by!r}: use {', '.join(GROUPINGS)}")
    _check_path(xlsx_path, ".xlsx", "--xlsx")
    _check_path(chart_path, ".png", "--chart")

    async def sections(reports: Reports, period: Period) -> list[Section]:
        report = await reports.time(period, by)
        if chart_path is not None:
            render.time_chart(report, chart_path)
        return [("hours", render.time_title(report), render.TIME_HEADER,
                 render.time_rows(report))]

    _report(start, end, tz, sections, as_json=as_json, csv_path=csv_path, xlsx_path=xlsx_path)


@report_app.command("sla")
def report_sla(
    start: From = None, end: To = None, tz: Zone = None, csv_path: Csv = None,
    xlsx_path: Xlsx = None, as_json: AsJson = False,
) -> None:
    """Share of requests (placed in the period) kept within SLA, per type and priority; the
    breaches listed."""

    async def sections(reports: Reports, period: Period) -> list[Section]:
        report = await reports.sla(period)
        return [("sla", f"SLA, {period.first} to {period.last}", render.SLA_HEADER,
                 render.sla_rows(report)),
                ("breaches", "Breaches", render.BREACH_HEADER, render.breach_rows(report))]

    _report(start, end, tz, sections, as_json=as_json, csv_path=csv_path, xlsx_path=xlsx_path)


@report_app.command("feedback")
def report_feedback(
    start: From = None, end: To = None, tz: Zone = None, csv_path: Csv = None,
    xlsx_path: Xlsx = None, as_json: AsJson = False,
) -> None:
    """Ratings per assistant, with the messages the initiators wrote."""

    async def sections(reports: Reports, period: Period) -> list[Section]:
        report = await reports.feedback(period)
        return [("ratings", f"Feedback, {period.first} to {period.last}",
                 render.FEEDBACK_HEADER, render.feedback_rows(report)),
                ("messages", "Messages", render.MESSAGE_HEADER, render.message_rows(report))]

    _report(start, end, tz, sections, as_json=as_json, csv_path=csv_path, xlsx_path=xlsx_path)


# -- visits on site (issue 18) -----------------------------------------------------------------

VISITS_HEADER = ["technician", "visits done", "hours on site"]


@report_app.command("visits")
def report_visits(
    start: str | None = typer.Option(None, "--from", help=FROM_HELP),
    end: str | None = typer.Option(None, "--to", help=TO_HELP),
    tz: str | None = typer.Option(None, "--tz", help=TZ_HELP),
    csv_path: Path | None = typer.Option(None, "--csv", help=CSV_HELP),
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of a table"),
) -> None:
    """Visits on site done per technician (by the day they started), with their planned
    duration; a total line last."""

    async def main(application: App) -> None:
        period = period_of(start, end, tz, application.settings.default_timezone)
        async with application.uow_factory(read_only=True) as uow:
            totals = await uow.visits.done_totals(period.start, period.end)
        rows: list[list[Any]] = [[t.name, t.visits, f"{t.minutes / 60:.2f}"] for t in totals]
        rows.append(["total", sum(t.visits for t in totals),
                     f"{sum(t.minutes for t in totals) / 60:.2f}"])
        show_rows(f"Visits done, {period.first} to {period.last}", VISITS_HEADER, rows,
                  as_json=as_json, csv_path=csv_path)

    run(main)
