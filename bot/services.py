"""What a running bot holds: the brain (content + models), storage and privacy settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass

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
)
from bot.privacy import pseudonym

log = logging.getLogger(__name__)
STORAGE_ERRORS = (SQLAlchemyError, OSError)


@dataclass
class Services:
    """Shared by every handler; the brain can be swapped when content is reloaded."""

    brain: Brain
    repository: Repository
    pseudonym_key: bytes
    retention_days: int

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

    async def store(self, user_key: str, outcome: Outcome) -> None:
        """Store the events of an outcome; a storage failure never stops the reply."""
        for event in outcome.events:
            try:
                if isinstance(event, SetLanguage):
                    await self.repository.set_language(user_key, event.lang)
                elif isinstance(event, Feedback):
                    await self.repository.add_feedback(
                        user_key, event.topic, event.helpful, event.lang
                    )
                elif isinstance(event, FaqMiss):
                    await self.repository.add_miss(None, event.lang, event.nearest)
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
