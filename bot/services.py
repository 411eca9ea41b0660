"""What a running bot holds: the brain (content + models), storage and privacy settings."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.brain import Brain
from bot.db.errors import StorageError
from bot.db.repository import Repository
from bot.domain.cases import Reason
from bot.domain.dialogue import (
    AdvertChecked,
    FaqMiss,
    Feedback,
    HandoffEvent,
    Outcome,
    SetLanguage,
    SetState,
    ShareMiss,
)
from bot.domain.dialogue_types import Reply
from bot.domain.language import ui_language
from bot.handoff import Handoff
from bot.offload import CpuWorker
from bot.privacy import pseudonym
from bot.web.fetch import FetchedPage, fetch_page

log = logging.getLogger(__name__)
STORAGE_ERRORS = (StorageError,)
REMEMBERED_USERS = 10_000
SHARE_WINDOW_SECONDS = 600
"""How long an unanswered question is held in memory in case the user chooses to share it."""


@dataclass
class Services:
    """Shared by every handler; the brain can be swapped when content is reloaded."""

    brain: Brain
    repository: Repository
    pseudonym_key: bytes
    retention_days: int
    handoff: Handoff | None = None
    fetch_link: Callable[[str], Awaitable[FetchedPage]] = fetch_page
    """How a link in a message is fetched (a port: tests plug in their own)."""
    cpu: CpuWorker = field(default_factory=CpuWorker)
    """Where the engine's CPU-heavy work runs, off the event loop."""
    remembered: OrderedDict[str, tuple[str | None, str | None]] = field(default_factory=OrderedDict)
    """The last known (language, state) of recent users, in memory only: with storage down, a
    mode (e.g. "paste the advert now") and the language are not silently lost."""
    pending_misses: dict[str, tuple[float, int, str]] = field(default_factory=dict)
    pending_adverts: dict[str, tuple[float, dict[str, Any]]] = field(default_factory=dict)

    def pseudonym(self, telegram_id: int) -> str:
        """The stored identifier of a Telegram user."""
        return pseudonym(self.pseudonym_key, telegram_id)

    async def language(self, user_key: str) -> str | None:
        """The user's saved language; None when unknown or storage is down."""
        return (await self.user_state(user_key))[0]

    async def user_state(self, user_key: str) -> tuple[str | None, str | None]:
        """(language, conversation state); (None, None) when unknown or storage is down."""
        try:
            known = await self.repository.state(user_key)
        except STORAGE_ERRORS as exc:
            log.warning("storage unavailable reading the user (%s)", type(exc).__name__)
            return self.remembered.get(user_key, (None, None))
        self._remember(user_key, *known)
        return known

    def _remember(self, user_key: str, lang: str | None, state: str | None) -> None:
        self.remembered[user_key] = (lang, state)
        self.remembered.move_to_end(user_key)
        while len(self.remembered) > REMEMBERED_USERS:
            self.remembered.popitem(last=False)

    async def store(
        self, user_key: str, outcome: Outcome, lang: str | None = None, chat_id: int | None = None
    ) -> list[Reply]:
        """Store the events of an outcome; returns follow-up replies. Storage failures never
        stop the reply."""
        follow_up: list[Reply] = []
        now = time.monotonic()
        self._expire_pending(now)
        for event in outcome.events:
            if isinstance(event, SetLanguage | SetState):  # first in memory, whatever storage does
                lang_now, state_now = self.remembered.get(user_key, (lang, None))
                if isinstance(event, SetLanguage):
                    self._remember(user_key, event.lang, state_now)
                else:
                    self._remember(user_key, lang_now, event.state)
            try:
                if isinstance(event, SetLanguage):
                    await self.repository.set_language(user_key, event.lang)
                elif isinstance(event, Feedback):
                    await self.repository.add_feedback(
                        user_key, event.topic, event.helpful, event.lang
                    )
                elif isinstance(event, FaqMiss):
                    miss_id = await self.repository.add_miss(None, event.lang, event.nearest)
                    self.pending_misses[user_key] = (now, miss_id, event.question)
                elif isinstance(event, ShareMiss):
                    held = self.pending_misses.pop(user_key, None)
                    if held is None:
                        follow_up.append(self.brain.dialogue.note(lang, "faq.share_expired"))
                    else:
                        await self.repository.share_miss(held[1], held[2])
                        follow_up.append(self.brain.dialogue.note(lang, "faq.shared"))
                elif isinstance(event, SetState):
                    await self.repository.set_state(user_key, event.state)
                elif isinstance(event, HandoffEvent):
                    follow_up += await self._handoff(event, user_key, lang, chat_id)
                elif isinstance(event, AdvertChecked):
                    if event.flags:
                        self.pending_adverts[user_key] = (
                            now,
                            {
                                "level": event.level,
                                "text": event.text[:3500],
                                "flags": [
                                    {"id": f, "evidence": list(e)}
                                    for f, e in zip(event.flags, event.evidence, strict=False)
                                ],
                            },
                        )
                    await self.repository.add_advert_check(
                        event.lang, event.level, list(event.flags), event.source
                    )
            except STORAGE_ERRORS as exc:
                log.warning(
                    "storage unavailable storing %s (%s)", type(event).__name__, type(exc).__name__
                )
                if isinstance(event, HandoffEvent) and event.step == "forget":
                    follow_up.append(self.brain.dialogue.note(lang, "handoff.forget_failed"))
        return follow_up

    async def purge_old(self) -> None:
        """Apply the retention limits (case messages, outbox, inbox, sent-message ids)."""
        try:
            if self.handoff is not None:
                await self.handoff.repo.purge(dt.timedelta(days=self.retention_days))
            await self.repository.purge_inbox(dt.timedelta(days=7))
        except STORAGE_ERRORS as exc:
            log.warning("retention purge failed (%s)", type(exc).__name__)

    def _expire_pending(self, now: float) -> None:
        for key in [k for k, v in self.pending_misses.items() if now - v[0] > SHARE_WINDOW_SECONDS]:
            del self.pending_misses[key]
        for key in [
            k for k, v in self.pending_adverts.items() if now - v[0] > SHARE_WINDOW_SECONDS
        ]:
            del self.pending_adverts[key]

    async def _handoff(
        self, event: HandoffEvent, user_key: str, lang: str | None, chat_id: int | None
    ) -> list[Reply]:
        dialogue = self.brain.dialogue
        ui = ui_language(lang)
        handoff = self.handoff
        if event.step == "forget":
            deleted = await handoff.forget(user_key, chat_id or 0) if handoff and chat_id else 0
            await self.repository.forget(user_key)
            self.pending_misses.pop(user_key, None)
            self.pending_adverts.pop(user_key, None)
            self.remembered.pop(user_key, None)
            return [dialogue.note(ui, "handoff.forget_done", deleted=deleted)]
        if handoff is None or not handoff.enabled or chat_id is None:
            if event.step == "request":
                return dialogue.counsellor_unavailable(ui).replies
            return [dialogue.menu(ui)]
        if event.step == "request":
            advert = None
            if event.reason is Reason.RISKY_ADVERT and user_key in self.pending_adverts:
                advert = self.pending_adverts[user_key][1]
            reason = event.reason or Reason.USER_ASKED
            return await handoff.request(user_key, chat_id, ui, reason, advert)
        if event.step == "agree":
            self.pending_adverts.pop(user_key, None)
            return await handoff.agree(user_key, ui, dialogue.hotlines(ui))
        if event.step == "decline":
            return await handoff.decline(user_key, ui, dialogue.hotlines(ui))
        if event.step == "end":
            return await handoff.end(user_key, ui) or [dialogue.menu(ui)]
        if event.step == "useful" and event.case_id is not None:
            return await handoff.useful(event.case_id, event.yes, ui, user_key)
        return []
