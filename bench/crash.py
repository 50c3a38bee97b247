"""Crash bench (issue 13): exactly once under SIGKILL, Redis restarts and killed connections.

Two ``helpdesk serve --web-only`` processes and one ``helpdesk worker`` run on PostgreSQL and
a private redis-server; the fake Bot API (tests/fakes/telegram_api.py) runs in this process.
A driver plays 200 people (100 initiator/assistant pairs) over the Telegram webhook (secret
header): the initiator places a request (/new, type, assistant, description, Place), the
assistant claims it and writes an internal note (/note), the initiator comments, the
assistant finishes it (Finish, time, resolution note) and the initiator confirms. Anything not
answered 2xx is delivered again with the same update_id, as Telegram does. A person waits
until their update was processed (its inbox row) before the next step, and repeats a step
whose effect is missing (e.g. a dialog lost with Redis), as a person would.

Meanwhile a random process is SIGKILLed every few seconds and restarted; ``--redis-restarts``
restarts Redis empty during the run; ``--pg-kill`` terminates our PostgreSQL connections
(pg_terminate_backend) every few seconds. At the end every request must be closed, every
notification delivered at least once (outbox rows against the fake's recorded messages) and
nothing applied twice (rows per scripted action in PostgreSQL).

    python bench/crash.py                       # SIGKILL only
    python bench/crash.py --redis-restarts 2    # + Redis restarted empty twice
    python bench/crash.py --pg-kill             # + pg_terminate_backend
    python bench/crash.py --actions 500         # smaller
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.telegram.updates import SECRET_HEADER  # noqa: E402
from bench.lifecycle import create_database, drop_database  # noqa: E402
from core.actions import Action, ActionCodec  # noqa: E402
from tests.fakes.telegram_api import FakeTelegramAPI  # noqa: E402

TOKEN = "123456:CRASH-BENCH-FAKE-TOKEN"
SECRET = "crash-bench-secret"
SECRET_KEY = "c" * 32
PAIRS = 100  # 100 initiators + 100 assistants = 200 people
ACTIONS_PER_STORY = 13  # without repeats
INITIATOR0, ASSISTANT0 = 5_000_000, 6_000_000
STEPS = ["place", "claim", "note", "comment", "finish", "confirm"]
STATUS_AFTER = {"place": "open", "claim": "in_progress", "note": "in_progress",
                "comment": "in_progress", "finish": "resolved", "confirm": "closed"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- processes ---------------------------------------------------------------------------


class Redis:
    """A private redis-server without persistence: a restart comes back empty."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.dir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir",
             str(self.dir), "--save", "", "--appendonly", "no", "--maxclients", "2000"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
            self.proc = None


