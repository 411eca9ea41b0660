"""The content as the bot uses it: plain immutable values."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from bot.domain.cases import WorkingHours

LANGUAGES = ("uk", "en")


@dataclass(frozen=True)
class Source:
    """A public page a fact comes from."""

    url: str
    title: str


@dataclass(frozen=True)
class FaqText:
    """One language of an FAQ entry."""

    title: str
    questions: tuple[str, ...]
    answer: str


@dataclass(frozen=True)
class FaqEntry:
    """A question people ask, answered in both languages, with its sources."""

    id: str
    checked: dt.date
    sources: tuple[Source, ...]
    texts: dict[str, FaqText]
    file: str = ""
    lines: dict[str, dict[str, int]] = field(default_factory=dict, compare=False)
    """Per language: the line of each title and question phrasing, for the checker."""


@dataclass(frozen=True)
class Hotline:
    """A phone line people can call, shown only when its number is verified."""

    id: str
    number: str
    verified: bool
    source: str
    names: dict[str, str]
    hours: dict[str, str]
    notes: dict[str, str]


@dataclass(frozen=True)
class Content:
    """Everything editors write: FAQ entries, hotlines, and UI strings per language."""

    faq: tuple[FaqEntry, ...]
    hotlines: tuple[Hotline, ...]
    strings: dict[str, dict[str, str]]
    out_of_scope: dict[str, tuple[str, ...]] = field(default_factory=dict)
    hours: WorkingHours | None = None
    warnings: tuple[str, ...] = field(default=())

    def entry(self, entry_id: str) -> FaqEntry | None:
        """The FAQ entry with this id, if any."""
        for entry in self.faq:
            if entry.id == entry_id:
                return entry
        return None

    def text(self, lang: str, key: str, **params: object) -> str:
        """A UI string in a language, with its {placeholders} filled in.

        Only plain names are filled (no attribute or index access, which str.format would
        allow); a placeholder without a value stays as it is rather than raising."""
        template = self.strings[lang][key]
        return fill(template, params)

    def shown_hotlines(self) -> tuple[Hotline, ...]:
        """Hotlines whose numbers come from a source; unverified ones are never shown."""
        return tuple(h for h in self.hotlines if h.verified)


PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def fill(template: str, params: dict[str, object]) -> str:
    """Put the values of plain {name} placeholders into a template."""
    if not params:
        return template
    return PLACEHOLDER.sub(
        lambda m: str(params[m.group(1)]) if m.group(1) in params else m.group(0), template
    )
