"""Durable intake: an update is committed to the inbox before Telegram is told it arrived, and
handling reads from the inbox, so a crash at any moment loses nothing.

Telegram forgets an update once a later `getUpdates` asks for an offset past it (or, with a
webhook, once the POST is answered 200). `Intake.receive` is the one place that commits; the
poller moves the offset only after it returns, and a webhook would answer only after it returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError

from bot.db.errors import StorageError
from bot.db.models import InboxStatus
from bot.db.repository import Repository
from bot.logsafe import described
from bot.tg.background import BackgroundLoop

log = logging.getLogger(__name__)
STORAGE_ERRORS = (StorageError,)
MAX_ATTEMPTS = 3
"""An update that was being handled when the bot died this many times is given up."""

Handle = Callable[[Update], Awaitable[None]]


class Intake:
    """Receives updates from Telegram (polling or webhook) and commits them to the inbox."""

    def __init__(self, repository: Repository, on_recorded: Callable[[], None]) -> None:
        self.repository = repository
        self._on_recorded = on_recorded
        self.unrecorded: asyncio.Queue[Update] = asyncio.Queue()

    async def receive(self, updates: list[Update]) -> None:
        """Commit the updates; return only when Telegram may forget them.

        With the database down they cannot be made durable: they are handed to the
        dispatcher in memory (logged), so people still get an answer.
        """
        if not updates:
            return
        updates = [_cleaned(u) for u in updates]
        try:
            await self.repository.record_updates([(u.update_id, u.to_json()) for u in updates])
        except STORAGE_ERRORS as exc:
            log.warning(
                "inbox unavailable (%s): %d updates handled without a record",
                type(exc).__name__,
                len(updates),
            )
            for update in updates:
                self.unrecorded.put_nowait(update)
        self._on_recorded()


class Poller:
    """Long polling that confirms a batch only after the intake has committed it."""

    def __init__(self, bot: Bot, intake: Intake, timeout: int, allowed_updates: list[str]) -> None:
        self.bot = bot
        self.intake = intake
        self.timeout = timeout
        self.allowed_updates = allowed_updates
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Poll in the background."""
        self._task = asyncio.create_task(self._run(), name="poller")

    async def stop(self) -> None:
        """Stop polling; what was received and not committed is delivered again next time."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        offset: int | None = None  # after a restart Telegram resends what was not confirmed
        backoff = 0.5
        while True:
            try:
                updates = await self.bot.get_updates(
                    offset=offset,
                    timeout=self.timeout,
                    allowed_updates=self.allowed_updates,
                    read_timeout=self.timeout + 10,
                )
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc.retry_after))
                continue
            except (InvalidToken, Conflict) as exc:
                log.error("polling stopped: %s", type(exc).__name__)
                raise
            except (NetworkError, TelegramError) as exc:
                log.warning(
                    "getUpdates failed (%s); retrying in %.1f s", type(exc).__name__, backoff
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            backoff = 0.5
            if not updates:
                continue
            await self.intake.receive(list(updates))
            offset = max(u.update_id for u in updates) + 1


class Dispatcher(BackgroundLoop):
    """Handles what the inbox holds: each chat's updates one at a time and in order, different
    chats at the same time (so one slow link delays only its own chat); each update once,
    marked handled after."""

    name = "dispatcher"

    def __init__(self, bot: Bot, intake: Intake, handle: Handle, chats_at_once: int = 16) -> None:
        super().__init__()
        self.bot = bot
        self.intake = intake
        self.repository = intake.repository
        self._handle = handle
        self._slots = asyncio.Semaphore(chats_at_once)
        self._queues: dict[int, list[tuple[int | None, Update]]] = {}
        self._lanes: dict[int, asyncio.Task[None]] = {}
        self._cursor: int | None = None  # the newest update id already queued
        self.handled = 0

    async def _run(self) -> None:
        try:
            while not self.stopping:
                self._wake.clear()
                try:
                    queued = await self._take_pending()
                except STORAGE_ERRORS as exc:
                    log.warning("inbox unavailable (%s)", type(exc).__name__)
                    queued = 0
                while not self.intake.unrecorded.empty():
                    self._queue(None, self.intake.unrecorded.get_nowait())
                    queued += 1
                if not queued:
                    await self._sleep(1.0)
            await asyncio.gather(*self._lanes.values(), return_exceptions=True)
        finally:
            for lane in self._lanes.values():
                lane.cancel()

    async def _take_pending(self) -> int:
        """Queue the updates recorded since the last look, each in its chat's lane."""
        queued = 0
        while batch := await self.repository.pending_updates(after=self._cursor):
            for update_id, payload in batch:
                self._cursor = update_id
                update = _decode(payload, self.bot)
                if update is None:
                    await self.repository.finish_update(update_id, InboxStatus.FAILED)
                    continue
                self._queue(update_id, update)
                queued += 1
        return queued

    def _queue(self, update_id: int | None, update: Update) -> None:
        key = _chat_of(update)
        self._queues.setdefault(key, []).append((update_id, update))
        if key not in self._lanes:
            self._lanes[key] = asyncio.create_task(self._lane(key), name="chat-lane")

    async def _lane(self, key: int) -> None:
        queue = self._queues[key]
        try:
            while queue and not self.stopping:
                update_id, update = queue.pop(0)
                async with self._slots:
                    await self._one(update_id, update)
        finally:
            del self._lanes[key]
            if not queue:
                del self._queues[key]

    async def _one(self, update_id: int | None, update: Update) -> None:
        if update_id is None:  # the inbox was down when it came: handled from memory
            await self._safely(update)
            return
        try:
            if not await self.repository.claim_pending(update_id, MAX_ATTEMPTS):
                log.error("an update was given up after %d attempts", MAX_ATTEMPTS)
                await self.repository.finish_update(update_id, InboxStatus.FAILED)
                return
        except STORAGE_ERRORS as exc:
            log.warning("inbox unavailable (%s); handling anyway", type(exc).__name__)
        await self._safely(update)
        try:
            await self.repository.finish_update(update_id)
        except STORAGE_ERRORS as exc:
            log.warning("could not mark an update handled (%s)", type(exc).__name__)

    async def _safely(self, update: Update) -> None:
        try:
            await self._handle(update)
        except Exception as exc:  # a handler's failure must not stop the intake
            log.error("update handling failed: %s", described(exc))
        self.handled += 1


def _chat_of(update: Update) -> int:
    """The chat whose updates must keep their order (the sender's, when there is no chat)."""
    if update.effective_chat is not None:
        return int(update.effective_chat.id)
    if update.effective_user is not None:
        return int(update.effective_user.id)
    return 0


SURROGATE = re.compile("[\ud800-\udfff]")
"""A lone surrogate: Telegram's JSON may carry one as an escape; nothing downstream can encode
it (the database, spaCy, a reply), so it becomes U+FFFD as the update comes in."""


def _without_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {k: _without_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_surrogates(v) for v in value]
    return value


def _cleaned(update: Update) -> Update:
    """The update with every lone surrogate in its texts replaced (one rule, at the door)."""
    data = update.to_dict()
    clean = _without_surrogates(data)
    if clean == data:
        return update
    return Update.de_json(clean, update.get_bot())


def _decode(payload: str, bot: Bot) -> Update | None:
    try:
        data: dict[str, Any] = json.loads(payload)
        return Update.de_json(data, bot)
    except (ValueError, TypeError, KeyError) as exc:
        log.error("a stored update could not be read (%s)", type(exc).__name__)
        return None


def _seconds(value: Any) -> float:
    return float(value.total_seconds()) if hasattr(value, "total_seconds") else float(value)
