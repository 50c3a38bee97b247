"""Rendering reports: a rich table, CSV, xlsx (openpyxl) and a PNG bar chart (matplotlib).

The figures come from ``core.report_ports.Reports`` (SQL aggregation in persistence); this
module only lays them out. Hours are shown with two decimals.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.table import Table

from core.attachment_ports import FileStore
from core.report_ports import FeedbackReport, ReportFiles, SlaReport, TimeReport

Rows = list[list[Any]]

TIME_HEADER = ["group", "confirmed h", "unconfirmed h", "disputed h", "total h", "requests",
               "allowance h", "over allowance h"]


def hours(minutes: int | None) -> float | None:
    return None if minutes is None else round(minutes / 60, 2)


def time_rows(report: TimeReport) -> Rows:
    rows: Rows = []
    for r in report.rows:
        label = r.label + (" (inactive)" if r.inactive else "")
        over = None if r.allowance is None else hours(max(0, r.confirmed - r.allowance))
        rows.append([label, hours(r.confirmed), hours(r.unconfirmed), hours(r.disputed),
                     hours(r.total), r.requests, hours(r.allowance), over])
    return rows


def time_title(report: TimeReport) -> str:
    p = report.period
    return (f"Hours by {report.by}, {p.first.isoformat()} to {p.last.isoformat()} "
            f"({p.timezone})")


SLA_HEADER = ["type", "priority", "requests", "breached", "within SLA %"]
BREACH_HEADER = ["reference", "type", "priority", "clock", "breached at (UTC)", "assistant"]


def sla_rows(report: SlaReport) -> Rows:
    return [[r.type_name, r.priority, r.requests, r.breached, round(r.within_share * 100, 1)]
            for r in report.rows]


def breach_rows(report: SlaReport) -> Rows:
    return [[b.reference, b.type_name, b.priority, b.clock, b.at.strftime("%Y-%m-%d %H:%M"),
             b.assignee or ""] for b in report.breaches]


FEEDBACK_HEADER = ["assistant", "ratings", "average"]
MESSAGE_HEADER = ["assistant", "reference", "stars", "message", "at (UTC)"]


def feedback_rows(report: FeedbackReport) -> Rows:
    return [[r.assistant, r.ratings, r.average] for r in report.rows]


def message_rows(report: FeedbackReport) -> Rows:
    return [[m.assistant, m.reference, m.stars, m.comment, m.at.strftime("%Y-%m-%d %H:%M")]
            for m in report.messages]


def table(title: str, header: Sequence[str], rows: Rows) -> Table:
    """A rich table; numbers right-aligned, empty cells as a dash."""
    out = Table(title=title)
    for i, name in enumerate(header):
        out.add_column(name, justify="left" if i == 0 else "right")
    for row in rows:
        out.add_row(*("—" if v is None else f"{v:.2f}" if isinstance(v, float) else str(v)
                      for v in row))
    return out


def to_csv(header: Sequence[str], rows: Rows) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buf.getvalue()


def write_xlsx(path: Path, sheets: Sequence[tuple[str, Sequence[str], Rows]]) -> None:
    """One sheet per (title, header, rows); the header bold, columns sized to fit."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    first = True
    for title, header, rows in sheets:
        sheet = book.active if first else book.create_sheet()
        assert sheet is not None
        first = False
        sheet.title = title[:31]
        sheet.append(list(header))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(list(row))
        for i, name in enumerate(header, start=1):
            width = max([len(str(name))] + [len(str(r[i - 1])) for r in rows if r[i - 1]])
            sheet.column_dimensions[sheet.cell(1, i).column_letter].width = min(60, width + 2)
    book.save(path)


CHART_SIZE = (10, 5)  # inches
CHART_DPI = 100  # → 1000 × 500 pixels


def time_chart(report: TimeReport, path: Path) -> None:
    """A stacked bar chart per group: confirmed, unconfirmed and disputed hours, with the
    contract allowance as a marker — something a manager can paste into an e-mail."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    rows = report.rows[:20]
    labels = [r.label + (" (inactive)" if r.inactive else "") for r in rows]
    confirmed = [r.confirmed / 60 for r in rows]
    unconfirmed = [r.unconfirmed / 60 for r in rows]
    disputed = [r.disputed / 60 for r in rows]
    fig, ax = plt.subplots(figsize=CHART_SIZE, dpi=CHART_DPI)
    try:
        x = list(range(len(rows)))
        ax.bar(x, confirmed, label="confirmed", color="#2e7d32")
        ax.bar(x, unconfirmed, bottom=confirmed, label="unconfirmed", color="#f9a825")
        ax.bar(x, disputed, bottom=[c + u for c, u in zip(confirmed, unconfirmed, strict=True)],
               label="disputed", color="#c62828")
        allowances = [(i, r.allowance / 60) for i, r in enumerate(rows) if r.allowance]
        if allowances:
            ax.scatter([i for i, _ in allowances], [a for _, a in allowances], marker="_",
                       s=900, color="black", label="contract allowance", zorder=3)
        ax.set_xticks(x)
        ax.set_xticklabels(labels, rotation=30 if len(rows) > 4 else 0, ha="right"
                           if len(rows) > 4 else "center")
        ax.set_ylabel("hours")
        ax.set_title(time_title(report))
        ax.legend()
        ax.grid(axis="y", alpha=0.3)
        fig.tight_layout()
        fig.savefig(path, format="png")
    finally:
        plt.close(fig)


class CsvReportFiles(ReportFiles):
    """``/report`` in chat: the time report as a CSV file in the attachments store."""

    def __init__(self, files: FileStore) -> None:
        self.files = files

    async def time_file(self, report: TimeReport) -> tuple[str, str, int]:
        data = to_csv(TIME_HEADER, time_rows(report)).encode()
        key = await self.files.put(data)
        p = report.period
        return key, f"hours-{report.by}-{p.first.isoformat()}-{p.last.isoformat()}.csv", len(data)
