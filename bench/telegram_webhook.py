"""Benchmark: Telegram updates through a webhook until the reply reaches the (fake) Bot API —
our full pipeline (PostgreSQL + Redis) vs a stock aiogram 3 echo bot vs a stock
python-telegram-bot echo bot, each in its own process pinned to core 0; the load generator
and the fake Bot API run in this process, pinned to core 1.

    python bench/telegram_webhook.py --runs 3 [--updates 400] [--memory-updates 10000]

The people are initiators who have 3 requests each. Kinds of load: ``my`` ("My requests"
button presses), ``text`` (plain text: "Which request is this about?"), ``mix`` (half each,
interleaved). ``--concurrency`` updates are in flight: each of the load generator's workers
posts an update and sends the next one only when the bot's reply (``sendMessage``) reached
the fake Bot API. Latency is from the POST to that reply; CPU per update is the bot
process's own (``/proc/<pid>/stat``). Runs alternate ours / aiogram / ptb (rotating which
goes first); medians over runs and the ratios of each run are reported. A memory phase then
runs ``--memory-updates`` mixed updates through a fresh process of ours (RSS idle, after
warm-up and at the end; Redis bytes per handled update and per dialog). Results go to
``bench/results/telegram_webhook.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import socket
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
from bench.webhook_bots import SECRET, TOKEN, our_settings  # noqa: E402
from bots.bootstrap import bootstrap  # noqa: E402
from core import services  # noqa: E402
from core.kinds import Role  # noqa: E402
from tests.fakes.telegram_api import FakeTelegramAPI  # noqa: E402

BOTS = ("ours", "aiogram", "ptb")
KINDS = ("mix", "my", "text")
PATHS = {"ours": "/telegram/webhook", "aiogram": "/webhook", "ptb": "/webhook"}
REQUESTS_EACH = 3
TEXT = "The printer on the 2nd floor jams again"
TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


# -- updates -----------------------------------------------------------------------------

def _user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": f"U{user_id}", "language_code": "en"}


def press(update_id: int, user_id: int, data: str) -> dict[str, Any]:
    return {"update_id": update_id, "callback_query": {
        "id": f"cb{update_id}", "from": _user(user_id), "chat_instance": "1", "data": data,
        "message": {"message_id": 1, "date": 1700000000, "text": "…",
                    "chat": {"id": user_id, "type": "private"}}}}


def text(update_id: int, user_id: int) -> dict[str, Any]:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 1700000000, "text": TEXT, "from": _user(user_id),
        "chat": {"id": user_id, "type": "private"}}}


class Updates:
    """Unique update ids; ``batch`` makes ``n`` updates of a kind, one per person (cycling)."""

    def __init__(self, users: list[int], my_data: str) -> None:
        self.users = users
        self.my_data = my_data
        self.next_id = 1
        self.next_user = 0

    def batch(self, kind: str, n: int) -> list[dict[str, Any]]:
        out = []
        for i in range(n):
            uid = self.users[self.next_user % len(self.users)]
            self.next_user += 1
            is_press = kind == "my" or (kind == "mix" and i % 2 == 0)
            out.append(press(self.next_id, uid, self.my_data) if is_press
                       else text(self.next_id, uid))
            self.next_id += 1
        return out


# -- the fake Bot API, knowing when each chat got its reply --------------------------------

class ReplyWatch:
    """Resolves a future per chat when the fake Bot API receives a message sent to it."""

    def __init__(self, fake: FakeTelegramAPI) -> None:
        self.fake = fake
        self.waiting: dict[int, asyncio.Future[float]] = {}
        for method in ("sendMessage", "editMessageText"):
            original = fake._handlers[method]

            def hook(req: Any, original: Any = original) -> Any:
                result = original(req)
                future = self.waiting.pop(int(req.params["chat_id"]), None)
                if future is not None and not future.done():
                    future.set_result(time.monotonic())
                return result
            fake._handlers[method] = hook

    def expect(self, chat_id: int) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[chat_id] = future
        return future


def chat_of(update: dict[str, Any]) -> int:
    if "message" in update:
        return int(update["message"]["chat"]["id"])
    return int(update["callback_query"]["from"]["id"])


# -- the bot processes -----------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class BotProcess:
    """``taskset -c 0 python bench/webhook_bots.py <bot>``, its CPU time and RSS."""

    def __init__(self, bot: str, api_url: str, args: argparse.Namespace, db_url: str) -> None:
        self.bot, self.api_url, self.args, self.db_url = bot, api_url, args, db_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}{PATHS[bot]}"
        self.proc: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> BotProcess:
        cmd = ["taskset", "-c", self.args.bot_core, sys.executable,
               str(ROOT / "bench" / "webhook_bots.py"), self.bot, "--port", str(self.port),
               "--api-url", self.api_url, "--database-url", self.db_url,
               "--redis-url", self.args.redis_url]
        self.proc = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.PIPE)
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), 120)
        if line.strip() != b"READY":
            raise RuntimeError(f"{self.bot} did not start: {line!r}")
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.proc is not None
        self.proc.terminate()
        await asyncio.wait_for(self.proc.wait(), 30)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def cpu_seconds(self) -> tuple[float, float]:
        """User and system CPU time of the bot process so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) / TICKS, int(fields[12]) / TICKS  # utime, stime

    def rss_mb(self) -> float:
        pages = int(Path(f"/proc/{self.pid}/statm").read_text().split()[1])
        return round(pages * PAGE / 2**20, 1)


