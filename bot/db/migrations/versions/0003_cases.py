"""Hand-off to counsellors: cases, relayed messages, outbox, the bot's sent messages.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tag", sa.String(12), nullable=False, unique=True),
        sa.Column("user_pseudonym", sa.String(64), index=True),
        sa.Column("user_chat_id", sa.BigInteger),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("counsellor_id", sa.BigInteger, index=True),
        sa.Column("shared_advert", sa.Text),
        sa.Column("group_message_id", sa.BigInteger),
        sa.Column("outcome", sa.String(24)),
        sa.Column("useful", sa.Boolean),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("waiting_since", sa.DateTime(timezone=True)),
        sa.Column("assigned_at", sa.DateTime(timezone=True)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "relayed_messages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("user_message_id", sa.BigInteger),
        sa.Column("counsellor_message_id", sa.BigInteger, index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dedupe_key", sa.String(64), nullable=False, unique=True),
        sa.Column("chat_id", sa.BigInteger, nullable=False, index=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("relay", sa.String(16)),
        sa.Column("source_message_id", sa.BigInteger),
        sa.Column("status", sa.String(12), nullable=False, index=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("result_message_id", sa.BigInteger),
    )
    op.create_table(
        "sent_messages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_pseudonym", sa.String(64), nullable=False, index=True),
        sa.Column("message_id", sa.BigInteger, nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "counsellor_selection",
        sa.Column("counsellor_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE")),
    )


def downgrade() -> None:
    op.drop_table("counsellor_selection")
    op.drop_table("sent_messages")
    op.drop_table("outbox")
    op.drop_table("relayed_messages")
    op.drop_table("cases")