@dataclass
class Proc:
    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    port: int | None = None
    popen: subprocess.Popen[bytes] | None = None
    starts: int = 0

    def start(self) -> None:
        out = self.log.open("ab")
        self.popen = subprocess.Popen(self.argv, env=self.env, cwd=ROOT, stdout=out,
                                      stderr=subprocess.STDOUT)
        self.starts += 1

    def kill(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait()

    def serving(self) -> bool:
        """Running, and (web) accepting connections or (worker) past its start-up."""
        if self.popen is None or self.popen.poll() is not None:
            return False
        if self.port is None:
            return self._worker_started()
        try:
            socket.create_connection(("127.0.0.1", self.port), 0.2).close()
            return True
        except OSError:
            return False

    def _worker_started(self) -> bool:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return text.count("worker started") >= self.starts

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


# -- the driver ---------------------------------------------------------------------------


@dataclass
class Story:
    sid: int
    pair: int
    rid: int | None = None
    reference: str | None = None
    done: bool = False
    error: str | None = None
    reached: list[str] = field(default_factory=list)  # steps whose effect was seen

    @property
    def description(self) -> str:
        return f"crash story {self.sid}: printer jammed"

    @property
    def comment(self) -> str:
        return f"comment-{self.sid} still jammed"

    @property
    def note(self) -> str:
        return f"internal-{self.sid} toner supplier late"

    @property
    def resolution(self) -> str:
        return f"resolution-{self.sid} cleared the jam"


@dataclass
class Stats:
    sent: int = 0  # distinct updates (actions)
    posts: int = 0
    redeliveries: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    repeats: Counter[str] = field(default_factory=Counter)  # steps a person did again
    failed_rows: int = 0
    stuck: int = 0
    kills: Counter[str] = field(default_factory=Counter)
    exits: Counter[str] = field(default_factory=Counter)  # exited by themselves
    redis_restarts: int = 0
    pg_terminated: int = 0


class Driver:
    def __init__(self, args: argparse.Namespace, dsn: str, ports: list[int],
                 people: dict[str, int], type_id: int) -> None:
        self.args = args
        self.dsn = dsn
        self.ports = ports
        self.people = people  # "i3" / "a3" -> person id
        self.type_id = type_id
        self.codec = ActionCodec(SECRET_KEY)
        self.stats = Stats()
        self._update_id = 1000
        self._msg_id = 1
        self.waiting: dict[str, asyncio.Future[tuple[str, Any]]] = {}
        self.http: aiohttp.ClientSession | None = None
        self.db: asyncpg.Connection | None = None

    async def conn(self) -> asyncpg.Connection:
        while True:
            if self.db is not None and not self.db.is_closed():
                return self.db
            try:
                self.db = await asyncpg.connect(
                    self.dsn, server_settings={"application_name": "crash-driver"})
            except (OSError, asyncpg.PostgresError):
                await asyncio.sleep(0.2)

    async def query(self, sql: str, *params: Any) -> list[asyncpg.Record]:
        for _ in range(50):
            try:
                return list(await (await self.conn()).fetch(sql, *params))
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                self.db = None
                await asyncio.sleep(0.2)
        raise RuntimeError(f"query failed 50 times: {sql}")

    # updates
    def _user(self, uid: int) -> dict[str, Any]:
        return {"id": uid, "is_bot": False, "first_name": f"U{uid}", "language_code": "en"}

    def message(self, uid: int, text: str) -> dict[str, Any]:
        self._update_id += 1
        self._msg_id += 1
        msg: dict[str, Any] = {"message_id": self._msg_id, "date": int(time.time()),
                               "chat": {"id": uid, "type": "private"},
                               "from": self._user(uid), "text": text}
        if text.startswith("/"):
            msg["entities"] = [{"type": "bot_command", "offset": 0,
                                "length": len(text.split()[0])}]
        return {"update_id": self._update_id, "message": msg}

    def press(self, uid: int, name: str, rid: int = 0, arg: str = "") -> dict[str, Any]:
        self._update_id += 1
        data = self.codec.pack(Action(name, rid, 0, arg))
        return {"update_id": self._update_id, "callback_query": {
            "id": f"cb{self._update_id}", "from": self._user(uid), "chat_instance": "1",
            "data": data, "message": {"message_id": 1, "date": int(time.time()), "text": "…",
                                      "chat": {"id": uid, "type": "private"}}}}

    async def send(self, update: dict[str, Any]) -> tuple[str, Any]:
        """POST until 2xx (same update_id), then wait until its inbox row is processed."""
        assert self.http is not None
        self.stats.sent += 1
        body = json.dumps(update)
        headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
        tries = 0
        while True:
            if tries:  # Telegram waits longer after each failed delivery
                self.stats.redeliveries += 1
                await asyncio.sleep(min(8.0, 0.5 * 2 ** (tries - 1)) * random.uniform(0.8, 1.2))
            tries += 1
            port = random.choice(self.ports)
            self.stats.posts += 1
            try:
                async with self.http.post(f"http://127.0.0.1:{port}/telegram/webhook",
                                          data=body, headers=headers,
                                          timeout=aiohttp.ClientTimeout(total=20)) as resp:
                    self.stats.statuses[str(resp.status)] += 1
                    if 200 <= resp.status < 300:
                        break
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                self.stats.statuses[type(exc).__name__] += 1
        future: asyncio.Future[tuple[str, Any]] = asyncio.get_running_loop().create_future()
        self.waiting[str(update["update_id"])] = future
        try:
            try:
                return await asyncio.wait_for(asyncio.shield(future), self.args.step_timeout)
            except TimeoutError:
                # Acknowledged but not processed for long: counted, and waited for (a
                # repeat would be a second, different message, applied as such).
                self.stats.stuck += 1
                return await future
        finally:
            self.waiting.pop(str(update["update_id"]), None)

    async def poll(self, stop: asyncio.Event) -> None:
        """Resolves the waiting updates whose inbox rows are done (or failed)."""
        while not stop.is_set():
            await asyncio.sleep(0.25)
            ids = list(self.waiting)
            if not ids:
                continue
            try:
                rows = await self.query(
                    "SELECT event_id, status, replies FROM inbox WHERE channel = 'telegram' "
                    "AND event_id = ANY($1::text[]) AND status <> 'pending'", ids)
            except RuntimeError:
                continue
            for row in rows:
                future = self.waiting.get(row["event_id"])
                if future is not None and not future.done():
                    if row["status"] == "failed":
                        self.stats.failed_rows += 1
                    future.set_result((row["status"], row["replies"]))

    # the story
    async def until(self, step: str, story: Story, actions: Any, check: Any) -> None:
        for attempt in range(6):
            if attempt:
                self.stats.repeats[step] += 1
            for update in actions():
                await self.send(update)
            if await check():
                story.reached.append(step)
                return
        raise RuntimeError(f"story {story.sid}: {step} never took effect")

    async def story(self, story: Story) -> None:
        ini, asg = INITIATOR0 + story.pair, ASSISTANT0 + story.pair
        asg_pid = self.people[f"a{story.pair}"]

        async def placed() -> bool:
            rows = await self.query("SELECT id, reference FROM requests WHERE description = $1",
                                    story.description)
            if rows:
                story.rid, story.reference = rows[0]["id"], rows[0]["reference"]
            return bool(rows)

        async def status_is(*wanted: str) -> bool:
            rows = await self.query("SELECT status FROM requests WHERE id = $1", story.rid)
            return bool(rows) and rows[0]["status"] in wanted

        async def has_comment(body: str) -> bool:
            return bool(await self.query("SELECT 1 FROM comments WHERE body = $1", body))

        await self.until("place", story, lambda: [
            self.message(ini, "/new"), self.press(ini, "type", 0, str(self.type_id)),
            self.press(ini, "asg", 0, str(asg_pid)), self.message(ini, story.description),
            self.press(ini, "place")], placed)
        assert story.rid is not None
        rid = story.rid
        await self.until("claim", story, lambda: [self.press(asg, "claim", rid)],
                         lambda: status_is("in_progress", "claimed", "resolved", "closed"))
        await self.until("note", story, lambda: [
            self.message(asg, f"/note {story.reference} {story.note}")],
            lambda: has_comment(story.note))
        await self.until("comment", story, lambda: [
            self.press(ini, "comment", rid), self.message(ini, story.comment)],
            lambda: has_comment(story.comment))
        await self.until("finish", story, lambda: [
            self.press(asg, "finish", rid), self.message(asg, "1h30"),
            self.message(asg, story.resolution)], lambda: status_is("resolved", "closed"))
        await self.until("confirm", story, lambda: [self.press(ini, "confirm", rid, "90")],
                         lambda: status_is("closed"))
        story.done = True

    async def pair(self, stories: list[Story]) -> None:
        for story in stories:
            try:
                await self.story(story)
            except Exception as exc:  # noqa: BLE001 - recorded and reported
                story.error = repr(exc)[:300]


# -- chaos ------------------------------------------------------------------------------


async def chaos(args: argparse.Namespace, procs: list[Proc], redis: Redis, stats: Stats,
                dsn: str, stop: asyncio.Event, started: float) -> None:
    """SIGKILL a random process every few seconds and restart it; restart Redis empty at
    evenly spaced moments; terminate our PostgreSQL connections."""
    redis_at = [args.expected_seconds * (k + 1) / (args.redis_restarts + 1)
                for k in range(args.redis_restarts)]
    next_kill = time.monotonic() + random.uniform(args.kill_min, args.kill_max)
    next_pg = time.monotonic() + random.uniform(2, 5)
    while not stop.is_set():
        await asyncio.sleep(0.2)
        now = time.monotonic()
        for proc in procs:  # as a supervisor would: a process that exited is started again
            if proc.popen is not None and proc.popen.poll() is not None:
                stats.exits[proc.name] += 1
                proc.start()
        if now >= next_kill:
            # A process is killed once it is serving again (a web process restarts in
            # ~10-20 s on the loaded machine), and never the last web process serving.
            serving = [p for p in procs if p.serving()]
            webs = [p for p in serving if p.port is not None]
            victims = [p for p in serving if p.port is None or len(webs) > 1]
            if not victims:
                next_kill = time.monotonic() + 1
                continue
            proc = random.choice(victims)
            proc.kill()
            stats.kills[proc.name] += 1
            await asyncio.sleep(random.uniform(0.2, 1.0))
            proc.start()
            next_kill = time.monotonic() + random.uniform(args.kill_min, args.kill_max)
        if redis_at and now - started >= redis_at[0]:
            redis_at.pop(0)
            redis.kill()
            await asyncio.sleep(0.5)
            redis.start()
            stats.redis_restarts += 1
        if args.pg_kill and now >= next_pg:
            try:
                conn = await asyncpg.connect(dsn)
                try:
                    killed = await conn.fetchval(
                        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM "
                        "pg_stat_activity WHERE datname = current_database() "
                        "AND pid <> pg_backend_pid() "
                        "AND application_name <> 'crash-driver') t")
                    stats.pg_terminated += int(killed or 0)
                finally:
                    await conn.close()
            except (OSError, asyncpg.PostgresError):
                pass
            next_pg = time.monotonic() + random.uniform(2, 5)


# -- checks ------------------------------------------------------------------------------


async def settle(driver: Driver, limit: float) -> dict[str, int]:
    """Wait until the inbox and the outbox have nothing left to do (or ``limit`` seconds)."""
    deadline = time.monotonic() + limit
    while True:
        rows = await driver.query(
            "SELECT (SELECT count(*) FROM inbox WHERE status = 'pending') AS pending, "
            "(SELECT count(*) FROM inbox WHERE status IN ('done', 'failed') "
            " AND replied_at IS NULL) AS unreplied, "
            "(SELECT count(*) FROM outbox WHERE sent_at IS NULL AND gave_up_at IS NULL) "
            " AS unsent")
        left = dict(rows[0])
        if not any(left.values()) or time.monotonic() > deadline:
            return left
        await asyncio.sleep(1)


async def verify(driver: Driver, stories: list[Story], fake: FakeTelegramAPI,
                 chats: dict[int, int]) -> dict[str, Any]:
    q = driver.query
    by_status = {r["status"]: r["n"] for r in await q(
        "SELECT status, count(*) AS n FROM requests GROUP BY status")}
    doubled: list[str] = []
    lost: list[str] = []
    for story in stories:
        reqs = await q("SELECT id, status, resolution_note FROM requests WHERE description = $1",
                       story.description)
        if len(reqs) > 1 or (not reqs and "place" in story.reached):
            (doubled if reqs else lost).append(f"{story.sid}: {len(reqs)} requests")
        if len(reqs) != 1:  # none: a story cut before its request was placed
            continue
        req = reqs[0]
        # The state the story implies: that of the last step whose effect the driver saw;
        # a story cut by --max-seconds may also be one step further (its step in flight).
        last = story.reached[-1] if story.reached else "place"
        implied = STATUS_AFTER[last]
        if req["status"] != implied and not (story.error and STEPS.index(last) + 1 < len(STEPS)
                                             and req["status"] == STATUS_AFTER[
                                                 STEPS[STEPS.index(last) + 1]]):
            lost.append(f"{story.sid}: {req['status']}, its story implies {implied}")
        if "finish" in story.reached and req["resolution_note"] != story.resolution:
            lost.append(f"{story.sid}: resolution note {req['resolution_note']!r}")
        for step, body, internal in (("comment", story.comment, False),
                                     ("note", story.note, True)):
            rows = await q("SELECT internal FROM comments WHERE body = $1", body)
            if len(rows) > 1:
                doubled.append(f"{story.sid}: {len(rows)} comments {body!r}")
            elif step in story.reached and (not rows or rows[0]["internal"] != internal):
                lost.append(f"{story.sid}: {len(rows)} comments {body!r}")
        times = [t["minutes"] for t in await q(
            "SELECT minutes FROM time_entries WHERE request_id = $1", req["id"])]
        if len(times) > 1:
            doubled.append(f"{story.sid}: time entries {times}")
        elif "finish" in story.reached and times != [90]:
            lost.append(f"{story.sid}: time entries {times}")
        events = Counter(r["action"] for r in await q(
            "SELECT action FROM events WHERE request_id = $1", req["id"]))
        extra = {a: n for a, n in events.items() if n > 1 and a != "comment"}
        if extra or events.get("comment", 0) > 2:
            doubled.append(f"{story.sid}: events {dict(events)}")
    # notifications: every outbox row sent, and the fake holds a message for it
    outbox = await q(
        "SELECT o.id, o.kind, o.recipient_id, o.edit_only, o.sent_at, o.gave_up_at, "
        "r.reference FROM outbox o LEFT JOIN requests r ON r.id = o.request_id")
    texts: dict[int, list[str]] = {}
    for call in fake.calls:
        if call.method in ("sendMessage", "editMessageText"):
            chat = int(call.params.get("chat_id", 0))
            texts.setdefault(chat, []).append(str(call.params.get("text", "")))
    notices_missing: list[str] = []
    kinds: Counter[str] = Counter()
    for row in outbox:
        kinds[row["kind"]] += 1
        chat = chats.get(row["recipient_id"])
        if row["sent_at"] is None:
            notices_missing.append(f"outbox {row['id']} {row['kind']} not sent")
        elif not row["edit_only"] and chat is not None and row["reference"] and not any(
                row["reference"] in t for t in texts.get(chat, [])):
            notices_missing.append(f"outbox {row['id']} {row['kind']}: no message in chat")
    leaks = [s.sid for s in stories
             if any(s.note in t for t in texts.get(INITIATOR0 + s.pair, []))]
    inbox = {r["status"]: r["n"] for r in await q(
        "SELECT status, count(*) AS n FROM inbox GROUP BY status")}
    dup_inbox = await q("SELECT count(*) AS n FROM (SELECT event_id FROM inbox GROUP BY "
                        "channel, event_id HAVING count(*) > 1) t")
    return {
        "requests_by_status": by_status, "stories_done": sum(s.done for s in stories),
        "stories_cut": sum(s.error == "cut by --max-seconds" for s in stories),
        "story_errors": [f"{s.sid}: {s.error}" for s in stories if s.error][:20],
        "lost": len(lost), "lost_detail": lost[:20],
        "doubled": len(doubled), "doubled_detail": doubled[:20],
        "outbox_rows": len(outbox), "outbox_kinds": dict(kinds),
        "notices_missing": len(notices_missing), "notices_missing_detail": notices_missing[:20],
        "internal_note_leaks": len(leaks), "inbox": inbox,
        "inbox_duplicate_keys": dup_inbox[0]["n"],
        "bot_api_messages": sum(len(v) for v in texts.values()),
    }


# -- the run ---------------------------------------------------------------------------


async def seed(dsn_sqlalchemy: str, redis_url: str) -> tuple[dict[str, int], int]:
    from bots.bootstrap import bootstrap
    from bots.settings import Settings
    from core.kinds import Role

    settings = Settings(database_url=dsn_sqlalchemy, redis_url=redis_url, secret_key=SECRET_KEY,
                        _env_file=None)  # type: ignore[call-arg]
    app = await bootstrap(settings)  # runs the migrations
    people: dict[str, int] = {}
    async with app.uow_factory() as uow:
        rtype = await uow.types.add("Printers")
        for i in range(PAIRS):
            for key, role, uid in ((f"i{i}", Role.INITIATOR, INITIATOR0 + i),
                                   (f"a{i}", Role.ASSISTANT, ASSISTANT0 + i)):
                person = await uow.people.add(f"{key.upper()} Person", role, "en")
                await uow.people.add_account(person.id, "telegram", str(uid))
                await uow.people.touch_channel(person.id, "telegram")
                people[key] = person.id
        await uow.commit()
    await app.close()
    return people, rtype.id


async def run(args: argparse.Namespace) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="crash-"))
    redis = Redis(tmp)
    redis.start()
    redis_url = f"redis://127.0.0.1:{redis.port}/0"
    url = await create_database(args.database_url)
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    fake = await FakeTelegramAPI(token=TOKEN, limits=False).start()
    procs: list[Proc] = []
    stats_out: dict[str, Any] = {}
    try:
        people, type_id = await seed(url, redis_url)
        chats = {pid: (INITIATOR0 if key[0] == "i" else ASSISTANT0) + int(key[1:])
                 for key, pid in people.items()}
        base_env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url,
                    "SECRET_KEY": SECRET_KEY, "TELEGRAM_BOT_TOKEN": TOKEN,
                    "TELEGRAM_API_URL": fake.base_url, "TELEGRAM_WEBHOOK_SECRET": SECRET,
                    "PUBLIC_BASE_URL": "https://crash.example.com", "HOST": "127.0.0.1",
                    "PYTHONUNBUFFERED": "1",
                    # 3 processes x (5 + 5 overflow): the shared server allows 100 in all
                    "DATABASE_POOL_SIZE": "5"}
        ports = [free_port(), free_port()]
        python = sys.executable
        for n, port in enumerate(ports):
            procs.append(Proc(f"web{n + 1}", [python, "run_bot.py", "serve", "--web-only"],
                              {**base_env, "PORT": str(port)}, tmp / f"web{n + 1}.log", port))
        procs.append(Proc("worker", [python, "run_bot.py", "worker"], base_env,
                          tmp / "worker.log"))
        for proc in procs:
            proc.start()
        driver = Driver(args, dsn, ports, people, type_id)
        n_stories = math.ceil(args.actions / ACTIONS_PER_STORY)
        stories = [Story(sid, sid % PAIRS) for sid in range(n_stories)]
        per_pair: dict[int, list[Story]] = {}
        for story in stories:
            per_pair.setdefault(story.pair, []).append(story)
        for _ in range(300):  # both web processes up
            try:
                for port in ports:
                    socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                await asyncio.sleep(0.2)
        stop = asyncio.Event()
        started = time.monotonic()
        async with aiohttp.ClientSession() as http:
            driver.http = http
            poller = asyncio.create_task(driver.poll(stop))
            chaos_task = asyncio.create_task(chaos(args, procs, redis, driver.stats, dsn, stop,
                                                   started))
            try:
                await asyncio.wait_for(
                    asyncio.gather(*(driver.pair(s) for s in per_pair.values())),
                    args.max_seconds)
            except TimeoutError:
                print(f"driver stopped after {args.max_seconds} s (--max-seconds)")
                for story in stories:
                    if not story.done and story.error is None:
                        story.error = "cut by --max-seconds"
            driven = time.monotonic() - started
            stop.set()
            await chaos_task
            await poller
        for proc in procs:  # every process up again for the last deliveries
            if proc.popen is None or proc.popen.poll() is not None:
                proc.start()
        left = await settle(driver, args.settle_seconds)
        result = await verify(driver, stories, fake, chats)
        s = driver.stats
        stats_out = {
            "benchmark": "crash", "variant": variant(args), "people": 2 * PAIRS,
            "stories": len(stories), "actions_sent": s.sent, "posts": s.posts,
            "redeliveries": s.redeliveries, "webhook_answers": dict(s.statuses),
            "repeated_steps": dict(s.repeats), "failed_inbox_rows_seen": s.failed_rows,
            "steps_stuck_over_timeout": s.stuck, "kills": dict(s.kills),
            "kills_total": sum(s.kills.values()), "exited_by_themselves": dict(s.exits),
            "redis_restarts": s.redis_restarts, "pg_backends_terminated": s.pg_terminated,
            "seconds_driving": round(driven, 1), "left_after_settle": left,
            "process_starts": {p.name: p.starts for p in procs},
            "tracebacks_in_logs": sum(p.log.read_text(errors="replace").count("Traceback")
                                      for p in procs if p.log.exists()),
            **result,
        }
        if args.keep_logs:
            stats_out["logs"] = str(tmp)
        return stats_out
    finally:
        for proc in procs:
            proc.stop()
        await fake.close()
        redis.kill()
        await drop_database(args.database_url, url)
        if not args.keep_logs:
            shutil.rmtree(tmp, ignore_errors=True)


