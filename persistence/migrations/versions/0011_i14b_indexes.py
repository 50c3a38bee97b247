"""indexes the data-scale bench showed missing (issue 14, bench/data_scale.py)

- sent_messages (edit_key, person_id): a claim writes "offer taken" for the holders of the
  offer message (``SqlOutbox.add_for_holders``: ``WHERE edit_key = …``); the primary key
  starts with person_id, so this was a scan of the whole table (every card ever sent).
- requests (initiator_id, id): "My requests" is the newest 10 of one initiator
  (``ORDER BY id DESC LIMIT``); with initiator_id alone PostgreSQL walked the primary key
  backwards filtering on the initiator (372 ms at 450,000 requests).

Revision ID: 0011_i14b_indexes
Revises: 0010_timer_ids
Create Date: 2026-12-04
"""
from alembic import op

revision = "0011_i14b_indexes"
down_revision = "0010_timer_ids"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_sent_messages_edit_key", "sent_messages", ["edit_key", "person_id"])
    op.create_index("ix_requests_initiator_recent", "requests", ["initiator_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_requests_initiator_recent", table_name="requests")
    op.drop_index("ix_sent_messages_edit_key", table_name="sent_messages")
