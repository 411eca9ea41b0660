"""What the bot keeps of recent people for a short while, and for how long.

What a person may still share (a question, an advert awaiting consent) is held through the
`Held` port, in the database, so any worker can handle the person's next update; this process's
memory holds it only while storage is down. Language and state are cached here only as a
fallback for when storage is down (the database is the truth)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from bot.app.ports import Clock, Held, StorageFailure
from bot.domain.cases import SharedAdvert, advert_from_json, advert_json

log = logging.getLogger(__name__)
QUESTION = "question"
ADVERT = "advert"
MEMBER = "member"
MEMBERSHIP_WINDOW = dt.timedelta(minutes=5)
"""How long a counsellor-group membership check is trusted."""

REMEMBERED_USERS = 10_000
SHARE_WINDOW_SECONDS = 600
"""How long an unanswered question or a checked advert is held in case the person shares it."""
SHARE_WINDOW = dt.timedelta(seconds=SHARE_WINDOW_SECONDS)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


V = TypeVar("V")


def _keep(held: OrderedDict[str, V], user_key: str, value: V) -> None:
    """Hold a value for a person, dropping the least recent beyond REMEMBERED_USERS."""
    held[user_key] = value
    held.move_to_end(user_key)
    while len(held) > REMEMBERED_USERS:
        held.popitem(last=False)


@dataclass
class HeldQuestion:
    """A question the bot could not answer: its counted miss, and the text (memory only)."""

    at: float
    miss_id: int
    text: str


@dataclass
class HeldAdvert:
    """A checked advert with red flags, in case the person asks a counsellor about it."""

    at: float
    advert: SharedAdvert


@dataclass
class Memory:
    """Recent people's language and state (so a mode survives storage being down), and what
    they may still choose to share. Bounded in size and time; erased by /forget."""

    monotonic: Callable[[], float] = time.monotonic
    held: Held | None = None
    """Where what a person may share is held (None: this process's memory only)."""
    clock: Clock = _utcnow
    known: OrderedDict[str, tuple[str | None, str | None]] = field(default_factory=OrderedDict)
    questions: dict[str, HeldQuestion] = field(default_factory=dict)
    adverts: dict[str, HeldAdvert] = field(default_factory=dict)
    noted: OrderedDict[str, None] = field(default_factory=OrderedDict)
    """People told that Russian is answered in Ukrainian (so it is said once)."""
    members: OrderedDict[str, tuple[float, bool]] = field(default_factory=OrderedDict)
    """Membership checks made while storage was down (monotonic time, member or not)."""

    async def membership(self, user_key: str) -> bool | None:
        """Whether the person was found in the counsellors' group in the last few minutes
        (None: not checked lately)."""
        local = self.members.get(user_key)
        if local is not None and self.monotonic() - local[0] < MEMBERSHIP_WINDOW.total_seconds():
            return local[1]
        stored = await self._stored(user_key, MEMBER, take=False)
        return None if stored is None else stored == "1"

    async def note_membership(self, user_key: str, member: bool) -> None:
        """Remember a membership check for a few minutes (every worker sees it)."""
        if self.held is not None:
            try:
                until = self.clock() + MEMBERSHIP_WINDOW
                await self.held.hold(user_key, MEMBER, "1" if member else "0", until)
                return
            except StorageFailure as exc:
                log.warning("storage unavailable holding a check (%s)", type(exc).__name__)
        _keep(self.members, user_key, (self.monotonic(), member))

    def recall(self, user_key: str) -> tuple[str | None, str | None]:
        """The last known (language, state), or (None, None)."""
        return self.known.get(user_key, (None, None))

    def remember(self, user_key: str, lang: str | None, state: str | None) -> None:
        """Keep (language, state), forgetting the least recent beyond the bound."""
        _keep(self.known, user_key, (lang, state))

    async def _hold(self, user_key: str, kind: str, value: str) -> bool:
        """Hold a value in storage; False when storage is down (memory holds it then)."""
        if self.held is None:
            return False
        try:
            await self.held.hold(user_key, kind, value, self.clock() + SHARE_WINDOW)
        except StorageFailure as exc:
            log.warning("storage unavailable holding a %s (%s)", kind, type(exc).__name__)
            return False
        return True

    async def _stored(self, user_key: str, kind: str, take: bool) -> str | None:
        if self.held is None:
            return None
        try:
            if take:
                return await self.held.take(user_key, kind, self.clock())
            return await self.held.peek(user_key, kind, self.clock())
        except StorageFailure as exc:
            log.warning("storage unavailable reading a %s (%s)", kind, type(exc).__name__)
            return None

    async def hold_question(self, user_key: str, miss_id: int, text: str) -> None:
        """Hold an unanswered question for a few minutes."""
        value = json.dumps({"miss_id": miss_id, "text": text}, ensure_ascii=False)
        if not await self._hold(user_key, QUESTION, value):
            self.questions[user_key] = HeldQuestion(self.monotonic(), miss_id, text)

    async def take_question(self, user_key: str) -> HeldQuestion | None:
        """The held question (once), if still held."""
        self.expire()
        local = self.questions.pop(user_key, None)
        stored = await self._stored(user_key, QUESTION, take=True)
        if stored is None:
            return local
        data = json.loads(stored)
        return HeldQuestion(self.monotonic(), int(data["miss_id"]), str(data["text"]))

    async def hold_advert(self, user_key: str, advert: SharedAdvert) -> None:
        """Hold a checked advert for a few minutes."""
        self.adverts.pop(user_key, None)
        if not await self._hold(user_key, ADVERT, advert_json(advert)):
            self.adverts[user_key] = HeldAdvert(self.monotonic(), advert)

    async def advert(self, user_key: str) -> SharedAdvert | None:
        """The held advert, if still held."""
        self.expire()
        local = self.adverts.get(user_key)
        if local is not None:
            return local.advert
        stored = await self._stored(user_key, ADVERT, take=False)
        return advert_from_json(stored) if stored is not None else None

    async def drop_advert(self, user_key: str) -> None:
        """Stop holding the advert (it was shared)."""
        self.adverts.pop(user_key, None)
        await self._drop(user_key, ADVERT)

    async def _drop(self, user_key: str, kind: str | None) -> None:
        if self.held is None:
            return
        try:
            await self.held.drop(user_key, kind)
        except StorageFailure as exc:
            log.warning("storage unavailable dropping what was held (%s)", type(exc).__name__)

    def set_noted(self, user_key: str, noted: bool) -> None:
        """Whether the person has been told in this conversation which languages the bot
        answers in (as stored; memory alone when storage is down)."""
        if noted:
            _keep(self.noted, user_key, None)
        else:
            self.noted.pop(user_key, None)

    def language_noted(self, user_key: str) -> bool:
        """Whether the person has been told already."""
        return user_key in self.noted

    async def forget(self, user_key: str) -> None:
        """Erase everything held about the person."""
        self.known.pop(user_key, None)
        self.noted.pop(user_key, None)
        self.questions.pop(user_key, None)
        self.adverts.pop(user_key, None)
        self.members.pop(user_key, None)
        await self._drop(user_key, None)

    def expire(self) -> None:
        """Drop what this process held longer than the share window (storage erases its own
        at expiry: `purge_held`)."""
        now = self.monotonic()
        for held in (self.questions, self.adverts):
            for key in [k for k, v in held.items() if now - v.at > SHARE_WINDOW_SECONDS]:
                del held[key]
