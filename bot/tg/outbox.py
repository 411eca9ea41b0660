"""Sends the outbox: in order per chat, each chat on its own.

One policy for every message the bot sends: a 429 delays only the chat that hit it (by its
`retry_after`), 5xx and timeouts back off, a 403 or another 4xx is final and reported to
whoever was writing. python-telegram-bot's rate limiter only spaces calls out; it never
sleeps on a 429 itself.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.db.cases_repo import CaseRepository
from bot.db.errors import StorageError
from bot.db.models import OutboxItem, OutboxStatus, Relay, utcnow
from bot.tg.background import BackgroundLoop

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 12
METHODS = {
    "sendMessage": "send_message",
    "copyMessage": "copy_message",
    "editMessageText": "edit_message_text",
    "deleteMessage": "delete_message",
}
POLL_SECONDS = 0.5
TO_COUNSELLOR = frozenset({Relay.TO_COUNSELLOR, Relay.NOTICE_COUNSELLOR, Relay.STAFF_REPLY})
TO_PERSON = frozenset({Relay.TO_USER, Relay.NOTICE_USER, Relay.REPLY})

Report = Callable[[OutboxItem, str], Awaitable[None]]
"""Told of an item that can never be delivered: ("blocked" | "refused")."""


def _seconds(value: Any) -> float:
    return float(value.total_seconds()) if hasattr(value, "total_seconds") else float(value)


async def _no_report(_item: OutboxItem, _why: str) -> None:
    return None


class OutboxSender(BackgroundLoop):
    """A background task that makes the calls written to the outbox, each as far as possible
    exactly once: an item is marked sent in the same transaction that records what it became."""

    name = "outbox"

    def __init__(self, bot: Bot, repo: CaseRepository, report: Report = _no_report) -> None:
        super().__init__()
        self.bot = bot
        self.repo = repo
        self.report = report

    async def _run(self) -> None:
        while not self.stopping:
            self._wake.clear()
            try:
                sent = await self.flush()
            except StorageError as exc:
                log.warning("outbox: storage unavailable (%s)", type(exc).__name__)
                sent = 0
            if not sent:
                await self._sleep(POLL_SECONDS)

    async def flush(self) -> int:
        """Send the first due item of every chat, again and again until none is due; a chat
        whose first item must wait (429, backoff) does not hold up the others."""
        done = 0
        while True:
            now = utcnow()
            due = [i for i in await self.repo.outbox_heads() if i.next_attempt_at <= now]
            if not due:
                return done
            progressed = 0
            for item in due:
                if self.stopping:
                    return done
                if await self._send(item):
                    progressed += 1
            done += progressed
            if not progressed:
                return done

    async def _send(self, item: OutboxItem) -> bool:
        """Make one call; True when the item is finished (sent or given up)."""
        params: dict[str, Any] = json.loads(item.payload)
        params["chat_id"] = item.chat_id
        if "reply_markup" in params:
            params["reply_markup"] = InlineKeyboardMarkup.de_json(params["reply_markup"], self.bot)
        if "link_preview_options" in params:
            params["link_preview_options"] = LinkPreviewOptions(**params["link_preview_options"])
        if item.method == "editMessageText" and params.get("message_id") is None:
            params["message_id"] = await self.repo.card_message_id(item.case_id)
            if params["message_id"] is None:
                await self.repo.outbox_done(item.id, OutboxStatus.FAILED)
                return True
        call = getattr(self.bot, METHODS.get(item.method, ""), None)
        if call is None:
            log.error("outbox: an item has an unknown method")
            await self.repo.outbox_done(item.id, OutboxStatus.FAILED)
            return True
        try:
            result = await call(**params)
        except RetryAfter as exc:
            wait = _seconds(exc.retry_after)
            await self.repo.outbox_retry(
                item.id, utcnow() + dt.timedelta(seconds=wait), failed=False
            )
            log.info("outbox: 429 for one chat, it waits %.1f s", wait)
            return False
        except Forbidden:
            await self._forbidden(item)
            return True
        except BadRequest as exc:
            log.warning("outbox: a %s was refused (%s)", item.method, type(exc).__name__)
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
        return True

    async def _forbidden(self, item: OutboxItem) -> None:
        relay = Relay(item.relay) if item.relay else None
        if relay in TO_COUNSELLOR:
            # A counsellor who has not started the bot: keep it for when they do.
            log.info("outbox: a counsellor cannot be reached in private yet")
            await self.repo.counsellor_unreachable(item.chat_id)
            return
        log.info("outbox: the recipient has blocked the bot")
        await self.repo.outbox_done(item.id, OutboxStatus.FAILED)
        if relay in TO_PERSON:
            await self.report(item, "blocked")
