"""Benchmark: callback updates through POST /telegram/webhook until the reply reaches the
(fake) Bot API — our full pipeline on PostgreSQL + Redis vs a minimal aiogram echo bot on the
same fake; then one new request notified to 300 assistants within Telegram's 30 msg/s limit.

    python bench/telegram_webhook.py --updates 400 --concurrency 20 --runs 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.telegram import FloodLimiter  # noqa: E402
from adapters.telegram.updates import SECRET_HEADER  # noqa: E402
from bench import echo_bot  # noqa: E402
from bench.lifecycle import create_database, drop_database  # noqa: E402
from bots.bootstrap import bootstrap  # noqa: E402
from bots.channel_telegram import Plugin  # noqa: E402
from bots.server import build, settle_heap  # noqa: E402
from bots.settings import Settings  # noqa: E402
from core import services  # noqa: E402
from core.kinds import Role  # noqa: E402
from core.messages import Inbound, Reply  # noqa: E402
from tests.fakes.telegram_api import FakeTelegramAPI  # noqa: E402

TOKEN = "123456:BENCH-TOKEN"
WARMUP = 20  # updates each side handles before measuring (imports, caches, connections)
SECRET = "bench-secret"
UNLIMITED = dict(overall_per_second=1e9, per_chat_per_second=1e9, per_group_per_minute=1e9)


def callback(update_id: int, user_id: int, data: str) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": f"U{user_id}", "language_code": "en"}
    return {"update_id": update_id, "callback_query": {
        "id": f"cb{update_id}", "from": user, "chat_instance": "1", "data": data,
        "message": {"message_id": 1, "date": 1700000000, "text": "…",
                    "chat": {"id": user_id, "type": "private"}}}}


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


async def load(url: str, updates: list[dict[str, Any]], fake: FakeTelegramAPI,
               concurrency: int) -> dict[str, float]:
    """POST every update; latency = until the fake received the reply to that update."""
    started: dict[int, float] = {}
    queue = list(updates)
    headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    first_call = len(fake.calls)
    cpu0 = time.process_time()
    async with aiohttp.ClientSession() as http:
        async def worker() -> None:
            while queue:
                update = queue.pop()
                user_id = update["callback_query"]["from"]["id"]
                started[user_id] = time.monotonic()
                async with http.post(url, data=json.dumps(update), headers=headers) as resp:
                    assert resp.status == 200, resp.status
        t0 = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        sent = 0
        while sent < len(updates):  # the echo bot answers in the background: wait for it
            await asyncio.sleep(0.01)
            sent = sum(1 for c in fake.calls[first_call:] if c.method == "sendMessage")
        elapsed = time.monotonic() - t0
    cpu = time.process_time() - cpu0
    done = {int(c.params["chat_id"]): c.at for c in fake.calls[first_call:]
            if c.method == "sendMessage"}
    latencies = sorted(done[u] - started[u] for u in started)
    return {
        "updates_per_s": round(len(updates) / elapsed, 1),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * .99))] * 1000, 1),
        # CPU of this one process (bot, fake API and load generator) per update
        "cpu_ms_per_update": round(cpu / len(updates) * 1000, 2),
    }


async def engine_only(app: Any, inbounds: list[Inbound], concurrency: int) -> dict[str, float]:
    """The conversation engine alone (no HTTP, no Bot API): the ceiling of our pipeline."""
    queue = list(inbounds)

    async def worker() -> None:
        while queue:
            await app.conversations.handle(queue.pop())

    cpu0, t0 = time.process_time(), time.monotonic()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed, cpu = time.monotonic() - t0, time.process_time() - cpu0
    return {"updates_per_s": round(len(inbounds) / elapsed, 1),
            "cpu_ms_per_update": round(cpu / len(inbounds) * 1000, 2)}


async def run_echo(fake: FakeTelegramAPI, n: int, concurrency: int) -> dict[str, float]:
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)))
    runner, base = await serve(echo_bot.make_app(bot))
    settle_heap()  # both sides start from a settled heap, as `helpdesk serve` does
    try:
        updates = [callback(10_000_000 + i, 2_000_000 + i, "echo") for i in range(n + WARMUP)]
        await load(f"{base}/webhook", updates[:WARMUP], fake, concurrency)
        return await load(f"{base}/webhook", updates[WARMUP:], fake, concurrency)
    finally:
        await runner.cleanup()
        await bot.session.close()


async def run_ours(fake: FakeTelegramAPI, n: int, concurrency: int, args: argparse.Namespace,
                   stub_engine: bool = False) -> tuple[dict[str, float], dict[str, float]]:
    """Our webhook pipeline, then the engine alone on the same people and button.

    ``stub_engine``: the conversation engine answers a fixed reply without touching the
    database or its Redis dialog state — the same webhook, update record (dedupe) and Bot API
    path, i.e. the ceiling of our pipeline whatever the engine costs."""
    url = await create_database(args.database_url)
    settings = Settings(database_url=url, redis_url=args.redis_url, secret_key="b" * 32,
                        telegram_bot_token=TOKEN, telegram_api_url=fake.base_url,
                        telegram_webhook_secret=SECRET, public_base_url="http://127.0.0.1",
                        _env_file=None)  # type: ignore[call-arg]
    app = await bootstrap(settings)
    await app.dialogs.redis.flushdb()
    if stub_engine:
        async def fixed_reply(inbound: Inbound, scope: Any = None) -> list[Reply]:
            replies = [Reply("Your requests:\n• HD-2026-000001 — Peripherals — open")]
            if scope is not None:  # the inbox transaction still begins and commits
                await scope.begin()
                await scope.finish(replies, None)
            return replies
        app.conversations.handle = fixed_reply  # type: ignore[method-assign]
    running = await build(app, [Plugin(limiter=FloodLimiter(**UNLIMITED))])
    runner, base = await serve(running.web_app)
    settle_heap()
    try:
        users = [1_000_000 + i for i in range(n + WARMUP)]
        async with app.uow_factory() as uow:  # people known already, as after their first /start
            for uid in users:
                person = await uow.people.add(f"U{uid}", Role.INITIATOR, "en")
                await uow.people.add_account(person.id, "telegram", str(uid))
                await uow.people.touch_channel(person.id, "telegram")
            await uow.commit()
        data = app.conversations.pack("my")  # "My requests": a real query and a real reply
        updates = [callback(i + 1, uid, data) for i, uid in enumerate(users)]
        await load(f"{base}/telegram/webhook", updates[:WARMUP], fake, concurrency)
        ours = await load(f"{base}/telegram/webhook", updates[WARMUP:], fake, concurrency)
        inbounds = [Inbound("telegram", str(uid), payload=data, display_name=f"U{uid}",
                            language="en", message_ref="1") for uid in users[WARMUP:]]
        return ours, await engine_only(app, inbounds, concurrency)
    finally:
        await runner.cleanup()
        await running.shutdown()
        await app.close()
        await drop_database(args.database_url, url)


async def broadcast(args: argparse.Namespace, assistants: int = 300) -> dict[str, float]:
    """One new request offered to 300 assistants, real limits on both sides."""
    fake = await FakeTelegramAPI(token=TOKEN).start()
    url = await create_database(args.database_url)
    settings = Settings(database_url=url, redis_url=args.redis_url, secret_key="b" * 32,
                        telegram_bot_token=TOKEN, telegram_api_url=fake.base_url,
                        _env_file=None)  # type: ignore[call-arg]
    app = await bootstrap(settings)
    running = await build(app, [Plugin()])
    try:
        async with app.uow_factory() as uow:
            rtype = await uow.types.add("Peripherals")
            ion = await uow.people.add("Ion", Role.INITIATOR)
            for i in range(assistants):
                person = await uow.people.add(f"A{i}", Role.ASSISTANT)
                await uow.people.add_account(person.id, "telegram", str(3_000_000 + i))
            await uow.commit()
        await services.place(app.uow_factory, app.clock, actor_id=ion.id, type_id=rtype.id,
                             description="Printer on fire")
        assert app.worker is not None
        t0 = time.monotonic()
        while len(fake.sent_messages()) < assistants:
            await app.worker.run_once()
        elapsed = time.monotonic() - t0
        sends = [c.at for c in fake.sent_messages()]
        rate = (len(sends) - 1) / (max(sends) - min(sends))
        return {"assistants": assistants, "seconds": round(elapsed, 2),
                "send_rate_per_s": round(rate, 2), "share_of_limit": round(rate / 30, 3),
                "429s": fake.limit_violations}
    finally:
        await running.shutdown()
        await app.close()
        await drop_database(args.database_url, url)
        await fake.close()


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    rounds = []
    for _ in range(args.runs):
        fake = await FakeTelegramAPI(token=TOKEN, limits=False).start()
        try:
            echo = await run_echo(fake, args.updates, args.concurrency)
            ours, engine = await run_ours(fake, args.updates, args.concurrency, args)
            stub, _ = await run_ours(fake, args.updates, args.concurrency, args,
                                     stub_engine=True)
        finally:
            await fake.close()
        rounds.append({"ours": ours, "echo": echo, "engine_only": engine, "stub_engine": stub,
                       "ratio": round(ours["updates_per_s"] / echo["updates_per_s"], 3),
                       "stub_ratio": round(stub["updates_per_s"] / echo["updates_per_s"], 3)})
        print(f"ours {ours}  echo {echo}  ratio {rounds[-1]['ratio']}  "
              f"(engine alone {engine}; stub engine {stub['updates_per_s']}/s, "
              f"ratio {rounds[-1]['stub_ratio']})")
    result = {
        "benchmark": "telegram_webhook", "updates": args.updates,
        "concurrency": args.concurrency, "runs": rounds,
        "median": {
            side: {k: statistics.median(r[side][k] for r in rounds)
                   for k in ("updates_per_s", "p50_ms", "p99_ms", "cpu_ms_per_update")}
            for side in ("ours", "echo")},
        "engine_only": {k: statistics.median(r["engine_only"][k] for r in rounds)
                        for k in ("updates_per_s", "cpu_ms_per_update")},
        "median_ratio": statistics.median(r["ratio"] for r in rounds),
        "median_stub_ratio": statistics.median(r["stub_ratio"] for r in rounds),
    }
    result["broadcast"] = await broadcast(args)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default=os.environ.get(
        "TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--redis-url", default=os.environ.get(
        "TEST_REDIS_URL", "redis://127.0.0.1:6379/14"))
    args = parser.parse_args()
    result = asyncio.run(main_async(args))
    m = result["median"]
    print(f"median over {args.runs} runs: ours {m['ours']}  echo {m['echo']}  "
          f"ratio {result['median_ratio']}")
    print(f"engine alone (no HTTP, no Bot API): {result['engine_only']}")
    print(f"stub engine (webhook, dedupe and Bot API only): median ratio "
          f"{result['median_stub_ratio']}")
    print(f"300 assistants: {result['broadcast']}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "telegram_webhook.json").write_text(json.dumps(result, indent=2))
    print(f"written {out / 'telegram_webhook.json'}")


if __name__ == "__main__":
    main()