# -- load ------------------------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


async def load(bot: BotProcess, watch: ReplyWatch, updates: list[dict[str, Any]],
               concurrency: int) -> dict[str, float]:
    """Post every update, ``concurrency`` in flight (in flight = until its reply arrived)."""
    queue: Iterator[dict[str, Any]] = iter(updates)
    latencies: list[float] = []
    headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:
        async def worker() -> None:
            for update in queue:
                replied = watch.expect(chat_of(update))
                t0 = time.monotonic()
                async with http.post(bot.url, data=json.dumps(update), headers=headers) as r:
                    assert r.status == 200, r.status
                    body = await r.read()
                if body.startswith(b'{"method"'):  # Telegram runs a method in the answer
                    await watch.fake.webhook_answer(json.loads(body))
                latencies.append(await asyncio.wait_for(replied, 60) - t0)

        # The fake Bot API and the reply watch run in this process: a full garbage
        # collection here stops the clock that stamps replies for every update in flight
        # (as bench/broadcast_workers.py found), which is a stall of the bench, not the bot.
        gc.collect()
        gc.disable()
        try:
            cpu0, t0 = bot.cpu_seconds(), time.monotonic()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            elapsed, cpu1 = time.monotonic() - t0, bot.cpu_seconds()
        finally:
            gc.enable()
    cpu, sys_cpu = sum(cpu1) - sum(cpu0), cpu1[1] - cpu0[1]
    return {"updates_per_s": round(len(updates) / elapsed, 1),
            "p50_ms": round(percentile(latencies, .5) * 1000, 1),
            "p99_ms": round(percentile(latencies, .99) * 1000, 1),
            "cpu_ms_per_update": round(cpu / len(updates) * 1000, 2),
            "sys_cpu_ms_per_update": round(sys_cpu / len(updates) * 1000, 2),
            "load_avg_1m": round(os.getloadavg()[0], 2)}


# -- data ------------------------------------------------------------------------------------

