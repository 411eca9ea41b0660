"""Inbox leases: many workers share the inbox, one chat at a time each.

`chat_key` names the lane an update belongs to (its chat; kept only while the update is
pending), `lease_until` says until when the worker that claimed it (`worker`, its name) holds
it. A worker that dies
lets its lease run out and another takes the update over.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbox_updates") as batch:
        batch.add_column(sa.Column("chat_key", sa.BigInteger()))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("worker", sa.String(64)))
    # What was pending before lanes existed keeps its order in one lane.
    op.execute("UPDATE inbox_updates SET chat_key = 0 WHERE status = 'pending'")
    op.create_index("ix_inbox_updates_lane", "inbox_updates", ["status", "chat_key", "update_id"])


def downgrade() -> None:
    op.drop_index("ix_inbox_updates_lane", table_name="inbox_updates")
    with op.batch_alter_table("inbox_updates") as batch:
        batch.drop_column("worker")
        batch.drop_column("lease_until")
        batch.drop_column("chat_key")
