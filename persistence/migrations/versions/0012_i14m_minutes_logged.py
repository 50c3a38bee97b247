"""requests.minutes_logged: the sum of a request's time entries, kept by triggers

"My requests" shows each request's logged time. Reading it from ``time_entries`` cost one
index lookup and one heap page per request, which at a million requests are rarely in the
buffer cache (bench/data_scale.py: the list took 1.6× as long at 1,000,000 requests as at
10,000). The total is now a column of the request, kept by triggers on ``time_entries``
(insert, delete, and an update of its minutes or request), so the application never
writes it and every writer — the application, ``helpdesk admin``, SQL by hand — keeps it
right. Existing totals are computed once here.

Revision ID: 0012_i14m_minutes_logged
Revises: 0012_i14t_timer_sync
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_i14m_minutes_logged"
down_revision = "0012_i14t_timer_sync"
branch_labels = None
depends_on = None

_PG_BACKFILL = """
    UPDATE requests SET minutes_logged = totals.minutes
    FROM (SELECT request_id, SUM(minutes) AS minutes FROM time_entries GROUP BY request_id)
         AS totals
    WHERE requests.id = totals.request_id"""
_SQLITE_BACKFILL = """
    UPDATE requests SET minutes_logged = (
        SELECT SUM(minutes) FROM time_entries WHERE time_entries.request_id = requests.id)
    WHERE id IN (SELECT request_id FROM time_entries)"""

_SQLITE_TRIGGERS = (
    """CREATE TRIGGER time_entries_total_insert AFTER INSERT ON time_entries BEGIN
           UPDATE requests SET minutes_logged = minutes_logged + NEW.minutes
           WHERE id = NEW.request_id;
       END""",
    """CREATE TRIGGER time_entries_total_delete AFTER DELETE ON time_entries BEGIN
           UPDATE requests SET minutes_logged = minutes_logged - OLD.minutes
           WHERE id = OLD.request_id;
       END""",
    """CREATE TRIGGER time_entries_total_update AFTER UPDATE OF minutes, request_id
       ON time_entries BEGIN
           UPDATE requests SET minutes_logged = minutes_logged - OLD.minutes
           WHERE id = OLD.request_id;
           UPDATE requests SET minutes_logged = minutes_logged + NEW.minutes
           WHERE id = NEW.request_id;
       END""",
)

_PG_FUNCTION = """
    CREATE FUNCTION hd_time_entries_total() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            UPDATE requests SET minutes_logged = minutes_logged - OLD.minutes
            WHERE id = OLD.request_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            UPDATE requests SET minutes_logged = minutes_logged + NEW.minutes
            WHERE id = NEW.request_id;
        END IF;
        RETURN NULL;
    END $$"""

_PG_TRIGGER = """
    CREATE TRIGGER time_entries_total
    AFTER INSERT OR DELETE OR UPDATE OF minutes, request_id ON time_entries
    FOR EACH ROW EXECUTE FUNCTION hd_time_entries_total()"""


def upgrade() -> None:
    op.add_column("requests", sa.Column("minutes_logged", sa.Integer(), nullable=False,
                                        server_default="0"))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_BACKFILL)
        op.execute(_PG_FUNCTION)
        op.execute(_PG_TRIGGER)
    else:
        op.execute(_SQLITE_BACKFILL)
        for trigger in _SQLITE_TRIGGERS:
            op.execute(trigger)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER time_entries_total ON time_entries")
        op.execute("DROP FUNCTION hd_time_entries_total()")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER time_entries_total_{name}")
    # Not batch mode: copying requests on SQLite would lose its expression index
    # (ix_requests_queue); SQLite drops a plain column in place since 3.35.
    op.execute("ALTER TABLE requests DROP COLUMN minutes_logged")
