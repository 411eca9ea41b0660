"""Sends the outbox: in order per chat, each chat on its own; the one place notices become
Bot API calls.

One policy for every message the bot sends: a 429 delays only the chat that hit it (by its
`retry_after`), 5xx and timeouts back off, a 403 or another 4xx is final and reported to
whoever was writing. python-telegram-bot's rate limiter only spaces calls out; it never
sleeps on a 429 itself.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.app.ports import StorageFailure
from bot.db.cases_repo import CaseRepository
from bot.db.models import OutboxStatus, utcnow
from bot.db.signals import Leadership
from bot.domain.notices import (
    TO_COUNSELLOR,
    TO_PERSON,
    Copy,
    Delete,
    EditCard,
    Notice,
    Queued,
    Rows,
    Say,
)
from bot.tg import metrics
from bot.tg.background import BackgroundLoop

log = logging.getLogger(__name__)
SEND_AT_ONCE = 8
"""Calls in flight at once, each to another chat. One at a time, the sender was what limited
the whole bot (each call waits for Telegram's answer, then the database's); the rate limiter
still spaces them to Telegram's limits. A worker killed while sending can repeat at most
this many messages (each sent, not yet recorded)."""
MAX_ATTEMPTS = 12
POLL_SECONDS = 0.5
STANDBY_SECONDS = 2.0
"""How often a worker that does not send checks whether the sender is gone."""
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

Report = Callable[[Queued, str], Awaitable[None]]
"""Told of an item that can never be delivered: ("blocked" | "refused")."""


def keyboard(rows: Rows) -> InlineKeyboardMarkup | None:
    """The inline keyboard of rows of buttons, if any."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.action) for b in row] for row in rows]
    )


def _seconds(value: Any) -> float:
    return float(value.total_seconds()) if hasattr(value, "total_seconds") else float(value)


async def _no_report(_item: Queued, _why: str) -> None:
    return None


class Unsendable(Exception):
    """An item that cannot be sent at all (its card is gone)."""


async def call_for(bot: Bot, chat_id: int, notice: Notice, card_message_id: int | None) -> Any:
    """Make the Bot API call a notice for one chat stands for; its result."""
    match notice:
        case Say(text, buttons, protect):
            return await bot.send_message(
                chat_id,
                text,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(buttons),
                link_preview_options=NO_PREVIEW,
                protect_content=protect or None,
            )
        case Copy(from_chat_id, message_id, caption, protect):
            return await bot.copy_message(
                chat_id,
                from_chat_id,
                message_id,
                caption=caption,
                parse_mode=ParseMode.HTML if caption is not None else None,
                protect_content=protect or None,
            )
        case EditCard(text):
            if card_message_id is None:
                raise Unsendable("the card was never posted")
            return await bot.edit_message_text(
                text, chat_id, card_message_id, parse_mode=ParseMode.HTML
            )
        case Delete(message_id):
            return await bot.delete_message(chat_id, message_id)


class OutboxSender(BackgroundLoop):
    """A background task that makes the calls written to the outbox, each as far as possible
    exactly once: an item is marked sent in the same transaction that records what it became."""

    name = "outbox"

    def __init__(
        self,
        bot: Bot,
        repo: CaseRepository,
        report: Report = _no_report,
        leadership: Leadership | None = None,
    ) -> None:
        super().__init__()
        self.bot = bot
        self.repo = repo
        self.report = report
        self.leadership = leadership
        """With many workers, only the leader sends (one sender keeps each chat's order and
        Telegram's limits for the whole bot); None: this process is the only one."""

    async def _run(self) -> None:
        try:
            await self._send_while_running()
        finally:
            if self.leadership is not None:
                await self.leadership.release()
            metrics.SENDING.set(0)

    async def _send_while_running(self) -> None:
        while not self.stopping:
            self._wake.clear()
            if self.leadership is not None and not await self.leadership.lead():
                metrics.SENDING.set(0)
                await self._sleep(STANDBY_SECONDS)
                continue
            metrics.SENDING.set(1)
            try:
                sent = await self.flush()
            except StorageFailure as exc:
                log.warning("outbox: storage unavailable (%s)", type(exc).__name__)
                sent = 0
            if not sent:
                await self._sleep(POLL_SECONDS)

    async def flush(self) -> int:
        """Send the first due item of every chat, again and again until none is due; a chat
        whose first item must wait (429, backoff) does not hold up the others. Different
        chats' items go SEND_AT_ONCE at a time (each chat's one after another)."""
        done = 0
        while True:
            now = utcnow()
            due = [i for i in await self.repo.outbox_heads() if i.next_attempt_at <= now]
            if not due:
                return done
            progressed = 0
            for start in range(0, len(due), SEND_AT_ONCE):
                if self.stopping:
                    return done
                batch = due[start : start + SEND_AT_ONCE]
                progressed += sum(await asyncio.gather(*(self._send(i) for i in batch)))
            done += progressed
            if not progressed:
                return done

    async def _send(self, item: Queued) -> bool:
        """Make one call; True when the item is finished (sent or given up)."""
        card = None
        if isinstance(item.notice, EditCard):
            card = await self.repo.card_message_id(item.case_id)
        try:
            result = await call_for(self.bot, item.chat_id, item.notice, card)
        except Unsendable:
            await self.repo.outbox_done(item.id, OutboxStatus.FAILED)
            return True
        except RetryAfter as exc:
            wait = _seconds(exc.retry_after)
            await self.repo.outbox_retry(
                item.id, utcnow() + dt.timedelta(seconds=wait), failed=False
            )
            metrics.TOO_MANY.inc()
            log.info("outbox: 429 for one chat, it waits %.1f s", wait)
            return False
        except Forbidden:
            await self._forbidden(item)
            return True
        except BadRequest as exc:
            kind = type(item.notice).__name__
            log.warning("outbox: a %s was refused (%s)", kind, type(exc).__name__)
            await self.repo.outbox_done(item.id, OutboxStatus.FAILED)
            await self.report(item, "refused")
            return True
        except (TimedOut, NetworkError) as exc:
            if item.attempts + 1 >= MAX_ATTEMPTS:
                log.error("outbox: an item failed after %d attempts", MAX_ATTEMPTS)
                await self.repo.outbox_done(item.id, OutboxStatus.FAILED)
                await self.report(item, "refused")
                return True
            backoff = min(30.0, 0.5 * 2**item.attempts)
            await self.repo.outbox_retry(item.id, utcnow() + dt.timedelta(seconds=backoff))
            log.info("outbox: %s, retrying in %.1f s", type(exc).__name__, backoff)
            return False
        message_id = getattr(result, "message_id", None)
        await self.repo.mark_sent(item, message_id)
        metrics.SENT.inc()
        return True

    async def _forbidden(self, item: Queued) -> None:
        relay = item.relay
        if relay in TO_COUNSELLOR:
            # A counsellor who has not started the bot: keep it for when they do.
            log.info("outbox: a counsellor cannot be reached in private yet")
            await self.repo.counsellor_unreachable(item.chat_id)
            return
        log.info("outbox: the recipient has blocked the bot")
        await self.repo.outbox_done(item.id, OutboxStatus.FAILED)
        if relay in TO_PERSON:
            await self.report(item, "blocked")
