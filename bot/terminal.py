"""The same conversation in a terminal: numbered choices instead of buttons.

It runs the assembled bot (`bot.wiring.Perevir`): the same engine and the same use cases as
Telegram, on the same database, so "talk to a counsellor", `/forget` with its confirmation,
"share" and link checks work as they do in Telegram. A counsellor plays the other side in a
second terminal (`bot.counsellor_terminal`, `perevir chat --counsellor NAME`): the two talk only
through the database and its outbox, as two processes. Each terminal shows the outbox items
addressed to its own chats, polled in the background while it waits for input.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import html
import re
import time
from collections.abc import Callable

from bot.app.person_handoff import Incoming
from bot.app.ports import StorageFailure
from bot.config import Settings
from bot.domain.advert import find_link
from bot.domain.cases import Status, is_emergency
from bot.domain.dialogue import Outcome
from bot.domain.dialogue_types import Reply
from bot.domain.language import ui_language
from bot.domain.notices import Copy, EditCard, Queued, Say
from bot.web.fetch import FetchError
from bot.wiring import Perevir

_LINK = re.compile(r'<a href="([^"]*)">(.*?)</a>', re.S)
_TAG = re.compile(r"<[^>]+>")
TERMINAL_USER = 1
"""The terminal's person, as a Telegram user and chat id (stored only as a pseudonym)."""
TERMINAL_GROUP = -1
"""The counsellors' group of the terminals when PEREVIR_COUNSELLOR_CHAT_ID is not set: the
person's terminal posts its cards there, the counsellor's terminal shows them."""
POLL_SECONDS = 0.5
"""How often a terminal looks for what arrived for it while waiting for input."""
CASE_HELP_COMMANDS = ("/start", "/help")
"""During a request, answered with what is going on (as `bot.tg.handoff_handlers` does)."""
QUIT = ("/quit", "/exit")

Read = Callable[[str], str]
Write = Callable[[str], None]


def plain(text: str) -> str:
    """Telegram HTML as plain terminal text (links shown with their address)."""
    text = _LINK.sub(lambda m: f"{m.group(2)} ({html.unescape(m.group(1))})", text)
    return html.unescape(_TAG.sub("", text))


def terminal_settings(config: Settings) -> Settings:
    """The settings both terminals run with: the configured counsellors' group, else
    TERMINAL_GROUP, so that the hand-off works without Telegram."""
    if config.counsellor_chat_id is not None:
        return config
    return config.model_copy(update={"counsellor_chat_id": TERMINAL_GROUP})


