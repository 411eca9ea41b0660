"""In-memory fakes of the use cases' ports (`bot/app/ports.py`), and the use cases wired on them.

The fakes copy the semantics of the SQL adapters (`bot/db/cases_repo.py`, `bot/db/repository.py`)
without a database: `move` is a conditional update that writes its `then` items only for the
caller that won, `enqueue` skips keys it has, `forget_user` erases the person everywhere. Every
method can be made to raise `StorageFailure` (`fail`). The engine is the real one over the real
content, built once per test session, with an FAQ search that finds nothing (no language tools).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from bot.app.case_texts import CaseTexts
from bot.app.conversation import Conversation
from bot.app.counsellor_desk import CounsellorDesk
from bot.app.memory import Memory
from bot.app.person_handoff import PersonHandoff
from bot.app.ports import Cases, Clock, Engine, People, StorageFailure
from bot.app.privacy import Privacy
from bot.app.use_cases import build_use_cases
from bot.config import PROJECT_ROOT
from bot.content import load_content
from bot.content.model import PLACEHOLDER
from bot.content.view import RenderedContent
from bot.domain.actions import Action, decode
from bot.domain.cases import (
    Case,
    CaseOutcome,
    ErasurePlan,
    Reason,
    SharedAdvert,
    StaffMember,
    Status,
    move_fields,
)
from bot.domain.dialogue import Dialogue
from bot.domain.faq import Band, FaqMatch
from bot.domain.notices import ERASED_WHEN_SENT, Notice, Outgoing, Queued, Relay, Rows
from bot.domain.states import Standing

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
"""A Monday, 12:00 in Kyiv: inside the counsellors' working hours of content/hours.yaml."""
GROUP = -100_500
"""The counsellors' group."""
DELETABLE_FOR = dt.timedelta(hours=47, minutes=55)
"""How long Telegram lets the bot delete its messages (as the SQL adapter counts it)."""
OPEN = (Status.REQUESTED, Status.WAITING, Status.ASSIGNED)


# ---- the engine ------------------------------------------------------------------------------
class NoFaq:
    """An FAQ search that never finds an answer (the hand-off needs no index)."""

    def search(self, lang: str, text: str) -> FaqMatch:
        """Always a miss."""
        return FaqMatch(None, 0.0, Band.MISS, (), None)


def _no_language(text: str) -> tuple[str | None, float]:
    return None, 0.0


@functools.cache
def engine() -> Dialogue:
    """The real conversation engine over the real content, built once per test session."""
    content = load_content(PROJECT_ROOT / "content")
    return Dialogue(RenderedContent(content), NoFaq(), _no_language)


_stub_engine = engine
"""The engine `build` wires by default (its parameter `engine` shadows the function)."""


def _fixed(dialogue: Dialogue) -> Engine:
    """An engine port that always gives this engine."""
    return lambda: dialogue


# ---- asserting on texts by key ---------------------------------------------------------------
def said(text: str, key: str, lang: str, **params: object) -> bool:
    """Whether `text` is exactly the content string `key` in `lang` with these values."""
    return text == engine().text(lang, key, **params)


def _pattern(key: str, lang: str, params: dict[str, object]) -> str:
    template = engine().text(lang, key, **params)
    parts = PLACEHOLDER.split(template)
    # split keeps the placeholder names at odd positions: they become wildcards
    return "".join(re.escape(p) if n % 2 == 0 else "(.*?)" for n, p in enumerate(parts))


def is_text(text: str, key: str, lang: str, **params: object) -> bool:
    """Whether `text` is the content string `key` in `lang`: the given values filled in, any
    other placeholder matching anything."""
    return re.fullmatch(_pattern(key, lang, params), text, re.DOTALL) is not None


def has_text(text: str, key: str, lang: str, **params: object) -> bool:
    """Whether the content string `key` (placeholders as in `is_text`) is somewhere in `text`."""
    return re.search(_pattern(key, lang, params), text, re.DOTALL) is not None


