"""The CLI of issue 18: request types marked on site; ``helpdesk report visits``."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

from tests.bots.test_cli import helpdesk


def ok(cwd: Path, *args: str) -> str:
    result = helpdesk(cwd, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_on_site_types_and_the_visits_report(tmp_path: Path) -> None:
    added = ok(tmp_path, "admin", "add-type", "Intervention on site", "--on-site")
    assert "visits on site" in added
    changed = ok(tmp_path, "admin", "type", "edit", "Intervention on site", "--not-on-site")
    assert "visits on site" not in changed
    changed = ok(tmp_path, "admin", "type", "edit", "Intervention on site", "--on-site",
                 "--claim-minutes", "20")
    assert "visits on site" in changed and "claim 20 min" in changed  # kept with others
    types = json.loads(ok(tmp_path, "admin", "list", "types", "--json"))
    assert "visits on site" in types[0]["settings"]

    asyncio.run(_done_visits(tmp_path / "helpdesk.db"))
    report = json.loads(ok(tmp_path, "report", "visits", "--from", "2026-03-01", "--to",
                           "2026-03-31", "--json", "--csv", str(tmp_path / "v.csv")))
    assert report == [
        {"technician": "Ana", "visits done": 2, "hours on site": "2.50"},
        {"technician": "total", "visits done": 2, "hours on site": "2.50"},
    ]
    assert (tmp_path / "v.csv").read_text().splitlines() == [
        "technician,visits done,hours on site", "Ana,2,2.50", "total,2,2.50"]
    empty = json.loads(ok(tmp_path, "report", "visits", "--from", "2026-04-01", "--to",
                          "2026-04-30", "--json"))
    assert empty == [{"technician": "total", "visits done": 0, "hours on site": "0.00"}]
    bad = helpdesk(tmp_path, "report", "visits", "--from", "March")
    assert bad.returncode != 0 and "invalid date" in bad.stderr and "Traceback" not in bad.stderr


async def _done_visits(db: Path) -> None:
    """Two done visits of Ana (1 h and 1 h 30) and a cancelled one, straight in the store."""
    from bots.bootstrap import bootstrap
    from core.clock import ManualClock
    from core.kinds import Role
    from core.model import Request
    from core.visits import Visit, VisitStatus
    from persistence.redis_store import embedded_redis
    from tests.conftest import settings_for

    at = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    app = await bootstrap(settings_for(f"sqlite+aiosqlite:///{db}"), clock=ManualClock(at),
                          redis=embedded_redis())
    try:
        async with app.uow_factory() as uow:
            ion = await uow.people.add("Ion", Role.INITIATOR)
            ana = await uow.people.add("Ana", Role.ASSISTANT)
            rtype = await uow.types.by_name("Intervention on site")
            assert rtype is not None
            req = Request.place(actor=ion, initiator=ion, rtype=rtype, description="Leak",
                                target=None, at=at, channel="test")
            await uow.requests.add(req)
            for day, minutes, status in ((3, 60, VisitStatus.DONE), (4, 90, VisitStatus.DONE),
                                         (5, 60, VisitStatus.CANCELLED)):
                start = datetime(2026, 3, day, 9, 0, tzinfo=UTC)
                await uow.visits.add(Visit(None, req.id or 0, ana.id, status, start, minutes,
                                           ana.id, f"v{day}@test", at, at))
            await uow.commit()
    finally:
        await app.close()
