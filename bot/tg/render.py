"""Turns the engine's replies into Telegram messages."""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.domain.dialogue_types import Reply

log = logging.getLogger(__name__)
SEND_ATTEMPTS = 4


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


async def send_reply(bot: Bot, chat_id: int, reply: Reply) -> Message | None:
    """Send one reply; wait out 429s and retry 5xx/timeouts with backoff; None if impossible."""
    delay = 0.5
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            return await bot.send_message(
                chat_id,
                reply.text,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(reply),
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
            await asyncio.sleep(min(seconds, 60.0))
        except Forbidden:
            log.info("reply not delivered: the user blocked the bot")
            return None
        except BadRequest as exc:
            log.error("reply refused by Telegram: %s", exc.message)
            return None
        except (TimedOut, NetworkError) as exc:
            if attempt == SEND_ATTEMPTS:
                log.warning(
                    "reply not delivered after %d attempts: %s", attempt, type(exc).__name__
                )
                raise
            await asyncio.sleep(delay)
            delay *= 2
    return None


async def send_replies(bot: Bot, chat_id: int, replies: list[Reply]) -> list[int]:
    """Send replies in order; returns the ids of the messages sent."""
    sent = []
    for reply in replies:
        message = await send_reply(bot, chat_id, reply)
        if message is not None:
            sent.append(message.message_id)
    return sent