def actions(rows: Rows) -> list[Action | None]:
    """The decoded actions of rows of buttons, in reading order."""
    return [decode(button.action) for row in rows for button in row]


# ---- the clock -------------------------------------------------------------------------------
@dataclass
class FakeClock:
    """A clock that stands still until moved (timezone-aware UTC)."""

    now: dt.datetime = NOW

    def __call__(self) -> dt.datetime:
        """Now."""
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        """Move on by a timedelta's worth (`minutes=5`); the new now."""
        self.now += dt.timedelta(**delta)
        return self.now

    def monotonic(self) -> float:
        """Seconds, moving with the clock (for `Memory`)."""
        return self.now.timestamp()


# ---- failures --------------------------------------------------------------------------------
class Failing:
    """Methods of a fake raise `StorageFailure` once told to (`fail`), until `recover`."""

    def __init__(self) -> None:
        self.failing: set[str] = set()
        self.all_down = False
        self.calls: list[str] = []
        """Every method called, in order (also the ones that failed)."""

    def fail(self, *methods: str) -> None:
        """Make these methods raise StorageFailure; with none named, every method (storage down)."""
        for name in methods:
            if not callable(getattr(self, name, None)):
                raise AttributeError(f"{type(self).__name__} has no method {name!r}")
        self.failing.update(methods)
        self.all_down = self.all_down or not methods

    def recover(self) -> None:
        """Storage answers again."""
        self.failing.clear()
        self.all_down = False

    async def _call(self, method: str) -> None:
        """Count the call, fail if told to, then let other tasks run (as a database round trip
        would: two presses handled at once interleave here, never inside a method)."""
        self.calls.append(method)
        if self.all_down or method in self.failing:
            raise StorageFailure(f"{method}: storage is down (fake)")
        await asyncio.sleep(0)


# ---- people ----------------------------------------------------------------------------------
@dataclass
class StoredUser:
    """A stored person: language, conversation state and since when, the note's time."""

    language: str | None = None
    state: str | None = None
    state_since: dt.datetime | None = None
    language_noted_at: dt.datetime | None = None


@dataclass
class StoredMiss:
    """An unanswered question, counted; its text only when the person shared it."""

    pseudonym: str | None
    language: str
    nearest: str | None
    shared_text: str | None = None


class FakePeople(Failing):
    """`People` in memory."""

    def __init__(self, clock: Clock | None = None) -> None:
        super().__init__()
        self.clock: Clock = clock or FakeClock()
        self.users: dict[str, StoredUser] = {}
        self.feedback: list[tuple[str, str, bool, str]] = []
        """(pseudonym, topic, helpful, language) per vote."""
        self.misses: dict[int, StoredMiss] = {}
        self.advert_checks: list[tuple[str, str, tuple[str, ...], str]] = []
        """(language, level, flags, source) per checked advert."""
        self.inbox_purges: list[dt.timedelta] = []

    async def state(self, pseudonym: str) -> Standing:
        """The person's standing (all None when unknown)."""
        await self._call("state")
        user = self.users.get(pseudonym)
        if user is None:
            return Standing()
        return Standing(user.language, user.state, user.state_since, user.language_noted_at)

    async def note_language(self, pseudonym: str) -> None:
        """Remember when the person was told which languages the bot answers in."""
        await self._call("note_language")
        self.users.setdefault(pseudonym, StoredUser()).language_noted_at = self.clock()

    async def set_language(self, pseudonym: str, language: str) -> None:
        """Save the language (creating the person)."""
        await self._call("set_language")
        self.users.setdefault(pseudonym, StoredUser()).language = language

    async def set_state(self, pseudonym: str, state: str | None) -> None:
        """Save the conversation state (creating the person)."""
        await self._call("set_state")
        user = self.users.setdefault(pseudonym, StoredUser())
        user.state, user.state_since = state, self.clock() if state else None

    async def add_feedback(self, pseudonym: str, topic: str, helpful: bool, language: str) -> None:
        """Count a vote."""
        await self._call("add_feedback")
        self.feedback.append((pseudonym, topic, helpful, language))

    async def add_miss(self, pseudonym: str | None, language: str, nearest: str | None) -> int:
        """Count an unanswered question; its id."""
        await self._call("add_miss")
        miss_id = len(self.misses) + 1
        self.misses[miss_id] = StoredMiss(pseudonym, language, nearest)
        return miss_id

    async def share_miss(self, miss_id: int, text: str) -> None:
        """Keep the shared text (cut at 1,000 characters, unlinked from the person)."""
        await self._call("share_miss")
        if miss_id in self.misses:
            self.misses[miss_id].shared_text = text[:1000]
            self.misses[miss_id].pseudonym = None

    async def add_advert_check(
        self, language: str, level: str, flags: list[str], source: str
    ) -> None:
        """Count a checked advert (no text)."""
        await self._call("add_advert_check")
        self.advert_checks.append((language, level, tuple(flags), source))

    async def forget(self, pseudonym: str) -> None:
        """Erase the person: user, votes; their misses lose the link and any text."""
        await self._call("forget")
        self.users.pop(pseudonym, None)
        self.feedback = [f for f in self.feedback if f[0] != pseudonym]
        for miss in self.misses.values():
            if miss.pseudonym == pseudonym:
                miss.pseudonym, miss.shared_text = None, None

    async def purge_inbox(self, older_than: dt.timedelta) -> int:
        """Nothing is kept of updates here; counts the call."""
        await self._call("purge_inbox")
        self.inbox_purges.append(older_than)
        return 0


