"""Turns the engine's replies into outbox items (and, when storage is down, direct sends)."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.db.models import Relay
from bot.domain.dialogue_types import Reply
from bot.handoff import keyboard as keyboard_rows

log = logging.getLogger(__name__)


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """The inline keyboard of a reply, if it has buttons."""
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=b.action) for b in row]
            for row in reply.buttons
        ]
    )


def reply_items(
    chat_id: int,
    replies: list[Reply],
    key: str,
    *,
    owner: str | None = None,
    relay: Relay = Relay.REPLY,
) -> list[dict[str, Any]]:
    """Outbox items for replies to one chat; `key` makes them idempotent (e.g. the update id)."""
    items = []
    for n, reply in enumerate(replies):
        params: dict[str, Any] = {
            "text": reply.text,
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": True},
        }
        if reply.buttons:
            params["reply_markup"] = keyboard_rows(list(reply.buttons))
        items.append(
            {
                "dedupe_key": f"{key}:{n}",
                "chat_id": chat_id,
                "method": "sendMessage",
                "relay": relay,
                "owner": owner,
                "params": params,
            }
        )
    return items


async def send_directly(bot: Bot, chat_id: int, replies: list[Reply]) -> None:
    """Send replies without the outbox (storage is down): one try each, failures logged."""
    for reply in replies:
        try:
            await bot.send_message(
                chat_id,
                reply.text,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(reply),
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        except TelegramError as exc:
            log.warning("reply not delivered: %s", type(exc).__name__)
