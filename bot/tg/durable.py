"""An Application that records every update before handling it, and replays after a crash."""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.ext import Application

from bot.db.repository import Repository

log = logging.getLogger(__name__)


class DurableApplication(Application):  # type: ignore[type-arg]
    """Handles each update at most once, and every recorded update at least once.

    The update is written to the inbox (unique `update_id`) before any handler runs. A
    duplicate delivery is dropped. After the handlers, the stored copy is erased. An update
    left pending by a crash is replayed by `replay_pending` on the next start.
    """

    repository: Repository | None = None

    async def process_update(self, update: object) -> None:
        """Record, handle, then mark handled; drop duplicates."""
        if not isinstance(update, Update) or self.repository is None:
            await super().process_update(update)
            return
        try:
            fresh = await self.repository.record_update(update.update_id, update.to_json())
        except (SQLAlchemyError, OSError) as exc:
            log.warning(
                "inbox unavailable (%s); handling update without a record", type(exc).__name__
            )
            await super().process_update(update)
            return
        if not fresh:
            log.info("duplicate update dropped")
            return
        await self._handle_and_finish(update)

    async def _handle_and_finish(self, update: Update) -> None:
        assert self.repository is not None
        try:
            await super().process_update(update)
            sender = self.bot_data.get("outbox")
            if sender is not None:
                sender.wake()
        finally:
            try:
                await self.repository.finish_update(update.update_id)
            except (SQLAlchemyError, OSError) as exc:
                log.warning("could not mark update handled (%s)", type(exc).__name__)

    async def replay_pending(self) -> int:
        """Handle updates recorded before a crash but never finished; returns how many."""
        if self.repository is None:
            return 0
        replayed = 0
        for update_id, payload in await self.repository.pending_updates():
            if not await self.repository.claim_pending(update_id):
                await self.repository.finish_update(update_id, status="failed")
                continue
            data: dict[str, Any] = json.loads(payload)
            update = Update.de_json(data, self.bot)
            if update is None:
                await self.repository.finish_update(update_id, status="failed")
                continue
            await self._handle_and_finish(update)
            replayed += 1
        if replayed:
            log.info("replayed %d updates left pending by a previous run", replayed)
        return replayed
