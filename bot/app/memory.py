"""What the bot keeps of recent people in memory only (never stored), and for how long."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from bot.domain.cases import SharedAdvert

REMEMBERED_USERS = 10_000
SHARE_WINDOW_SECONDS = 600
"""How long an unanswered question or a checked advert is held in case the person shares it."""


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
    known: OrderedDict[str, tuple[str | None, str | None]] = field(default_factory=OrderedDict)
    questions: dict[str, HeldQuestion] = field(default_factory=dict)
    adverts: dict[str, HeldAdvert] = field(default_factory=dict)
    noted: OrderedDict[str, None] = field(default_factory=OrderedDict)
    """People told that Russian is answered in Ukrainian (so it is said once)."""

    def recall(self, user_key: str) -> tuple[str | None, str | None]:
        """The last known (language, state), or (None, None)."""
        return self.known.get(user_key, (None, None))

    def remember(self, user_key: str, lang: str | None, state: str | None) -> None:
        """Keep (language, state), forgetting the least recent beyond the bound."""
        _keep(self.known, user_key, (lang, state))

    def hold_question(self, user_key: str, miss_id: int, text: str) -> None:
        """Hold an unanswered question for a few minutes."""
        self.questions[user_key] = HeldQuestion(self.monotonic(), miss_id, text)

    def take_question(self, user_key: str) -> HeldQuestion | None:
        """The held question (once), if still held."""
        self.expire()
        return self.questions.pop(user_key, None)

    def hold_advert(self, user_key: str, advert: SharedAdvert) -> None:
        """Hold a checked advert for a few minutes."""
        self.adverts[user_key] = HeldAdvert(self.monotonic(), advert)

    def advert(self, user_key: str) -> SharedAdvert | None:
        """The held advert, if still held."""
        self.expire()
        held = self.adverts.get(user_key)
        return held.advert if held else None

    def drop_advert(self, user_key: str) -> None:
        """Stop holding the advert (it was shared)."""
        self.adverts.pop(user_key, None)

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

    def forget(self, user_key: str) -> None:
        """Erase everything held about the person."""
        self.known.pop(user_key, None)
        self.noted.pop(user_key, None)
        self.questions.pop(user_key, None)
        self.adverts.pop(user_key, None)

    def expire(self) -> None:
        """Drop what was held longer than the share window."""
        now = self.monotonic()
        for held in (self.questions, self.adverts):
            for key in [k for k, v in held.items() if now - v.at > SHARE_WINDOW_SECONDS]:
                del held[key]
