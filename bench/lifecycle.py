"""Benchmark: N complete lifecycles (place → claim → finish → confirm) through the
conversation core on PostgreSQL + Redis, with the outbox worker delivering to a null channel.

Prints lifecycles/s and p50/p99 latency per action; writes JSON to bench/results/.

    python bench/lifecycle.py --lifecycles 300 --concurrency 10 --runs 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bots.bootstrap import App, bootstrap  # noqa: E402
from bots.settings import Settings  # noqa: E402
from core.kinds import Role  # noqa: E402
from core.messages import Inbound, Reply  # noqa: E402
from core.ports import ChannelSender  # noqa: E402

CHANNEL = "bench"


class NullSender(ChannelSender):
    channel = CHANNEL

    def __init__(self) -> None:
        self.sent = 0

    async def send(self, address: str, reply: Reply) -> str | None:
        self.sent += 1
        return str(self.sent)

    async def edit(self, address: str, message_ref: str, reply: Reply) -> None:
        self.sent += 1


async def connect(url: str) -> Any:
    """A plain asyncpg connection to the database of ``url`` (any SQLAlchemy spelling)."""
    import asyncpg
    from sqlalchemy.engine import make_url

    from persistence.db import normalise_url

    parsed = make_url(normalise_url(url))
    return await asyncpg.connect(host=parsed.host, port=parsed.port or 5432,
                                 user=parsed.username, password=parsed.password,
                                 database=parsed.database)


async def create_database(admin_url: str) -> str:
    from sqlalchemy.engine import make_url

    from persistence.db import normalise_url

    name = f"hd_bench_{uuid.uuid4().hex[:8]}"
    conn = await connect(admin_url)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return make_url(normalise_url(admin_url)).set(database=name).render_as_string(
        hide_password=False)


async def drop_database(admin_url: str, url: str) -> None:
    from sqlalchemy.engine import make_url

    conn = await connect(admin_url)
    await conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    await conn.close()


class Bench:
    def __init__(self, app: App) -> None:
        self.app = app
        self.timings: dict[str, list[float]] = defaultdict(list)

    async def timed(self, action: str, inbound: Inbound) -> list[Reply]:
        start = time.perf_counter()
        replies = await self.app.conversations.handle(inbound)
        self.timings[action].append(time.perf_counter() - start)
        return replies

    async def lifecycle(self, n: int, client: int, type_id: int) -> None:
        """One lifecycle; each concurrent client has its own initiator and assistant, since a
        person's dialog (e.g. "time spent?") belongs to one request at a time."""
        conv = self.app.conversations
        ion = f"initiator{client}"
        assistant = f"assistant{client}"
        await self.timed("new", Inbound(CHANNEL, ion, text="/new"))
        await self.timed("choose type", Inbound(CHANNEL, ion, payload=conv.pack("type", 0,
                                                                             str(type_id))))
        await self.timed("choose anyone", Inbound(CHANNEL, ion, payload=conv.pack("asg", 0, "0")))
        await self.timed("describe", Inbound(CHANNEL, ion, text=f"Printer {n} is jammed"))
        placed = await self.timed("place", Inbound(CHANNEL, ion, payload=conv.pack("place")))
        reference = placed[0].text.split()[1]
        async with self.app.uow_factory() as uow:
            req = await uow.requests.by_reference(reference)
        assert req is not None and req.id is not None, placed
        rid = req.id
        await self.timed("claim", Inbound(CHANNEL, assistant, payload=conv.pack("claim", rid)))
        await self.timed("finish", Inbound(CHANNEL, assistant, payload=conv.pack("finish", rid)))
        await self.timed("time spent", Inbound(CHANNEL, assistant, text="1h30"))
        await self.timed("resolution note", Inbound(CHANNEL, assistant, text="Cleared the jam"))
        done = await self.timed("confirm", Inbound(CHANNEL, ion, payload=conv.pack("confirm", rid,
                                                                                 "90")))
        assert "closed" in done[0].text, done


async def one_run(args: argparse.Namespace) -> dict[str, object]:
    url = await create_database(args.database_url)
    settings = Settings(database_url=url, redis_url=args.redis_url, secret_key="b" * 32,
                        _env_file=None)  # type: ignore[call-arg]
    app = await bootstrap(settings)
    await app.dialogs.redis.flushdb()
    sender = NullSender()
    app.add_sender(sender)
    async with app.uow_factory() as uow:
        rtype = await uow.types.add("Peripherals")
        for i in range(args.concurrency):
            p = await uow.people.add(f"Initiator {i}", Role.INITIATOR)
            await uow.people.add_account(p.id, CHANNEL, f"initiator{i}")
        for i in range(args.concurrency):
            p = await uow.people.add(f"Assistant {i}", Role.ASSISTANT)
            await uow.people.add_account(p.id, CHANNEL, f"assistant{i}")
        await uow.commit()
    bench = Bench(app)
    stop = asyncio.Event()
    assert app.worker is not None
    worker = asyncio.create_task(app.worker.run_forever(stop, idle_seconds=0.05))
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(args.lifecycles):
        queue.put_nowait(n)

    async def client(index: int) -> None:
        while not queue.empty():
            await bench.lifecycle(queue.get_nowait(), index, rtype.id)

    start = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(args.concurrency)))
    elapsed = time.perf_counter() - start
    await app.worker.drain()
    stop.set()
    await worker
    async with app.uow_factory() as uow:
        pending = await uow.outbox.pending_count()
    await app.close()
    await drop_database(args.database_url, url)

    def ms(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)

    return {
        "lifecycles": args.lifecycles,
        "seconds": round(elapsed, 3),
        "lifecycles_per_s": round(args.lifecycles / elapsed, 2),
        "notifications_sent": sender.sent,
        "outbox_pending_after": pending,
        "actions_ms": {a: {"p50": ms(v, 0.5), "p99": ms(v, 0.99), "n": len(v)}
                       for a, v in bench.timings.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lifecycles", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default=os.environ.get(
        "TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--redis-url", default=os.environ.get(
        "TEST_REDIS_URL", "redis://127.0.0.1:6379/14"))
    args = parser.parse_args()
    runs = [asyncio.run(one_run(args)) for _ in range(args.runs)]
    rates = [float(r["lifecycles_per_s"]) for r in runs]  # type: ignore[arg-type]
    summary: dict[str, object] = {
        "benchmark": "lifecycle",
        "database": "postgresql",
        "redis": "real",
        "concurrency": args.concurrency,
        "runs": runs,
        "median_lifecycles_per_s": statistics.median(rates),
    }
    actions = list(runs[0]["actions_ms"])  # type: ignore[call-overload]
    print(f"lifecycles/s per run: {rates}  → median {statistics.median(rates):.1f}")
    print(f"{'action':<18}{'p50 ms':>10}{'p99 ms':>10}   (median over {len(runs)} runs)")
    medians = {}
    for action in actions:
        p50 = statistics.median(r["actions_ms"][action]["p50"] for r in runs)  # type: ignore[index]
        p99 = statistics.median(r["actions_ms"][action]["p99"] for r in runs)  # type: ignore[index]
        medians[action] = {"p50": p50, "p99": p99}
        print(f"{action:<18}{p50:>10.2f}{p99:>10.2f}")
    summary["median_actions_ms"] = medians
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "lifecycle.json").write_text(json.dumps(summary, indent=2))
    print(f"written {out / 'lifecycle.json'}")


if __name__ == "__main__":
    main()
