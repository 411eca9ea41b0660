"""Sends the outbox: in order per chat, waiting out 429s, backing off on 5xx and timeouts."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.db.cases_repo import CaseRepository
from bot.db.models import OutboxItem, utcnow

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 12
METHODS = {
    "sendMessage": "send_message",
    "copyMessage": "copy_message",
    "editMessageText": "edit_message_text",
    "deleteMessage": "delete_message",
}
POLL_SECONDS = 0.3


def _seconds(value: Any) -> float:
    return float(value.total_seconds()) if hasattr(value, "total_seconds") else float(value)


class OutboxSender:
    """A background task that makes the calls written to the outbox, each as far as possible
    exactly once: an item is marked sent right after Telegram confirms it."""

    def __init__(self, bot: Bot, repo: CaseRepository) -> None:
        self.bot = bot
        self.repo = repo
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Something was enqueued: send it now rather than at the next poll."""
        self._wake.set()

    def start(self) -> None:
        """Run in the background."""
        self._task = asyncio.create_task(self._run(), name="outbox")

    async def stop(self) -> None:
        """Stop after the call in flight."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                sent = await self.flush()
            except (SQLAlchemyError, OSError) as exc:
                log.warning("outbox: storage unavailable (%s)", type(exc).__name__)
                sent = 0
            if not sent:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)

    async def flush(self) -> int:
        """Send every due item, oldest first; a chat whose earlier item waits blocks the rest."""
        blocked: set[int] = set()
        sent = 0
        for item in await self.repo.pending_outbox():
            if item.chat_id in blocked:
                continue
            if item.next_attempt_at > utcnow():
                blocked.add(item.chat_id)
                continue
            if await self._send(item):
                sent += 1
            else:
                blocked.add(item.chat_id)
        return sent

    async def _send(self, item: OutboxItem) -> bool:
        params: dict[str, Any] = json.loads(item.payload)
        params["chat_id"] = item.chat_id
        if "reply_markup" in params:
            params["reply_markup"] = InlineKeyboardMarkup.de_json(params["reply_markup"], self.bot)
        call = getattr(self.bot, METHODS.get(item.method, ""), None)
        if call is None:
            log.error("outbox: item %d has an unknown method", item.id)
            await self.repo.outbox_done(item.id, "failed")
            return True
        try:
            result = await call(**params)
        except RetryAfter as exc:
            wait = _seconds(exc.retry_after)
            await self.repo.outbox_retry(item.id, utcnow() + dt.timedelta(seconds=wait))
            log.info("outbox: 429, waiting %.1f s", wait)
            return False
        except Forbidden:
            log.info("outbox: the recipient blocked the bot; item %d dropped", item.id)
            await self.repo.outbox_done(item.id, "failed")
            return True
        except BadRequest as exc:
            log.warning("outbox: item %d refused: %s", item.id, exc.message)
            await self.repo.outbox_done(item.id, "failed")
            return True
        except (TimedOut, NetworkError) as exc:
            if item.attempts + 1 >= MAX_ATTEMPTS:
                log.error("outbox: item %d failed after %d attempts", item.id, MAX_ATTEMPTS)
                await self.repo.outbox_done(item.id, "failed")
                return True
            backoff = min(30.0, 0.5 * 2**item.attempts)
            await self.repo.outbox_retry(item.id, utcnow() + dt.timedelta(seconds=backoff))
            log.info("outbox: %s, retrying in %.1f s", type(exc).__name__, backoff)
            return False
        message_id = getattr(result, "message_id", None)
        await self.repo.outbox_done(item.id, "sent", message_id)
        await self._after(item, message_id)
        return True

    async def _after(self, item: OutboxItem, message_id: int | None) -> None:
        """Remember what the sent message stands for."""
        if item.case_id is None or message_id is None:
            return
        if item.relay == "to_counsellor":
            await self.repo.add_relay(
                item.case_id, "to_counsellor", item.source_message_id, message_id
            )
        elif item.relay == "card":
            await self.repo.set_fields(item.case_id, group_message_id=message_id)
        elif item.relay in ("to_user", "notice_user"):
            if item.relay == "to_user":
                await self.repo.add_relay(
                    item.case_id, "to_user", message_id, item.source_message_id
                )
            record = await self.repo.get(item.case_id)
            if record is not None and record.user_pseudonym:
                await self.repo.remember_sent(record.user_pseudonym, [message_id])
