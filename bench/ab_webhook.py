"""A/B of our webhook pipeline alone: two checkouts (or environment variants) of ours,
alternating in one run, the same load as ``bench/telegram_webhook.py`` (bot pinned to
``--bot-core``, load generator and fake Bot API on ``--load-core``); medians per variant.

    git worktree add /tmp/base HEAD~1
    python bench/ab_webhook.py --rounds 4 A=/tmp/base B=.        # a change against its parent
    python bench/ab_webhook.py A=. B=.:SOME_ENV=1               # an environment variant

A variant is ``NAME=CHECKOUT[:VAR=VALUE...]``; the checkout's own ``bench/webhook_bots.py``
runs (its modules come first on ``sys.path``). Prints each round and the medians.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import telegram_webhook as tw  # noqa: E402
from bench.lifecycle import create_database, drop_database  # noqa: E402
from tests.fakes.telegram_api import FakeTelegramAPI  # noqa: E402

FIGURES = ("updates_per_s", "p50_ms", "p99_ms", "cpu_ms_per_update")


class Variant(tw.BotProcess):
    """``ours`` from another checkout, with extra environment variables."""

    def __init__(self, root: str, env: dict[str, str], *args: Any) -> None:
        super().__init__("ours", *args)
        self.script = str(Path(root).resolve() / "bench" / "webhook_bots.py")
        self.env = env

    async def __aenter__(self) -> Variant:
        await stamp_for(self.script, self.db_url)
        cmd = ["taskset", "-c", self.args.bot_core, sys.executable,
               self.script, "ours",
               "--port", str(self.port), "--api-url", self.api_url,
               "--database-url", self.db_url, "--redis-url", self.args.redis_url]
        self.proc = await asyncio.create_subprocess_exec(
            *cmd, stdout=asyncio.subprocess.PIPE, env={**os.environ, **self.env})
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), 120)
        if line.strip() != b"READY":
            raise RuntimeError(f"{self.script} did not start: {line!r}")
        return self


async def stamp_for(script: str, db_url: str) -> None:
    """Make the database look migrated to the checkout's own heads, so an older checkout
    starts on the schema the newer one made (the migrations only add, so its code runs on
    it; without this its start-up would stop at a revision it does not know)."""
    root = Path(script).parents[1]
    probe = await asyncio.create_subprocess_exec(
        sys.executable, "-c",
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from alembic.script import ScriptDirectory;"
        "from persistence.migrate import alembic_config;"
        "print(' '.join(ScriptDirectory.from_config(alembic_config()).get_heads()))",
        str(root), cwd=str(root), stdout=asyncio.subprocess.PIPE)
    out, _ = await probe.communicate()
    heads = out.decode().split()
    assert heads, f"no migration heads in {root}"
    import asyncpg

    from persistence.db import normalise_url
    conn = await asyncpg.connect(
        normalise_url(db_url).replace("postgresql+asyncpg", "postgresql"))
    try:
        async with conn.transaction():
            await conn.execute("DELETE FROM alembic_version")
            await conn.executemany("INSERT INTO alembic_version VALUES ($1)",
                                   [(h,) for h in heads])
    finally:
        await conn.close()


def parse(spec: str) -> tuple[str, str, dict[str, str]]:
    name, rest = spec.split("=", 1)
    root, *envs = rest.split(":")
    return name, root, dict(e.split("=", 1) for e in envs)


async def main_async(args: argparse.Namespace) -> None:
    os.sched_setaffinity(0, {int(args.load_core)})
    variants = [parse(v) for v in args.variants]
    fake = await FakeTelegramAPI(token=tw.TOKEN, limits=False).start()
    watch = tw.ReplyWatch(fake)
    db_url = await create_database(args.database_url)
    results: dict[str, list[dict[str, float]]] = {name: [] for name, _, _ in variants}
    try:
        users, my_data = await tw.seed(db_url, args, fake.base_url)
        updates = tw.Updates(users, my_data)
        for r in range(args.rounds):
            for name, root, env in variants[r % len(variants):] + variants[:r % len(variants)]:
                await tw.flush_redis(args.redis_url)
                async with Variant(root, env, fake.base_url, args, db_url) as proc:
                    await tw.load(proc, watch, updates.batch(args.kind, args.warmup),
                                  args.concurrency)
                    await tw.flush_redis(args.redis_url)
                    fake.reset()
                    figures = await tw.load(proc, watch, updates.batch(args.kind, args.updates),
                                            args.concurrency)
                results[name].append(figures)
                print(f"round {r + 1} {name}: {figures}", flush=True)
    finally:
        await fake.close()
        await drop_database(args.database_url, db_url)
        await tw.flush_redis(args.redis_url)
    for name, runs in results.items():
        print(f"median {name}: " + ", ".join(
            f"{k} {statistics.median(f[k] for f in runs)}" for k in FIGURES))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variants", nargs="+", help="NAME=CHECKOUT[:VAR=VALUE...]")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--updates", type=int, default=800)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--kind", choices=tw.KINDS, default="mix")
    parser.add_argument("--bot-core", default="0")
    parser.add_argument("--load-core", default="1")
    parser.add_argument("--database-url", default=os.environ.get(
        "TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--redis-url", default=os.environ.get(
        "TEST_REDIS_URL", "redis://127.0.0.1:6379/14"))
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
