"""Held items: what a person may still share for a few minutes, sealed, for any worker.

In the database, so that any worker can handle the person's next update.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "held_items",
        sa.Column("pseudonym", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_held_items_expires_at", "held_items", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_held_items_expires_at", table_name="held_items")
    op.drop_table("held_items")
