"""Benchmark: the hot reads and writes at 10,000 vs 1,000,000 requests (issue 14, data scale).

Two PostgreSQL databases of the same shape, created (and dropped) by the bench, seeded with
COPY (``asyncpg.copy_records_to_table``): N requests of history (N / 50 initiators with ~50
requests each, 200 assistants, 2 supervisors), each with its events, time entry, comment
(one in five), rating (one in four), a fired timer, ``--outbox-per-request`` sent outbox
rows and the sent-message records (the initiator's confirmation, the assignee's work card).
The live set is the same in both (a helpdesk's queue does not grow with its history):
1,200 open requests each offered to all 200 assistants (their offer messages recorded),
300 in progress, 100 waiting, 100 resolved, their pending timers (60 of them due), and a
backlog of 2,000 unsent notifications for the 200 assistants. Then ``VACUUM (ANALYZE)``, as
autovacuum would on a live database.

Each operation runs through the project's own code (repositories and services as the
webhook calls them), samples alternating between the two databases, and reports p50/p95
per size and the ratio 1M / 10k:

- round_trip: ``SELECT 1`` on a pooled connection, the floor under the machine's load;
- identify: ``people.by_account_with_last_channel`` on a read-only unit of work (what the
  engine does first with every update);
- my: "My requests" of an initiator with ~50 requests, as the button reads it
  (``lines_for_initiator``, 10); full_list: the same with each request's children, as the
  portal and /history read them (``list_for_initiator``, 10);
- queue: an assistant's "Your queue" (``list_for_staff``, 10) and the supervisor's /queue
  page (``requests.queue``, 10 with the count);
- claim (200 assistants offered: 199 "offer taken" edits), finish, confirm: ``core.services``
  in a chain on the same requests;
- timer lease (``timers.claim_due``, 50) and outbox lease (``outbox.claim_due``, 100), each
  rolled back so that every sample sees the same state.

Targets: p95 ≤ 20 ms (claim ≤ 40 ms) and 1M / 10k ≤ 1.3.  The slowest statements of each
operation on the large database are listed.

    python bench/data_scale.py                          # 10k vs 1M, 200 samples each
    python bench/data_scale.py --large 100000 --keep    # keep the databases (prints URLs)
    python bench/data_scale.py --small-url URL --large-url URL   # reuse kept databases
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, text  # noqa: E402

from bench.lifecycle import create_database, drop_database  # noqa: E402
from bots.bootstrap import App, bootstrap  # noqa: E402
from bots.settings import Settings  # noqa: E402
from core import services  # noqa: E402
from core.kinds import Role  # noqa: E402
from core.model import Person  # noqa: E402
from persistence.repositories import reference_for  # noqa: E402

ASSISTANTS, SUPERVISORS = 200, 2
OPEN, IN_PROGRESS, WAITING, RESOLVED = 1_200, 300, 100, 100
BACKLOG = 2_000
DUE_TIMERS = 60
CHUNK = 50_000
CHANNEL = "telegram"
LIVE_KINDS = (["open"] * OPEN + ["in_progress"] * IN_PROGRESS + ["waiting"] * WAITING
              + ["resolved"] * RESOLVED)
TYPES = ["Peripherals", "Network", "Accounts", "Software", "Printing"]
TARGET_MS = {"claim": 40.0}
DEFAULT_TARGET_MS = 20.0
TARGET_RATIO = 1.3


def address(person_id: int) -> str:
    return str(1_000_000_000 + person_id)


# -- seeding ---------------------------------------------------------------------------


class Seeder:
    """Rows for one database of ``n`` requests, streamed to COPY in chunks."""

    def __init__(self, n: int, outbox_per_request: int, seed: int = 14) -> None:
        self.n = n
        self.history = n - (OPEN + IN_PROGRESS + WAITING + RESOLVED)
        self.initiators = max(n // 50, 200)
        self.outbox_per_request = outbox_per_request
        self.rng = random.Random(seed)
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.start = self.now - timedelta(days=3 * 365)
        first = ASSISTANTS + SUPERVISORS + 1
        self.initiator_ids = range(first, first + self.initiators)

    def created(self, request_id: int) -> datetime:
        if request_id <= self.history:  # spread over three years
            return self.start + (self.now - timedelta(days=2) - self.start) * (
                request_id / max(self.history, 1))
        return self.now - timedelta(minutes=(self.n - request_id) // 10 + 5)

    def status(self, request_id: int) -> str:
        if request_id <= self.history:
            return "cancelled" if request_id % 20 == 0 else "closed"
        live = request_id - self.history - 1  # interleaved (7919 is prime to 1,700)
        return LIVE_KINDS[(live * 7919) % len(LIVE_KINDS)]

    def persons(self) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        for pid in range(1, ASSISTANTS + 1):
            rows.append((pid, f"Assistant {pid}", "assistant", "en", True, CHANNEL, self.start))
        for pid in range(ASSISTANTS + 1, ASSISTANTS + SUPERVISORS + 1):
            rows.append((pid, f"Supervisor {pid}", "supervisor", "en", True, CHANNEL,
                         self.start))
        for pid in self.initiator_ids:
            rows.append((pid, f"Client {pid}", "initiator", "ro", True, CHANNEL, self.start))
        return rows

    def requests(self) -> Iterator[dict[str, list[tuple[Any, ...]]]]:
        """Chunks of rows per table for requests ``1..n``."""
        rng = self.rng
        out: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        open_ids: list[int] = []
        for rid in range(1, self.n + 1):
            created = self.created(rid)
            status = self.status(rid)
            initiator = self.initiator_ids[rng.randrange(self.initiators)]
            assignee = 1 + rng.randrange(ASSISTANTS) if status not in ("open", "cancelled") \
                else None
            claimed = created + timedelta(minutes=rng.randrange(5, 120))
            resolved = claimed + timedelta(minutes=rng.randrange(10, 600))
            closed = resolved + timedelta(hours=rng.randrange(1, 48))
            updated = {"open": created, "in_progress": claimed, "waiting": claimed,
                       "resolved": resolved, "closed": closed, "cancelled": created}[status]
            if rid > self.history:
                updated = min(updated, self.now)
            minutes = rng.choice((15, 30, 45, 60, 90, 120))
            done = status in ("resolved", "closed")
            out["requests"].append((
                rid, reference_for(rid, created), 1 + rid % len(TYPES),
                f"Request {rid}: the printer on floor {rid % 9} does not print",
                f"Printer {rid % 9}", initiator, assignee,
                assignee if done else None, status, "normal", 4 if done else 2,
                "Replaced the toner" if done else None, "solved" if done else None,
                created, updated, "{}", "[]",
                created + timedelta(hours=1) if status == "open" else None,
                created + timedelta(hours=8) if status in ("open", "in_progress") else None,
                "[]", "customer" if status == "waiting" else None,
                claimed if status == "waiting" else None,
                resolved if done else None,
                resolved + timedelta(days=3) if status == "resolved" else None,
                minutes if done else 0,
            ))
            if status == "open":
                open_ids.append(rid)
            ev = out["events"]
            ev.append((rid, "place", initiator, CHANNEL, None, "open", "{}", created))
            if status == "cancelled":
                ev.append((rid, "cancel", initiator, CHANNEL, "open", "cancelled", "{}",
                           created + timedelta(minutes=3)))
            if assignee is not None:
                ev.append((rid, "claim", assignee, CHANNEL, "open", "in_progress", "{}",
                           claimed))
            if status == "waiting":
                ev.append((rid, "wait", assignee, CHANNEL, "in_progress", "waiting",
                           '{"reason": "customer"}', claimed + timedelta(minutes=1)))
            if done:
                ev.append((rid, "finish", assignee, CHANNEL, "in_progress", "resolved",
                           json.dumps({"minutes": minutes}), resolved))
                out["time_entries"].append((rid, minutes, assignee, "work", resolved))
            if status == "closed":
                ev.append((rid, "confirm", initiator, CHANNEL, "resolved", "closed",
                           json.dumps({"minutes": minutes}), closed))
                out["timers"].append((rid, "feedback_close", resolved + timedelta(days=3),
                                      "{}", resolved, 1, closed, "cancelled"))
                if rid % 4 == 0:
                    out["ratings"].append((rid, assignee, 1 + rid % 5, None, closed))
            if rid % 5 == 0:
                out["comments"].append((rid, initiator, "Any news?", False,
                                        created + timedelta(minutes=30)))
            pending = {"open": [("claim_warn", 45), ("claim_breach", 60)],
                       "in_progress": [("resolve_warn", 360), ("resolve_breach", 480)],
                       "waiting": [("wait_autoclose", 7 * 1440)],
                       "resolved": [("feedback_close", 3 * 1440)]}.get(status, [])
            for kind, after in pending:
                out["timers"].append((rid, kind, created + timedelta(minutes=after), "{}",
                                      created, 0, None, None))
            if rid <= self.history:
                data = json.dumps({"ref": reference_for(rid, created), "type": "Printing"})
                for k in range(self.outbox_per_request):
                    kind, at = (("claimed", claimed), ("resolved", resolved),
                                ("confirmed", closed))[k % 3]
                    recipient = initiator if kind != "confirmed" or assignee is None \
                        else assignee
                    out["outbox"].append((recipient, kind, rid, data, None, False, at, 1,
                                          at + timedelta(seconds=1)))
                sm = out["sent_messages"]
                sm.append((initiator, CHANNEL, f"confirm:{rid}", str(rid * 10)))
                if assignee is not None:
                    sm.append((assignee, CHANNEL, f"work:{rid}", str(rid * 10 + 1)))
            elif status == "open":
                for aid in range(1, ASSISTANTS + 1):
                    out["sent_messages"].append((aid, CHANNEL, f"offer:{rid}",
                                                 str(rid * 1000 + aid)))
            if len(out["requests"]) >= CHUNK:
                yield out
                out = defaultdict(list)
        # Due timers (the lease has work) and a backlog of unsent notifications.
        for k, rid in enumerate(open_ids[:DUE_TIMERS]):
            out["timers"].append((rid, "claim_warn", self.now - timedelta(minutes=1 + k), "{}",
                                  self.now - timedelta(hours=1), 0, None, None))
        data = json.dumps({"ref": "HD-1", "type": "Printing", "initiator": "Ion",
                           "description": "The printer on floor 2 is jammed"})
        for k in range(BACKLOG):
            rid = open_ids[k % len(open_ids)]
            out["outbox"].append((1 + k % ASSISTANTS, "new_request", rid, data,
                                  f"offer:{rid}", False, self.now, 0, None))
        yield out


COLUMNS = {
    "requests": ["id", "reference", "type_id", "description", "subject", "initiator_id",
                 "assignee_id", "resolved_by_id", "status", "priority", "version",
                 "resolution_note", "resolution_method", "created_at", "updated_at",
                 "fields", "pool", "claim_due", "resolve_due", "sla_flags", "wait_reason",
                 "wait_since", "resolved_at", "feedback_until", "minutes_logged"],
    "events": ["request_id", "action", "actor_id", "channel", "from_status", "to_status",
               "details", "at"],
    "time_entries": ["request_id", "minutes", "author_id", "kind", "at"],
    "comments": ["request_id", "author_id", "body", "internal", "at"],
    "ratings": ["request_id", "assistant_id", "stars", "comment", "at"],
    "timers": ["request_id", "kind", "fire_at", "data", "created_at", "attempts", "fired_at",
               "outcome"],
    "outbox": ["recipient_id", "kind", "request_id", "data", "edit_key", "edit_only",
               "created_at", "attempts", "sent_at"],
    "sent_messages": ["person_id", "channel", "edit_key", "message_ref"],
}


async def seed(url: str, n: int, outbox_per_request: int) -> dict[str, Any]:
    import asyncpg

    from persistence.db import normalise_url

    started = time.perf_counter()
    seeder = Seeder(n, outbox_per_request)
    conn = await asyncpg.connect(normalise_url(url).replace("postgresql+asyncpg", "postgresql"))
    counts: dict[str, int] = defaultdict(int)
    # The requests carry their logged total: no trigger adds each time entry's minutes
    # again (nor writes a second version of every request row).
    await conn.execute("SET session_replication_role = replica")
    try:
        await conn.copy_records_to_table(
            "request_types", columns=["id", "name", "internal", "active"],
            records=[(i + 1, name, False, True) for i, name in enumerate(TYPES)])
        people = seeder.persons()
        await conn.copy_records_to_table(
            "persons", columns=["id", "name", "role", "language", "active", "last_channel",
                                "created_at"], records=people)
        await conn.copy_records_to_table(
            "accounts", columns=["person_id", "channel", "address"],
            records=[(p[0], CHANNEL, address(p[0])) for p in people])
        counts["persons"] = len(people)
        for chunk in seeder.requests():
            for table in COLUMNS:  # requests before their children
                rows = chunk.get(table)
                if rows:
                    await conn.copy_records_to_table(table, columns=COLUMNS[table],
                                                     records=rows)
                    counts[table] += len(rows)
        for table, column in (("persons", "id"), ("requests", "id"),
                              ("request_types", "id")):
            await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                               f"(SELECT max({column}) FROM {table}))")
        copied = time.perf_counter() - started
        # What autovacuum does on a live database (it also vacuums tables that only get
        # inserts): statistics, and the visibility map that lets "My requests" be an
        # index-only scan. COPY alone leaves every page "not all-visible".
        await conn.execute("VACUUM (ANALYZE)")
        size = await conn.fetchval("SELECT pg_database_size(current_database())")
    finally:
        await conn.close()
    return {"requests": n, "rows": dict(counts), "copy_s": round(copied, 1),
            "total_s": round(time.perf_counter() - started, 1),
            "database_mb": round(size / 2**20)}


# -- measuring -------------------------------------------------------------------------


class Db:
    """One seeded database: its app, the people and requests the samples use, statements."""

    def __init__(self, label: str, url: str, app: App) -> None:
        self.label, self.url, self.app = label, url, app
        self.timings: dict[str, list[float]] = defaultdict(list)
        self.statements: dict[str, dict[str, list[float]]] = defaultdict(
            lambda: defaultdict(list))
        self.current: str | None = None
        self.open_ids: list[int] = []
        self.initiators: list[int] = []
        self.assistants: list[Person] = []
        self.supervisor: Person | None = None
        self.claims: list[tuple[int, int, int]] = []  # (request, assistant, initiator)
        self._start: dict[int, float] = {}
        engine = app.engine.sync_engine

        @event.listens_for(engine, "before_cursor_execute")
        def _before(conn: Any, cursor: Any, statement: str, params: Any, context: Any,
                    executemany: bool) -> None:
            self._start[id(cursor)] = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def _after(conn: Any, cursor: Any, statement: str, params: Any, context: Any,
                   executemany: bool) -> None:
            began = self._start.pop(id(cursor), None)
            if began is not None and self.current is not None:
                self.statements[self.current][statement].append(
                    (time.perf_counter() - began) * 1000)

    async def prepare(self, samples: int) -> None:
        async with self.app.engine.connect() as conn:
            self.open_ids = list((await conn.execute(text(
                "SELECT id FROM requests WHERE status = 'open' AND EXISTS (SELECT 1 FROM "
                "sent_messages WHERE edit_key = 'offer:' || requests.id) ORDER BY id "
                "LIMIT :n"), {"n": samples})).scalars())
            self.initiators = list((await conn.execute(text(
                "SELECT initiator_id FROM requests GROUP BY initiator_id "
                "ORDER BY initiator_id"))).scalars())
        async with self.app.uow_factory(read_only=True) as uow:
            self.assistants = await uow.people.list(Role.ASSISTANT)
            self.supervisor = (await uow.people.list(Role.SUPERVISOR))[0]
        if len(self.open_ids) < samples:
            raise SystemExit(f"{self.label}: only {len(self.open_ids)} open requests with "
                             f"offers left (need {samples}); seed a fresh database")


Op = Callable[[Db, int], Awaitable[None]]


async def op_round_trip(db: Db, i: int) -> None:
    """The floor: one ``SELECT 1`` through the same engine (the machine's load shows here)."""
    async with db.app.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


async def op_identify(db: Db, i: int) -> None:
    person_id = db.initiators[(i * 7919) % len(db.initiators)]
    async with db.app.uow_factory(read_only=True) as reader:
        found = await reader.people.by_account_with_last_channel(CHANNEL, address(person_id))
    assert found is not None


async def op_my(db: Db, i: int) -> None:
    """What the "My requests" button reads (``conversations/lists.py``): its lines."""
    person_id = db.initiators[(i * 7919 + 1) % len(db.initiators)]
    async with db.app.uow_factory(read_only=True) as uow:
        found = await uow.requests.lines_for_initiator(person_id, limit=10)
    assert found


async def op_full_list(db: Db, i: int) -> None:
    """The same requests with their children (history, time, comments, rating): the
    portal's list and /history's menu (``list_for_initiator``)."""
    person_id = db.initiators[(i * 7919 + 3) % len(db.initiators)]
    async with db.app.uow_factory(read_only=True) as uow:
        found = await uow.requests.list_for_initiator(person_id, limit=10)
    assert found


async def op_staff_queue(db: Db, i: int) -> None:
    person = db.assistants[i % len(db.assistants)]
    async with db.app.uow_factory(read_only=True) as uow:
        found = await uow.requests.list_for_staff(person, limit=10)
    assert found


async def op_queue_page(db: Db, i: int) -> None:
    async with db.app.uow_factory(read_only=True) as uow:
        page, total = await uow.requests.queue(0, 10, db.app.clock.now())
    assert page and total


async def op_claim(db: Db, i: int) -> None:
    request_id = db.open_ids[i]
    assistant = db.assistants[(i * 37) % len(db.assistants)]
    req = await services.claim(db.app.uow_factory, db.app.clock, actor_id=assistant.id,
                               request_id=request_id, channel=CHANNEL)
    db.claims.append((request_id, assistant.id, req.initiator_id))


async def op_finish(db: Db, i: int) -> None:
    request_id, assistant_id, _ = db.claims[i]
    await services.finish(db.app.uow_factory, db.app.clock, actor_id=assistant_id,
                          request_id=request_id, minutes=30, note="Replaced the toner",
                          channel=CHANNEL)


async def op_confirm(db: Db, i: int) -> None:
    request_id, _, initiator_id = db.claims[i]
    await services.confirm(db.app.uow_factory, db.app.clock, actor_id=initiator_id,
                           request_id=request_id, seen_minutes=30, channel=CHANNEL)


async def op_timer_lease(db: Db, i: int) -> None:
    async with db.app.uow_factory() as uow:
        leased = await uow.timers.claim_due(db.app.clock.now(), 50, 60)
        await uow.rollback()
    assert leased


async def op_outbox_lease(db: Db, i: int) -> None:
    async with db.app.uow_factory() as uow:
        leased = await uow.outbox.claim_due(db.app.clock.now(), 100, 60)
        await uow.rollback()
    assert leased


OPS: dict[str, Op] = {
    "round_trip": op_round_trip, "identify": op_identify, "my_requests": op_my,
    "full_list": op_full_list,
    "staff_queue": op_staff_queue, "queue_page": op_queue_page, "claim": op_claim,
    "finish": op_finish, "confirm": op_confirm, "timer_lease": op_timer_lease,
    "outbox_lease": op_outbox_lease,
}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def measure(dbs: list[Db], samples: int, warmup: int) -> None:
    for name, op in OPS.items():
        for i in range(samples + warmup):
            order = dbs if i % 2 == 0 else list(reversed(dbs))
            for db in order:
                db.current = name if i >= warmup else None
                t0 = time.perf_counter()
                await op(db, i)
                elapsed = (time.perf_counter() - t0) * 1000
                db.current = None
                if i >= warmup:
                    db.timings[name].append(elapsed)


def load_average() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()


async def run(args: argparse.Namespace) -> dict[str, Any]:
    urls: dict[str, str] = {}
    seeds: dict[str, Any] = {}
    created: list[str] = []
    sizes = {"small": args.small, "large": args.large}
    given = {"small": args.small_url, "large": args.large_url}
    apps: list[App] = []
    try:
        for label in ("small", "large"):
            if given[label]:
                urls[label] = given[label]
                continue
            urls[label] = await create_database(args.database_url)
            created.append(urls[label])
            settings = Settings(database_url=urls[label], redis_url=None, secret_key="b" * 32,
                                _env_file=None)  # type: ignore[call-arg]
            app = await bootstrap(settings)  # migrates
            await app.close()
            print(f"seeding {sizes[label]:,} requests into {urls[label]} "
                  f"(load {load_average()})", flush=True)
            seeds[label] = await seed(urls[label], sizes[label], args.outbox_per_request)
            print(f"  {seeds[label]}", flush=True)
        dbs: list[Db] = []
        for label in ("small", "large"):
            settings = Settings(database_url=urls[label], redis_url=None, secret_key="b" * 32,
                                _env_file=None)  # type: ignore[call-arg]
            app = await bootstrap(settings, migrate=True)
            apps.append(app)
            db = Db(label, urls[label], app)
            await db.prepare(args.samples + args.warmup)
            dbs.append(db)
        load_before = load_average()
        started = time.perf_counter()
        await measure(dbs, args.samples, args.warmup)
        result: dict[str, Any] = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "load_average_before": load_before, "load_average_after": load_average(),
            "measure_s": round(time.perf_counter() - started, 1),
            "samples": args.samples, "warmup": args.warmup, "seed": seeds,
            "sizes": sizes, "ops": {},
        }
        small, large = dbs
        for name in OPS:
            target = TARGET_MS.get(name, DEFAULT_TARGET_MS)
            row: dict[str, Any] = {"target_p95_ms": target}
            for db in dbs:
                values = db.timings[name]
                row[db.label] = {"p50": round(statistics.median(values), 2),
                                 "p95": round(pct(values, 0.95), 2),
                                 "statements": round(sum(
                                     len(v) for v in db.statements[name].values())
                                     / len(values), 2)}
            row["ratio_p95"] = round(row["large"]["p95"] / row["small"]["p95"], 2)
            row["ratio_p50"] = round(row["large"]["p50"] / row["small"]["p50"], 2)
            row["ok"] = row["large"]["p95"] <= target and row["ratio_p95"] <= TARGET_RATIO
            slow = sorted(large.statements[name].items(),
                          key=lambda kv: -statistics.median(kv[1]))[:3]
            row["slowest_statements_large"] = [
                {"ms_p50": round(statistics.median(v), 2), "ms_p95": round(pct(v, 0.95), 2),
                 "per_sample": round(len(v) / len(large.timings[name]), 2),
                 "sql": " ".join(sql.split())[:600]} for sql, v in slow]
            result["ops"][name] = row
        del small
        return result
    finally:
        for app in apps:
            await app.close()
        for url in created:
            if args.keep:
                print(f"kept {url}")
            else:
                await drop_database(args.database_url, url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--outbox-per-request", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the databases it seeded")
    parser.add_argument("--small-url", help="reuse a kept database instead of seeding")
    parser.add_argument("--large-url", help="reuse a kept database instead of seeding")
    parser.add_argument("--out", default="data_scale.json")
    parser.add_argument("--database-url", default=os.environ.get(
        "TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    result = asyncio.run(run(args))
    print(f"{'operation':<14}{'small p50/p95 ms':>18}{'large p50/p95 ms':>18}{'ratio':>8}"
          f"{'(p50)':>7}{'target':>8}  ok")
    for name, row in result["ops"].items():
        s, big = row["small"], row["large"]
        print(f"{name:<14}{s['p50']:>9.2f}/{s['p95']:<8.2f}{big['p50']:>9.2f}/{big['p95']:<8.2f}"
              f"{row['ratio_p95']:>8.2f}{row['ratio_p50']:>7.2f}{row['target_p95_ms']:>8.0f}"
              f"  {row['ok']}")
    print(f"load average {result['load_average_before']} → {result['load_average_after']}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / args.out).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
