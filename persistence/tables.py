"""SQLAlchemy table definitions (the schema Alembic migrates)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every database (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class PersonRow(Base):
    __tablename__ = "persons"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(String(10))
    timezone: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_channel: Mapped[str | None] = mapped_column(String(20))
    preferred_channel: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    organization_id: Mapped[int | None] = mapped_column(Integer)  # 0007_i17_organizations


class AccountRow(Base):
    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("channel", "address", name="uq_accounts_channel_address"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(200))


class RequestTypeRow(Base):
    __tablename__ = "request_types"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Workflow (migration 0004_workflow): {"normal": [claim, resolve], "high": [...]} minutes.
    sla: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    feedback_minutes: Mapped[int | None] = mapped_column(Integer)
    fields: Mapped[list[str] | None] = mapped_column(JSON)
    assistant_ids: Mapped[list[int] | None] = mapped_column(JSON)
    on_site: Mapped[bool] = mapped_column(Boolean, default=False)  # 0011_i18v_visits


# What a list line reads of a request besides its id (``core.model.RequestLine``). On
# PostgreSQL "My requests" reads them from ix_requests_initiator_recent alone (INCLUDE,
# migration 0012_i14l_request_lines): an initiator's newest requests are a leaf page or
# two of the index, not one heap page each.
LINE_COLUMNS = ("reference", "type_id", "subject", "status", "assignee_id", "minutes_logged",
                "feedback_until")


_HELD = "status IN ('in_progress', 'waiting', 'resolved')"
# In a query as written here (constants, not parameters), so that PostgreSQL can use the
# partial index with a generic plan of a prepared statement too.
HELD = text(f"requests.{_HELD}")


class RequestRow(Base):
    __tablename__ = "requests"
    __table_args__ = (Index("ix_requests_status", "status"),
                      # "My requests": the newest of one initiator (0011_i14b_indexes).
                      Index("ix_requests_initiator_recent", "initiator_id", "id",
                            postgresql_include=list(LINE_COLUMNS)),
                      # An assistant's "Your queue": what they hold, not their history
                      # (0012_i14q_held).
                      Index("ix_requests_held", "assignee_id", "id",
                            postgresql_where=text(_HELD), sqlite_where=text(_HELD)))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(32), unique=True)
    type_id: Mapped[int] = mapped_column(ForeignKey("request_types.id"))
    description: Mapped[str] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(String(120))  # migration 0007_i16_subject
    initiator_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    target_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    status: Mapped[str] = mapped_column(String(20))
    priority: Mapped[str] = mapped_column(String(20), default="normal")
    version: Mapped[int] = mapped_column(Integer, default=1)
    resolution_note: Mapped[str | None] = mapped_column(Text)
    resolution_method: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Workflow (migration 0004_workflow): extra fields, routing, SLA, waiting, feedback.
    fields: Mapped[dict[str, str] | None] = mapped_column(JSON)
    pool: Mapped[list[int] | None] = mapped_column(JSON)
    sla_claim_minutes: Mapped[int | None] = mapped_column(Integer)
    sla_resolve_minutes: Mapped[int | None] = mapped_column(Integer)
    feedback_minutes: Mapped[int | None] = mapped_column(Integer)
    claim_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolve_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolve_left_seconds: Mapped[int | None] = mapped_column(Integer)
    sla_flags: Mapped[list[str] | None] = mapped_column(JSON)
    wait_reason: Mapped[str | None] = mapped_column(String(20))
    wait_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    wait_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    wait_autoclose_days: Mapped[int | None] = mapped_column(Integer)
    wait_requeue: Mapped[bool | None] = mapped_column(Boolean)  # migration 0008_i16_requeue
    merged_into_id: Mapped[int | None] = mapped_column(Integer)  # migration 0008_i16_requeue
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    feedback_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    organization_id: Mapped[int | None] = mapped_column(Integer, index=True)  # 0007_i17
    # The sum of its time entries, kept by triggers on time_entries (0012_i14m_minutes):
    # "My requests" shows it without reading the entries. Never written by the application.
    minutes_logged: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class TimeEntryRow(Base):
    __tablename__ = "time_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    minutes: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class CommentRow(Base):
    __tablename__ = "comments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    body: Mapped[str] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class EventRow(Base):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_action_at", "action", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    action: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    channel: Mapped[str | None] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


_UNSENT = "sent_at IS NULL AND gave_up_at IS NULL"


class OutboxRow(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_pending", "sent_at", "next_attempt_at"),
        # The lease reads only unsent rows, the first of each recipient (0007_i14_outbox).
        Index("ix_outbox_unsent_by_recipient", "recipient_id", "id",
              postgresql_where=text(_UNSENT), sqlite_where=text(_UNSENT)),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    request_id: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    edit_key: Mapped[str | None] = mapped_column(String(64))
    edit_only: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # None: due now
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    gave_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)


class SentMessageRow(Base):
    __tablename__ = "sent_messages"
    # "Offer taken" goes to the holders of an offer message (0011_i14b_indexes).
    __table_args__ = (Index("ix_sent_messages_edit_key", "edit_key", "person_id"),)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    edit_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    message_ref: Mapped[str] = mapped_column(String(200))


# -- SMS channel and signed link pages (issue: SMS channel) ------------------------------------


class SmsOptOutRow(Base):
    """A phone number that sent STOP (or that the provider refused as opted out)."""

    __tablename__ = "sms_opt_outs"
    phone: Mapped[str] = mapped_column(String(32), primary_key=True)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=True)
    reason: Mapped[str] = mapped_column(String(40))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SmsMessageRow(Base):
    """A text message the provider accepted, with its latest delivery status."""

    __tablename__ = "sms_messages"
    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    to: Mapped[str] = mapped_column(String(32), index=True)
    body: Mapped[str] = mapped_column(Text)
    segments: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    error_code: Mapped[str | None] = mapped_column(String(10))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    retry_of: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LinkUseRow(Base):
    """A signed link (SMS link page) that already changed its request: single use."""

    __tablename__ = "link_uses"
    link_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"))
    kind: Mapped[str] = mapped_column(String(20))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime())


# -- Workflow: ratings and durable timers (issue: full workflow, migration 0004_workflow) -----


class RatingRow(Base):
    """The initiator's rating of a request, kept against the assistant who resolved it."""

    __tablename__ = "ratings"
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), primary_key=True)
    assistant_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    stars: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class TimerRow(Base):
    """A future action (core.timers): leased by a worker, fired once, kept as a record."""

    __tablename__ = "timers"
    # AUTOINCREMENT: a replaced timer never lends its id to the next one (0010_timer_ids).
    __table_args__ = (Index("ix_timers_due", "fired_at", "fire_at"),
                      {"sqlite_autoincrement": True})
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    fire_at: Mapped[datetime] = mapped_column(UTCDateTime())
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(20))
    gave_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)


# -- Organizations and contracts (issue 17, migration 0007_i17_organizations) ---------------


class OrganizationRow(Base):
    """A client company (seed 004)."""

    __tablename__ = "organizations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ContractRow(Base):
    """An organization's contract: a monthly hours allowance over a validity period."""

    __tablename__ = "contracts"
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"),
                                                 primary_key=True)
    monthly_minutes: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
