"""The small interfaces the use cases reach the world through; adapters implement them.

`bot/db` implements `People`, `Cases` and `Outbox`; `tests/support/fakes.py` implements them in
memory. Every method may raise `StorageFailure` (the database adapter maps its errors to it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Protocol

from bot.domain.cases import Case, CaseOutcome, ErasurePlan, SharedAdvert, StaffMember, Status
from bot.domain.dialogue import Dialogue
from bot.domain.notices import Outgoing
from bot.domain.states import Standing

Clock = Callable[[], dt.datetime]
"""Now, timezone-aware UTC."""
Engine = Callable[[], Dialogue]
"""The conversation engine live now (content can be reloaded while the bot runs)."""


class StorageFailure(Exception):
    """Storage could not do what was asked (database down, locked, timed out)."""


class Outbox(Protocol):
    """Where everything the bot sends is written first; a sender sends it from there."""

    async def enqueue(self, items: list[Outgoing]) -> int:
        """Write items (idempotent by key); how many were new."""
        ...


class Held(Protocol):
    """What a person may still choose to share, held for a few minutes (a question the bot
    could not answer, an advert awaiting consent): shared by every worker, erased at expiry.
    The adapter seals the value (it is a person's text)."""

    async def hold(self, pseudonym: str, kind: str, value: str, until: dt.datetime) -> None:
        """Hold a value (replacing what was held of that kind) until a moment."""
        ...

    async def peek(self, pseudonym: str, kind: str, now: dt.datetime) -> str | None:
        """The value held, if still held."""
        ...

    async def take(self, pseudonym: str, kind: str, now: dt.datetime) -> str | None:
        """The value held, if still held, and no longer held."""
        ...

    async def drop(self, pseudonym: str, kind: str | None = None) -> None:
        """Stop holding a value (every kind with None)."""
        ...

    async def purge_held(self, now: dt.datetime) -> int:
        """Erase what has expired; how many."""
        ...


class People(Protocol):
    """What is stored of a person: language and conversation state, counts without text."""

    async def state(self, pseudonym: str) -> Standing:
        """The person's standing (all None for someone unknown)."""
        ...

    async def note_language(self, pseudonym: str) -> None:
        """Remember that the person was told which languages the bot answers in."""
        ...

    async def set_language(self, pseudonym: str, language: str) -> None:
        """Save the language."""
        ...

    async def set_state(self, pseudonym: str, state: str | None) -> None:
        """Save the conversation state (and since when)."""
        ...

    async def add_feedback(self, pseudonym: str, topic: str, helpful: bool, language: str) -> None:
        """Count a vote on an answer."""
        ...

    async def add_miss(self, pseudonym: str | None, language: str, nearest: str | None) -> int:
        """Count an unanswered question (no text); its id."""
        ...

    async def share_miss(self, miss_id: int, text: str) -> None:
        """Attach the question the person agreed to share."""
        ...

    async def add_advert_check(
        self, language: str, level: str, flags: list[str], source: str
    ) -> None:
        """Count a checked advert (no text)."""
        ...

    async def forget(self, pseudonym: str) -> None:
        """Erase the person."""
        ...

    async def purge_inbox(self, older_than: dt.timedelta) -> int:
        """Drop handled updates older than that."""
        ...


class Cases(Outbox, Protocol):
    """Cases, counsellors, and what hangs off them; a move and what it sends are one write."""

    async def create(
        self, case: Case, user_key: str, chat_id: int, advert: SharedAdvert | None
    ) -> Case:
        """Store a new case; it comes back with its id."""
        ...

    async def get(self, case_id: int) -> Case | None:
        """A case by id."""
        ...

    async def by_tag(self, tag: str) -> Case | None:
        """A case by tag."""
        ...

    async def open_for_user(self, user_key: str) -> Case | None:
        """The person's case that is not closed."""
        ...

    async def assigned_to(self, counsellor_id: int) -> list[Case]:
        """A counsellor's assigned cases, oldest first."""
        ...

    async def move(
        self,
        case_id: int,
        expected: Status,
        to: Status,
        *,
        counsellor_id: int | None = None,
        outcome: CaseOutcome | None = None,
        only_counsellor: int | None = None,
        then: list[Outgoing] | None = None,
        release_held_to: int | None = None,
        forget_chat: bool = False,
    ) -> bool:
        """Apply a lifecycle move if the case is still `expected`; True for the one who won."""
        ...

    async def set_person_blocked(self, case_id: int, blocked: bool) -> bool:
        """Record whether the person blocked the bot; True when it changed."""
        ...

    async def rate(self, case_id: int, useful: bool) -> None:
        """Record whether the help was useful."""
        ...

    async def record_outcome(self, case_id: int, outcome: CaseOutcome) -> bool:
        """Label an ended case with its outcome (once)."""
        ...

    async def counsellor(self, counsellor_id: int) -> StaffMember | None:
        """A counsellor the bot has met."""
        ...

    async def counsellor_seen(self, counsellor_id: int, language: str) -> None:
        """A counsellor wrote in private: reachable, in this language."""
        ...

    async def select(self, counsellor_id: int, case_id: int | None) -> None:
        """Where a counsellor's plain messages go."""
        ...

    async def selected(self, counsellor_id: int) -> int | None:
        """The case a counsellor selected."""
        ...

    async def case_of_counsellor_message(self, counsellor_id: int, message_id: int) -> Case | None:
        """The case a message in a counsellor's chat belongs to."""
        ...

    async def release_held(self, case_id: int, chat_id: int) -> None:
        """Send what the person wrote while waiting to the counsellor who took the case."""
        ...

    async def deletable_messages(self, user_key: str) -> list[int]:
        """The bot's messages to the person that can still be deleted."""
        ...

    async def erasure_plan(self, user_key: str) -> ErasurePlan:
        """What erasing the person will touch (read only)."""
        ...

    async def forget_user(self, user_key: str, chat_id: int, then: list[Outgoing]) -> None:
        """Erase the person from cases and the outbox (nothing still on its way to anyone
        else), and write `then` (deletions, notices) in the same transaction."""
        ...

    async def purge(self, retention: dt.timedelta) -> int:
        """Erase case messages and sent items past the retention."""
        ...
