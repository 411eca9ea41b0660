"""Replies when storage is down: sent directly, once each, without the outbox."""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import TelegramError

from bot.domain.dialogue_types import Reply
from bot.domain.notices import Say
from bot.tg.outbox import call_for

log = logging.getLogger(__name__)


async def send_directly(bot: Bot, chat_id: int, replies: list[Reply]) -> None:
    """Send replies without the outbox (storage is down): one try each, failures logged."""
    for reply in replies:
        try:
            await call_for(bot, chat_id, Say(reply.text, reply.buttons), None)
        except TelegramError as exc:
            log.warning("reply not delivered: %s", type(exc).__name__)
