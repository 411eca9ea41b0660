"""What a running bot holds: the brain (content + models), storage and privacy settings."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from sqlalchemy.exc import SQLAlchemyError

from bot.brain import Brain
from bot.db.repository import Repository
from bot.domain.dialogue import (
    AdvertChecked,
    FaqMiss,
    Feedback,
    Outcome,
    SetLanguage,
    SetState,
    ShareMiss,
)
from bot.domain.dialogue_types import Reply
from bot.privacy import pseudonym

log = logging.getLogger(__name__)
STORAGE_ERRORS = (SQLAlchemyError, OSError)
SHARE_WINDOW_SECONDS = 600
"""How long an unanswered question is held in memory in case the user chooses to share it."""


@dataclass
class Services:
    """Shared by every handler; the brain can be swapped when content is reloaded."""

    brain: Brain
    repository: Repository
    pseudonym_key: bytes
    retention_days: int
    pending_misses: dict[str, tuple[float, int, str]] = field(default_factory=dict)

    def pseudonym(self, telegram_id: int) -> str:
        """The stored identifier of a Telegram user."""
        return pseudonym(self.pseudonym_key, telegram_id)

    async def language(self, user_key: str) -> str | None:
        """The user's saved language; None when unknown or storage is down."""
        return (await self.user_state(user_key))[0]

    async def user_state(self, user_key: str) -> tuple[str | None, str | None]:
        """(language, conversation state); (None, None) when unknown or storage is down."""
        try:
            return await self.repository.state(user_key)
        except STORAGE_ERRORS as exc:
            log.warning("storage unavailable reading the user (%s)", type(exc).__name__)
            return None, None

    async def store(self, user_key: str, outcome: Outcome, lang: str | None = None) -> list[Reply]:
        """Store the events of an outcome; returns follow-up replies. Storage failures never
        stop the reply."""
        follow_up: list[Reply] = []
        now = time.monotonic()
        for key, (held_at, _, _) in list(self.pending_misses.items()):
            if now - held_at > SHARE_WINDOW_SECONDS:
                del self.pending_misses[key]
        for event in outcome.events:
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
                elif isinstance(event, AdvertChecked):
                    await self.repository.add_advert_check(
                        event.lang, event.level, list(event.flags), event.source
                    )
            except STORAGE_ERRORS as exc:
                log.warning(
                    "storage unavailable storing %s (%s)", type(event).__name__, type(exc).__name__
                )
        return follow_up
