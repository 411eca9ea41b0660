"""Durable intake: an update is committed to the inbox before Telegram is told it arrived, and
handling reads from the inbox, so a crash at any moment loses nothing.

Telegram forgets an update once a later `getUpdates` asks for an offset past it (or, with a
webhook, once the POST is answered 200). `Intake.receive` is the one place that commits; the
poller moves the offset only after it returns, and a webhook would answer only after it returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError

from bot.db.errors import StorageError
from bot.db.models import InboxStatus
from bot.db.repository import Claimed, Incoming, Repository
from bot.logsafe import described
from bot.tg import metrics
from bot.tg.background import BackgroundLoop

log = logging.getLogger(__name__)
STORAGE_ERRORS = (StorageError,)
MAX_ATTEMPTS = 5
"""An update that was being handled when the bot died this many times is given up. Every
update in hand counts a death, not only the one that caused it, so the limit leaves room for
workers restarted often (the load test kills one every few seconds and gives up none)."""
LEASE = dt.timedelta(seconds=15)
"""How long a claimed update stays with its worker without a heartbeat (a dead worker's
updates wait this long before another takes them)."""
IDLE_POLL_SECONDS = 1.0
"""How often an idle worker looks for updates it was not woken for."""

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
        updates = [cleaned(u) for u in updates]
        try:
            await self.repository.record_updates(
                [Incoming(u.update_id, u.to_json(), chat_of(u)) for u in updates]
            )
        except STORAGE_ERRORS as exc:
            log.warning(
                "inbox unavailable (%s): %d updates handled without a record",
                type(exc).__name__,
                len(updates),
            )
            for update in updates:
                self.unrecorded.put_nowait(update)
        else:
            metrics.RECEIVED.labels("polling").inc(len(updates))
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
    """Handles what the inbox holds, as one of any number of workers: it claims the oldest
    pending update of chats no other worker holds, handles each chat's updates one at a time
    and in order and different chats at the same time (so one slow link delays only its own
    chat), each update once, marked handled after. A claim is a lease, renewed while the
    update is in hand: when a worker dies, another takes its updates over once it runs out."""

    name = "dispatcher"

    def __init__(
        self,
        bot: Bot,
        intake: Intake,
        handle: Handle,
        chats_at_once: int = 16,
        lease: dt.timedelta = LEASE,
        idle_poll: float = IDLE_POLL_SECONDS,
        worker: str | None = None,
    ) -> None:
        super().__init__()
        self.bot = bot
        self.intake = intake
        self.repository = intake.repository
        self._handle = handle
        self.chats_at_once = chats_at_once
        self.lease = lease
        self.idle_poll = idle_poll
        self.worker = worker
        """This worker's name (None: the embedded bot, the only worker)."""
        self._in_hand: dict[int, asyncio.Task[None]] = {}
        self._memory_queues: dict[int, list[Update]] = {}
        self._memory_lanes: dict[int, asyncio.Task[None]] = {}
        self.handled = 0

    async def _run(self) -> None:
        try:
            await self.repository.release_leases(self.worker)
        except STORAGE_ERRORS as exc:
            log.warning("inbox unavailable (%s)", type(exc).__name__)
        heartbeat = asyncio.create_task(self._heartbeat(), name="inbox-heartbeat")
        try:
            while not self.stopping:
                self._wake.clear()
                started = await self._claim()
                while not self.intake.unrecorded.empty():
                    self._queue_in_memory(self.intake.unrecorded.get_nowait())
                    started += 1
                if not started:
                    await self._wait_for_work()
            await asyncio.gather(
                *self._in_hand.values(), *self._memory_lanes.values(), return_exceptions=True
            )
        finally:
            heartbeat.cancel()
            for task in [*self._in_hand.values(), *self._memory_lanes.values()]:
                task.cancel()

    async def _wait_for_work(self) -> None:
        """Wait until woken (an update recorded, one finished) or the idle poll is due; a
        wake that came while claiming is kept, not cleared."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self.idle_poll)

    async def _claim(self) -> int:
        """Claim what the free slots can take; how many updates were started."""
        free = self.chats_at_once - len(self._in_hand)
        if free <= 0:
            return 0
        try:
            claimed = await self.repository.claim_updates(free, self.lease, self.worker or "main")
        except STORAGE_ERRORS as exc:
            log.warning("inbox unavailable (%s)", type(exc).__name__)
            return 0
        for item in claimed:
            self._in_hand[item.update_id] = asyncio.create_task(self._one(item), name="update")
        return len(claimed)

    async def _heartbeat(self) -> None:
        """Renew the leases of the updates in hand, so a slow one is not taken over."""
        every = self.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(every)
            try:
                await self.repository.renew_leases(list(self._in_hand), self.lease)
            except STORAGE_ERRORS as exc:
                log.warning("inbox leases not renewed (%s)", type(exc).__name__)

    async def _one(self, item: Claimed) -> None:
        try:
            if item.attempts > MAX_ATTEMPTS:
                log.error("an update was given up after %d attempts", MAX_ATTEMPTS)
                metrics.HANDLED.labels("given_up").inc()
                await self._finish(item.update_id, InboxStatus.FAILED)
                return
            update = _decode(item.payload, self.bot)
            if update is None:
                await self._finish(item.update_id, InboxStatus.FAILED)
                return
            began = time.perf_counter()
            await self._safely(update)
            await self._finish(item.update_id, InboxStatus.DONE)
            metrics.HANDLING_SECONDS.observe(time.perf_counter() - began)
        finally:
            self._in_hand.pop(item.update_id, None)
            self.wake()  # the chat's next update may go now

    async def _finish(self, update_id: int, status: InboxStatus) -> None:
        try:
            await self.repository.finish_update(update_id, status)
        except STORAGE_ERRORS as exc:
            log.warning("could not mark an update handled (%s)", type(exc).__name__)

    def _queue_in_memory(self, update: Update) -> None:
        """An update the inbox could not record: handled from memory, in its chat's order."""
        key = chat_of(update)
        self._memory_queues.setdefault(key, []).append(update)
        if key not in self._memory_lanes:
            self._memory_lanes[key] = asyncio.create_task(self._memory_lane(key), name="lane")

    async def _memory_lane(self, key: int) -> None:
        queue = self._memory_queues[key]
        try:
            while queue and not self.stopping:
                await self._safely(queue.pop(0))
        finally:
            del self._memory_lanes[key]
            if not queue:
                del self._memory_queues[key]

    async def _safely(self, update: Update) -> None:
        try:
            await self._handle(update)
            metrics.HANDLED.labels("handled").inc()
        except Exception as exc:  # a handler's failure must not stop the intake
            log.error("update handling failed: %s", described(exc))
            metrics.HANDLED.labels("failed").inc()
        self.handled += 1


def chat_of(update: Update) -> int:
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


def cleaned(update: Update) -> Update:
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
