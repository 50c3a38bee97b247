"""A timer worker in its own process (tests/persistence/test_timers.py starts two):
``python timer_proc.py DATABASE_URL GO_FILE`` waits for GO_FILE, fires every due timer and
prints how many timers it leased."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bots.timer_worker import TimerWorker  # noqa: E402
from persistence.db import make_engine, make_sessionmaker  # noqa: E402
from persistence.uow import uow_factory  # noqa: E402


def wait_for(go: Path) -> None:
    """Imports are done; wait for the start signal so that both workers start together."""
    while not go.exists():
        time.sleep(0.01)


async def main(url: str) -> None:
    engine = make_engine(url)
    worker = TimerWorker(uow_factory(make_sessionmaker(engine)), batch=100, base_delay=0.0)
    leased = 0
    for _ in range(10_000):
        done = await worker.run_once()
        leased += done
        if done == 0:
            break
    print(leased, flush=True)
    await engine.dispose()


if __name__ == "__main__":
    wait_for(Path(sys.argv[2]))
    asyncio.run(main(sys.argv[1]))