# ---- cases and the outbox --------------------------------------------------------------------
class Slot(StrEnum):
    """Where an outbox item is (as `bot.db.models.OutboxStatus`)."""

    PENDING = "pending"
    HELD = "held"
    BLOCKED = "blocked"
    SENT = "sent"
    FAILED = "failed"


@dataclass
class Row:
    """An outbox row: the item as written, and what happened to it since."""

    id: int
    item: Outgoing
    status: Slot
    chat_id: int
    relay: Relay
    case_id: int | None
    owner: str | None
    created_at: dt.datetime
    message_id: int | None = None
    """The message it became, once sent."""

    @property
    def key(self) -> str:
        """Its idempotency key."""
        return self.item.key

    @property
    def notice(self) -> Notice:
        """What it sends."""
        return self.item.notice


@dataclass
class Relayed:
    """What a sent message in a counsellor's chat stands for (as `RelayedMessage`)."""

    id: int
    case_id: int
    direction: Relay
    user_message_id: int | None
    counsellor_chat_id: int | None
    counsellor_message_id: int | None
    created_at: dt.datetime


class FakeCases(Failing):
    """`Cases` (and so `Outbox`) in memory, with the SQL adapter's semantics."""

    def __init__(self, clock: Clock | None = None) -> None:
        super().__init__()
        self.clock: Clock = clock or FakeClock()
        self.cases: dict[int, Case] = {}
        self.counsellors: dict[int, StaffMember] = {}
        self.selections: dict[int, int | None] = {}
        self.outbox: list[Row] = []
        self.relayed: list[Relayed] = []
        self.sent_messages: list[tuple[str, int, dt.datetime]] = []
        """(pseudonym, message id, sent at): the bot's messages to people, for /forget."""
        self.card_messages: dict[int, int] = {}
        """Case id -> the message id of its card in the group."""
        self.purges: list[dt.timedelta] = []
        self._ids = 0

    def _next_id(self) -> int:
        self._ids += 1
        return self._ids

    # ---- cases -------------------------------------------------------------------------
    async def create(
        self, case: Case, user_key: str, chat_id: int, advert: SharedAdvert | None
    ) -> Case:
        """Store a new case with the next id."""
        await self._call("create")
        stored = replace(
            case,
            id=self._next_id(),
            user_pseudonym=user_key,
            user_chat_id=chat_id,
            shared_advert=advert,
        )
        self.cases[stored.id] = stored
        return stored

    async def get(self, case_id: int) -> Case | None:
        """A case by id."""
        await self._call("get")
        return self.cases.get(case_id)

    async def by_tag(self, tag: str) -> Case | None:
        """A case by tag: case-insensitive, a leading '#' ignored."""
        await self._call("by_tag")
        wanted = tag.strip().lstrip("#").upper()
        return next((c for c in self.cases.values() if c.tag == wanted), None)

    async def open_for_user(self, user_key: str) -> Case | None:
        """The person's newest case that is not closed."""
        await self._call("open_for_user")
        mine = [c for c in self.cases.values() if c.user_pseudonym == user_key and c.is_open]
        return max(mine, key=lambda c: c.id, default=None)

    async def assigned_to(self, counsellor_id: int) -> list[Case]:
        """A counsellor's assigned cases, oldest assignment first."""
        await self._call("assigned_to")
        mine = [
            c
            for c in self.cases.values()
            if c.counsellor_id == counsellor_id and c.status is Status.ASSIGNED
        ]
        return sorted(mine, key=lambda c: c.assigned_at or dt.datetime.min.replace(tzinfo=dt.UTC))

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
        """A conditional update: applies only if the case is `expected` (and held by
        `only_counsellor`); only then are `then` written and held items released."""
        await self._call("move")
        fields = move_fields(
            expected, to, self.clock(), counsellor_id=counsellor_id, outcome=outcome
        )
        case = self.cases.get(case_id)
        if case is None or case.status is not expected:
            return False
        if only_counsellor is not None and case.counsellor_id != only_counsellor:
            return False
        moved = replace(case, **fields)  # type: ignore[arg-type]
        if forget_chat:
            moved = replace(moved, user_chat_id=None)
        self.cases[case_id] = moved
        if then:
            self._insert(then)
        if release_held_to is not None:
            self._release(case_id, release_held_to)
        return True

    async def set_person_blocked(self, case_id: int, blocked: bool) -> bool:
        """Record whether the person blocked the bot; True only when it changed."""
        await self._call("set_person_blocked")
        case = self.cases.get(case_id)
        if case is None or case.person_blocked == blocked:
            return False
        self.cases[case_id] = replace(case, person_blocked=blocked)
        return True

    async def rate(self, case_id: int, useful: bool) -> None:
        """Record whether the help was useful."""
        await self._call("rate")
        if case_id in self.cases:
            self.cases[case_id] = replace(self.cases[case_id], useful=useful)

    async def record_outcome(self, case_id: int, outcome: CaseOutcome) -> bool:
        """Label a closed case that has no outcome yet."""
        await self._call("record_outcome")
        case = self.cases.get(case_id)
        if case is None or case.status is not Status.CLOSED or case.outcome is not None:
            return False
        self.cases[case_id] = replace(case, outcome=outcome)
        return True

    # ---- counsellors -------------------------------------------------------------------
    async def counsellor(self, counsellor_id: int) -> StaffMember | None:
        """A counsellor the bot has met."""
        await self._call("counsellor")
        return self.counsellors.get(counsellor_id)

    async def counsellor_seen(self, counsellor_id: int, language: str) -> None:
        """Reachable from now, in this language; what was blocked for them is sent now."""
        await self._call("counsellor_seen")
        self.counsellors[counsellor_id] = StaffMember(counsellor_id, language, True)
        for row in self.outbox:
            if row.chat_id == counsellor_id and row.status is Slot.BLOCKED:
                row.status = Slot.PENDING

    def counsellor_unreachable(self, counsellor_id: int) -> None:
        """Telegram refused to write to them: keep their items until they start the bot."""
        known = self.counsellors.get(counsellor_id)
        if known is not None:
            self.counsellors[counsellor_id] = replace(known, reachable=False)
        for row in self.outbox:
            if row.chat_id == counsellor_id and row.status is Slot.PENDING:
                row.status = Slot.BLOCKED

    async def select(self, counsellor_id: int, case_id: int | None) -> None:
        """Where a counsellor's plain messages go."""
        await self._call("select")
        self.selections[counsellor_id] = case_id

    async def selected(self, counsellor_id: int) -> int | None:
        """The case a counsellor selected."""
        await self._call("selected")
        return self.selections.get(counsellor_id)

    async def case_of_counsellor_message(self, counsellor_id: int, message_id: int) -> Case | None:
        """The case of a message in a counsellor's chat (the newest mapping wins)."""
        await self._call("case_of_counsellor_message")
        for relayed in sorted(self.relayed, key=lambda r: -r.id):
            if (
                relayed.counsellor_chat_id == counsellor_id
                and relayed.counsellor_message_id == message_id
            ):
                return self.cases.get(relayed.case_id)
        return None

    # ---- the outbox --------------------------------------------------------------------
    async def enqueue(self, items: list[Outgoing]) -> int:
        """Write items; one whose key is already there is skipped. How many were new."""
        await self._call("enqueue")
        return self._insert(items)

    def _insert(self, items: Iterable[Outgoing]) -> int:
        added = 0
        for item in items:
            if any(row.key == item.key for row in self.outbox):
                continue
            self.outbox.append(
                Row(
                    id=self._next_id(),
                    item=item,
                    status=Slot.HELD if item.held else Slot.PENDING,
                    chat_id=item.chat_id,
                    relay=item.relay,
                    case_id=item.case_id,
                    owner=item.owner,
                    created_at=self.clock(),
                )
            )
            added += 1
        return added

    async def release_held(self, case_id: int, chat_id: int) -> None:
        """Send a case's held items to the counsellor who took it."""
        await self._call("release_held")
        self._release(case_id, chat_id)

    def _release(self, case_id: int, chat_id: int) -> None:
        for row in self.outbox:
            if row.case_id == case_id and row.status is Slot.HELD:
                row.status, row.chat_id = Slot.PENDING, chat_id

    def sent(self, row: Row | str, message_id: int | None) -> None:
        """The sender sent this item (a row or its key) as message `message_id`: remember what
        the message stands for, like `CaseRepository.mark_sent`."""
        if isinstance(row, str):
            row = self.row(row)
        if row.relay in ERASED_WHEN_SENT:
            self.outbox.remove(row)
            return
        now = self.clock()
        row.status, row.message_id = Slot.SENT, message_id
        case = self.cases.get(row.case_id) if row.case_id else None
        owner = row.owner
        if case is not None and message_id is not None:
            if row.relay in (Relay.TO_COUNSELLOR, Relay.NOTICE_COUNSELLOR):
                self._map(case.id, row.relay, row.item.source, row.chat_id, message_id)
            elif row.relay is Relay.TO_USER:
                self._map(case.id, row.relay, message_id, case.counsellor_id, row.item.source)
            elif row.relay is Relay.CARD:
                self.card_messages[case.id] = message_id
            if row.relay in (Relay.TO_USER, Relay.NOTICE_USER):
                owner = owner or case.user_pseudonym
        if owner and message_id is not None:
            self.sent_messages.append((owner, message_id, now))

    def _map(
        self,
        case_id: int,
        direction: Relay,
        user_message: int | None,
        counsellor_chat: int | None,
        counsellor_message: int | None,
    ) -> None:
        self.relayed.append(
            Relayed(
                self._next_id(),
                case_id,
                direction,
                user_message,
                counsellor_chat,
                counsellor_message,
                self.clock(),
            )
        )

    def sent_reply(self, pseudonym: str, message_id: int) -> None:
        """The bot replied to the person with message `message_id` (a reply has an owner)."""
        self.sent_messages.append((pseudonym, message_id, self.clock()))

    # ---- looking at the outbox (tests) ----------------------------------------------
    def row(self, key: str) -> Row:
        """The outbox row with this key (KeyError if none)."""
        for row in self.outbox:
            if row.key == key:
                return row
        raise KeyError(key)

    def rows(
        self,
        *,
        chat_id: int | None = None,
        relay: Relay | None = None,
        status: Slot | None = None,
        case_id: int | None = None,
    ) -> list[Row]:
        """Outbox rows, in the order written, filtered by what is given."""
        return [
            r
            for r in self.outbox
            if (chat_id is None or r.chat_id == chat_id)
            and (relay is None or r.relay is relay)
            and (status is None or r.status is status)
            and (case_id is None or r.case_id == case_id)
        ]

    def queued(self, row: Row | str, attempts: int = 0) -> Queued:
        """The sender's view of a row (what `delivery_failed` is given)."""
        if isinstance(row, str):
            row = self.row(row)
        return Queued(
            id=row.id,
            chat_id=row.chat_id,
            notice=row.item.notice,
            relay=row.relay,
            case_id=row.case_id,
            source=row.item.source,
            owner=row.owner,
            attempts=attempts,
            next_attempt_at=self.clock(),
        )

    # ---- erasure and retention -------------------------------------------------------
    async def deletable_messages(self, user_key: str) -> list[int]:
        """The bot's messages to the person that Telegram still lets it delete."""
        await self._call("deletable_messages")
        since = self.clock() - DELETABLE_FOR
        return sorted({m for who, m, at in self.sent_messages if who == user_key and at > since})

    async def erasure_plan(self, user_key: str) -> ErasurePlan:
        """What erasing the person touches: open cases, copies, deletable bot messages."""
        await self._call("erasure_plan")
        now = self.clock()
        theirs = [c for c in self.cases.values() if c.user_pseudonym == user_key]
        ids = {c.id for c in theirs}
        copies = [
            (r.counsellor_chat_id, r.counsellor_message_id)
            for r in sorted(self.relayed, key=lambda r: r.id)
            if r.case_id in ids
            and r.direction in (Relay.TO_COUNSELLOR, Relay.NOTICE_COUNSELLOR)
            and r.user_message_id is not None
            and r.created_at > now - DELETABLE_FOR
        ]
        since = now - DELETABLE_FOR
        deletable = sorted(
            {m for who, m, at in self.sent_messages if who == user_key and at > since}
        )
        return ErasurePlan(
            tuple(c for c in theirs if c.status in OPEN),
            tuple((int(c), int(m)) for c, m in copies if c and m),
            tuple(deletable),
        )

    async def forget_user(self, user_key: str, chat_id: int, then: list[Outgoing]) -> None:
        """Erase the person from cases and the outbox and write `then`, as one write."""
        await self._call("forget_user")
        now = self.clock()
        theirs = [c for c in self.cases.values() if c.user_pseudonym == user_key]
        ids = {c.id for c in theirs}

        def to_them(r: Row) -> bool:
            return r.chat_id == chat_id

        def pending(r: Row) -> bool:
            return r.status is Slot.PENDING

        if ids:
            self.relayed = [r for r in self.relayed if r.case_id not in ids]
            self.outbox = [
                r
                for r in self.outbox
                if not (r.case_id in ids and (not pending(r) or not to_them(r)))
            ]
            for case in theirs:
                erased = replace(case, user_pseudonym=None, user_chat_id=None, shared_advert=None)
                if case.status in OPEN:
                    erased = replace(erased, status=Status.CLOSED, closed_at=now)
                self.cases[case.id] = erased
        self.outbox = [
            r
            for r in self.outbox
            if not ((r.owner == user_key or to_them(r)) and (not pending(r) or not to_them(r)))
        ]
        for row in self.outbox:
            if to_them(row) and pending(row):
                row.relay, row.owner, row.case_id = Relay.ERASURE, None, None
        self.sent_messages = [s for s in self.sent_messages if s[0] != user_key]
        self._insert(then)

    async def purge(self, retention: dt.timedelta) -> int:
        """Erase message records of cases closed longer ago than the retention."""
        await self._call("purge")
        self.purges.append(retention)
        now = self.clock()
        cutoff = now - retention
        old = {
            c.id
            for c in self.cases.values()
            if c.status is Status.CLOSED and c.closed_at is not None and c.closed_at < cutoff
        }
        dropped = len([r for r in self.relayed if r.case_id in old])
        self.relayed = [r for r in self.relayed if r.case_id not in old]
        self.outbox = [
            r
            for r in self.outbox
            if not (
                r.case_id in old
                or (r.status is Slot.SENT and r.created_at < now - dt.timedelta(days=1))
                or (r.status is not Slot.PENDING and r.created_at < cutoff)
            )
        ]
        for case_id in old:
            self.cases[case_id] = replace(
                self.cases[case_id], user_pseudonym=None, user_chat_id=None, shared_advert=None
            )
        self.sent_messages = [s for s in self.sent_messages if s[2] >= now - dt.timedelta(hours=48)]
        return dropped


