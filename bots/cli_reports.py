"""``helpdesk report time|sla|feedback|visits``: figures from SQL, as a table, CSV, xlsx or a chart.

Registered on ``bots.cli.app`` (imported at the end of ``bots.cli``).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import typer

from bots import reports as render
from bots.bootstrap import App
from bots.cli import app, fail, run
from bots.cli_admin import wide_console as Console
from core.i18n import valid_timezone
from core.report_ports import GROUPINGS, Period

report_app = typer.Typer(help="Reports: confirmed hours, SLA, feedback, visits.",
                         no_args_is_help=True)
app.add_typer(report_app, name="report")

FROM_HELP = "First day (YYYY-MM-DD); default: the first of this month"
TO_HELP = "Last day, included (YYYY-MM-DD); default: today"
TZ_HELP = "Time zone of the days (default: DEFAULT_TIMEZONE)"
CSV_HELP = "Also write the figures as CSV to this file"
XLSX_HELP = "Also write the figures as an Excel workbook to this file"


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


@report_app.command("time")
def report_time(
    start: str | None = typer.Option(None, "--from", help=FROM_HELP),
    end: str | None = typer.Option(None, "--to", help=TO_HELP),
    by: str = typer.Option("organization", help="organization, assistant, type or initiator"),
    tz: str | None = typer.Option(None, "--tz", help=TZ_HELP),
    csv_path: Path | None = typer.Option(None, "--csv", help=CSV_HELP),
    xlsx_path: Path | None = typer.Option(None, "--xlsx", help=XLSX_HELP),
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

    async def main(application: App) -> None:
        assert application.reports is not None
        period = period_of(start, end, tz, application.settings.default_timezone)
        report = await application.reports.time(period, by)
        rows = render.time_rows(report)
        if as_json:
            typer.echo(json.dumps([dict(zip(render.TIME_HEADER, r, strict=True))
                                   for r in rows], ensure_ascii=False, indent=2))
        else:
            Console().print(render.table(render.time_title(report), render.TIME_HEADER, rows))
        _write(csv_path, render.to_csv(render.TIME_HEADER, rows))
        if xlsx_path is not None:
            render.write_xlsx(xlsx_path, [("hours", render.TIME_HEADER, rows)])
        if chart_path is not None:
            render.time_chart(report, chart_path)

    run(main)


@report_app.command("sla")
def report_sla(
    start: str | None = typer.Option(None, "--from", help=FROM_HELP),
    end: str | None = typer.Option(None, "--to", help=TO_HELP),
    tz: str | None = typer.Option(None, "--tz", help=TZ_HELP),
    csv_path: Path | None = typer.Option(None, "--csv", help=CSV_HELP),
    xlsx_path: Path | None = typer.Option(None, "--xlsx", help=XLSX_HELP),
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of tables"),
) -> None:
    """Share of requests (placed in the period) kept within SLA, per type and priority; the
    breaches listed."""
    _check_path(xlsx_path, ".xlsx", "--xlsx")

    async def main(application: App) -> None:
        assert application.reports is not None
        period = period_of(start, end, tz, application.settings.default_timezone)
        report = await application.reports.sla(period)
        rows, breaches = render.sla_rows(report), render.breach_rows(report)
        if as_json:
            typer.echo(json.dumps({
                "sla": [dict(zip(render.SLA_HEADER, r, strict=True)) for r in rows],
                "breaches": [dict(zip(render.BREACH_HEADER, r, strict=True))
                             for r in breaches]}, ensure_ascii=False, indent=2))
        else:
            out = Console()
            out.print(render.table(f"SLA, {period.first} to {period.last}", render.SLA_HEADER,
                                   rows))
            out.print(render.table("Breaches", render.BREACH_HEADER, breaches))
        _write(csv_path, render.to_csv(render.SLA_HEADER, rows))
        if xlsx_path is not None:
            render.write_xlsx(xlsx_path, [("sla", render.SLA_HEADER, rows),
                                          ("breaches", render.BREACH_HEADER, breaches)])

    run(main)


@report_app.command("feedback")
def report_feedback(
    start: str | None = typer.Option(None, "--from", help=FROM_HELP),
    end: str | None = typer.Option(None, "--to", help=TO_HELP),
    tz: str | None = typer.Option(None, "--tz", help=TZ_HELP),
    csv_path: Path | None = typer.Option(None, "--csv", help=CSV_HELP),
    xlsx_path: Path | None = typer.Option(None, "--xlsx", help=XLSX_HELP),
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of tables"),
) -> None:
    """Ratings per assistant, with the messages the initiators wrote."""
    _check_path(xlsx_path, ".xlsx", "--xlsx")

    async def main(application: App) -> None:
        assert application.reports is not None
        period = period_of(start, end, tz, application.settings.default_timezone)
        report = await application.reports.feedback(period)
        rows, said = render.feedback_rows(report), render.message_rows(report)
        data: dict[str, Any] = {
            "ratings": [dict(zip(render.FEEDBACK_HEADER, r, strict=True)) for r in rows],
            "messages": [dict(zip(render.MESSAGE_HEADER, r, strict=True)) for r in said]}
        if as_json:
            typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            out = Console()
            out.print(render.table(f"Feedback, {period.first} to {period.last}",
                                   render.FEEDBACK_HEADER, rows))
            out.print(render.table("Messages", render.MESSAGE_HEADER, said))
        _write(csv_path, render.to_csv(render.FEEDBACK_HEADER, rows))
        if xlsx_path is not None:
            render.write_xlsx(xlsx_path, [("ratings", render.FEEDBACK_HEADER, rows),
                                          ("messages", render.MESSAGE_HEADER, said)])

    run(main)


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
        if as_json:
            typer.echo(json.dumps([dict(zip(VISITS_HEADER, r, strict=True)) for r in rows],
                                  ensure_ascii=False, indent=2))
        else:
            Console().print(render.table(f"Visits done, {period.first} to {period.last}",
                                         VISITS_HEADER, rows))
        _write(csv_path, render.to_csv(VISITS_HEADER, rows))

    run(main)
