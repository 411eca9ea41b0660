"""Durable intake and a hand-off that works on PostgreSQL.

- outbox.relay was VARCHAR(16) but the code writes 17-character kinds: now VARCHAR(32), and
  dedupe_key is unbounded (it grows with case and update ids).
- outbox.user_pseudonym: whose chat a reply goes to, so /forget can delete it later.
- relayed_messages.counsellor_chat_id: message ids are per chat, so the map keeps both.
- cases.person_blocked: the person has blocked the bot (a 403 on their chat).
- counsellors: who can be reached in private, and in which language they read.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("relay", type_=sa.String(32), existing_type=sa.String(16))
        batch.alter_column("dedupe_key", type_=sa.Text, existing_type=sa.String(64),
                           existing_nullable=False)
        batch.add_column(sa.Column("user_pseudonym", sa.String(64)))
    with op.batch_alter_table("relayed_messages") as batch:
        batch.add_column(sa.Column("counsellor_chat_id", sa.BigInteger))
        batch.alter_column("direction", type_=sa.String(32), existing_type=sa.String(16))
    op.create_index(
        "ix_relayed_counsellor_chat_message",
        "relayed_messages",
        ["counsellor_chat_id", "counsellor_message_id"],
    )
    with op.batch_alter_table("cases") as batch:
        batch.add_column(
            sa.Column("person_blocked", sa.Boolean, nullable=False, server_default=sa.false())
        )
    op.create_table(
        "counsellors",
        sa.Column("telegram_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("reachable", sa.Boolean, nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("counsellors")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("person_blocked")
    op.drop_index("ix_relayed_counsellor_chat_message", "relayed_messages")
    with op.batch_alter_table("relayed_messages") as batch:
        batch.drop_column("counsellor_chat_id")
        batch.alter_column("direction", type_=sa.String(16), existing_type=sa.String(32))
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("user_pseudonym")
        batch.alter_column("dedupe_key", type_=sa.String(64), existing_type=sa.Text)
        batch.alter_column("relay", type_=sa.String(16), existing_type=sa.String(32))
