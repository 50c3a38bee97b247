"""Benchmark: what the durable inbox adds to a Slack slash command (``docs/inbox.md``).

Signed ``/helpdesk my`` commands are posted one after the other to POST /slack/events (the real
app on a local port, the fake Slack Web API); for each, the time until Slack's 200 (the ack)
and until the ephemeral answer reached the fake. Once through the inbox (stored, acknowledged,
processed right after), once through the previous inline path (the same app, the inbox
middleware switched off).

    python bench/slack_inbox.py --commands 100 [--pg postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.clock import ManualClock  # noqa: E402
from core.kinds import Role  # noqa: E402
from tests.adapters.slack.slackstack import USERS, SlackHelpdesk, slack_helpdesk  # noqa: E402


async def measure(hd: SlackHelpdesk, n: int, tag: str) -> dict[str, float]:
    acks: list[float] = []
    answers: list[float] = []
    for i in range(n):  # a channel each: Slack's per-channel pacing is not what is measured
        who = ("Ana", "Bogdan")[i % 2]
        before = len(hd.fake.ephemerals)
        t0 = time.perf_counter()
        status, _body = await hd.command(who, "my", channel=f"C0B{tag}{i:05d}")
        acks.append(time.perf_counter() - t0)
        assert status == 200, status
        while len(hd.fake.ephemerals) == before:  # noqa: ASYNC110 - polling the fake
            await asyncio.sleep(0.0005)
        answers.append(time.perf_counter() - t0)
        await hd.plugin.bot.settle()  # type: ignore[union-attr]

    def q(values: list[float], p: float) -> float:
        return round(sorted(values)[min(len(values) - 1, int(len(values) * p))] * 1000, 1)

    return {"ack_p50_ms": q(acks, .5), "ack_p99_ms": q(acks, .99),
            "answer_p50_ms": q(answers, .5), "answer_p99_ms": q(answers, .99),
            "answer_mean_ms": round(statistics.mean(answers) * 1000, 1)}


async def main(commands: int, pg: str | None) -> None:
    from bench.lifecycle import create_database, drop_database

    url = await create_database(pg) if pg else \
        f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='bench-slack-')}/helpdesk.db"
    try:
        await run(url, commands)
    finally:
        if pg:
            await drop_database(pg, url)


async def run(url: str, commands: int) -> None:
    from persistence.db import make_engine
    from persistence.migrate import upgrade

    engine = make_engine(url)
    await upgrade(engine)
    await engine.dispose()
    async with slack_helpdesk(url, ManualClock()) as hd:
        for name in ("Ana", "Bogdan"):
            await hd.stack.add_person(name, Role.ASSISTANT, slack=USERS[name])
        await measure(hd, 10, "W")  # warm-up
        bot = hd.plugin.bot
        assert bot is not None
        store = bot.store
        results: dict[str, Any] = {}
        for label in ("inbox", "inline", "inbox", "inline"):  # interleaved, twice
            bot.store = store if label == "inbox" else None
            tag = f"{label}{len(results.get(label, []))}"
            results.setdefault(label, []).append(await measure(hd, commands, tag))
        bot.store = store
        for label, runs in results.items():
            best = min(runs, key=lambda r: r["answer_p50_ms"])
            print(f"{label:7s} " + " ".join(f"{k}={v}" for k, v in best.items()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=100)
    parser.add_argument("--pg", default=None,
                        help="PostgreSQL admin URL: a fresh database is made there "
                             "(default: a temp SQLite)")
    args = parser.parse_args()
    asyncio.run(main(args.commands, args.pg))
