"""FAQ matching as the conversation engine sees it: the match, its band, and the search port.

The index that computes matches (a classifier per language with calibrated confidence) is an
adapter in `bot/faq/index.py`; the engine depends only on `FaqSearch`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

ANSWER_THRESHOLD = 0.6
SUGGEST_THRESHOLD = 0.2
SUGGESTIONS = 3


class Band(StrEnum):
    """What the bot does with a match: answer it, offer choices, or say it does not know."""

    ANSWER = "answer"
    SUGGEST = "suggest"
    MISS = "miss"


@dataclass(frozen=True)
class FaqDocument:
    """One entry in one language, as the index sees it."""

    entry_id: str
    title: str
    questions: tuple[str, ...]
    answer: str


@dataclass(frozen=True)
class FaqMatch:
    """The best entry for a question, the calibrated probability it is right, and the band."""

    topic: str | None
    confidence: float
    band: Band
    suggestions: tuple[str, ...]
    nearest: str | None
    ranked: tuple[str, ...] = ()
    """The likeliest entries, best first (up to SUGGESTIONS), whatever the band."""


class FaqSearch(Protocol):
    """What the engine needs from an FAQ index."""

    def search(self, lang: str, text: str) -> FaqMatch:
        """The best entry for a question in a language, with band and suggestions."""
        ...
