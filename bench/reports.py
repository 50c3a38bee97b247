"""Benchmark: reports and the queue on a big PostgreSQL database (issue 17).

Seeds a fresh database with 100,000 requests and 300,000 time entries (COPY), with
confirmations and disputes as events, then times ``report time`` for one month (each
grouping) and the first page of ``/queue``. Targets: report ≤ 2 s, queue page ≤ 50 ms.
Prints the figures and writes JSON to bench/results/.

    python bench/reports.py --url postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402

from bots.bootstrap import bootstrap  # noqa: E402
from bots.settings import Settings  # noqa: E402
from core.report_ports import GROUPINGS, Period  # noqa: E402
from persistence.redis_store import embedded_redis  # noqa: E402

DB = "bench_reports"
YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)


async def fresh_database(admin_url: str) -> str:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {DB}")
        await conn.execute(f"CREATE DATABASE {DB}")
    finally:
        await conn.close()
    return admin_url.rsplit("/", 1)[0] + f"/{DB}"


async def seed(url: str, requests: int, entries_per: int, rng: random.Random) -> None:
    conn = await asyncpg.connect(url)
    try:
        orgs = [(i, f"Org {i}", True) for i in range(1, 21)]
        await conn.copy_records_to_table("organizations", records=orgs,
                                         columns=["id", "name", "active"])
        await conn.copy_records_to_table(
            "contracts", records=[(i, 1200, date(2026, 1, 1), None) for i in range(1, 11)],
            columns=["organization_id", "monthly_minutes", "valid_from", "valid_to"])
        people = []
        for i in range(1, 301):
            role = "assistant" if i <= 40 else "supervisor" if i <= 45 else "initiator"
            org = None if role != "initiator" else (i % 20) + 1
            people.append((i, f"Person {i}", role, True, YEAR_START, org))
        await conn.copy_records_to_table(
            "persons", records=people,
            columns=["id", "name", "role", "active", "created_at", "organization_id"])
        await conn.copy_records_to_table(
            "request_types", records=[(i, f"Type {i}", False, True) for i in range(1, 9)],
            columns=["id", "name", "internal", "active"])
        rows, entries, events = [], [], []
        now = datetime(2026, 12, 31, tzinfo=UTC)
        for rid in range(1, requests + 1):
            created = YEAR_START + timedelta(seconds=rng.randrange(364 * 86400))
            initiator = rng.randrange(46, 301)
            assignee = rng.randrange(1, 41)
            live = rng.random() < 0.08
            status = rng.choice(["open", "in_progress", "waiting"]) if live else "closed"
            claim_due = created + timedelta(minutes=30) if status == "open" else None
            resolve_due = (now + timedelta(minutes=rng.randrange(-600, 600))
                           if status in ("open", "in_progress") else None)
            rows.append((rid, f"HD-2026-{rid:06d}", rng.randrange(1, 9), "Bench problem",
                         initiator, None if status == "open" else assignee, status, "normal",
                         3, created, created, claim_due, resolve_due, (initiator % 20) + 1))
            last = created
            for _ in range(entries_per):
                last = last + timedelta(minutes=rng.randrange(10, 3000))
                entries.append((rid, rng.randrange(5, 240), assignee, "work", last))
            if status == "closed":
                roll = rng.random()
                if roll < 0.05:
                    events.append((rid, "dispute", initiator, "in_progress", "resolved",
                                   last + timedelta(hours=1)))
                elif roll < 0.85:
                    events.append((rid, "confirm", initiator, "closed", "resolved",
                                   last + timedelta(hours=2)))
        await conn.copy_records_to_table(
            "requests", records=rows,
            columns=["id", "reference", "type_id", "description", "initiator_id",
                     "assignee_id", "status", "priority", "version", "created_at",
                     "updated_at", "claim_due", "resolve_due", "organization_id"])
        await conn.copy_records_to_table(
            "time_entries", records=entries,
            columns=["request_id", "minutes", "author_id", "kind", "at"])
        await conn.copy_records_to_table(
            "events", records=[(r, a, p, t, f, at, "{}") for r, a, p, t, f, at in events],
            columns=["request_id", "action", "actor_id", "to_status", "from_status", "at",
                     "details"])
        for table in ("organizations", "persons", "request_types", "requests"):
            await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT max(id) FROM {table}))")
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def timed(runs: int, call) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        await call()
        out.append((time.perf_counter() - start) * 1000)
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="a PostgreSQL URL whose user may create databases")
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--entries-per-request", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    url = await fresh_database(args.url)
    settings = Settings(database_url=url, secret_key="bench-secret-key-0123456789",
                        _env_file=None)  # type: ignore[call-arg]
    app = await bootstrap(settings, redis=embedded_redis())  # creates the schema
    started = time.perf_counter()
    await seed(url, args.requests, args.entries_per_request, random.Random(17))
    seeded = time.perf_counter() - started
    assert app.reports is not None
    reports = app.reports
    period = Period(date(2026, 11, 1), date(2026, 11, 30), "Europe/Bucharest")
    results: dict[str, object] = {
        "requests": args.requests, "time_entries": args.requests * args.entries_per_request,
        "seed_seconds": round(seeded, 1)}
    for by in GROUPINGS:
        report = await reports.time(period, by)
        times = await timed(args.runs, lambda by=by: reports.time(period, by))
        results[f"report_time_by_{by}_ms"] = {"median": round(statistics.median(times), 1),
                                              "max": round(max(times), 1),
                                              "groups": len(report.rows)}
    now = datetime(2026, 12, 31, tzinfo=UTC)

    async def first_page() -> None:
        async with app.uow_factory(read_only=True) as uow:
            page, total = await uow.requests.queue(0, 10, now)
            assert len(page) == 10 and total > 0

    await first_page()
    times = await timed(args.runs * 4, first_page)
    results["queue_first_page_ms"] = {"median": round(statistics.median(times), 1),
                                      "max": round(max(times), 1)}
    await app.close()
    print(json.dumps(results, indent=2))
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"reports-{int(time.time())}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