class LocalIds:
    """Update and message ids for what is typed in a terminal: increasing, and new on every
    run over the same database (outbox keys are made from them)."""

    def __init__(self) -> None:
        self.last = 0

    def next(self) -> int:
        """The next id (microseconds since the epoch, or one more than the last)."""
        self.last = max(self.last + 1, time.time_ns() // 1000)
        return self.last


class Terminal:
    """What both terminals share: buttons as numbered choices, and what the outbox holds for
    their chats, shown as it arrives (also while waiting for input)."""

    cumulative = False
    """Whether new choices are numbered after the ones shown (else they replace them)."""

    def __init__(self, perevir: Perevir) -> None:
        self.perevir = perevir
        self.choices: list[str] = []
        self.shown_at: list[float] = []
        """When each choice was shown (monotonic seconds): a "yes" can be too late."""
        self.ids = LocalIds()
        self._draining = asyncio.Lock()
        self._reading = False

    # ---- what the subclasses say --------------------------------------------------------
    def chats(self) -> tuple[int, ...]:
        """The chats whose outbox items this terminal shows."""
        raise NotImplementedError

    async def language(self) -> str:
        """The language of this terminal's own lines."""
        raise NotImplementedError

    async def start(self) -> str:
        """The first screen."""
        raise NotImplementedError

    async def send(self, line: str) -> str:
        """What the bot answers to one typed line."""
        raise NotImplementedError

    # ---- choices ------------------------------------------------------------------------
    def _render(self, replies: list[Reply], *, arrived: bool = False) -> str:
        """Replies as text, their buttons as numbered choices. A new screen's choices replace
        the old ones; something that arrived without buttons leaves them as they are."""
        has_buttons = any(reply.buttons for reply in replies)
        if not self.cumulative and (has_buttons or not arrived):
            self.choices, self.shown_at = [], []
        parts = []
        for reply in replies:
            lines = [plain(reply.text)]
            for row in reply.buttons:
                for button in row:
                    self.choices.append(button.action)
                    self.shown_at.append(time.monotonic())
                    lines.append(f"  [{len(self.choices)}] {button.label}")
            parts.append("\n".join(lines))
        return "\n\n".join(parts)

    def _chosen(self, line: str) -> int | None:
        """The index of the choice a typed number stands for, if it is one shown."""
        stripped = line.strip()
        if stripped.isascii() and stripped.isdigit() and 1 <= int(stripped) <= len(self.choices):
            return int(stripped) - 1
        return None

    def _choice(self, line: str) -> str | None:
        """The button a typed number stands for, if it is one of the choices shown."""
        index = self._chosen(line)
        return self.choices[index] if index is not None else None

    def _shown_ago(self, line: str) -> dt.timedelta | None:
        """How long ago the typed choice was shown."""
        index = self._chosen(line)
        if index is None:
            return None
        return dt.timedelta(seconds=time.monotonic() - self.shown_at[index])

    # ---- what arrives -------------------------------------------------------------------
    def _shown(self, item: Queued, lang: str) -> Reply | None:
        """How an outbox item looks here; None for what leaves nothing to see (a deletion)."""
        match item.notice:
            case Say(text, buttons):
                return Reply(text, buttons)
            case Copy(caption=caption):
                line = self.perevir.dialogue.text(lang, "terminal.copy_shown")
                return Reply(f"{line}\n{caption}" if caption else line)
            case EditCard(text):
                return Reply(text)
        return None

    async def arrived(self) -> str:
        """What was written to the outbox for this terminal's chats meanwhile, marked sent."""
        shown: list[Reply] = []
        async with self._draining:
            try:
                items = await self.perevir.cases.pending_outbox(chat_ids=self.chats())
                lang = await self.language() if items else ""
                for item in items:
                    reply = self._shown(item, lang)
                    if reply is not None:
                        shown.append(reply)
                    await self.perevir.cases.mark_sent(item, None)
            except StorageFailure:
                pass  # shown next time
        return self._render(shown, arrived=True) if shown else ""

    # ---- the loop -----------------------------------------------------------------------
    def loop(self, read: Read, write: Write, prompt: Callable[[], None] | None = None) -> None:
        """Talk until end of input or /quit; `prompt` shows the prompt again after news."""
        asyncio.run(self.run(read, write, prompt))

    async def run(
        self,
        read: Read,
        write: Write,
        prompt: Callable[[], None] | None = None,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        """Talk until end of input or /quit, showing what arrives every `poll_seconds`."""
        watcher: asyncio.Task[None] | None = None
        try:
            write(await self.start())
            if news := await self.arrived():
                write(news)
            watcher = asyncio.create_task(self._watch(write, prompt, poll_seconds))
            while True:
                self._reading = True
                try:
                    line = await asyncio.to_thread(read, "> ")
                except (EOFError, KeyboardInterrupt):
                    write("")
                    return
                finally:
                    self._reading = False
                if line.strip() in QUIT:
                    return
                if answer := await self.send(line):
                    write(answer)
                if news := await self.arrived():
                    write(news)
        finally:
            if watcher is not None:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
            await self.perevir.close()

    async def _watch(
        self, write: Write, prompt: Callable[[], None] | None, poll_seconds: float
    ) -> None:
        """Show what arrives while the user is typing (or the bot is answering)."""
        while True:
            await asyncio.sleep(poll_seconds)
            news = await self.arrived()
            if not news:
                continue
            if self._reading:
                write("\n" + news)
                if prompt is not None:
                    prompt()
            else:
                write(news)


class TerminalChat(Terminal):
    """One local person talking to the assembled bot."""

    def __init__(self, perevir: Perevir, user_id: int = TERMINAL_USER) -> None:
        super().__init__(perevir)
        self.user_id = user_id
        self.key = perevir.pseudonym(user_id)

    def chats(self) -> tuple[int, ...]:
        """The person's own chat."""
        return (self.user_id,)

    async def language(self) -> str:
        """The person's language (Ukrainian until they choose)."""
        return ui_language(await self.perevir.conversation.language(self.key))

    async def _decide(self, line: str) -> tuple[Outcome, str | None]:
        bot = self.perevir
        language, state = await bot.conversation.user_state(self.key)
        dialogue, days = bot.dialogue, bot.retention_days
        stripped = line.strip()
        if (action := self._choice(line)) is not None:
            return dialogue.action(action, language, days, self._shown_ago(line)), language
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

    async def _during_case(self, line: str) -> list[Reply] | None:
        """As in Telegram (`bot.tg.handoff_handlers.route`): while a request is open, what the
        person writes goes to the counsellor, and /start or /help says what is going on.
        None when the line is for the bot (no open request, a choice, another command)."""
        bot = self.perevir
        if not bot.handoff_enabled or self._choice(line) is not None:
            return None
        case = await bot.cases.open_for_user(self.key)
        if case is None or case.status not in (Status.WAITING, Status.ASSIGNED):
            return None
        stripped = line.strip()
        if stripped.startswith("/"):
            if stripped.split(maxsplit=1)[0].split("@", 1)[0] in CASE_HELP_COMMANDS:
                lang = await bot.conversation.language(self.key) or case.language
                return await bot.person.during_case(self.key, lang)
            return None  # /end, /forget, /language...: the bot's own answers
        if not stripped:
            return []
        message_id = self.ids.next()
        await bot.person.relay(case, message_id, Incoming(message_id, "text", line))
        if case.status is Status.WAITING and is_emergency(line):
            return bot.dialogue.emergency(case.language).replies[:1]
        return []

    async def send(self, line: str) -> str:
        """What the bot answers to one line typed by the person ("" when it went to the
        counsellor)."""
        during = await self._during_case(line)
        if during is not None:
            return self._render(during) if during else ""
        outcome, language = await self._decide(line)
        follow_up = await self.perevir.conversation.record(
            self.key, outcome, language, self.user_id
        )
        return self._render(outcome.replies + follow_up)

    async def start(self) -> str:
        """The first screen: /start."""
        return await self.send("/start")
