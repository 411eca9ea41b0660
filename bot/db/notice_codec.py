"""How a notice is stored in the outbox: a kind and a JSON payload, and back."""

from __future__ import annotations

import json
from typing import Any

from bot.domain.dialogue_types import Button
from bot.domain.notices import Copy, Delete, EditCard, Notice, Rows, Say

KINDS = ("say", "copy", "edit_card", "delete")
"""What `outbox.kind` holds."""


class UnknownNotice(ValueError):
    """A stored item whose kind this version does not know."""


def _rows(buttons: Rows) -> list[list[list[str]]]:
    return [[[b.label, b.action] for b in row] for row in buttons]


def _buttons(rows: list[list[list[str]]]) -> Rows:
    return tuple(tuple(Button(label, action) for label, action in row) for row in rows)


def encode(notice: Notice) -> tuple[str, str]:
    """(kind, payload JSON) of a notice."""
    body: dict[str, Any]
    match notice:
        case Say(text, buttons, protect):
            kind, body = "say", {"text": text, "buttons": _rows(buttons), "protect": protect}
        case Copy(from_chat_id, message_id, caption, protect):
            kind = "copy"
            body = {"from": from_chat_id, "message": message_id, "caption": caption}
            body["protect"] = protect
        case EditCard(text):
            kind, body = "edit_card", {"text": text}
        case Delete(message_id):
            kind, body = "delete", {"message": message_id}
    return kind, json.dumps(body, ensure_ascii=False)


def decode(kind: str, payload: str) -> Notice:
    """The notice stored as (kind, payload); UnknownNotice for anything else."""
    body: dict[str, Any] = json.loads(payload)
    if kind == "say":
        return Say(body["text"], _buttons(body.get("buttons", [])), bool(body.get("protect")))
    if kind == "copy":
        return Copy(
            int(body["from"]), int(body["message"]), body.get("caption"), bool(body["protect"])
        )
    if kind == "edit_card":
        return EditCard(body["text"])
    if kind == "delete":
        return Delete(int(body["message"]))
    raise UnknownNotice(kind)
