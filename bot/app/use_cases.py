"""The use cases wired to each other over any implementation of the ports (the database in
`bot/wiring.py`, in-memory fakes in the tests): the one place they are put together."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.app.case_texts import CaseTexts
from bot.app.conversation import Conversation
from bot.app.counsellor_desk import CounsellorDesk
from bot.app.memory import Memory
from bot.app.person_handoff import PersonHandoff
from bot.app.ports import Cases, Clock, Engine, Held, People
from bot.app.privacy import Privacy


@dataclass(frozen=True)
class UseCases:
    """Every use case, built once."""

    memory: Memory
    texts: CaseTexts
    person: PersonHandoff
    desk: CounsellorDesk
    privacy: Privacy
    conversation: Conversation


def build_use_cases(
    people: People,
    cases: Cases,
    engine: Engine,
    clock: Clock,
    *,
    group_chat_id: int | None,
    counsellor_names: dict[int, str],
    retention_days: int,
    monotonic: Callable[[], float] = time.monotonic,
    held: Held | None = None,
) -> UseCases:
    """The use cases over these ports (the hand-off is on when a counsellors' group is given)."""
    memory = Memory(monotonic=monotonic, held=held, clock=clock)
    texts = CaseTexts(cases, engine, clock, group_chat_id, counsellor_names)
    person = PersonHandoff(cases, texts)
    privacy = Privacy(people, cases, texts, memory, retention_days)
    conversation = Conversation(
        people,
        engine,
        memory,
        person,
        privacy,
        handoff_enabled=group_chat_id is not None,
        clock=clock,
    )
    return UseCases(memory, texts, person, CounsellorDesk(cases, texts), privacy, conversation)
