"""Renders content for the conversation engine."""

from __future__ import annotations

from bot.content.model import Content
from bot.domain.cases import WorkingHours
from bot.domain.dialogue_types import ContentView


class RenderedContent(ContentView):
    """The engine's view of loaded content: strings, answers and hotline lines."""

    def __init__(self, content: Content) -> None:
        self.content = content
        self._entries = {e.id: e for e in content.faq}
        self._hotlines = {
            lang: [
                " ".join(
                    content.text(
                        lang,
                        "hotlines.line",
                        number=h.number,
                        name=h.names[lang],
                        note=h.notes[lang],
                        hours=h.hours[lang],
                    ).split()
                )
                for h in content.shown_hotlines()
            ]
            for lang in content.strings
        }

    def text(self, lang: str, key: str, **params: object) -> str:
        """A UI string with placeholders filled in."""
        return self.content.text(lang, key, **params)

    def answer(self, lang: str, entry_id: str) -> tuple[str, str, tuple[str, ...], str]:
        """(title, answer, source URLs, checked date) of an entry; KeyError if unknown."""
        entry = self._entries[entry_id]
        text = entry.texts[lang]
        return (
            text.title,
            text.answer,
            tuple(s.url for s in entry.sources),
            entry.checked.isoformat(),
        )

    def hours(self) -> WorkingHours | None:
        """When counsellors work."""
        return self.content.hours

    def hotline_lines(self, lang: str) -> list[str]:
        """One line per verified hotline."""
        return self._hotlines.get(lang, [])
