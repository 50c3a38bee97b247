"""A running helpdesk for adapter tests: the real app, plugins mounted on one aiohttp server
at a fixed local port that is also PUBLIC_BASE_URL (links and Twilio signatures use it)."""

from __future__ import annotations

import shutil
import socket
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp.test_utils import TestServer
from sqlalchemy import text

from adapters.web import LinkSigner
from bots.bootstrap import App, bootstrap
from bots.channels import ChannelPlugin
from bots.server import Running, build
from core import services
from core.clock import ManualClock
from core.kinds import Role
from persistence.db import make_engine
from persistence.redis_store import embedded_redis
from tests.conftest import SECRET, settings_for

SMS_TABLES = ("sms_opt_outs", "sms_messages", "link_uses")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def clear_sms_tables(url: str) -> None:
    """The shared PostgreSQL test database keeps rows between tests; start clean."""
    if not url.startswith("postgresql"):
        return
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {', '.join(SMS_TABLES)}"))
    await engine.dispose()


@dataclass
class Stack:
    app: App
    running: Running
    server: TestServer
    base_url: str
    clock: ManualClock
    people: dict[str, int]
    files_dir: str | None = None  # a temporary ATTACHMENTS_DIR, removed on close

    @property
    def signer(self) -> LinkSigner:
        return LinkSigner(SECRET, self.clock)

    def link(self, who: str, request_id: int, kind: str) -> str:
        return f"{self.base_url}/l/{self.signer.make(self.people[who], request_id, kind)}"

    async def add_person(self, name: str, role: Role, **accounts: str) -> int:
        async with self.app.uow_factory() as uow:
            person = await uow.people.add(name, role, "en")
            for channel, address in accounts.items():
                await uow.people.add_account(person.id, channel, address)
            await uow.commit()
        self.people[name] = person.id
        return person.id

    async def add_type(self, name: str) -> int:
        async with self.app.uow_factory() as uow:
            rtype = await uow.types.add(name)
            await uow.commit()
            return rtype.id

    async def place(self, who: str, description: str = "The printer does not print") -> int:
        """Place a request directly through the service layer (no channel involved)."""
        async with self.app.uow_factory() as uow:
            existing = await uow.types.by_name("Peripherals")
        type_id = existing.id if existing else await self.add_type("Peripherals")
        req = await services.place(self.app.uow_factory, self.clock, actor_id=self.people[who],
                                   type_id=type_id, description=description, channel="test")
        return req.id or 0

    async def resolve(self, request_id: int, who: str, minutes: int, note: str) -> None:
        uows, clock = self.app.uow_factory, self.clock
        await services.claim(uows, clock, actor_id=self.people[who], request_id=request_id)
        await services.finish(uows, clock, actor_id=self.people[who], request_id=request_id,
                              minutes=minutes, note=note)

    async def status(self, request_id: int) -> Any:
        async with self.app.uow_factory() as uow:
            req = await uow.requests.get(request_id)
            assert req is not None
            return req

    async def close(self) -> None:
        await self.server.close()
        await self.running.shutdown()
        await self.app.close()
        if self.files_dir:
            shutil.rmtree(self.files_dir, ignore_errors=True)


async def start_stack(db_url: str, clock: ManualClock, plugins: Sequence[ChannelPlugin],
                      public_base_url: str | None = None, redis: Any = None,
                      **settings: Any) -> Stack:
    """Serve ``plugins`` on a local port; PUBLIC_BASE_URL is that port unless given; the
    in-process Redis unless a ``redis`` client is given."""
    await clear_sms_tables(db_url)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    public = public_base_url or base_url
    files_dir = None
    if "attachments_dir" not in settings:
        settings["attachments_dir"] = files_dir = tempfile.mkdtemp(prefix="helpdesk-files-")
    app = await bootstrap(settings_for(db_url, public_base_url=public, **settings),
                          clock=clock, redis=redis if redis is not None else embedded_redis())
    running = await build(app, list(plugins))
    server = TestServer(running.web_app, host="127.0.0.1", port=port)
    await server.start_server()
    return Stack(app, running, server, base_url, clock, {}, files_dir)
