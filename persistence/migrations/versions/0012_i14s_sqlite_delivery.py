"""SQLite: a delivery's "sent" mark and its sent-message record in one statement

On PostgreSQL the mark is a data-modifying CTE of the ``sent_messages`` upsert (one
statement, ``SqlOutbox.mark_sent``). SQLite has no data-modifying CTE, so there the two
writes go through a view with an ``INSTEAD OF INSERT`` trigger: one ``INSERT INTO
outbox_deliveries`` upserts the record and marks the outbox row, in the statement's own
transaction. PostgreSQL gets nothing.

This revision also joins every branch before it (the outbox, subject, visits… revisions),
so the 0012 revisions can rely on the whole schema and there is one head again.

Revision ID: 0012_i14s_sqlite_delivery
Revises: 0005_email, 0007_i14_outbox, 0007_i17_organizations, 0007_i19_email_inbound,
    0009_i16_drafts, 0011_i14b_indexes, 0011_i14h_inbox_unreplied, 0011_i18k_kb,
    0011_i18s_scripts, 0011_i18v_visits
Create Date: 2026-12-04
"""
from alembic import op

revision = "0012_i14s_sqlite_delivery"
down_revision = ("0005_email", "0007_i14_outbox", "0007_i17_organizations",
                 "0007_i19_email_inbound", "0009_i16_drafts", "0011_i14b_indexes",
                 "0011_i14h_inbox_unreplied", "0011_i18k_kb", "0011_i18s_scripts",
                 "0011_i18v_visits")
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    # The view only gives the trigger its column names; it never holds a row.
    op.execute("""
        CREATE VIEW outbox_deliveries AS
        SELECT id AS outbox_id, sent_at, recipient_id AS person_id,
               '' AS channel, edit_key, '' AS message_ref
        FROM outbox WHERE 0""")
    op.execute("""
        CREATE TRIGGER outbox_deliveries_insert INSTEAD OF INSERT ON outbox_deliveries
        BEGIN
            INSERT INTO sent_messages (person_id, channel, edit_key, message_ref)
            VALUES (NEW.person_id, NEW.channel, NEW.edit_key, NEW.message_ref)
            ON CONFLICT (person_id, channel, edit_key)
            DO UPDATE SET message_ref = excluded.message_ref;
            UPDATE outbox SET sent_at = NEW.sent_at, locked_until = NULL,
                              attempts = attempts + 1
            WHERE id = NEW.outbox_id;
        END""")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER outbox_deliveries_insert")
    op.execute("DROP VIEW outbox_deliveries")
