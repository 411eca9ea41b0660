"""A counsellor in a terminal: `perevir chat --counsellor NAME`, the other side of `perevir chat`.

It runs the same assembled bot on the same database and talks to the person's terminal only
through the outbox, as two processes would. It shows the counsellors' group (request cards, with
"Take" as a numbered choice) and the counsellor's private chat with the bot (briefs, the person's
messages, notices); what the counsellor types goes through `CounsellorDesk`, as in Telegram
(`bot.tg.handoff_handlers`): /cases, /case TAG, /transfer [TAG], /close [TAG], and any other
text to the person of the case.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping

from bot.app.counsellor_desk import StaffReply
from bot.app.person_handoff import Incoming
from bot.domain.actions import CloseCase, SendTo, TakeCase, decode
from bot.domain.dialogue_types import Reply
from bot.domain.language import staff_language
from bot.domain.notices import Queued
from bot.terminal import Terminal
from bot.wiring import Perevir

LOCAL_COUNSELLORS = 10**12
"""Local counsellor ids start here, far from the terminal's person (1) and from the ids of
people a terminal is likely to meet."""
GROUP_MARK = "[counsellors' group]"
"""Marks what was posted in the group, apart from the counsellor's private chat."""


def counsellor_id(name: str) -> int:
    """The stable local id of a counsellor's terminal, derived from their name (case and
    surrounding spaces do not matter)."""
    digest = hashlib.sha256(name.strip().casefold().encode("utf-8")).digest()
    return LOCAL_COUNSELLORS + int.from_bytes(digest[:4], "big")


def locale_language(environ: Mapping[str, str] = os.environ) -> str | None:
    """The terminal's language setting (LC_ALL, LC_MESSAGES, then LANG), which stands in for
    the language of a counsellor's Telegram."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if value := environ.get(variable):
            return value
    return None


class CounsellorTerminal(Terminal):
    """One local counsellor at the desk: the counsellors' group and their private chat."""

    cumulative = True  # cards arrive at any time: a number, once shown, keeps its meaning

    def __init__(self, perevir: Perevir, name: str, language_code: str | None = None) -> None:
        if perevir.group_chat_id is None:
            raise ValueError("the counsellor's terminal needs a counsellors' group")
        super().__init__(perevir)
        self.name = name
        self.counsellor_id = counsellor_id(name)
        self.group = perevir.group_chat_id
        self.language_code = language_code
        self.lang = staff_language(language_code)
        self.typed: dict[int, str] = {}
        """What the counsellor typed, by message id: a "which request?" choice sends it."""

    def chats(self) -> tuple[int, ...]:
        """The counsellors' group and the counsellor's private chat."""
        return (self.group, self.counsellor_id)

    async def language(self) -> str:
        """The counsellor's language, as the desk saw it last."""
        return self.lang

    def _shown(self, item: Queued, lang: str) -> Reply | None:
        """As in the base, with what was posted in the group marked as such."""
        reply = super()._shown(item, lang)
        if reply is not None and item.chat_id == self.group:
            return Reply(f"{GROUP_MARK}\n{reply.text}", reply.buttons)
        return reply

    async def start(self) -> str:
        """The first screen: the counsellor's open requests (their /start)."""
        return await self.send("/start")

    async def send(self, line: str) -> str:
        """What the bot answers to one line typed by the counsellor ("" when it went to the
        person)."""
        desk = self.perevir.desk
        self.lang = lang = await desk.seen(self.counsellor_id, self.language_code)
        action = self._choice(line)
        if action is not None:
            return self._answer(await self._press(action, lang))
        text = line.strip()
        if not text:
            return ""
        command, _, arg = text.partition(" ")
        command = command.split("@", 1)[0]
        me, arg = self.counsellor_id, arg.strip()
        reply: StaffReply | str | None
        if not command.startswith("/"):
            message_id = self.ids.next()
            self.typed[message_id] = text
            message = Incoming(message_id, "text", text, copyable=False)
            reply = await desk.relay(me, message_id, message, lang)
        elif command == "/cases":
            reply = await desk.list_cases(me, lang)
        elif command == "/case":
            reply = await desk.select(me, arg, lang)
        elif command == "/transfer":
            reply = await desk.transfer(me, arg, lang)
        elif command == "/close":
            reply = await desk.close_prompt(me, arg, lang)
        else:  # /start, /help and anything else: their requests
            reply = await desk.list_cases(me, lang)
        return self._answer(reply)

    async def _press(self, action: str, lang: str) -> StaffReply | str | None:
        """A numbered choice: "Take", an outcome of /close, or "which request?"."""
        desk, me = self.perevir.desk, self.counsellor_id
        match decode(action):
            case TakeCase(case_id):
                return await desk.take(case_id, me, lang)
            case CloseCase(case_id, outcome):
                return await desk.close(me, case_id, outcome, lang)
            case SendTo(case_id, message_id):
                typed = self.typed.get(message_id, "")
                return await desk.send_to(me, case_id, message_id, lang, typed)
        return None  # stale or not a counsellor's button: nothing to do

    def _answer(self, reply: StaffReply | str | None) -> str:
        """The desk's answer as the counsellor sees it."""
        if not reply:
            return ""
        if isinstance(reply, str):
            reply = StaffReply(reply)
        return self._render([Reply(reply.text, reply.buttons)])