async def seed(db_url: str, args: argparse.Namespace, api_url: str) -> tuple[list[int], str]:
    """People with 3 requests each, known on Telegram (as after their first /start)."""
    app = await bootstrap(our_settings(db_url, args.redis_url, api_url))
    try:
        users = [1_000_000 + i for i in range(args.people)]
        async with app.uow_factory() as uow:
            rtype = await uow.types.add("Peripherals")
            ids = []
            for uid in users:
                person = await uow.people.add(f"U{uid}", Role.INITIATOR, "en")
                await uow.people.add_account(person.id, "telegram", str(uid))
                await uow.people.touch_channel(person.id, "telegram")
                ids.append(person.id)
            await uow.commit()
        for person_id in ids:
            for n in range(REQUESTS_EACH):
                await services.place(app.uow_factory, app.clock, actor_id=person_id,
                                     type_id=rtype.id, description=f"Problem {n + 1}",
                                     channel="telegram")
        return users, app.conversations.pack("my")
    finally:
        await app.close()
        await forget_placement_notices(db_url)


async def forget_placement_notices(db_url: str) -> None:
    """The seeded requests' notices ("request placed") were delivered long ago: the delivery
    worker of the bot under test must not send them during the measurement."""
    from sqlalchemy import text as sql
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(db_url)
    async with engine.begin() as conn:
        await conn.execute(sql("DELETE FROM outbox"))
    await engine.dispose()


async def autovacuum(db_url: str) -> None:
    """``VACUUM (ANALYZE)`` the bench database between loads: what autovacuum does on a live
    database once a table has changed by a tenth. The PostgreSQL of this workplace's machines
    runs with ``autovacuum = off`` (its conf.d/90-ci.conf), so without this the planner keeps
    the estimates of the freshly seeded tables, and a connection opened early keeps the plans
    it made then: the inbox lookups of a process started first read the conversation's whole
    history after a few thousand updates (bench/scale_out.py, 2026-12-05)."""
    conn = await connect(db_url)
    try:
        await conn.execute("VACUUM (ANALYZE)")
    finally:
        await conn.close()


async def flush_redis(url: str) -> None:
    """Between loads: forget dialog state (a pending "Which request?" question) so every
    plain text meets the same situation; keeps nothing the idle bot needs."""
    from redis.asyncio import Redis

    redis = Redis.from_url(url)
    await redis.flushdb()
    await redis.aclose()


async def redis_usage(url: str) -> dict[str, Any]:
    from redis.asyncio import Redis

    redis = Redis.from_url(url)
    try:
        groups: dict[str, list[int]] = {}
        async for key in redis.scan_iter(count=1000):
            name = key.decode()
            group = ":".join(name.split(":")[:2])
            groups.setdefault(group, []).append(int(await redis.memory_usage(key) or 0))
        info = await redis.info("memory")
        return {"used_memory": int(info["used_memory"]),
                "keys": {g: {"count": len(v), "bytes": sum(v)} for g, v in groups.items()}}
    finally:
        await redis.aclose()


# -- runs ------------------------------------------------------------------------------------

async def throughput(args: argparse.Namespace, db_url: str, fake: FakeTelegramAPI,
                     watch: ReplyWatch, updates: Updates) -> list[dict[str, Any]]:
    rounds = []
    for run in range(args.runs):
        order = BOTS[run % 3:] + BOTS[:run % 3]  # A/B/C alternating, who goes first rotates
        result: dict[str, Any] = {"order": order}
        for bot in order:
            await flush_redis(args.redis_url)
            await autovacuum(db_url)
            async with BotProcess(bot, fake.base_url, args, db_url) as proc:
                await load(proc, watch, updates.batch("mix", args.warmup), args.concurrency)
                result[bot] = {}
                for kind in KINDS:
                    await flush_redis(args.redis_url)
                    fake.reset()
                    result[bot][kind] = await load(proc, watch, updates.batch(kind, args.updates),
                                                   args.concurrency)
                    sent = fake.sent_messages()  # what the bot answered, to check it is real
                    result.setdefault("sample_replies", {})[f"{bot}/{kind}"] = [
                        (m.text or "")[:160] for m in sent[:1] + sent[-1:]]
            print(f"run {run + 1} {bot:8} " + "  ".join(
                f"{k} {v['updates_per_s']}/s p50 {v['p50_ms']} p99 {v['p99_ms']} "
                f"cpu {v['cpu_ms_per_update']} ms (load {v['load_avg_1m']})"
                for k, v in result[bot].items()), flush=True)
        result["ratios"] = {
            kind: {f"ours/{b}": round(result["ours"][kind]["updates_per_s"]
                                      / result[b][kind]["updates_per_s"], 3)
                   for b in ("aiogram", "ptb")} for kind in KINDS}
        print(f"run {run + 1} ratios {result['ratios']}", flush=True)
        rounds.append(result)
    return rounds


