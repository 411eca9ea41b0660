"""Plain values the conversation engine and its renderers share."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.actions import Action, encode
from bot.domain.cases import WorkingHours


@dataclass(frozen=True)
class Button:
    """A button: its label and the callback data it sends back (an encoded action, at most
    64 bytes). Build it with `Button.of` so the data always decodes."""

    label: str
    action: str

    @classmethod
    def of(cls, label: str, action: Action) -> Button:
        """A button that sends `action` (ValueError if a button cannot carry it)."""
        return cls(label, encode(action))


@dataclass(frozen=True)
class Reply:
    """One message to the user: Telegram HTML text and rows of buttons."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()


class ContentView:
    """What the engine needs from content: strings, FAQ answers, hotlines."""

    def text(self, lang: str, key: str, **params: object) -> str:  # pragma: no cover
        """A UI string."""
        raise NotImplementedError

    def answer(self, lang: str, entry_id: str) -> tuple[str, str, tuple[str, ...], str]:
        """(title, answer HTML, source URLs, checked date) of an entry."""
        raise NotImplementedError  # pragma: no cover

    def hours(self) -> WorkingHours | None:
        """When counsellors work."""
        return None

    def hotline_lines(self, lang: str) -> list[str]:
        """One rendered line per verified hotline."""
        raise NotImplementedError  # pragma: no cover


__all__ = ["Button", "ContentView", "Reply"]
