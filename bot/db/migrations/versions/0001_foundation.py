"""Foundation: users, inbox of updates, feedback, FAQ misses.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("pseudonym", sa.String(64), primary_key=True),
        sa.Column("language", sa.String(8)),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "inbox_updates",
        sa.Column("update_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("payload", sa.Text),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_inbox_updates_status", "inbox_updates", ["status"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_pseudonym", sa.String(64)),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("helpful", sa.Boolean, nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_feedback_user_pseudonym", "feedback", ["user_pseudonym"])
    op.create_index("ix_feedback_topic", "feedback", ["topic"])
    op.create_table(
        "faq_misses",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_pseudonym", sa.String(64)),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("nearest_topic", sa.String(64)),
        sa.Column("shared_text", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_faq_misses_user_pseudonym", "faq_misses", ["user_pseudonym"])


def downgrade() -> None:
    op.drop_table("faq_misses")
    op.drop_table("feedback")
    op.drop_table("inbox_updates")
    op.drop_table("users")
