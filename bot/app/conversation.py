"""The person's conversation: what the engine decided is stored, and its hand-off steps done.

The engine (`domain.dialogue`) decides replies and events from a message; this use case keeps
what may be kept (language, state, counts without text), holds what the person may still share,
and carries out the hand-off steps. Storage failures never stop the reply.
"""

from __future__ import annotations

import logging

from bot.app.memory import Memory
from bot.app.person_handoff import PersonHandoff
from bot.app.ports import Clock, Engine, People, StorageFailure
from bot.app.privacy import Privacy
from bot.domain.cases import Reason, SharedAdvert, SharedFlag
from bot.domain.dialogue import (
    AdvertChecked,
    AskForHuman,
    ConsentGiven,
    EndHandoff,
    Event,
    FaqMiss,
    Feedback,
    ForgetMe,
    LanguageNoted,
    Outcome,
    RateHelp,
    SetLanguage,
    SetState,
    ShareMiss,
    ShowRiskDetails,
)
from bot.domain.dialogue_types import Reply
from bot.domain.language import ui_language
from bot.domain.states import current, noted_recently

log = logging.getLogger(__name__)
SHARED_ADVERT_CHARS = 3500
"""How much of a checked advert is held for a counsellor."""


def erases(outcome: Outcome) -> bool:
    """Whether an outcome erases the person (/forget confirmed)."""
    return any(isinstance(e, ForgetMe) for e in outcome.events)


class Conversation:
    """Stores the person's side of what the engine decided, and returns follow-up replies."""

    def __init__(
        self,
        people: People,
        engine: Engine,
        memory: Memory,
        handoff: PersonHandoff,
        privacy: Privacy,
        handoff_enabled: bool,
        clock: Clock,
    ) -> None:
        self.clock = clock
        self.people = people
        self.engine = engine
        self.memory = memory
        self.handoff = handoff
        self.privacy = privacy
        self.handoff_enabled = handoff_enabled

    async def user_state(self, user_key: str) -> tuple[str | None, str | None]:
        """(language, conversation state in force now: a stale wait for an advert reads as
        ended); from memory when storage is down."""
        try:
            standing = await self.people.state(user_key)
        except StorageFailure as exc:
            log.warning("storage unavailable reading the user (%s)", type(exc).__name__)
            return self.memory.recall(user_key)
        now = self.clock()
        self.memory.remember(user_key, standing.language, standing.state)
        self.memory.set_noted(user_key, noted_recently(standing.language_noted_at, now))
        return standing.language, current(standing.state, standing.state_since, now)

    async def language(self, user_key: str) -> str | None:
        """The person's saved language; None when unknown or storage is down."""
        return (await self.user_state(user_key))[0]

    async def record(
        self, user_key: str, outcome: Outcome, lang: str | None, chat_id: int
    ) -> list[Reply]:
        """Store the events of an outcome and do its hand-off steps; the follow-up replies."""
        follow_up: list[Reply] = []
        self.memory.expire()
        for event in outcome.events:
            if isinstance(event, SetState) and self._unchanged(user_key, event.state):
                continue  # leaving a mode one is not in writes nothing (and stores no one)
            self._remember(user_key, event, lang)
            try:
                follow_up += await self._apply(event, user_key, lang, chat_id)
            except StorageFailure as exc:
                log.warning(
                    "storage unavailable storing %s (%s)", type(event).__name__, type(exc).__name__
                )
                if isinstance(event, ForgetMe):
                    follow_up.append(self.engine().note(lang, "handoff.forget_failed"))
                elif isinstance(event, AskForHuman | ConsentGiven | EndHandoff | RateHelp):
                    # never silence, least of all for someone asking for a human: the phones
                    follow_up.append(self.engine().error(ui_language(lang), "errors.internal"))
        return follow_up

    def _unchanged(self, user_key: str, state: str | None) -> bool:
        """Whether the person's state, as last read, already is `state`."""
        return user_key in self.memory.known and self.memory.known[user_key][1] == state

    def _remember(self, user_key: str, event: Event, lang: str | None) -> None:
        """Language and state go to memory first, whatever storage does."""
        if isinstance(event, SetLanguage | SetState):
            known_lang, known_state = self.memory.known.get(user_key, (lang, None))
            if isinstance(event, SetLanguage):
                self.memory.remember(user_key, event.lang, known_state)
            else:
                self.memory.remember(user_key, known_lang, event.state)

    async def _apply(
        self, event: Event, user_key: str, lang: str | None, chat_id: int
    ) -> list[Reply]:
        engine = self.engine()
        ui = ui_language(lang)
        match event:
            case SetLanguage(chosen):
                await self.people.set_language(user_key, chosen)
            case SetState(state):
                await self.people.set_state(user_key, state)
            case Feedback(topic, helpful, said_in):
                await self.people.add_feedback(user_key, topic, helpful, said_in)
            case FaqMiss():
                miss_id = await self.people.add_miss(None, event.lang, event.nearest)
                await self.memory.hold_question(user_key, miss_id, event.question)
            case ShareMiss():
                held = await self.memory.take_question(user_key)
                if held is None:
                    return [engine.note(lang, "faq.share_expired")]
                await self.people.share_miss(held.miss_id, held.text)
                return [engine.note(lang, "faq.shared")]
            case AdvertChecked():
                if event.flags:
                    await self.memory.hold_advert(user_key, shared_advert(event))
                await self.people.add_advert_check(
                    event.lang, event.level, list(event.flags), event.source
                )
            case LanguageNoted():
                self.memory.set_noted(user_key, True)
                await self.people.note_language(user_key)
            case ShowRiskDetails():
                return [engine.risk_details(lang, await self.memory.advert(user_key))]
            case ForgetMe():
                deleted = await self.privacy.forget(user_key, chat_id)
                return [engine.note(ui, "handoff.forget_done", deleted=deleted)]
            case AskForHuman(reason):
                if not self.handoff_enabled:
                    return engine.counsellor_unavailable(ui).replies
                advert = (
                    await self.memory.advert(user_key) if reason is Reason.RISKY_ADVERT else None
                )
                return await self.handoff.request(user_key, chat_id, ui, reason, advert)
            case _ if not self.handoff_enabled:
                return [engine.menu(ui)]
            case ConsentGiven(True):
                await self.memory.drop_advert(user_key)
                return await self.handoff.agree(user_key, ui, engine.hotlines(ui))
            case ConsentGiven(False):
                return await self.handoff.decline(user_key, ui, engine.hotlines(ui))
            case EndHandoff():
                return await self.handoff.end(user_key, ui) or [engine.menu(ui)]
            case RateHelp(case_id, useful):
                return await self.handoff.rate(case_id, useful, ui, user_key)
        return []


def shared_advert(event: AdvertChecked) -> SharedAdvert:
    """What of a checked advert is held for a counsellor: level, text (cut), flags, evidence."""
    flags = tuple(
        SharedFlag(f, tuple(e)) for f, e in zip(event.flags, event.evidence, strict=False)
    )
    return SharedAdvert(event.level, event.text[:SHARED_ADVERT_CHARS], flags)