async def memory(args: argparse.Namespace, db_url: str, fake: FakeTelegramAPI,
                 watch: ReplyWatch, updates: Updates) -> dict[str, Any]:
    """RSS of our idle bot, after warm-up and after ``--memory-updates``; Redis bytes."""
    await flush_redis(args.redis_url)
    before = await redis_usage(args.redis_url)
    warm = min(2000, args.memory_updates // 5)
    async with BotProcess("ours", fake.base_url, args, db_url) as proc:
        await asyncio.sleep(2)
        idle = proc.rss_mb()
        fake.reset()
        await load(proc, watch, updates.batch("mix", warm), args.concurrency)
        warmed = proc.rss_mb()
        steps = []
        done = warm
        while done < args.memory_updates:
            n = min(2000, args.memory_updates - done)
            fake.reset()
            figures = await load(proc, watch, updates.batch("mix", n), args.concurrency)
            done += n
            steps.append({"updates": done, "rss_mb": proc.rss_mb(),
                          "updates_per_s": figures["updates_per_s"]})
        after = await redis_usage(args.redis_url)
    final = steps[-1]["rss_mb"] if steps else warmed
    dialogs = after["keys"].get("hd:dialog", {"count": 0, "bytes": 0})
    keyed = sum(g["bytes"] for g in after["keys"].values())
    return {
        "updates": args.memory_updates, "people": args.people,
        "rss_idle_mb": idle, "rss_after_warmup_mb": warmed, "warmup_updates": warm,
        "rss_after_all_mb": final, "steps": steps,
        "growth_after_warmup_pct": round((final - warmed) / warmed * 100, 1),
        "redis_keys": after["keys"],
        "redis_key_bytes_per_update": round(keyed / args.memory_updates, 1),
        "redis_used_memory_delta_per_update": round(
            (after["used_memory"] - before["used_memory"]) / args.memory_updates, 1),
        "redis_bytes_per_dialog": round(dialogs["bytes"] / dialogs["count"], 1)
        if dialogs["count"] else None,
    }


async def profile(args: argparse.Namespace, db_url: str, fake: FakeTelegramAPI,
                  watch: ReplyWatch, updates: Updates) -> dict[str, Any]:
    """py-spy (``pip install py-spy``) on our bot process during ``--profile`` mixed updates:
    collapsed stacks in bench/results/profile_ours_mix.txt, the top of it summarised."""
    out = ROOT / "bench" / "results" / "profile_ours_mix.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    await flush_redis(args.redis_url)
    async with BotProcess("ours", fake.base_url, args, db_url) as proc:
        await load(proc, watch, updates.batch("mix", args.warmup), args.concurrency)
        spy = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(proc.pid),
            "--format", "raw", "--output", str(out), "--rate", "200", "--nonblocking",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        await asyncio.sleep(1)
        fake.reset()
        figures = await load(proc, watch, updates.batch("mix", args.profile), args.concurrency)
        spy.send_signal(2)  # SIGINT: py-spy writes its output and exits
        await asyncio.wait_for(spy.wait(), 60)
    return {"file": str(out.relative_to(ROOT)), "load": figures, **summarise(out)}


def summarise(path: Path) -> dict[str, Any]:
    """Share of samples by library (any frame in the stack) and by innermost frame."""
    total = 0
    libs: dict[str, int] = {}
    leaf: dict[str, int] = {}
    names = ("sqlalchemy", "asyncpg", "aiogram", "aiohttp", "pydantic", "redis", "yarl",
             "multidict", "json", "asyncio", "logging", "babel", "gettext")
    ours = ("/core/", "/conversations/", "/adapters/", "/persistence/", "/bots/")
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        seen = {lib for lib in names for f in frames if f"/{lib}/" in f or f"{lib}.py" in f}
        seen |= {"ours:" + o.strip("/") for o in ours for f in frames
                 if o in f and "site-packages" not in f}
        for lib in seen:
            libs[lib] = libs.get(lib, 0) + n
        leaf[frames[-1]] = leaf.get(frames[-1], 0) + n
    def top(d: dict[str, int], k: int) -> dict[str, float]:
        return {name: round(v / total * 100, 1)
                for name, v in sorted(d.items(), key=lambda kv: -kv[1])[:k]}
    return {"samples": total, "pct_in_stack_by_library": top(libs, 20),
            "pct_innermost_frame": top(leaf, 15)}


def medians(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for bot in BOTS:
        out[bot] = {kind: {k: statistics.median(r[bot][kind][k] for r in rounds)
                           for k in rounds[0][bot][kind]} for kind in KINDS}
    out["ratios"] = {kind: {name: statistics.median(r["ratios"][kind][name] for r in rounds)
                            for name in rounds[0]["ratios"][kind]} for kind in KINDS}
    return out


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    os.sched_setaffinity(0, {int(args.load_core)})
    fake = await FakeTelegramAPI(token=TOKEN, limits=False).start()
    watch = ReplyWatch(fake)
    db_url = await create_database(args.database_url)
    try:
        users, my_data = await seed(db_url, args, fake.base_url)
        updates = Updates(users, my_data)
        result: dict[str, Any] = {
            "benchmark": "telegram_webhook", "when": time.strftime("%Y-%m-%d %H:%M:%SZ",
                                                                   time.gmtime()),
            "updates": args.updates, "concurrency": args.concurrency, "people": args.people,
            "requests_each": REQUESTS_EACH, "bot_core": args.bot_core,
            "load_core": args.load_core, "cores": os.cpu_count(),
            "load_avg_at_start": os.getloadavg()}
        if args.runs:
            rounds = await throughput(args, db_url, fake, watch, updates)
            result["runs"] = rounds
            result["median"] = medians(rounds)
        if args.memory_updates:
            result["memory"] = await memory(args, db_url, fake, watch, updates)
        if args.profile:
            result["profile"] = await profile(args, db_url, fake, watch, updates)
        result["load_avg_at_end"] = os.getloadavg()
        return result
    finally:
        await fake.close()
        await drop_database(args.database_url, db_url)
        await flush_redis(args.redis_url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=400, help="per kind, per bot, per run")
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--memory-updates", type=int, default=10_000)
    parser.add_argument("--profile", type=int, default=0,
                        help="mixed updates to profile ours with py-spy (0: no profile)")
    parser.add_argument("--bot-core", default="0")
    parser.add_argument("--load-core", default="1")
    parser.add_argument("--database-url", default=os.environ.get(
        "TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--redis-url", default=os.environ.get(
        "TEST_REDIS_URL", "redis://127.0.0.1:6379/14"))
    args = parser.parse_args()
    result = asyncio.run(main_async(args))
    if "median" in result:
        m = result["median"]
        for kind in KINDS:
            print(f"median {kind:4}: " + "  ".join(
                f"{b} {m[b][kind]['updates_per_s']}/s p50 {m[b][kind]['p50_ms']} "
                f"p99 {m[b][kind]['p99_ms']} cpu {m[b][kind]['cpu_ms_per_update']} ms"
                for b in BOTS) + f"  ratios {m['ratios'][kind]}")
    if "memory" in result:
        print(f"memory: {json.dumps(result['memory'])}")
    if "profile" in result:
        print(f"profile: {json.dumps(result['profile'], indent=1)}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "telegram_webhook.json").write_text(json.dumps(result, indent=2))
    print(f"written {out / 'telegram_webhook.json'}")


if __name__ == "__main__":
    main()