# ---- the use cases, wired ----------------------------------------------------------------
@dataclass
class App:
    """The use cases over fakes, as `bot.wiring.assemble` builds them over the database."""

    clock: FakeClock
    people: FakePeople
    cases: FakeCases
    memory: Memory
    texts: CaseTexts
    person: PersonHandoff
    desk: CounsellorDesk
    privacy: Privacy
    conversation: Conversation
    engine: Dialogue
    group: int | None

    async def counsellor(self, counsellor_id: int, telegram_language: str | None = "uk") -> str:
        """A counsellor who has started the bot in private (so they can take cases)."""
        return await self.desk.seen(counsellor_id, telegram_language)

    async def waiting_case(
        self,
        user_key: str = "person-1",
        chat_id: int = 1001,
        lang: str = "uk",
        advert: SharedAdvert | None = None,
    ) -> Case:
        """A person asked for a counsellor and agreed: their case waits in the queue."""
        reason = Reason.RISKY_ADVERT if advert is not None else Reason.USER_ASKED
        await self.person.request(user_key, chat_id, lang, reason, advert)
        await self.person.agree(user_key, lang, self.engine.hotlines(lang))
        case = await self.cases.open_for_user(user_key)
        assert case is not None and case.status is Status.WAITING
        return case

    async def assigned_case(
        self,
        counsellor_id: int = 501,
        user_key: str = "person-1",
        chat_id: int = 1001,
        lang: str = "uk",
        advert: SharedAdvert | None = None,
    ) -> Case:
        """A waiting case taken by a counsellor (who has started the bot)."""
        case = await self.waiting_case(user_key, chat_id, lang, advert)
        if counsellor_id not in self.cases.counsellors:
            await self.counsellor(counsellor_id)
        staff_lang = self.cases.counsellors[counsellor_id].language
        await self.desk.take(case.id, counsellor_id, staff_lang)
        taken = self.cases.cases[case.id]
        assert taken.status is Status.ASSIGNED and taken.counsellor_id == counsellor_id
        return taken


