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

Each set of processes (one; two) is started and warmed up once; the runs then alternate
between the sets back to back, so the two figures of a run are taken seconds apart. Before
each load the bench database gets ``VACUUM (ANALYZE)``, what autovacuum (off on this
workplace's PostgreSQL) does on a live database: without it the processes started first
keep plans made on nearly empty tables (bench/telegram_webhook.py ``autovacuum``).

``--cpu-budget F`` (0 < F ≤ 1, needs root and the cgroup ``cpu`` controller) gives every web
process the same budget of F of a core, enforced by a CFS quota in a cgroup of its own
(period 10 ms), besides the pinning. On a machine whose cores the load generator, the fake
Bot API, PostgreSQL and Redis must share with the web processes, this comes closest to
"two processes, each with a core of its own": each process gets a fixed slice whatever the
number of processes, and the rest of the machine (2 − n·F cores) is left to the load side.
The load side can then no longer take a process's CPU time, but it can still preempt it on
its core (``context_switches_per_update`` counts how often).
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
from bench.lifecycle import connect, create_database, drop_database  # noqa: E402
from bench.telegram_webhook import (  # noqa: E402
    ReplyWatch,
    Updates,
    autovacuum,
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
    """CPU seconds used so far by the PostgreSQL and Redis server processes: every live one,
    plus what the backends that have exited used (the postmaster's reaped children), so a
    connection the pool closes during a run still counts."""
    procs: dict[int, tuple[str, int, list[str]]] = {}
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
            procs[int(stat.parent.name)] = (kind, int(fields[1]), fields)
    totals = {"postgres": 0.0, "redis": 0.0}
    for kind, ppid, fields in procs.values():
        ticks = int(fields[11]) + int(fields[12])
        if procs.get(ppid, ("",))[0] != kind:  # the server's root process: add its children
            ticks += int(fields[13]) + int(fields[14])
        totals[kind] += ticks / TICKS
    return totals


class CpuBudget:
    """A cgroup whose processes together get ``share`` of one core (CFS quota per 10 ms).

    cgroup v2 (``cpu.max``) where the unified hierarchy has the cpu controller, else v1
    (``cpu.cfs_quota_us``). Removed again by :meth:`close` once its processes are gone.
    """

    PERIOD_US = 10_000

    def __init__(self, share: float, name: str) -> None:
        quota = max(1000, int(share * self.PERIOD_US))
        v2 = Path("/sys/fs/cgroup")
        controllers = v2 / "cgroup.controllers"
        if controllers.exists() and "cpu" in controllers.read_text().split():
            self.path = v2 / name
            self.path.mkdir(exist_ok=True)
            (self.path / "cpu.max").write_text(f"{quota} {self.PERIOD_US}")
        else:
            self.path = Path("/sys/fs/cgroup/cpu") / name
            self.path.mkdir(exist_ok=True)
            (self.path / "cpu.cfs_period_us").write_text(str(self.PERIOD_US))
            (self.path / "cpu.cfs_quota_us").write_text(str(quota))

    def add(self, pid: int) -> None:
        (self.path / "cgroup.procs").write_text(str(pid))

    def throttled_ms(self) -> float:
        """How long the kernel has held this group's processes back for its quota, in ms."""
        for line in (self.path / "cpu.stat").read_text().splitlines():
            key, value = line.split()
            if key == "throttled_usec":
                return int(value) / 1000
            if key == "throttled_time":
                return int(value) / 1e6
        return 0.0

    def close(self) -> None:
        try:
            self.path.rmdir()
        except OSError:
            pass


class WebProcess:
    """``taskset -c CORE python bench/webhook_bots.py ours --web-only``, in a cgroup of its
    own with ``budget`` of a core when one is given."""

    def __init__(self, core: int, api_url: str, db_url: str, redis_url: str,
                 budget: float | None = None) -> None:
        self.core, self.api_url, self.db_url, self.redis_url = core, api_url, db_url, redis_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/telegram/webhook"
        self.proc: asyncio.subprocess.Process | None = None
        self.cgroup = (CpuBudget(budget, f"helpdesk-bench-{os.getpid()}-{self.port}")
                       if budget else None)

    async def start(self) -> WebProcess:
        cmd = ["taskset", "-c", str(self.core), sys.executable,
               str(ROOT / "bench" / "webhook_bots.py"), "ours", "--web-only",
               "--port", str(self.port), "--api-url", self.api_url,
               "--database-url", self.db_url, "--redis-url", self.redis_url]
        self.proc = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.PIPE)
        if self.cgroup is not None:
            self.cgroup.add(self.proc.pid)  # before it has started a thread
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), 120)
        if line.strip() != b"READY":
            raise RuntimeError(f"web process did not start: {line!r}")
        return self

    async def stop(self) -> None:
        assert self.proc is not None
        self.proc.terminate()
        await asyncio.wait_for(self.proc.wait(), 30)
        if self.cgroup is not None:
            self.cgroup.close()

    def context_switches(self) -> tuple[int, int]:
        """(voluntary: it had nothing to do until I/O came, involuntary: it was preempted or
        throttled) context switches so far."""
        assert self.proc is not None
        status = Path(f"/proc/{self.proc.pid}/status").read_text().splitlines()
        counts = {line.split(":")[0]: int(line.split()[1])
                  for line in status if "ctxt_switches" in line}
        return counts["voluntary_ctxt_switches"], counts["nonvoluntary_ctxt_switches"]

    def cpu_seconds(self) -> float:
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS


