"""Telemetry port: what the layers report about their work (metrics, the per-update log line).

The conversation engine, the dialog store and the channel senders call these hooks; the
composition root (``bots.observability``) implements them with prometheus-client and the
logging module, so nothing below ``bots`` imports a metrics library. The default does
nothing, which is what tests and the console demo get unless they install another one.
"""

from __future__ import annotations


class Telemetry:
    """Hooks called at the points worth counting. Every method is cheap and never raises."""

    def update_handled(self, *, channel: str, kind: str, outcome: str, seconds: float,
                       person_id: int | None, reference: str | None) -> None:
        """One inbound update was answered: ``kind`` is command / button / text / file,
        ``outcome`` ok / refused / error / unregistered."""

    def action(self, kind: str) -> None:
        """A button action (claim, finish, confirm…) was pressed."""

    def delivery(self, channel: str, outcome: str) -> None:
        """The outbox worker finished with an item: ``outcome`` sent / retry (failed, tried
        again later) / failed (past its retry budget) / held (nobody to send it to)."""

    def rate_limited(self, platform: str) -> None:
        """A platform answered 429 (Too Many Requests)."""

    def lock_waited(self, seconds: float) -> None:
        """A conversation lock was busy; the caller waited ``seconds`` for it."""


_current: Telemetry = Telemetry()


def telemetry() -> Telemetry:
    """The process's telemetry (a no-op until the composition root installs one)."""
    return _current


def install(hooks: Telemetry) -> None:
    """Make ``hooks`` the process's telemetry (``bots.observability`` does this at start)."""
    global _current
    _current = hooks
