"""Advert checks: the user's conversation state, and anonymous counts of checked adverts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("state", sa.String(32)))
    op.create_table(
        "advert_checks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("flags", sa.String(512), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("advert_checks")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("state")
