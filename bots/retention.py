"""File retention: stored files of requests closed or cancelled more than
``ATTACHMENT_RETENTION_DAYS`` ago are deleted (the requests, their history and the files'
names stay). Runs in ``helpdesk serve`` every few hours; ``helpdesk admin purge-files`` does
the same once."""

from __future__ import annotations

from datetime import datetime, timedelta

from bots.polling import PollingWorker
from core.attachment_service import AttachmentConfig, purge_before
from core.clock import Clock


class RetentionWorker(PollingWorker):
    """Deletes the files past retention, at start and then every ``idle_seconds``."""

    idle_seconds = 6 * 3600.0
    base_delay = max_delay = 60.0

    def __init__(self, attachments: AttachmentConfig, clock: Clock, days: int) -> None:
        if days <= 0:
            raise ValueError("retention needs a number of days above zero")
        self.attachments = attachments
        self.clock = clock
        self.days = days

    def cutoff(self) -> datetime:
        """Requests final before this moment lose their files."""
        return self.clock.now() - timedelta(days=self.days)

    async def run_once(self) -> int:
        return await purge_before(self.attachments, self.cutoff())
