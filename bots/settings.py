"""Settings from environment variables or a ``.env`` file (pydantic-settings)."""

from __future__ import annotations

import re
from email.utils import parseaddr

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from adapters.email.dkim_signing import SELECTOR, load_private_key
from adapters.email.imap import parse_imap_url
from adapters.email.smtp import parse_smtp_url
from core.i18n import LANGUAGES, valid_timezone
from persistence.db import normalise_url


class Settings(BaseSettings):
    """Every setting, with the embedded defaults that let ``python run_bot.py`` just work."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(
        "sqlite+aiosqlite:///./helpdesk.db",
        description="SQLAlchemy URL: sqlite (embedded default) or postgresql.",
    )
    redis_url: str | None = Field(None, description="redis://...; unset: in-process Redis.")
    redis_max_connections: int = Field(
        200, ge=1, description="Redis connection pool size; beyond it callers wait.")
    secret_key: str | None = Field(
        None, description="Signs buttons and links. Unset: generated once into .helpdesk_secret."
    )
    public_base_url: str | None = Field(None, description="https://helpdesk.example.com")
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    default_language: str = "en"
    default_timezone: str = "UTC"
    dialog_ttl_seconds: int = Field(24 * 3600, ge=60)
    open_registration: bool = True
    # Issue 16 (seed 004): every member of staff may view any request's card and history.
    staff_see_all: bool = Field(True, description="Staff may view any request (default on).")

    # Telegram (issue: Telegram channel)
    telegram_bot_token: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_api_url: str = "https://api.telegram.org"

    # Slack (issue: Slack channel)
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_triage_channel: str | None = None
    slack_api_url: str = "https://slack.com/api/"

    # SMS via Twilio (issue: SMS channel)
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from_number: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_api_url: str = "https://api.twilio.com"
    sms_rate_per_second: float = Field(1.0, gt=0)

    # E-mail (issue: full workflow)
    smtp_url: str | None = Field(
        None, description="smtp://user:password@host:587, smtp+starttls://…, smtps://…:465")
    email_from: str | None = Field(
        None, description="The sender of notification e-mails: Helpdesk <help@example.com>")

    # DKIM signing of e-mails (issue 12): both set, or neither
    dkim_private_key: str | None = Field(
        None, description="RSA private key (PEM text, or the path of a PEM file) that signs "
        "e-mails for the EMAIL_FROM domain.")
    dkim_selector: str | None = Field(
        None, description="DKIM selector: the public key is in DNS at "
        "<selector>._domainkey.<EMAIL_FROM domain>.")
    # Incoming e-mail (issue 19): IMAP mailbox and/or pushed by a provider
    imap_url: str | None = Field(
        None, description="imaps://user:password@imap.example.com (imap:// without TLS)")
    imap_folder: str = Field("INBOX", min_length=1, max_length=200)
    email_inbound_secret: str | None = Field(
        None, min_length=16, description="Shared secret of POST /email/inbound")
    email_attach_max_mb: float = Field(
        10.0, ge=0, le=100, description="Files of a notice attached up to this many MB in "
        "total; the others are signed links")
    email_default_type: str | None = Field(
        None, description="Request type of e-mailed requests (unset: the first public type)")

    # Attachments (issue 6): where files are kept and the largest file accepted
    attachments_dir: str = Field("./attachments", description="Directory for stored files.")
    attachment_max_mb: float = Field(20.0, gt=0, le=2000)
    attachment_retention_days: int = Field(
        0, ge=0, le=36500, description="Delete the stored files of requests closed or "
        "cancelled this many days ago (0: keep them for ever).")

    # Operations (issue 15): metrics, logs
    metrics_token: str | None = Field(
        None, description="Bearer token /metrics asks for (Authorization: Bearer …).")
    metrics_port: int | None = Field(
        None, ge=1, le=65535, description="Serve /metrics on this port only (on HOST), "
        "apart from the webhooks.")
    log_format: str = Field("text", description="text, or json: one JSON object a line.")

    @field_validator("metrics_token", "metrics_port", mode="before")
    @classmethod
    def _optional(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("metrics_token")
    @classmethod
    def _metrics_token(cls, value: str | None) -> str | None:
        if value is not None and len(value) < 16:
            raise ValueError("must be at least 16 characters long")
        return value

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("text", "json"):
            raise ValueError("must be text or json")
        return value
    # Speed and scale-out (issue 14)
    database_pool_size: int = Field(
        20, ge=1, le=1000, description="Connections per process to PostgreSQL (the expected "
        "number of updates handled at once).")
    outbox_keep_days: int = Field(
        30, ge=1, le=36500, description="Sent notifications are deleted from the outbox after "
        "this many days.")

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        try:
            return normalise_url(value)
        except Exception as exc:
            raise ValueError(f"not a usable database URL ({exc})") from exc

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @field_validator("public_base_url")
    @classmethod
    def _public_base_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with https:// (or http://)")
        return value.rstrip("/")

    @field_validator("default_language")
    @classmethod
    def _default_language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
        return value

    @field_validator("telegram_bot_token")
    @classmethod
    def _telegram_bot_token(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not re.fullmatch(r"\d+:[\w-]+", value):
            raise ValueError("is not a bot token (it looks like 123456789:AAE…, from @BotFather)")
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _telegram_webhook_secret(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        # setWebhook's secret_token: 1-256 characters, only A-Z, a-z, 0-9, _ and -.
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value):
            raise ValueError("must be 1 to 256 characters of A-Z, a-z, 0-9, _ and - "
                             "(Telegram's rule for a webhook secret token)")
        return value

    @field_validator("default_timezone")
    @classmethod
    def _default_timezone(cls, value: str) -> str:
        if not valid_timezone(value):
            raise ValueError("is not a time zone name (e.g. Europe/Bucharest, UTC)")
        return value

    @field_validator("secret_key")
    @classmethod
    def _secret_key(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if len(value) < 16:
            raise ValueError("must be at least 16 characters long")
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        parse_smtp_url(value)  # raises ValueError with a clear message
        return value.strip()

    @field_validator("imap_url")
    @classmethod
    def _imap_url(cls, value: str | None) -> str | None:
        if value:
            parse_imap_url(value)  # raises ValueError with a clear message
        return value or None

    @field_validator("email_from")
    @classmethod
    def _email_from(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        address = parseaddr(value)[1]
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address):
            raise ValueError("is not an e-mail address (e.g. Helpdesk <help@example.com>)")
        return value.strip()

    @field_validator("dkim_selector")
    @classmethod
    def _dkim_selector(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not SELECTOR.fullmatch(value.strip()):
            raise ValueError("is not a DNS name (letters, digits, - and _, dot-separated)")
        return value.strip()

    @field_validator("dkim_private_key")
    @classmethod
    def _dkim_private_key(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        load_private_key(value)  # raises DkimKeyError (a ValueError) with a clear message
        return value

    @model_validator(mode="after")
    def _dkim_pair(self) -> Settings:
        if bool(self.dkim_private_key) != bool(self.dkim_selector):
            raise ValueError("DKIM_PRIVATE_KEY and DKIM_SELECTOR go together: set both or "
                             "neither")
        return self

    @model_validator(mode="after")
    def _email_needs_sender(self) -> Settings:
        if self.smtp_url and not self.email_from:
            raise ValueError("EMAIL_FROM is required when SMTP_URL is set "
                             "(e.g. Helpdesk <help@example.com>)")
        return self


def describe_error(exc: Exception) -> str:
    """One clear line for a settings error (no traceback)."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        parts = []
        for err in errors():
            name = ".".join(str(p) for p in err.get("loc", ())).upper() or "settings"
            message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
            parts.append(f"{name}: {message}")
        return "configuration error: " + "; ".join(parts)
    return f"configuration error: {exc}"
