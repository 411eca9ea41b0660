"""When a mode began and when the Russian note was shown, so both hold across restarts.

A wait for an advert times out (`states.MODE_TIMEOUT`); the note that Russian is answered in
Ukrainian is shown once per conversation (`states.CONVERSATION_GAP`).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("state_since", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("language_noted_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("language_noted_at")
        batch.drop_column("state_since")
