"""``helpdesk admin inbox``: counts, --failed, --retry."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import update

from persistence.db import make_engine, make_sessionmaker
from persistence.inbox import InboxRow, SqlInbox
from tests.bots.test_cli import helpdesk


def test_admin_inbox_lists_and_retries_failed_events(tmp_path: Path) -> None:
    assert helpdesk(tmp_path, "migrate").returncode == 0
    url = f"sqlite+aiosqlite:///{tmp_path}/helpdesk.db"

    async def seed() -> None:
        engine = make_engine(url)
        inbox = SqlInbox(make_sessionmaker(engine))
        now = datetime.now(UTC)
        await inbox.add("telegram", "41", "telegram:555", {"update_id": 41}, now)
        await inbox.add("telegram", "42", "telegram:555", {"update_id": 42}, now)
        async with make_sessionmaker(engine)() as s:
            await s.execute(update(InboxRow).where(InboxRow.event_id == "42")
                            .values(status="failed", failures=5, last_error="ValueError: x"))
            await s.commit()
        await engine.dispose()

    asyncio.run(seed())
    env = {"DATABASE_URL": url}
    assert helpdesk(tmp_path, "admin", "inbox", **env).stdout.strip() == \
        "pending: 1, done: 0, failed: 1"
    failed = helpdesk(tmp_path, "admin", "inbox", "--failed", **env).stdout
    assert "telegram\t42\ttelegram:555" in failed and "ValueError: x" in failed
    retried = helpdesk(tmp_path, "admin", "inbox", "--retry", **env)
    assert retried.stdout.strip() == "1 failed events queued again", retried.stderr
    assert helpdesk(tmp_path, "admin", "inbox", "--failed", **env).stdout.strip() == \
        "no failed events"
