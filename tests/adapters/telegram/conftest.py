"""The Telegram stack most tests here use: the app behind the real webhook, on SQLite and
PostgreSQL (``db_url``), against the fake Bot API. A test module that needs another set-up
(files, a loaded knowledge base) defines its own ``tg``."""

from __future__ import annotations

import pytest

from core.clock import ManualClock
from tests.adapters.telegram.tgstack import start_telegram


@pytest.fixture
async def tg(db_url: str, clock: ManualClock):  # type: ignore[no-untyped-def]
    stack = await start_telegram(db_url, clock)
    yield stack
    await stack.close()
