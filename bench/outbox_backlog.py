"""Benchmark: the outbox lease over a backlog whose statistics were taken while it was empty.

A release to 200 assistants or a platform outage leaves tens of thousands of unsent rows,
while PostgreSQL's statistics still say the outbox is empty. This bench takes exactly that
state (``ANALYZE outbox`` on the empty table, then COPY of ``--rows`` unsent rows for
``--recipients`` people), times single leases (target ≤ 50 ms), then lets the delivery
worker drain the backlog through a sender limited to ``--rate`` messages/s (the platform's
limit; 30/s for Telegram) for ``--seconds`` (0: until empty) and reports the achieved rate
and the lease times at the start and the end of the drain.

    python bench/outbox_backlog.py                       # 36,000 rows, 30 msg/s for 60 s
    python bench/outbox_backlog.py --rate 0 --seconds 0  # drain everything, no rate limit
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bench.lifecycle import create_database, drop_database  # noqa: E402
from bots.bootstrap import bootstrap  # noqa: E402
from bots.settings import Settings  # noqa: E402
from core.messages import Reply  # noqa: E402
from core.ports import ChannelSender  # noqa: E402

CHANNEL = "bench"
NEW_REQUEST = json.dumps({"ref": "HD-1", "type": "Peripherals", "initiator": "Ion",
                          "description": "The printer on floor 2 is jammed"})


class RateLimitedSender(ChannelSender):
    """Sends at most ``rate`` messages in any second (0: no limit) — a token bucket holding
    one second's worth, like Telegram's 30 messages per second; counts what it sent."""

    channel = CHANNEL

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.tokens = rate
        self.at = time.monotonic()
        self.sent = 0

    async def send(self, address: str, reply: Reply) -> str | None:
        while self.rate:
            now = time.monotonic()
            self.tokens = min(self.rate, self.tokens + (now - self.at) * self.rate)
            self.at = now
            if self.tokens >= 1:
                self.tokens -= 1
                break
            await asyncio.sleep((1 - self.tokens) / self.rate)
        self.sent += 1
        return str(self.sent)


async def seed(url: str, rows: int, recipients: int) -> None:
    import asyncpg

    from persistence.db import normalise_url

    dsn = normalise_url(url).replace("postgresql+asyncpg", "postgresql")
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("ANALYZE outbox")  # the statistics of an empty outbox
        now = datetime.now(UTC)
        await conn.copy_records_to_table(
            "persons", columns=["id", "name", "role", "active", "created_at"],
            records=[(n, f"Assistant {n}", "assistant", True, now)
                     for n in range(1, recipients + 1)])
        await conn.copy_records_to_table(
            "accounts", columns=["person_id", "channel", "address"],
            records=[(n, CHANNEL, f"a{n}") for n in range(1, recipients + 1)])
        await conn.execute("SELECT setval('persons_id_seq', $1)", recipients)
        await conn.copy_records_to_table(
            "outbox", columns=["recipient_id", "kind", "request_id", "data", "edit_only",
                               "created_at", "attempts"],
            records=[(1 + n % recipients, "new_request", 1 + n // recipients, NEW_REQUEST,
                      False, now, 0)
                     for n in range(rows)])
    finally:
        await conn.close()


async def lease_ms(app, limit: int) -> float:  # type: ignore[no-untyped-def]
    """One lease, rolled back (leaves the backlog as it was)."""
    async with app.uow_factory() as uow:
        start = time.perf_counter()
        await uow.outbox.claim_due(app.clock.now(), limit, 60)
        elapsed = time.perf_counter() - start
        await uow.rollback()
    return elapsed * 1000


async def run(args: argparse.Namespace) -> dict[str, object]:
    url = await create_database(args.database_url)
    settings = Settings(database_url=url, redis_url=None, secret_key="b" * 32,
                        _env_file=None)  # type: ignore[call-arg]
    app = await bootstrap(settings)
    try:
        await seed(url, args.rows, args.recipients)
        leases = [await lease_ms(app, 100) for _ in range(7)]
        async with app.engine.connect() as conn:
            plan = (await conn.execute(text(
                "EXPLAIN SELECT 1 FROM outbox WHERE sent_at IS NULL AND gave_up_at IS NULL"
            ))).scalars().all()
        sender = RateLimitedSender(args.rate)
        app.add_sender(sender, concurrency=32)
        assert app.worker is not None
        start = time.perf_counter()
        rounds: list[float] = []
        while True:
            t0 = time.perf_counter()
            done = await app.worker.run_once()
            rounds.append((time.perf_counter() - t0) * 1000)
            elapsed = time.perf_counter() - start
            if done == 0 or (args.seconds and elapsed >= args.seconds):
                break
        leases_after = [await lease_ms(app, 100) for _ in range(5)]
        async with app.uow_factory() as uow:
            pending = await uow.outbox.pending_count()
    finally:
        await app.close()
        await drop_database(args.database_url, url)
    rate = sender.sent / elapsed
    return {
        "rows": args.rows, "recipients": args.recipients,
        "lease_ms_median": round(statistics.median(leases), 2),
        "lease_ms_max": round(max(leases), 2),
        "lease_ms_after_drain_median": round(statistics.median(leases_after), 2),
        "first_plan_line": plan[0] if plan else "",
        "drain_seconds": round(elapsed, 1), "sent": sender.sent, "pending_after": pending,
        "sent_per_s": round(rate, 2), "rate_limit": args.rate,
        "share_of_limit": round(rate / args.rate, 3) if args.rate else None,
        "round_ms_p50": round(statistics.median(rounds), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=36_000)
    parser.add_argument("--recipients", type=int, default=200)
    parser.add_argument("--rate", type=float, default=30.0, help="messages/s; 0: unlimited")
    parser.add_argument("--seconds", type=float, default=60.0, help="0: until drained")
    parser.add_argument("--database-url", default=os.environ.get(
        "TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    result = asyncio.run(run(args))
    for key, value in result.items():
        print(f"{key:<30}{value}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "outbox_backlog.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
