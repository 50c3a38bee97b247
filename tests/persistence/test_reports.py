"""Report figures against a hand-computed fixture (SQLite and PostgreSQL): entries crossing
period boundaries, a corrected and a disputed entry, two time zones, a deactivated assistant,
a contract allowance; then the PNG chart, CSV and xlsx made from it."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bots import reports as render
from bots.bootstrap import App, bootstrap
from core import services
from core.clock import ManualClock
from core.kinds import Role
from core.ports import Contract
from core.report_ports import Period, TimeReport
from persistence.redis_store import embedded_redis
from tests.conftest import settings_for

NOV = date(2026, 11, 1), date(2026, 11, 30)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class Fixture:
    def __init__(self, app: App, clock: ManualClock) -> None:
        self.app, self.clock, self.ids = app, clock, {}

    async def person(self, name: str, role: Role, org: int | None = None) -> int:
        async with self.app.uow_factory() as uow:
            person = await uow.people.add(name, role)
            person.organization_id = org
            await uow.people.update(person)
            await uow.commit()
        self.ids[name] = person.id
        return person.id

    def when(self, text: str) -> None:
        self.clock.now = lambda: at(text)  # type: ignore[method-assign]

    async def resolved(self, who: str, by: str, placed: str, done: str, minutes: int) -> int:
        uows, clock = self.app.uow_factory, self.clock
        self.when(placed)
        req = await services.place(uows, clock, actor_id=self.ids[who], type_id=self.type_id,
                                   description="Printer")
        rid = req.id or 0
        await services.claim(uows, clock, actor_id=self.ids[by], request_id=rid)
        self.when(done)
        await services.finish(uows, clock, actor_id=self.ids[by], request_id=rid,
                              minutes=minutes, note="Done")
        return rid

    async def build(self) -> None:
        uows, clock = self.app.uow_factory, self.clock
        async with uows() as uow:
            acme = await uow.organizations.add("Acme")
            beta = await uow.organizations.add("Beta")
            await uow.organizations.set_contract(
                Contract(acme.id, 600, date(2026, 1, 1), None), acme.id)
            self.type_id = (await uow.types.add("Peripherals")).id
            await uow.commit()
        await self.person("Ion", Role.INITIATOR, acme.id)
        await self.person("Maria", Role.INITIATOR, beta.id)
        await self.person("Ana", Role.ASSISTANT)
        await self.person("Bogdan", Role.ASSISTANT)
        # R1: 60 min logged 31 Oct 21:30 UTC (23:30 in Bucharest: October either way),
        # corrected to 90 on 1 Nov (+30 in November), confirmed.
        r1 = await self.resolved("Ion", "Ana", "2026-10-31 20:00", "2026-10-31 21:30", 60)
        self.when("2026-11-01 08:00")
        await services.correct_time(uows, clock, actor_id=self.ids["Ana"], request_id=r1,
                                    total_minutes=90)
        self.when("2026-11-01 09:00")
        await services.confirm(uows, clock, actor_id=self.ids["Ion"], request_id=r1)
        # R2: 120 min at 31 Oct 22:30 UTC = 1 Nov 00:30 in Bucharest; confirmed.
        r2 = await self.resolved("Ion", "Bogdan", "2026-10-31 22:00", "2026-10-31 22:30", 120)
        self.when("2026-11-02 10:00")
        await services.confirm(uows, clock, actor_id=self.ids["Ion"], request_id=r2)
        # R3: 45 min on 10 Nov, disputed; then Ana is deactivated (R3 back to the queue).
        r3 = await self.resolved("Maria", "Ana", "2026-11-10 09:00", "2026-11-10 10:00", 45)
        self.when("2026-11-10 12:00")
        await services.dispute(uows, clock, actor_id=self.ids["Maria"], request_id=r3,
                               reason="Too long")
        released = await services.deactivate_person(uows, clock, person_id=self.ids["Ana"])
        assert len(released) == 1
        # R4: 30 min on 20 Nov, never confirmed.
        await self.resolved("Maria", "Bogdan", "2026-11-20 09:00", "2026-11-20 10:00", 30)
        # R5: 50 min at 30 Nov 22:30 UTC = 1 Dec in Bucharest; confirmed on 1 Dec.
        r5 = await self.resolved("Ion", "Bogdan", "2026-11-30 20:00", "2026-11-30 22:30", 50)
        self.when("2026-12-01 09:00")
        await services.confirm(uows, clock, actor_id=self.ids["Ion"], request_id=r5)


@pytest.fixture
async def fixture(db_url: str) -> Fixture:
    clock = ManualClock()
    app = await bootstrap(settings_for(db_url), clock=clock, redis=embedded_redis())
    built = Fixture(app, clock)
    await built.build()
    yield built  # type: ignore[misc]
    await app.close()


def figures(report: TimeReport) -> dict[str, tuple[int, int, int, int, int | None, bool]]:
    return {r.label: (r.confirmed, r.unconfirmed, r.disputed, r.requests, r.allowance,
                      r.inactive) for r in report.rows}


async def test_time_report_by_assistant_in_two_time_zones(fixture: Fixture) -> None:
    reports = fixture.app.reports
    assert reports is not None
    utc = await reports.time(Period(*NOV, "UTC"), "assistant")
    assert figures(utc) == {
        "Ana": (30, 0, 45, 2, None, True),  # R1's correction (confirmed), R3 (disputed)
        "Bogdan": (50, 30, 0, 2, None, False),  # R5 (confirmed), R4 (unconfirmed)
    }
    local = await reports.time(Period(*NOV, "Europe/Bucharest"), "assistant")
    assert figures(local) == {
        "Ana": (30, 0, 45, 2, None, True),
        "Bogdan": (120, 30, 0, 2, None, False),  # R2 (1 Nov locally), R4; R5 is December
    }
    october = await reports.time(Period(date(2026, 10, 1), date(2026, 10, 31), "UTC"),
                                 "assistant")
    assert figures(october) == {"Bogdan": (120, 0, 0, 1, None, False),
                                "Ana": (60, 0, 0, 1, None, True)}


async def test_time_report_by_organization_against_the_contract(fixture: Fixture) -> None:
    reports = fixture.app.reports
    assert reports is not None
    utc = await reports.time(Period(*NOV, "UTC"), "organization")
    assert figures(utc) == {"Acme": (80, 0, 0, 2, 600, False),
                            "Beta": (0, 30, 45, 2, None, False)}
    local = await reports.time(Period(*NOV, "Europe/Bucharest"), "organization")
    assert figures(local)["Acme"] == (150, 0, 0, 2, 600, False)
    quarter = await reports.time(Period(date(2026, 10, 1), date(2026, 12, 31), "UTC"),
                                 "organization")
    assert figures(quarter)["Acme"] == (260, 0, 0, 3, 1800, False)  # 3 months of 10 h
    by_type = await reports.time(Period(*NOV, "UTC"), "type")
    assert figures(by_type) == {"Peripherals": (80, 30, 45, 4, None, False)}
    by_initiator = await reports.time(Period(*NOV, "UTC"), "initiator")
    assert figures(by_initiator) == {"Ion": (80, 0, 0, 2, None, False),
                                     "Maria": (0, 30, 45, 2, None, False)}


async def test_report_files(fixture: Fixture, tmp_path: Path) -> None:
    from openpyxl import load_workbook
    from PIL import Image

    reports = fixture.app.reports
    assert reports is not None
    report = await reports.time(Period(*NOV, "UTC"), "organization")
    rows = render.time_rows(report)
    parsed = list(csv.reader(io.StringIO(render.to_csv(render.TIME_HEADER, rows))))
    assert parsed[0] == render.TIME_HEADER
    assert parsed[1] == ["Acme", "1.33", "0.0", "0.0", "1.33", "2", "10.0", "0.0"]
    xlsx = tmp_path / "hours.xlsx"
    render.write_xlsx(xlsx, [("hours", render.TIME_HEADER, rows)])
    sheet = load_workbook(xlsx).active
    assert sheet is not None and sheet["A2"].value == "Acme" and sheet["B2"].value == 1.33

    chart = tmp_path / "hours.png"
    render.time_chart(report, chart)
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(chart) as image:
        image.verify()
    with Image.open(chart) as image:
        assert image.format == "PNG"
        assert image.size == (render.CHART_SIZE[0] * render.CHART_DPI,
                              render.CHART_SIZE[1] * render.CHART_DPI)
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
        assert colours is not None and len(colours) > 20  # bars, text, legend: not blank
        # The confirmed bars' green is drawn.
        assert any(abs(c[0] - 0x2E) < 8 and abs(c[1] - 0x7D) < 8 and abs(c[2] - 0x32) < 8
                   for _n, c in colours)


async def test_stats_sla_and_feedback(fixture: Fixture) -> None:
    reports = fixture.app.reports
    assert reports is not None
    stats = await reports.stats(at("2026-11-01 00:00"))
    assert (stats.placed, stats.claimed, stats.resolved, stats.confirmed) == (3, 3, 3, 3)
    assert stats.median_claim_minutes == 0 and stats.median_resolve_minutes == 60
    sla = await reports.sla(Period(*NOV, "UTC"))
    assert [(r.type_name, r.requests) for r in sla.rows] == [("Peripherals", 3)]
    feedback = await reports.feedback(Period(*NOV, "UTC"))
    assert feedback.rows == []
