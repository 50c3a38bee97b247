"""Benchmark: one web process vs two (``serve --web-only``) on the Telegram webhook, the
realistic mix of bench/telegram_webhook.py, alternating runs, medians (issue 14: two
processes ≥ 1.6× one).

    python bench/scale_out.py [--runs 3] [--updates 400] [--concurrency 20]

Each web process is ``bench/webhook_bots.py ours --web-only`` (what ``helpdesk serve
--web-only`` starts: bootstrap, the routes, no delivery/timer/retention/inbox workers; the
Telegram flood limiter opened up, as in bench/telegram_webhook.py — the shared Redis bucket
would cap every process together at 29 replies/s), web process k pinned to core k with
taskset. The load generator and the fake Bot API run in this process, unpinned: with two
web processes on a 2-core machine they compete with them (and with PostgreSQL and Redis),
which the figures include. Updates are spread round-robin over the processes (a reverse
proxy's default), ``--concurrency`` in flight in total; people have 3 requests each; kinds
alternate "My requests" presses and plain text.

Each run also reports the CPU the rest of the machine spent per update (this process: load
and fake Bot API; PostgreSQL's backends; Redis), and the result the ceiling two processes
could reach here: ``cores × ours / (ours + rest)`` with the one-process figures, i.e. every
core busy and nothing lost to sharing them.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.telegram.updates import SECRET_HEADER  # noqa: E402
from bench.lifecycle import create_database, drop_database  # noqa: E402
from bench.telegram_webhook import (  # noqa: E402
    ReplyWatch,
    Updates,
    chat_of,
    flush_redis,
    free_port,
    percentile,
    seed,
)
from bench.webhook_bots import SECRET, TOKEN  # noqa: E402
from tests.fakes.telegram_api import FakeTelegramAPI  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def service_cpu_seconds() -> dict[str, float]:
    """CPU seconds used so far by the PostgreSQL and Redis server processes (every backend)."""
    totals = {"postgres": 0.0, "redis": 0.0}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        kind = "postgres" if name.startswith("postgres") else (
            "redis" if name.startswith("redis-server") else None)
        if kind is not None:
            fields = text.rsplit(")", 1)[1].split()
            totals[kind] += (int(fields[11]) + int(fields[12])) / TICKS
    return totals


class WebProcess:
    """``taskset -c CORE python bench/webhook_bots.py ours --web-only``."""

    def __init__(self, core: int, api_url: str, db_url: str, redis_url: str) -> None:
        self.core, self.api_url, self.db_url, self.redis_url = core, api_url, db_url, redis_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/telegram/webhook"
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> WebProcess:
        cmd = ["taskset", "-c", str(self.core), sys.executable,
               str(ROOT / "bench" / "webhook_bots.py"), "ours", "--web-only",
               "--port", str(self.port), "--api-url", self.api_url,
               "--database-url", self.db_url, "--redis-url", self.redis_url]
        self.proc = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.PIPE)
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), 120)
        if line.strip() != b"READY":
            raise RuntimeError(f"web process did not start: {line!r}")
        return self

    async def stop(self) -> None:
        assert self.proc is not None
        self.proc.terminate()
        await asyncio.wait_for(self.proc.wait(), 30)

    def cpu_seconds(self) -> float:
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS


async def load(procs: list[WebProcess], watch: ReplyWatch, updates: list[dict[str, Any]],
               concurrency: int) -> dict[str, Any]:
    """Post every update round-robin over ``procs``, ``concurrency`` in flight in total (in
    flight = until its reply reached the fake Bot API)."""
    queue: Iterator[tuple[int, dict[str, Any]]] = iter(enumerate(updates))
    latencies: list[float] = []
    headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as http:
        async def worker() -> None:
            for n, update in queue:
                target = procs[n % len(procs)]
                replied = watch.expect(chat_of(update))
                t0 = time.monotonic()
                async with http.post(target.url, data=json.dumps(update),
                                     headers=headers) as r:
                    assert r.status == 200, r.status
                    body = await r.read()
                if body.startswith(b'{"method"'):  # Telegram runs a method in the answer
                    await watch.fake.webhook_answer(json.loads(body))
                latencies.append(await asyncio.wait_for(replied, 60) - t0)

        gc.collect()  # no collection pauses in this process while it stamps replies
        gc.disable()  # (see bench/telegram_webhook.py load)
        try:
            cpu0, t0 = [p.cpu_seconds() for p in procs], time.monotonic()
            own0, services0 = time.process_time(), service_cpu_seconds()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            elapsed = time.monotonic() - t0
        finally:
            gc.enable()
        cpu = [p.cpu_seconds() - c for p, c in zip(procs, cpu0, strict=True)]
        own, services = time.process_time() - own0, service_cpu_seconds()
    harness = {"load_and_fake": own,
               **{k: services[k] - services0[k] for k in services}}
    return {"updates_per_s": round(len(updates) / elapsed, 1),
            "p50_ms": round(percentile(latencies, .5) * 1000, 1),
            "p99_ms": round(percentile(latencies, .99) * 1000, 1),
            "cpu_ms_per_update": round(sum(cpu) / len(updates) * 1000, 2),
            "cpu_share_per_process": [round(c / elapsed, 2) for c in cpu],
            # what the rest of the machine spent per update: the load generator and fake
            # Bot API (this process), PostgreSQL and Redis
            "harness_cpu_ms_per_update": {k: round(v / len(updates) * 1000, 2)
                                          for k, v in harness.items()},
            "load_avg_1m": round(os.getloadavg()[0], 2)}


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    fake = await FakeTelegramAPI(token=TOKEN, limits=False).start()
    watch = ReplyWatch(fake)
    db_url = await create_database(args.database_url)
    counts = [int(n) for n in args.processes.split(",")]
    runs: list[dict[str, Any]] = []
    try:
        users, my_data = await seed(db_url, args, fake.base_url)
        updates = Updates(users, my_data)
        for run in range(args.runs):
            order = counts if run % 2 == 0 else list(reversed(counts))
            result: dict[str, Any] = {}
            for n in order:
                await flush_redis(args.redis_url)
                procs = [await WebProcess(k % (os.cpu_count() or 1), fake.base_url, db_url,
                                          args.redis_url).start() for k in range(n)]
                try:
                    await load(procs, watch, updates.batch("mix", args.warmup),
                               args.concurrency)
                    await flush_redis(args.redis_url)
                    fake.reset()
                    result[str(n)] = await load(procs, watch,
                                                updates.batch("mix", args.updates),
                                                args.concurrency)
                finally:
                    for p in procs:
                        await p.stop()
                print(f"run {run + 1}: {n} process(es) {result[str(n)]}", flush=True)
            if len(counts) == 2:
                a, b = (str(c) for c in sorted(counts))
                result["ratio"] = round(result[b]["updates_per_s"] / result[a]["updates_per_s"],
                                        3)
                print(f"run {run + 1}: {b}/{a} = {result['ratio']}", flush=True)
            runs.append(result)
    finally:
        await fake.close()
        await drop_database(args.database_url, db_url)
        await flush_redis(args.redis_url)
    medians = {str(n): {k: statistics.median(r[str(n)][k] for r in runs)
                        for k in ("updates_per_s", "p50_ms", "p99_ms", "cpu_ms_per_update")}
               for n in counts}
    out: dict[str, Any] = {"when": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()),
                           "cores": os.cpu_count(), "updates": args.updates,
                           "concurrency": args.concurrency, "people": args.people,
                           "runs": runs, "medians": medians}
    if all("ratio" in r for r in runs):
        out["ratio_median"] = statistics.median(r["ratio"] for r in runs)
    one = [r["1"] for r in runs if "1" in r]
    if one:
        # The best two processes can do on this machine: all its cores busy, at the CPU
        # per update of the one-process runs (ours, plus the load generator, the fake Bot API,
        # PostgreSQL and Redis, which share the cores here), against one process alone.
        web = statistics.median(r["cpu_ms_per_update"] for r in one)
        rest = statistics.median(sum(r["harness_cpu_ms_per_update"].values()) for r in one)
        cores = os.cpu_count() or 1
        out["ceiling"] = {"web_cpu_ms": web, "rest_cpu_ms": round(rest, 2), "cores": cores,
                          "ratio": round(min(2.0, cores * web / (web + rest)), 2)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", default="1,2", help="web process counts to alternate")
    parser.add_argument("--updates", type=int, default=400)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--database-url", default=os.environ.get(
        "TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--redis-url", default=os.environ.get(
        "TEST_REDIS_URL", "redis://127.0.0.1:6379/14"))
    args = parser.parse_args()
    result = asyncio.run(main_async(args))
    for n, row in result["medians"].items():
        print(f"median {n} process(es): {row}")
    if "ratio_median" in result:
        print(f"median ratio: {result['ratio_median']}")
    if "ceiling" in result:
        c = result["ceiling"]
        print(f"ceiling here: {c['cores']} cores / ({c['web_cpu_ms']} ms ours + "
              f"{c['rest_cpu_ms']} ms the rest per update) = {c['ratio']}x one process")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "scale_out.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
