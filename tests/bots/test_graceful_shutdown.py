"""SIGTERM during a burst of 100 Telegram updates to a real ``helpdesk serve`` process (against
the fake Bot API): every update is either answered 2xx and applied, or answered 503 and not
applied (Telegram delivers it again later); the process exits 0 within 15 s."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from pathlib import Path

import aiohttp

from adapters.telegram.updates import SECRET_HEADER
from tests.adapters.stack import free_port
from tests.adapters.telegram.tgstack import SECRET, TOKEN, message_update
from tests.fakes.telegram_api import FakeTelegramAPI

ROOT = Path(__file__).resolve().parents[2]
BURST = 100
SIGTERM_AFTER = 20  # answers received before the signal


async def wait_ready(http: aiohttp.ClientSession, base: str, proc: asyncio.subprocess.Process
                     ) -> None:
    for _ in range(1200):
        if proc.returncode is not None:
            raise AssertionError(f"helpdesk serve exited with {proc.returncode}")
        try:
            async with http.get(f"{base}/readyz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.05)
    raise AssertionError("helpdesk serve did not become ready")


async def test_sigterm_during_a_burst(tmp_path: Path) -> None:
    fake = await FakeTelegramAPI(token=TOKEN, limits=False).start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    db = tmp_path / "helpdesk.db"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "TELEGRAM_",
                                "SLACK_", "TWILIO_", "SMTP_", "PUBLIC_BASE_URL", "PORT", "HOST",
                                "METRICS_", "LOG_FORMAT"))}
    env |= {"DATABASE_URL": f"sqlite:///{db}", "SECRET_KEY": "shutdown-test-secret-0123",
            "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": fake.base_url,
            "TELEGRAM_WEBHOOK_SECRET": SECRET, "PUBLIC_BASE_URL": base, "HOST": "127.0.0.1",
            "PORT": str(port), "LOG_FORMAT": "json"}
    log_file = tmp_path / "serve.log"
    with log_file.open("wb") as log:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, str(ROOT / "run_bot.py"), "serve", cwd=tmp_path, env=env,
            stdout=log, stderr=log)
    connector = aiohttp.TCPConnector(limit=10)
    try:
        async with aiohttp.ClientSession(connector=connector) as http:
            await wait_ready(http, base, proc)
            # Every Bot API answer now takes a while: an update in hand takes ≥ 2 s (its
            # reply), much longer than answering the rest of the burst 503 takes.
            fake.latency = 2.0
            answered = 0
            enough = asyncio.Event()

            async def post(user_id: int) -> int | str:
                nonlocal answered
                update = message_update(user_id, "/start", f"User{user_id}")
                try:
                    async with http.post(f"{base}/telegram/webhook", json=update,
                                         headers={SECRET_HEADER: SECRET}) as response:
                        await response.read()
                        return response.status
                except aiohttp.ClientError as exc:
                    return repr(exc)
                finally:
                    answered += 1
                    if answered >= SIGTERM_AFTER:
                        enough.set()

            users = [30000 + i for i in range(BURST)]
            posts = [asyncio.create_task(post(u)) for u in users]
            await enough.wait()
            proc.send_signal(signal.SIGTERM)
            signalled = asyncio.get_running_loop().time()
            statuses = await asyncio.gather(*posts)
            code = await asyncio.wait_for(proc.wait(), 15)
            stopped_in = asyncio.get_running_loop().time() - signalled
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await fake.close()
    output = log_file.read_text()
    assert code == 0, output[-3000:]
    assert "Traceback" not in output
    assert set(statuses) <= {200, 503}, statuses
    ok = {u for u, s in zip(users, statuses, strict=True) if s == 200}
    refused = {u for u, s in zip(users, statuses, strict=True) if s == 503}
    assert len(ok) >= SIGTERM_AFTER and refused, (len(ok), len(refused))
    with sqlite3.connect(db) as conn:
        registered = {int(a) for (a,) in conn.execute(
            "SELECT address FROM accounts WHERE channel = 'telegram'")}
    answered_chats = {m.chat_id for m in fake.sent_messages()}
    print(f"SIGTERM after {SIGTERM_AFTER} answers: {len(ok)} applied (200), {len(refused)} "
          f"refused (503); exit {code} {stopped_in:.1f} s after SIGTERM")
    assert registered == ok  # 2xx: applied; 503: not applied
    assert answered_chats == ok  # and each applied one was answered
    assert '"stopping: new updates are refused (503); finishing those in hand"' in output