def variant(args: argparse.Namespace) -> str:
    parts = ["sigkill"]
    if args.redis_restarts:
        parts.append(f"redis-restart-x{args.redis_restarts}")
    if args.pg_kill:
        parts.append("pg-terminate")
    return "+".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=2000,
                        help="scripted actions (13 per story, 100 pairs of people)")
    parser.add_argument("--redis-restarts", type=int, default=0)
    parser.add_argument("--pg-kill", action="store_true")
    parser.add_argument("--kill-min", type=float, default=3.0)
    parser.add_argument("--kill-max", type=float, default=6.0)
    parser.add_argument("--expected-seconds", type=float, default=150.0,
                        help="the Redis restarts are spread over this much of the run")
    parser.add_argument("--max-seconds", type=float, default=210.0)
    parser.add_argument("--settle-seconds", type=float, default=80.0)
    parser.add_argument("--step-timeout", type=float, default=60.0,
                        help="a step unprocessed this long is counted as stuck")
    parser.add_argument("--keep-logs", action="store_true")
    parser.add_argument("--database-url", default=os.environ.get(
        "TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    result = asyncio.run(run(args))
    for key in ("variant", "actions_sent", "redeliveries", "webhook_answers", "kills",
                "exited_by_themselves",
                "redis_restarts", "pg_backends_terminated", "repeated_steps",
                "steps_stuck_over_timeout",
                "seconds_driving", "left_after_settle", "requests_by_status", "stories",
                "stories_done", "stories_cut", "lost", "doubled", "outbox_rows", "notices_missing",
                "internal_note_leaks", "inbox", "tracebacks_in_logs"):
        print(f"{key:>24}: {result.get(key)}")
    for key in ("lost_detail", "doubled_detail", "notices_missing_detail", "story_errors"):
        if result.get(key):
            print(f"{key}: {result[key][:5]}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"crash-{result['variant']}.json"
    path.write_text(json.dumps(result, indent=2, default=str))
    print(f"written {path}")


if __name__ == "__main__":
    main()
