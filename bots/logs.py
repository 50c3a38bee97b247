"""Logging set-up: plain text or JSON lines (``LOG_FORMAT``), personal data and secrets masked.

Every line, whatever logger wrote it (ours, aiohttp's access log, aiogram, slack-sdk…), goes
through ``mask``: phone numbers, e-mail addresses, bot/API tokens, signed link tokens and
the configured secrets are replaced before the line is written. Telegram and Slack user ids
are kept: they identify nobody outside the platform and are needed to follow a problem.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

# Patterns, most specific first. Each is replaced by a fixed marker.
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Telegram bot tokens (123456:AA…), also inside URLs (/bot123456:AA…/sendMessage).
    (re.compile(r"\d{5,}:[A-Za-z0-9_-]{10,}"), "[token]"),
    # Slack tokens, Twilio account/key SIDs.
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]+|\bxapp-[A-Za-z0-9-]+"), "[token]"),
    (re.compile(r"\b(?:AC|SK|MG|PN|SM|MM)[0-9a-fA-F]{32}\b"), "[sid]"),
    # Signed link/unsubscribe/file tokens in paths.
    (re.compile(r"(/(?:l|u|f|unsubscribe|files?)/)[A-Za-z0-9_.:-]{16,}"), r"\1[token]"),
    # key=value / "key": "value" for anything that looks like a credential.
    (re.compile(r"(?i)((?:auth_?token|token|secret|password|passwd|api_?key|authorization"
                r"|signature)[\"']?\s*[:=]\s*[\"']?)(?:bearer\s+)?[^\s\"'&,;}]+"),
     r"\1[masked]"),
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}"), "Bearer [masked]"),
    # URLs with a password: scheme://user:password@host
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]*:)[^@\s/]+@"), r"\1[masked]@"),
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"), "[email]"),
    # Phone numbers: + and 7-15 digits, maybe spaced; or 9+ digits with separators.
    (re.compile(r"\+\d[\d\s().-]{5,18}\d"), "[phone]"),
    (re.compile(r"(?<![\w.:/-])0\d{2,4}[\s.-]\d{3}[\s.-]?\d{3,4}(?![\w])"), "[phone]"),
    # Long hexadecimal secrets (Twilio auth tokens, derived webhook secrets).
    (re.compile(r"\b[0-9a-fA-F]{32,}\b"), "[secret]"),
)


class Masker:
    """Replaces personal data and secrets in a line of text."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        # Literal configured secrets first (longest first), whatever they look like.
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def __call__(self, line: str) -> str:
        for secret in self.secrets:
            if secret in line:
                line = line.replace(secret, "[secret]")
        for pattern, marker in PATTERNS:
            line = pattern.sub(marker, line)
        return line


# Attributes every LogRecord has; the rest came in ``extra`` and go into the JSON object.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class TextFormatter(logging.Formatter):
    def __init__(self, masker: Masker) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")
        self.masker = masker

    def format(self, record: logging.LogRecord) -> str:
        return self.masker(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ts, level, logger, msg, the ``extra`` fields, exc."""

    def __init__(self, masker: Masker) -> None:
        super().__init__()
        self.masker = masker

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return self.masker(json.dumps(entry, default=str, ensure_ascii=False))


def configure(log_format: str = "text", *, level: int = logging.INFO,
              secrets: Iterable[str | None] = (), stream: TextIO | None = None) -> None:
    """Send every logger's records to ``stream`` (stderr) in ``log_format``, masked."""
    masker = Masker(secrets)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(masker) if log_format == "json" else TextFormatter(masker))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)


def configured_secrets(settings: Any) -> list[str | None]:
    """The secret values among the settings (masked wherever they would appear)."""
    names = ("secret_key", "telegram_bot_token", "telegram_webhook_secret", "slack_bot_token",
             "slack_signing_secret", "slack_app_token", "twilio_auth_token", "metrics_token")
    values = [getattr(settings, name, None) for name in names]
    smtp = getattr(settings, "smtp_url", None)
    if smtp:
        from urllib.parse import urlsplit

        values.append(urlsplit(smtp).password)
    return values