def build(
    *,
    group: int | None = GROUP,
    names: dict[int, str] | None = None,
    retention_days: int = 30,
    now: dt.datetime = NOW,
    engine: Dialogue | None = None,
) -> App:
    """The real use cases over fresh fakes and the real engine, wired by the same
    `build_use_cases` as `bot.wiring.assemble` (the hand-off is on with a counsellors' group);
    `engine` replaces the engine without an FAQ search (e.g. the real knowledge's)."""
    clock = FakeClock(now)
    fake_people = FakePeople(clock)
    fake_cases = FakeCases(clock)
    # annotated with the ports, so that mypy checks the fakes conform to them
    people: People = fake_people
    cases: Cases = fake_cases
    live: Engine = _stub_engine if engine is None else _fixed(engine)
    time: Clock = clock
    built = build_use_cases(
        people,
        cases,
        live,
        time,
        group_chat_id=group,
        counsellor_names=names or {},
        retention_days=retention_days,
        monotonic=clock.monotonic,
    )
    return App(
        clock=clock,
        people=fake_people,
        cases=fake_cases,
        memory=built.memory,
        texts=built.texts,
        person=built.person,
        desk=built.desk,
        privacy=built.privacy,
        conversation=built.conversation,
        engine=live(),
        group=group,
    )
