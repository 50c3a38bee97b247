"""``bootstrap()``: builds the whole application from settings. Tests call it with fakes.

No I/O happens at import time anywhere in the project; it all starts here.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redis.asyncio import Redis
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bots.delivery import DeliveryWorker
from bots.inbox import InboxProcessor
from bots.observability import Metrics
from bots.reports import CsvReportFiles
from bots.retention import RetentionWorker
from bots.settings import Settings
from bots.timer_worker import TimerWorker
from conversations.engine import Conversations
from core import permissions
from core.actions import ActionCodec
from core.attachment_service import AttachmentConfig
from core.clock import Clock, SystemClock
from core.kb_ports import KnowledgeBase
from core.ports import ChannelSender, RateGate, UnitOfWorkFactory
from core.preference_ports import NoticePreferences
from core.report_ports import Reports
from core.telemetry import install as install_telemetry
from persistence.attachments import LocalFileStore, SqlAttachmentIndex
from persistence.db import make_engine, make_reader_sessionmaker, make_sessionmaker
from persistence.inbox import SqlInbox
from persistence.kb_store import SqlKnowledgeBase
from persistence.link_codes import RedisLinkCodes
from persistence.migrate import upgrade
from persistence.preference_store import SqlNoticePreferences
from persistence.rate_limit import RedisRateGate
from persistence.redis_store import RedisDialogStore, redis_from_url
from persistence.reports import SqlReports
from persistence.selfservice import SqlDeflectionLog, SqlScriptStore
from persistence.type_cache import TypeCache
from persistence.uow import joining, uow_factory

SECRET_FILE = ".helpdesk_secret"


@dataclass
class App:
    """Everything wired together; ``close()`` releases connections."""

    settings: Settings
    engine: AsyncEngine
    uow_factory: UnitOfWorkFactory
    dialogs: RedisDialogStore
    codec: ActionCodec
    clock: Clock
    conversations: Conversations
    senders: dict[str, ChannelSender] = field(default_factory=dict)
    worker: DeliveryWorker | None = None
    attachments: AttachmentConfig | None = None
    # Who turned status-change notices off (unsubscribe link, e-mail channel).
    preferences: NoticePreferences | None = None
    timer_worker: TimerWorker | None = None
    retention: RetentionWorker | None = None  # ATTACHMENT_RETENTION_DAYS > 0
    # Prometheus metrics; also the process's core.telemetry hooks (installed by bootstrap).
    metrics: Metrics = field(default_factory=Metrics)
    reports: Reports | None = None  # report figures (helpdesk report, /stats, /report)
    # Platform rate limits shared by every process through Redis (issue 14).
    rate_gate: RateGate | None = None
    inbox: InboxProcessor = field(default=None)  # type: ignore[assignment]  # set by bootstrap
    knowledge: KnowledgeBase | None = None  # the knowledge base (issue 18: load-kb, /kb)

    def add_sender(self, sender: ChannelSender, **worker_options: Any) -> None:
        self.senders[sender.channel] = sender
        worker_options.setdefault("preferences", self.preferences)
        worker_options.setdefault("keep_days", self.settings.outbox_keep_days)
        self.worker = DeliveryWorker(
            self.uow_factory, self.conversations, self.senders, **worker_options
        )

    async def close(self) -> None:
        if self.inbox is not None:
            await self.inbox.close()  # replies sent: marked before the connections close
        await self.dialogs.close()
        await self.engine.dispose()


def resolve_secret(settings: Settings) -> str:
    """SECRET_KEY, or a random one kept in ``.helpdesk_secret`` so buttons survive restarts."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(SECRET_FILE)
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(32)
    path.write_text(key + "\n")
    os.chmod(path, 0o600)
    return key


def _ensure_sqlite_dir(url: str) -> None:
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database or "").parent.mkdir(parents=True, exist_ok=True)


async def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    redis: Redis | None = None,
    migrate: bool = True,
) -> App:
    """Build the app: database (migrated), dialog store, conversation engine."""
    settings = settings or Settings()
    _ensure_sqlite_dir(settings.database_url)
    permissions.configure(staff_see_all=settings.staff_see_all)
    engine = make_engine(settings.database_url, pool_size=settings.database_pool_size)
    if migrate:
        await upgrade(engine)
    types = TypeCache()  # the request types, cached per process (persistence.type_cache)
    uows = uow_factory(make_sessionmaker(engine), make_reader_sessionmaker(engine), types)
    dialogs = RedisDialogStore(
        redis if redis is not None else redis_from_url(
            settings.redis_url, max_connections=settings.redis_max_connections),
        default_ttl=settings.dialog_ttl_seconds, types=types,
    )
    types.bump = dialogs.bump_types
    codec = ActionCodec(resolve_secret(settings))
    clock = clock or SystemClock()
    attachments = AttachmentConfig(
        LocalFileStore(settings.attachments_dir),
        SqlAttachmentIndex(joining(make_sessionmaker(engine))),
        max_bytes=int(settings.attachment_max_mb * 1024 * 1024),
    )
    preferences = SqlNoticePreferences(joining(make_sessionmaker(engine)))
    reports = SqlReports(make_sessionmaker(engine))
    conversations = Conversations(
        uows, dialogs, codec, clock,
        default_language=settings.default_language,
        default_timezone=settings.default_timezone,
        dialog_ttl=settings.dialog_ttl_seconds,
        open_registration=settings.open_registration,
        button_channels=frozenset({"telegram", "slack"}),
        attachments=attachments,
        preferences=preferences,
        reports=reports,
        report_files=CsvReportFiles(attachments.files),
        link_codes=RedisLinkCodes(dialogs.redis),
        scripts=SqlScriptStore(joining(make_sessionmaker(engine)), types),  # issue 18
        deflections=SqlDeflectionLog(joining(make_sessionmaker(engine))),
    )
    knowledge = SqlKnowledgeBase(joining(make_sessionmaker(engine)))  # issue 18: knowledge base
    conversations.knowledge = knowledge
    retention = None
    if settings.attachment_retention_days:
        retention = RetentionWorker(attachments, clock, settings.attachment_retention_days)
    metrics = Metrics()
    install_telemetry(metrics)
    rate_gate = RedisRateGate(dialogs.redis, {
        # Telegram: 30 messages/s per bot; 29 with one-message bursts leaves room for jitter.
        "telegram": (29.0, 1.0),
        "slack": (1.0, 1.0),  # chat.postMessage: one message per second per channel
        "sms": (settings.sms_rate_per_second, 1.0),  # per sender number / service
    })
    inbox = InboxProcessor(SqlInbox(make_sessionmaker(engine)), conversations, clock=clock,
                           dialog_ttl=settings.dialog_ttl_seconds,
                           default_language=settings.default_language)
    return App(settings, engine, uows, dialogs, codec, clock, conversations,
               attachments=attachments, preferences=preferences,
               timer_worker=TimerWorker(uows, clock=clock), retention=retention,
               metrics=metrics, reports=reports, rate_gate=rate_gate, inbox=inbox,
               knowledge=knowledge)
