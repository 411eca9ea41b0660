"""The same conversation in a terminal: numbered choices instead of buttons.

It runs the assembled bot (`bot.wiring.Perevir`): the same engine and the same use cases as
Telegram, on the same database, so "talk to a counsellor", `/forget` with its confirmation,
"share" and link checks work as they do in Telegram. What the bot would send to this chat
later (a counsellor's notices) is shown as it arrives in the outbox.
"""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Callable

from bot.app.ports import StorageFailure
from bot.domain.advert import find_link
from bot.domain.cases import is_emergency
from bot.domain.dialogue import Outcome
from bot.domain.dialogue_types import Reply
from bot.domain.notices import Say
from bot.web.fetch import FetchError
from bot.wiring import Perevir

_LINK = re.compile(r'<a href="([^"]*)">(.*?)</a>', re.S)
_TAG = re.compile(r"<[^>]+>")
TERMINAL_USER = 1
"""The terminal's person, as a Telegram user and chat id (stored only as a pseudonym)."""


def plain(text: str) -> str:
    """Telegram HTML as plain terminal text (links shown with their address)."""
    text = _LINK.sub(lambda m: f"{m.group(2)} ({html.unescape(m.group(1))})", text)
    return html.unescape(_TAG.sub("", text))


class TerminalChat:
    """One local person talking to the assembled bot."""

    def __init__(self, perevir: Perevir, user_id: int = TERMINAL_USER) -> None:
        self.perevir = perevir
        self.user_id = user_id
        self.key = perevir.pseudonym(user_id)
        self.choices: list[str] = []

    def _render(self, replies: list[Reply]) -> str:
        self.choices = []
        parts = []
        for reply in replies:
            lines = [plain(reply.text)]
            for row in reply.buttons:
                for button in row:
                    self.choices.append(button.action)
                    lines.append(f"  [{len(self.choices)}] {button.label}")
            parts.append("\n".join(lines))
        return "\n\n".join(parts)

    async def _decide(self, line: str) -> tuple[Outcome, str | None]:
        bot = self.perevir
        language, state = await bot.conversation.user_state(self.key)
        dialogue, days = bot.dialogue, bot.retention_days
        stripped = line.strip()
        if stripped.isascii() and stripped.isdigit() and 1 <= int(stripped) <= len(self.choices):
            return dialogue.action(self.choices[int(stripped) - 1], language, days), language
        if stripped.startswith("/"):
            name = stripped[1:].split()[0].split("@", 1)[0] if len(stripped) > 1 else ""
            return dialogue.command(name, language, days), language
        link = None if is_emergency(line) else find_link(line)
        if link is not None:
            try:
                page = await bot.fetch_link(link)
            except FetchError as exc:
                return dialogue.link_failed(exc.reason, exc.status, language), language
            return dialogue.advert(page.text, language, "link"), language
        noted = bot.memory.language_noted(self.key)
        return dialogue.message(line, language, state, noted=noted), language

    async def send(self, line: str) -> str:
        """What the bot answers to one line typed by the person."""
        outcome, language = await self._decide(line)
        follow_up = await self.perevir.conversation.record(
            self.key, outcome, language, self.user_id
        )
        return self._render(outcome.replies + follow_up)

    async def start(self) -> str:
        """The first screen: /start."""
        return await self.send("/start")

    async def arrived(self) -> str:
        """What was written to the outbox for this chat meanwhile (a counsellor's words)."""
        try:
            items = [
                i for i in await self.perevir.cases.pending_outbox() if i.chat_id == self.user_id
            ]
            shown = []
            for item in items:
                if isinstance(item.notice, Say):
                    shown.append(Reply(item.notice.text, item.notice.buttons))
                await self.perevir.cases.mark_sent(item, None)
        except StorageFailure:
            return ""
        return self._render(shown) if shown else ""

    def loop(self, read: Callable[[str], str], write: Callable[[str], None]) -> None:
        """Talk until end of input or /quit."""
        asyncio.run(self._loop(read, write))

    async def _loop(self, read: Callable[[str], str], write: Callable[[str], None]) -> None:
        try:
            write(await self.start())
            while True:
                try:
                    line = await asyncio.to_thread(read, "> ")
                except (EOFError, KeyboardInterrupt):
                    write("")
                    return
                if line.strip() in ("/quit", "/exit"):
                    return
                write(await self.send(line))
                if news := await self.arrived():
                    write(news)
        finally:
            await self.perevir.close()
