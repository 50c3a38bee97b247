"""Metrics (prometheus-client) and the per-update log line: the ``core.telemetry`` hooks.

Every app gets its own ``CollectorRegistry`` (tests run several apps in one process);
``bootstrap`` installs the app's ``Metrics`` as the process's telemetry. Counters move as
things happen; the queue gauges (outbox depth and age, timers due and late) are read from
the database when ``/metrics`` is scraped.
"""

from __future__ import annotations

import logging
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy.ext.asyncio import AsyncEngine

from core.telemetry import Telemetry
from persistence.health import queue_stats

update_log = logging.getLogger("helpdesk.updates")

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics(Telemetry):
    """The telemetry hooks as Prometheus metrics, plus one log line per update."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = r = registry or CollectorRegistry()
        self.updates = Counter("helpdesk_updates", "Updates received, per channel and outcome "
                               "(ok, refused, error, unregistered).",
                               ["channel", "outcome"], registry=r)
        self.latency = Histogram("helpdesk_update_seconds", "Time to handle one update.",
                                 ["channel"], buckets=LATENCY_BUCKETS, registry=r)
        self.actions = Counter("helpdesk_actions", "Button actions pressed, per kind.",
                               ["kind"], registry=r)
        self.deliveries = Counter("helpdesk_deliveries", "Outbox notifications sent.",
                                  ["channel"], registry=r)
        self.retries = Counter("helpdesk_delivery_retries", "Failed sends tried again later.",
                               ["channel"], registry=r)
        self.failures = Counter("helpdesk_delivery_failures",
                                "Notifications given up past their retry budget (channel "
                                "'none': held, the person has no running channel).",
                                ["channel"], registry=r)
        self.too_many = Counter("helpdesk_rate_limited", "429 answers, per platform.",
                                    ["platform"], registry=r)
        self.lock_waits = Counter("helpdesk_dialog_lock_waits",
                                  "Times a conversation lock was busy.", registry=r)
        self.lock_wait_seconds = Histogram("helpdesk_dialog_lock_wait_seconds",
                                           "Time spent waiting for a busy conversation lock.",
                                           buckets=LATENCY_BUCKETS, registry=r)
        self.outbox_depth = Gauge("helpdesk_outbox_depth", "Notifications waiting to be sent.",
                                  registry=r)
        self.outbox_age = Gauge("helpdesk_outbox_oldest_age_seconds",
                                "Age of the oldest unsent notification (0: none).",
                                registry=r)
        self.outbox_dead = Gauge("helpdesk_outbox_dead_letters",
                                 "Notifications failed past their budget or held.", registry=r)
        self.timers_due = Gauge("helpdesk_timers_due", "Timers due now, not fired yet.",
                                registry=r)
        self.timers_late = Gauge("helpdesk_timers_late",
                                 "Timers due for over a minute, not fired yet.", registry=r)

    # -- core.telemetry hooks ------------------------------------------------------------
    def update_handled(self, *, channel: str, kind: str, outcome: str, seconds: float,
                       person_id: int | None, reference: str | None) -> None:
        self.updates.labels(channel, outcome).inc()
        self.latency.labels(channel).observe(seconds)
        ms = round(seconds * 1000, 1)
        update_log.info(
            "update %s %s person=%s ref=%s %s %.1f ms", channel, kind, person_id,
            reference or "-", outcome, ms,
            extra={"channel": channel, "kind": kind, "person_id": person_id,
                   "reference": reference, "outcome": outcome, "ms": ms})

    def action(self, kind: str) -> None:
        self.actions.labels(kind).inc()

    def delivery(self, channel: str, outcome: str) -> None:
        if outcome == "sent":
            self.deliveries.labels(channel).inc()
        elif outcome == "retry":
            self.retries.labels(channel).inc()
        else:  # failed, held
            self.failures.labels(channel).inc()

    def rate_limited(self, platform: str) -> None:
        self.too_many.labels(platform).inc()

    def lock_waited(self, seconds: float) -> None:
        self.lock_waits.inc()
        self.lock_wait_seconds.observe(seconds)

    # -- scraping ------------------------------------------------------------------------
    async def refresh(self, engine: AsyncEngine, now: datetime) -> None:
        """Read the queue gauges from the database."""
        stats = await queue_stats(engine, now)
        self.outbox_depth.set(stats.outbox_depth)
        self.outbox_age.set(stats.outbox_oldest_age)
        self.outbox_dead.set(stats.outbox_dead)
        self.timers_due.set(stats.timers_due)
        self.timers_late.set(stats.timers_late)

    def exposition(self) -> bytes:
        """The registry in the Prometheus text format."""
        return generate_latest(self.registry)