def context_switches(procs: list[WebProcess]) -> list[int]:
    """[voluntary, involuntary] context switches so far, summed over ``procs``."""
    return [sum(kind) for kind in zip(*(p.context_switches() for p in procs), strict=True)]


async def sessions_opened(db_url: str) -> int:
    """Connections PostgreSQL has accepted to the bench database so far (pg_stat_database)."""
    conn = await connect(db_url)
    try:
        await conn.execute("SELECT pg_stat_clear_snapshot()")
        return int(await conn.fetchval(
            "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"))
    finally:
        await conn.close()


async def load(procs: list[WebProcess], watch: ReplyWatch, updates: list[dict[str, Any]],
               concurrency: int, db_url: str) -> dict[str, Any]:
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

        sessions0 = await sessions_opened(db_url)
        budgets = [p.cgroup for p in procs if p.cgroup is not None]
        gc.collect()  # no collection pauses in this process while it stamps replies
        gc.disable()  # (see bench/telegram_webhook.py load)
        try:
            throttled0 = [c.throttled_ms() for c in budgets]
            switches0 = context_switches(procs)
            cpu0, t0 = [p.cpu_seconds() for p in procs], time.monotonic()
            own0, services0 = time.process_time(), service_cpu_seconds()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            elapsed = time.monotonic() - t0
        finally:
            gc.enable()
        cpu = [p.cpu_seconds() - c for p, c in zip(procs, cpu0, strict=True)]
        switches = [n - n0 for n, n0 in zip(context_switches(procs), switches0, strict=True)]
        own, services = time.process_time() - own0, service_cpu_seconds()
        throttled = [c.throttled_ms() - t for c, t in zip(budgets, throttled0, strict=True)]
    # less the connection of this second look-up itself
    opened = await sessions_opened(db_url) - sessions0 - 1
    harness = {"load_and_fake": own,
               **{k: services[k] - services0[k] for k in services}}
    return {"updates_per_s": round(len(updates) / elapsed, 1),
            "p50_ms": round(percentile(latencies, .5) * 1000, 1),
            "p99_ms": round(percentile(latencies, .99) * 1000, 1),
            "cpu_ms_per_update": round(sum(cpu) / len(updates) * 1000, 2),
            "cpu_share_per_process": [round(c / elapsed, 2) for c in cpu],
            "context_switches_per_update": {
                kind: round(n / len(updates), 2)
                for kind, n in zip(("voluntary", "involuntary"), switches, strict=True)},
            "connections_opened": opened,
            # what the rest of the machine spent per update: the load generator and fake
            # Bot API (this process), PostgreSQL and Redis
            "harness_cpu_ms_per_update": {k: round(v / len(updates) * 1000, 2)
                                          for k, v in harness.items()},
            "load_avg_1m": round(os.getloadavg()[0], 2),
            **({"throttled_share_per_process": [round(t / 1000 / elapsed, 2)
                                                for t in throttled]} if throttled else {})}


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    fake = await FakeTelegramAPI(token=TOKEN, limits=False).start()
    watch = ReplyWatch(fake)
    db_url = await create_database(args.database_url)
    counts = [int(n) for n in args.processes.split(",")]
    runs: list[dict[str, Any]] = []
    try:
        users, my_data = await seed(db_url, args, fake.base_url)
        updates = Updates(users, my_data)
        # Every set of processes starts once and is warmed up once; the runs then alternate
        # between the sets back to back, so that a pair is measured seconds apart (this
        # host's speed drifts by ±25 % over minutes).
        sets: dict[int, list[WebProcess]] = {}
        try:
            for n in counts:
                sets[n] = [await WebProcess(k % (os.cpu_count() or 1), fake.base_url, db_url,
                                            args.redis_url, args.cpu_budget).start()
                           for k in range(n)]
                await flush_redis(args.redis_url)
                await load(sets[n], watch, updates.batch("mix", args.warmup), args.concurrency,
                           db_url)
            await autovacuum(db_url)
            for run in range(args.runs):
                order = counts if run % 2 == 0 else list(reversed(counts))
                result: dict[str, Any] = {}
                for n in order:
                    await flush_redis(args.redis_url)
                    await autovacuum(db_url)
                    fake.reset()
                    result[str(n)] = await load(sets[n], watch,
                                                updates.batch("mix", args.updates),
                                                args.concurrency, db_url)
                    print(f"run {run + 1}: {n} process(es) {result[str(n)]}", flush=True)
                if len(counts) == 2:
                    a, b = (str(c) for c in sorted(counts))
                    result["ratio"] = round(
                        result[b]["updates_per_s"] / result[a]["updates_per_s"], 3)
                    print(f"run {run + 1}: {b}/{a} = {result['ratio']}", flush=True)
                runs.append(result)
        finally:
            for procs in sets.values():
                for p in procs:
                    await p.stop()
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
                           "cpu_budget": args.cpu_budget,
                           "runs": runs, "medians": medians}
    if all("ratio" in r for r in runs):
        out["ratio_median"] = statistics.median(r["ratio"] for r in runs)
    one = [r["1"] for r in runs if "1" in r]
    if one and not args.cpu_budget:
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
    parser.add_argument("--cpu-budget", type=float, default=None, metavar="F",
                        help="give each web process F of a core (cgroup CFS quota; root)")
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
    name = "scale_out_budget.json" if args.cpu_budget else "scale_out.json"
    (out / name).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
