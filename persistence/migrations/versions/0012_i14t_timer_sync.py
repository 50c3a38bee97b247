"""SQLite: syncing a request's pending timers in one statement

``SqlTimerStore.sync`` deletes the pending timers a state change no longer wants and inserts
the missing ones. On PostgreSQL the delete is a data-modifying CTE of the insert (one
statement). SQLite has no data-modifying CTE: there one ``INSERT INTO timer_syncs`` (a view
that never holds a row) runs both through an ``INSTEAD OF INSERT`` trigger. ``covered`` is a
JSON array of the kinds being synced, ``wanted`` a JSON array of ``[kind, fire_at]`` with
``fire_at`` as the column stores it. PostgreSQL gets nothing.

Revision ID: 0012_i14t_timer_sync
Revises: 0012_i14s_sqlite_delivery
Create Date: 2026-12-04
"""
from alembic import op

revision = "0012_i14t_timer_sync"
down_revision = "0012_i14s_sqlite_delivery"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("""
        CREATE VIEW timer_syncs AS
        SELECT request_id, '[]' AS covered, '[]' AS wanted, created_at FROM timers WHERE 0""")
    op.execute("""
        CREATE TRIGGER timer_syncs_insert INSTEAD OF INSERT ON timer_syncs
        BEGIN
            DELETE FROM timers
            WHERE request_id = NEW.request_id AND fired_at IS NULL AND gave_up_at IS NULL
              AND kind IN (SELECT value FROM json_each(NEW.covered))
              AND NOT EXISTS (SELECT 1 FROM json_each(NEW.wanted) AS w
                              WHERE json_extract(w.value, '$[0]') = timers.kind
                                AND json_extract(w.value, '$[1]') = timers.fire_at);
            INSERT INTO timers (request_id, kind, fire_at, data, created_at, attempts)
            SELECT NEW.request_id, json_extract(w.value, '$[0]'),
                   json_extract(w.value, '$[1]'), '{}', NEW.created_at, 0
            FROM json_each(NEW.wanted) AS w
            WHERE NOT EXISTS (SELECT 1 FROM timers AS t
                              WHERE t.request_id = NEW.request_id
                                AND t.kind = json_extract(w.value, '$[0]')
                                AND t.fired_at IS NULL AND t.gave_up_at IS NULL)
            ORDER BY w.key;
        END""")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER timer_syncs_insert")
    op.execute("DROP VIEW timer_syncs")
