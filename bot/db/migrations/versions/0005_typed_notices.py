"""The outbox stores typed notices, not Bot API calls.

outbox.method (a Bot API method name) becomes outbox.kind (say, copy, edit_card, delete), and
the payload of every unsent item is rewritten from the call's parameters to the notice's
fields. Sent and failed items keep no payload, so only their kind changes. The conversion is
written out here (not imported) so that this migration means the same thing forever.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import html
import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

KINDS = {
    "sendMessage": "say",
    "copyMessage": "copy",
    "editMessageText": "edit_card",
    "deleteMessage": "delete",
}
UNSENT = ("pending", "held", "blocked")


def _rows(markup: dict[str, Any] | None) -> list[list[list[str]]]:
    rows = (markup or {}).get("inline_keyboard", [])
    return [[[b["text"], b["callback_data"]] for b in row] for row in rows]


def _notice(method: str, params: dict[str, Any]) -> dict[str, Any]:
    protect = bool(params.get("protect_content"))
    if method == "sendMessage":
        text = str(params.get("text", ""))
        if str(params.get("parse_mode") or "").upper() != "HTML":
            text = html.escape(text, quote=False)  # a plain text keeps its look as HTML
        return {"text": text, "buttons": _rows(params.get("reply_markup")), "protect": protect}
    if method == "copyMessage":
        return {
            "from": params["from_chat_id"],
            "message": params["message_id"],
            "caption": params.get("caption"),
            "protect": protect,
        }
    if method == "editMessageText":
        return {"text": params.get("text", "")}
    return {"message": params["message_id"]}


def _call(kind: str, notice: dict[str, Any]) -> dict[str, Any]:
    if kind == "say":
        params: dict[str, Any] = {"text": notice["text"], "parse_mode": "HTML"}
        if notice.get("buttons"):
            params["reply_markup"] = {
                "inline_keyboard": [
                    [{"text": label, "callback_data": data} for label, data in row]
                    for row in notice["buttons"]
                ]
            }
        if notice.get("protect"):
            params["protect_content"] = True
        return params
    if kind == "copy":
        params = {"from_chat_id": notice["from"], "message_id": notice["message"]}
        if notice.get("caption") is not None:
            params |= {"caption": notice["caption"], "parse_mode": "HTML"}
        if notice.get("protect"):
            params["protect_content"] = True
        return params
    if kind == "edit_card":
        return {"message_id": None, "text": notice["text"], "parse_mode": "HTML"}
    return {"message_id": notice["message"]}


def _rewrite(column_from: str, column_to: str, convert: Any, names: dict[str, str]) -> None:
    conn = op.get_bind()
    outbox = sa.table(
        "outbox",
        sa.column("id", sa.Integer),
        sa.column(column_from, sa.String),
        sa.column(column_to, sa.String),
        sa.column("payload", sa.Text),
        sa.column("status", sa.String),
    )
    rows = conn.execute(
        sa.select(outbox.c.id, outbox.c[column_from], outbox.c.payload, outbox.c.status)
    ).all()
    for item_id, old, payload, status in rows:
        new = names.get(str(old), str(old))
        values: dict[str, Any] = {column_to: new}
        if status in UNSENT:
            values["payload"] = json.dumps(convert(old, json.loads(str(payload))), ensure_ascii=False)
        conn.execute(sa.update(outbox).where(outbox.c.id == item_id).values(**values))


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("kind", sa.String(16)))
    _rewrite("method", "kind", _notice, KINDS)
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("kind", existing_type=sa.String(16), nullable=False)
        batch.drop_column("method")


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("method", sa.String(32)))
    _rewrite("kind", "method", _call, {kind: method for method, kind in KINDS.items()})
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("method", existing_type=sa.String(32), nullable=False)
        batch.drop_column("kind")
