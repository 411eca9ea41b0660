"""The conversation engine in a terminal: numbered choices instead of buttons."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from bot.domain.dialogue import Dialogue, Outcome, SetLanguage, SetState
from bot.domain.dialogue_types import Reply

_LINK = re.compile(r'<a href="([^"]*)">(.*?)</a>', re.S)
_TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """Telegram HTML as plain terminal text (links shown with their address)."""
    text = _LINK.sub(lambda m: f"{m.group(2)} ({html.unescape(m.group(1))})", text)
    return html.unescape(_TAG.sub("", text))


class TerminalChat:
    """One local user talking to the engine; language kept in memory."""

    def __init__(self, dialogue: Dialogue, retention_days: int = 30) -> None:
        self.dialogue = dialogue
        self.retention_days = retention_days
        self.language: str | None = None
        self.state: str | None = None
        self.choices: list[str] = []

    def render(self, outcome: Outcome) -> str:
        """Apply events and turn replies into text with numbered choices."""
        for event in outcome.events:
            if isinstance(event, SetLanguage):
                self.language = event.lang
            elif isinstance(event, SetState):
                self.state = event.state
        self.choices = []
        parts = [self._reply(reply) for reply in outcome.replies]
        return "\n\n".join(parts)

    def _reply(self, reply: Reply) -> str:
        lines = [plain(reply.text)]
        for row in reply.buttons:
            for button in row:
                self.choices.append(button.action)
                lines.append(f"  [{len(self.choices)}] {button.label}")
        return "\n".join(lines)

    def send(self, line: str) -> str:
        """What the bot answers to one line typed by the user."""
        stripped = line.strip()
        if stripped.isascii() and stripped.isdigit() and 1 <= int(stripped) <= len(self.choices):
            action = self.choices[int(stripped) - 1]
            return self.render(self.dialogue.action(action, self.language, self.retention_days))
        if stripped.startswith("/"):
            name = stripped[1:].split()[0] if len(stripped) > 1 else ""
            return self.render(self.dialogue.command(name, self.language, self.retention_days))
        return self.render(self.dialogue.message(line, self.language, self.state))

    def loop(self, read: Callable[[str], str], write: Callable[[str], None]) -> None:
        """Talk until end of input or /quit."""
        write(self.render(self.dialogue.command("start", None, self.retention_days)))
        while True:
            try:
                line = read("> ")
            except (EOFError, KeyboardInterrupt):
                write("")
                return
            if line.strip() in ("/quit", "/exit"):
                return
            write(self.send(line))
