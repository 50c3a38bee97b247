"""Benchmark: one new request offered to 300 assistants over Telegram, real flood limits on
both sides (our limiter and the fake Bot API's), delivered by one process's worker.
(Formerly part of bench/telegram_webhook.py.)

    python bench/telegram_broadcast.py [--assistants 300]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.lifecycle import create_database, drop_database  # noqa: E402
from bots.bootstrap import bootstrap  # noqa: E402
from bots.channel_telegram import Plugin  # noqa: E402
from bots.server import build  # noqa: E402
from bots.settings import Settings  # noqa: E402
from core import services  # noqa: E402
from core.kinds import Role  # noqa: E402
from tests.fakes.telegram_api import FakeTelegramAPI  # noqa: E402

TOKEN = "123456:BENCH-TOKEN"


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



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assistants", type=int, default=300)
    parser.add_argument("--database-url", default=os.environ.get(
        "TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--redis-url", default=os.environ.get(
        "TEST_REDIS_URL", "redis://127.0.0.1:6379/14"))
    args = parser.parse_args()
    result = asyncio.run(broadcast(args, args.assistants))
    print(f"{args.assistants} assistants: {result}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "telegram_broadcast.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
